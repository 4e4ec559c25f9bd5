/* QuantizeFold.c: gcim-quantize's folding of per-head scalers into projections.
 *
 * A scaler y = a_h * x + b_h on x = Transpose(0,2,1,3)(Reshape(part)) where part is the
 * output of a projection MatMul(h, W) [+ bias] (possibly one part of a Split along the
 * features, as in fused QKV projections) is folded into W's and the bias's columns of
 * each head. Legal only when every value on the way has one use and W and the bias are
 * f32 constants used only by this projection; otherwise the scaler stays. The output
 * scaler (a_o, b_o) folds the same way into the output projection after the head merge:
 * Transpose(0,2,1,3), Reshape to (B, T, heads*dim), MatMul by W [+ bias]. */
#include "QuantizeFold.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include <stdlib.h>
#include <string.h>

typedef struct Projection {
  MlirOperation weight, bias; /* onnx.constant ops; bias may be null */
  int64_t offset;             /* first feature column of this part */
  int64_t heads, dim;
} Projection;

static bool singleUse(MlirValue value) { return gcimValueUseCount(value) == 1; }

static bool isF32Constant(MlirValue value, MlirOperation *op) {
  return gcimValueIsOp(value, "onnx.constant", op) && singleUse(value) &&
         mlirTypeIsAF32(mlirShapedTypeGetElementType(mlirValueGetType(value)));
}

/* The column offset of result `index` of a Split along the last axis, or -1. */
static int64_t splitOffset(MlirOperation split, MlirValue part) {
  int64_t axis = 0, dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(mlirOperationGetOperand(split, 0)), dims);
  gcimOpGetIntAttr(split, "axis", &axis);
  if (rank < 1 || (axis != -1 && axis != rank - 1))
    return -1;
  int64_t offset = 0;
  for (intptr_t i = 0; i < mlirOperationGetNumResults(split); ++i) {
    MlirValue result = mlirOperationGetResult(split, i);
    if (mlirValueEqual(result, part))
      return offset;
    offset += gcimTensorDim(mlirValueGetType(result), rank - 1);
  }
  return -1;
}

/* The projection (MatMul [+ Add]) that `source` comes from. */
static bool matchProjection(MlirValue source, Projection *p) {
  MlirOperation op;
  if (!singleUse(source))
    return false;
  MlirValue product = source;
  p->bias = (MlirOperation){NULL};
  if (gcimValueIsOp(source, "onnx.add", &op)) {
    for (int side = 0; side < 2; ++side)
      if (isF32Constant(mlirOperationGetOperand(op, side), &p->bias) &&
          gcimTensorRank(mlirValueGetType(mlirOperationGetOperand(op, side))) == 1) {
        product = mlirOperationGetOperand(op, 1 - side);
        break;
      }
    if (mlirOperationIsNull(p->bias) || !singleUse(product))
      return false;
  }
  if (!gcimValueIsOp(product, "onnx.mat_mul", &op) ||
      !isF32Constant(mlirOperationGetOperand(op, 1), &p->weight) ||
      gcimTensorRank(mlirValueGetType(mlirOperationGetOperand(op, 1))) != 2)
    return false;
  return true;
}

/* x = Transpose(0,2,1,3)(Reshape(part -> (B, T, H, D))); finds the projection. */
static bool matchHeadPlumbing(MlirValue x, Projection *p) {
  MlirOperation transpose, reshape, split;
  int64_t perm[GCIM_MAX_RANK], out[GCIM_MAX_RANK], in[GCIM_MAX_RANK];
  if (!singleUse(x) || !gcimValueIsOp(x, "onnx.transpose", &transpose) ||
      gcimOpGetI64Array(transpose, "perm", perm, GCIM_MAX_RANK) != 4 || perm[0] != 0 ||
      perm[1] != 2 || perm[2] != 1 || perm[3] != 3)
    return false;
  MlirValue reshaped = mlirOperationGetOperand(transpose, 0);
  if (!singleUse(reshaped) || !gcimValueIsOp(reshaped, "onnx.reshape", &reshape))
    return false;
  MlirValue part = mlirOperationGetOperand(reshape, 0);
  int inRank = gcimTensorShape(mlirValueGetType(part), in);
  if (gcimTensorShape(mlirValueGetType(reshaped), out) != 4 || inRank < 1 ||
      in[inRank - 1] != out[2] * out[3])
    return false;
  p->heads = out[2];
  p->dim = out[3];
  p->offset = 0;
  if (gcimValueIsOp(part, "onnx.split", &split)) {
    if (!singleUse(part))
      return false;
    p->offset = splitOffset(split, part);
    part = mlirOperationGetOperand(split, 0);
    if (p->offset < 0)
      return false;
  }
  return matchProjection(part, p);
}

