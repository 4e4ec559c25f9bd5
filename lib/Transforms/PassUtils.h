/* PassUtils.h: helpers shared by gcim's passes (private to lib/Transforms).
 *
 * Op builders for the generic-form onnx and gcim ops, use and liveness queries and dead-op
 * erasure (the constant readers are in gcim/Support/IRHelpers.h). IRDL ops are never
 * erased as dead by MLIR, so every rewrite calls gcimEraseDeadOps on what it replaced. */
#ifndef GCIM_LIB_TRANSFORMS_PASSUTILS_H
#define GCIM_LIB_TRANSFORMS_PASSUTILS_H

#include "gcim/Runtime/ElemType.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stdint.h>

/// The op defining `value`, or a null op for a block argument.
MlirOperation gcimValueDefOp(MlirValue value);

/// True when `value` is defined by an op named `name`; the op goes to *op (may be NULL).
bool gcimValueIsOp(MlirValue value, const char *name, MlirOperation *op);

/// Number of uses of `value`.
int gcimValueUseCount(MlirValue value);

/// The only user of `value`, or a null op when it has zero or several uses.
MlirOperation gcimValueSingleUser(MlirValue value);

/// Static shape of ranked tensor `type` into dims (rank <= GCIM_MAX_RANK); returns the
/// rank, or -1 for an unranked or too-large tensor.
int gcimTensorShape(MlirType type, int64_t dims[GCIM_MAX_RANK]);

/// Dimension `dim` of `type` when it is a ranked tensor with more than `dim` dims and the
/// dimension is static; -1 otherwise (never asserts).
int64_t gcimSafeDim(MlirType type, int dim);

/// Number of elements of a static tensor type, or -1.
int64_t gcimTensorNumElements(MlirType type);

/// Reads the i64 array attribute `name` of `op` into out[0..max); returns the count or -1.
int gcimOpGetI64Array(MlirOperation op, const char *name, int64_t *out, int max);

/// Named attributes.
MlirNamedAttribute gcimNamedInt(MlirContext ctx, const char *name, int64_t value);
MlirNamedAttribute gcimNamedF32(MlirContext ctx, const char *name, double value);
MlirNamedAttribute gcimNamedString(MlirContext ctx, const char *name, const char *value);
MlirNamedAttribute gcimNamedI64Array(MlirContext ctx, const char *name, const int64_t *v,
                                     intptr_t n);

/// Sets attributes on an existing op.
void gcimOpSetInt(MlirOperation op, const char *name, int64_t value);
void gcimOpSetF32(MlirOperation op, const char *name, double value);
void gcimOpSetString(MlirOperation op, const char *name, const char *value);

/// A ranked tensor type of `rank` (<= GCIM_MAX_RANK) dims with element type `element`;
/// negative dims are dynamic.
MlirType gcimTensorType(int rank, const int64_t *dims, MlirType element);

/// Creates op `name` before `before` (in its block) with the given operands, result types
/// and attributes; returns it.
MlirOperation gcimBuildOp(MlirOperation before, const char *name, MlirLocation loc,
                          intptr_t nOperands, const MlirValue *operands, intptr_t nResults,
                          const MlirType *results, intptr_t nAttrs,
                          const MlirNamedAttribute *attrs);

/// onnx.constant of a 1-D i64 tensor.
MlirValue gcimBuildI64Constant(MlirOperation before, MlirLocation loc, const int64_t *values,
                               int count);

/// onnx.transpose of `x` by `perm`; returns `x` itself for the identity permutation.
MlirValue gcimBuildTranspose(MlirOperation before, MlirLocation loc, MlirValue x,
                             const int64_t *perm);

/// onnx.reshape of `x` to the static shape dims[0..rank).
MlirValue gcimBuildReshape(MlirOperation before, MlirLocation loc, MlirValue x, int rank,
                           const int64_t *dims);

/// Erases `op` if none of its results is used, then, transitively, the ops that defined
/// its operands and became dead (ops with regions are never erased).
void gcimEraseDeadOps(MlirOperation op);

/// The name of the NameLoc `loc` (the ONNX node) as a NUL-terminated copy into buf.
void gcimLocationName(MlirLocation loc, char *buf, size_t size);

/// Collects the ops under `root` (itself included) for which `select` is true, in `order`,
/// so that a pass can rewrite them after the walk. On success *ops (malloc'ed, the caller
/// frees it; NULL when none) and *count are set; when out of memory, an error is emitted
/// at `root` and the result is false.
bool gcimCollectOps(MlirOperation root, MlirWalkOrder order, bool (*select)(MlirOperation op),
                    MlirOperation **ops, size_t *count);

#endif /* GCIM_LIB_TRANSFORMS_PASSUTILS_H */
