/* LowerRuntime.h: the parts of gcim-lower-runtime (private to lib/Transforms). */
#ifndef GCIM_LIB_TRANSFORMS_LOWERRUNTIME_H
#define GCIM_LIB_TRANSFORMS_LOWERRUNTIME_H

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stdint.h>

/// Rewrites the op groups of `func` that one runtime kernel computes in a single call
/// (LowerRuntimeFuse.c); false after a diagnostic.
bool gcimLowerRuntimeFuse(MlirOperation func);

/// The onnx.add that is the only use of `product` (rows x n) and adds a float32 constant
/// of n elements along its last axis (the bias of a product); a null op otherwise. The
/// constant goes to *bias.
MlirOperation gcimLowerRuntimeBiasAdd(MlirValue product, int64_t n, MlirValue *bias);

/// Rewrites products on quantized weights, and with `weights` "int8" or "bf16" every
/// gcim.linear, into gcim.linear_narrow (LowerRuntimeNarrow.c); false after a diagnostic.
bool gcimLowerRuntimeNarrow(MlirOperation func, const char *weights);

#endif /* GCIM_LIB_TRANSFORMS_LOWERRUNTIME_H */
