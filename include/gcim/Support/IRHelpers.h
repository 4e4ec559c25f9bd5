/* gcim/Support/IRHelpers.h: small conveniences over the MLIR C API used across gcim. */
#ifndef GCIM_SUPPORT_IRHELPERS_H
#define GCIM_SUPPORT_IRHELPERS_H

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// True when `op`'s name is exactly `name` (for example "gcim.attention").
bool gcimOpIsA(MlirOperation op, const char *name);

/// Reads integer attribute `name` of `op` into *value; false if absent or not an integer.
bool gcimOpGetIntAttr(MlirOperation op, const char *name, int64_t *value);

/// Reads float attribute `name` of `op` into *value; false if absent or not a float.
bool gcimOpGetFloatAttr(MlirOperation op, const char *name, double *value);

/// Reads string attribute `name` of `op`; false if absent or not a string. The string is
/// borrowed from the context and not NUL-terminated.
bool gcimOpGetStringAttr(MlirOperation op, const char *name, MlirStringRef *value);

/// True when the string `ref` equals the NUL-terminated `text`.
bool gcimStringRefEquals(MlirStringRef ref, const char *text);

/// The rank of `type` if it is a ranked tensor, else -1.
int64_t gcimTensorRank(MlirType type);

/// Dimension `dim` of ranked tensor `type`, or -1 when dynamic. dim < rank (a bug otherwise).
int64_t gcimTensorDim(MlirType type, int64_t dim);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_IRHELPERS_H */
