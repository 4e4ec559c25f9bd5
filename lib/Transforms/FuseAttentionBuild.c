/* FuseAttentionBuild.c: gcim.attention as gcim-fuse-attention builds it, in float32, and the
 * K/V head repeat of grouped-query and multi-query attention. */
#include "FuseAttention.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinTypes.h"

/* The ONNX TensorProto code of a float element type other than float32 (0 for others). */
static int64_t onnxFloatCode(MlirType element) {
  if (mlirTypeIsAF16(element))
    return 10; /* FLOAT16 */
  if (mlirTypeIsAF64(element))
    return 11; /* DOUBLE */
  if (mlirTypeIsABF16(element))
    return 16; /* BFLOAT16 */
  return 0;
}

/* onnx.cast of `x` to the element type `element` (ONNX code `code`). */
static MlirValue buildCast(MlirOperation before, MlirLocation loc, MlirValue x, MlirType element,
                           int64_t code) {
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(x), dims);
  MlirType type = gcimTensorType(rank, dims, element);
  MlirNamedAttribute to = gcimNamedInt(mlirLocationGetContext(loc), "to", code);
  return mlirOperationGetResult(gcimBuildOp(before, "onnx.cast", loc, 1, &x, 1, &type, 1, &to), 0);
}

MlirValue gcimBuildAttention(MlirOperation before, MlirLocation loc, MlirValue q, MlirValue k,
                             MlirValue v, MlirValue scales, const char *kind, int causal,
                             int64_t window, double scale) {
  MlirContext ctx = mlirLocationGetContext(loc);
  MlirType element = mlirShapedTypeGetElementType(mlirValueGetType(q));
  /* The hardware and the exact kernels compute in float32 (a float16 or bfloat16 model's
   * attention then rounds once, at its output): cast in and back out. */
  int64_t code = onnxFloatCode(element);
  if (code != 0) {
    MlirType f32 = mlirF32TypeGet(ctx);
    q = buildCast(before, loc, q, f32, 1);
    k = buildCast(before, loc, k, f32, 1);
    v = buildCast(before, loc, v, f32, 1);
    if (!mlirValueIsNull(scales) &&
        onnxFloatCode(mlirShapedTypeGetElementType(mlirValueGetType(scales))) != 0)
      scales = buildCast(before, loc, scales, f32, 1);
    MlirValue y = gcimBuildAttention(before, loc, q, k, v, scales, kind, causal, window, scale);
    return buildCast(before, loc, y, element, code);
  }
  MlirType qt = mlirValueGetType(q), vt = mlirValueGetType(v);
  int64_t dims[4] = {gcimTensorDim(qt, 0), gcimTensorDim(qt, 1), gcimTensorDim(qt, 2),
                     gcimTensorDim(vt, 3)};
  MlirType result = gcimTensorType(4, dims, element);
  MlirNamedAttribute attrs[6] = {
      gcimNamedString(ctx, "kind", kind),      gcimNamedInt(ctx, "causal", causal),
      gcimNamedInt(ctx, "window", window),     gcimNamedF32(ctx, "scale", scale),
      gcimNamedInt(ctx, "num_heads", dims[1]), gcimNamedInt(ctx, "head_dim", gcimTensorDim(qt, 3))};
  MlirValue operands[4] = {q, k, v, scales};
  intptr_t count = mlirValueIsNull(scales) ? 3 : 4;
  MlirOperation op =
      gcimBuildOp(before, "gcim.attention", loc, count, operands, 1, &result, 6, attrs);
  return mlirOperationGetResult(op, 0);
}

MlirValue gcimBuildHeadRepeat(MlirOperation before, MlirLocation loc, MlirValue x, int64_t group) {
  int64_t dims[GCIM_MAX_RANK], axes[1] = {2};
  if (group == 1 || gcimTensorShape(mlirValueGetType(x), dims) != 4)
    return x;
  MlirType element = mlirShapedTypeGetElementType(mlirValueGetType(x));
  int64_t one[5] = {dims[0], dims[1], 1, dims[2], dims[3]};
  int64_t wide[5] = {dims[0], dims[1], group, dims[2], dims[3]};
  int64_t merged[4] = {dims[0], dims[1] * group, dims[2], dims[3]};
  MlirType oneType = gcimTensorType(5, one, element), wideType = gcimTensorType(5, wide, element);
  MlirValue unsqueezeOperands[2] = {x, gcimBuildI64Constant(before, loc, axes, 1)};
  MlirValue unsqueezed = mlirOperationGetResult(
      gcimBuildOp(before, "onnx.unsqueeze", loc, 2, unsqueezeOperands, 1, &oneType, 0, NULL), 0);
  MlirValue expandOperands[2] = {unsqueezed, gcimBuildI64Constant(before, loc, wide, 5)};
  MlirValue expanded = mlirOperationGetResult(
      gcimBuildOp(before, "onnx.expand", loc, 2, expandOperands, 1, &wideType, 0, NULL), 0);
  return gcimBuildReshape(before, loc, expanded, 4, merged);
}
