/* LowerRuntime.h: the parts of gcim-lower-runtime (private to lib/Transforms). */
#ifndef GCIM_LIB_TRANSFORMS_LOWERRUNTIME_H
#define GCIM_LIB_TRANSFORMS_LOWERRUNTIME_H

#include "mlir-c/IR.h"

#include <stdbool.h>

/// Rewrites the op groups of `func` that one runtime kernel computes in a single call
/// (LowerRuntimeFuse.c); false after a diagnostic.
bool gcimLowerRuntimeFuse(MlirOperation func);

#endif /* GCIM_LIB_TRANSFORMS_LOWERRUNTIME_H */