static bool readConstant(MlirOperation constant, float **values, int64_t *count) {
  MlirAttribute attr =
      mlirOperationGetAttributeByName(constant, mlirStringRefCreateFromCString("value"));
  *count = mlirElementsAttrGetNumElements(attr);
  *values = malloc((size_t)(*count > 0 ? *count : 1) * sizeof **values);
  if (!*values)
    return false;
  /* Fast paths for the common f32 dense forms; the element-wise reader for the rest. */
  if (mlirAttributeIsADenseElements(attr) && mlirDenseElementsAttrIsSplat(attr)) {
    float value = mlirDenseElementsAttrGetFloatSplatValue(attr);
    for (int64_t i = 0; i < *count; ++i)
      (*values)[i] = value;
    return true;
  }
  if (mlirAttributeIsADenseElements(attr)) {
    memcpy(*values, mlirDenseElementsAttrGetRawData(attr), (size_t)*count * sizeof **values);
    return true;
  }
  for (int64_t i = 0; i < *count; ++i) {
    double element;
    if (!gcimElementsGet(attr, i, &element)) {
      free(*values);
      *values = NULL; /* callers free what they were given */
      return false;
    }
    (*values)[i] = (float)element;
  }
  return true;
}

static void writeConstant(MlirOperation constant, const float *values, int64_t count) {
  MlirType type = mlirValueGetType(mlirOperationGetResult(constant, 0));
  mlirOperationSetAttributeByName(constant, mlirStringRefCreateFromCString("value"),
                                  mlirDenseElementsAttrFloatGet(type, count, values));
}

/* Multiplies W's head columns by a_h; the bias gets a_h * bias + b_h. */
static bool applyFold(const Projection *p, const float *a, const float *b) {
  float *w = NULL, *bias = NULL;
  int64_t wCount = 0, bCount = 0;
  MlirType wType = mlirValueGetType(mlirOperationGetResult(p->weight, 0));
  int64_t cols = gcimTensorDim(wType, 1);
  if (cols < p->offset + p->heads * p->dim || !readConstant(p->weight, &w, &wCount))
    return false;
  if (!mlirOperationIsNull(p->bias) && !readConstant(p->bias, &bias, &bCount)) {
    free(w);
    return false;
  }
  for (int64_t i = 0; i < wCount; ++i) {
    int64_t col = i % cols - p->offset;
    if (col >= 0 && col < p->heads * p->dim)
      w[i] *= a[col / p->dim];
  }
  for (int64_t col = 0; bias && col < p->heads * p->dim && p->offset + col < bCount; ++col)
    bias[p->offset + col] = a[col / p->dim] * bias[p->offset + col] + b[col / p->dim];
  writeConstant(p->weight, w, wCount);
  if (bias)
    writeConstant(p->bias, bias, bCount);
  free(w);
  free(bias);
  return true;
}

/* Reads the scaler's per-head a and b; false unless its scales are a constant. */
static bool readScalers(MlirOperation scaler, int64_t heads, float *a, float *b) {
  MlirAttribute scales = gcimValueConstantAttr(mlirOperationGetOperand(scaler, 1));
  int64_t ai = 0, bi = 1;
  gcimOpGetIntAttr(scaler, "a_index", &ai);
  gcimOpGetIntAttr(scaler, "b_index", &bi);
  if (mlirAttributeIsNull(scales) || mlirElementsAttrGetNumElements(scales) != heads * 8)
    return false;
  for (int64_t h = 0; h < heads; ++h) {
    double va, vb;
    if (!gcimElementsGet(scales, h * 8 + ai, &va) || !gcimElementsGet(scales, h * 8 + bi, &vb))
      return false;
    a[h] = (float)va;
    b[h] = (float)vb;
  }
  return true;
}

/* The output projection after an output scaler: Transpose(0,2,1,3), Reshape to
 * (B, T, heads * dim), MatMul by a constant weight (heads * dim, N), optional Add of a
 * constant bias (N); every value on the way used once. */
static bool matchOutputProjection(MlirValue y, Projection *p) {
  int64_t perm[GCIM_MAX_RANK], dims[GCIM_MAX_RANK];
  MlirOperation transpose = gcimValueSingleUser(y);
  if (mlirOperationIsNull(transpose) || !gcimOpIsA(transpose, "onnx.transpose") ||
      gcimOpGetI64Array(transpose, "perm", perm, GCIM_MAX_RANK) != 4 || perm[0] != 0 ||
      perm[1] != 2 || perm[2] != 1 || perm[3] != 3)
    return false;
  MlirOperation reshape = gcimValueSingleUser(mlirOperationGetResult(transpose, 0));
  if (mlirOperationIsNull(reshape) || !gcimOpIsA(reshape, "onnx.reshape"))
    return false;
  MlirValue merged = mlirOperationGetResult(reshape, 0);
  int rank = gcimTensorShape(mlirValueGetType(merged), dims);
  if (rank < 1 || dims[rank - 1] != p->heads * p->dim)
    return false;
  MlirOperation matmul = gcimValueSingleUser(merged);
  if (mlirOperationIsNull(matmul) || !gcimOpIsA(matmul, "onnx.mat_mul") ||
      !mlirValueEqual(mlirOperationGetOperand(matmul, 0), merged) ||
      !isF32Constant(mlirOperationGetOperand(matmul, 1), &p->weight) ||
      gcimTensorRank(mlirValueGetType(mlirOperationGetOperand(matmul, 1))) != 2)
    return false;
  p->bias = (MlirOperation){NULL};
  MlirOperation add = gcimValueSingleUser(mlirOperationGetResult(matmul, 0));
  if (!mlirOperationIsNull(add) && gcimOpIsA(add, "onnx.add"))
    for (int side = 0; side < 2; ++side) {
      MlirValue operand = mlirOperationGetOperand(add, side);
      if (isF32Constant(operand, &p->bias) && gcimTensorRank(mlirValueGetType(operand)) == 1)
        break;
      p->bias = (MlirOperation){NULL};
    }
  return true;
}

/* out = Σ_r (a_h(r) z_r + b_h(r)) W[r, n]: W's rows of head h times a_h, the bias plus
 * Σ_r b_h(r) W[r, n] (with the original W). */
static bool applyOutputFold(const Projection *p, const float *a, const float *b) {
  float *w = NULL, *bias = NULL;
  int64_t wCount = 0, bCount = 0;
  MlirType wType = mlirValueGetType(mlirOperationGetResult(p->weight, 0));
  int64_t rows = gcimTensorDim(wType, 0), cols = gcimTensorDim(wType, 1);
  if (rows != p->heads * p->dim || !readConstant(p->weight, &w, &wCount))
    return false;
  if (!mlirOperationIsNull(p->bias) && (!readConstant(p->bias, &bias, &bCount) || bCount != cols)) {
    free(w);
    free(bias);
    return false;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t n = 0; n < cols; ++n) {
      float *weight = &w[r * cols + n];
      if (bias)
        bias[n] += b[r / p->dim] * *weight;
      *weight *= a[r / p->dim];
    }
  writeConstant(p->weight, w, wCount);
  if (bias)
    writeConstant(p->bias, bias, bCount);
  free(w);
  free(bias);
  return true;
}

bool gcimFoldScaler(MlirOperation scaler) {
  MlirValue x = mlirOperationGetOperand(scaler, 0);
  int64_t heads = gcimTensorDim(mlirValueGetType(x), 1);
  if (heads <= 0 || heads > 4096)
    return false;
  float a[4096], b[4096];
  if (!readScalers(scaler, heads, a, b))
    return false;
  bool identity = true, zeroB = true;
  for (int64_t h = 0; h < heads; ++h) {
    identity = identity && a[h] == 1.0f && b[h] == 0.0f;
    zeroB = zeroB && b[h] == 0.0f;
  }
  int64_t aIndex = 0;
  gcimOpGetIntAttr(scaler, "a_index", &aIndex);
  if (!identity && aIndex == 6) {
    Projection p;
    memset(&p, 0, sizeof p);
    p.heads = heads;
    p.dim = gcimTensorDim(mlirValueGetType(x), 3);
    if (p.dim <= 0 || !matchOutputProjection(mlirOperationGetResult(scaler, 0), &p) ||
        (mlirOperationIsNull(p.bias) && !zeroB) || !applyOutputFold(&p, a, b))
      return false;
  } else if (!identity) {
    Projection p;
    memset(&p, 0, sizeof p);
    if (!matchHeadPlumbing(x, &p) || p.heads != heads || (mlirOperationIsNull(p.bias) && !zeroB) ||
        !applyFold(&p, a, b))
      return false;
  }
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(scaler, 0), x);
  gcimEraseDeadOps(scaler);
  return true;
}
