/* AttentionMask.c: evaluating and classifying constant attention masks.
 *
 * Exporters build causal masks from constants: a registered bool/uint8 buffer sliced to
 * the sequence (torch's GPT-2), Trilu of ones, or an additive -inf / finfo.min upper
 * triangle. gcim-fuse-attention must know a mask really is causal before it sets
 * causal = 1, so this file evaluates the mask element by element through the small op
 * set exporters use and compares it with the causal (sliding-window) band. */
#include "FuseAttention.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { MAX_DEPTH = 32 };

static bool evalDepth(MlirValue value, const int64_t *idx, double *out, int depth);

static int64_t flatIndex(const int64_t *dims, int rank, const int64_t *idx) {
  int64_t flat = 0;
  for (int i = 0; i < rank; ++i)
    flat = flat * dims[i] + idx[i];
  return flat;
}

static void unflatIndex(const int64_t *dims, int rank, int64_t flat, int64_t *idx) {
  for (int i = rank - 1; i >= 0; --i) {
    idx[i] = dims[i] > 0 ? flat % dims[i] : 0;
    flat = dims[i] > 0 ? flat / dims[i] : 0;
  }
}

/* Element `idx` of a result of shape `rank` read from an operand that broadcasts to it. */
static bool evalBroadcast(MlirValue operand, int rank, const int64_t *idx, double *out,
                          int depth) {
  int64_t dims[GCIM_MAX_RANK], sub[GCIM_MAX_RANK];
  int r = gcimTensorShape(mlirValueGetType(operand), dims);
  if (r < 0 || r > rank)
    return false;
  for (int i = 0; i < r; ++i)
    sub[i] = dims[i] == 1 ? 0 : idx[i + rank - r];
  return evalDepth(operand, sub, out, depth + 1);
}

static bool evalConstant(MlirValue value, const int64_t *idx, double *out) {
  MlirAttribute attr = gcimValueConstantAttr(value);
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(value), dims);
  if (mlirAttributeIsNull(attr) || rank < 0)
    return false;
  return gcimElementsGet(attr, flatIndex(dims, rank, idx), out);
}

static bool isBoolTensor(MlirValue value) {
  MlirType element = mlirShapedTypeGetElementType(mlirValueGetType(value));
  return mlirTypeIsAInteger(element) && mlirIntegerTypeGetWidth(element) == 1;
}

static bool evalTrilu(MlirOperation op, const int64_t *idx, int rank, double *out,
                      int depth) {
  double k = 0.0;
  int64_t upper = 1;
  if (rank < 2 || !gcimOpGetIntAttr(op, "upper", &upper))
    return false;
  if (mlirOperationGetNumOperands(op) > 1 &&
      !gcimValueScalarConstant(mlirOperationGetOperand(op, 1), &k))
    return false;
  int64_t diff = idx[rank - 1] - idx[rank - 2];
  bool keep = upper ? diff >= (int64_t)k : diff <= (int64_t)k;
  if (!keep) {
    *out = 0.0;
    return true;
  }
  return evalDepth(mlirOperationGetOperand(op, 0), idx, out, depth + 1);
}

static bool evalSlice(MlirOperation op, const int64_t *idx, int rank, double *out,
                      int depth) {
  MlirValue data = mlirOperationGetOperand(op, 0);
  int64_t dims[GCIM_MAX_RANK], starts[GCIM_MAX_RANK], ends[GCIM_MAX_RANK];
  int64_t axes[GCIM_MAX_RANK], steps[GCIM_MAX_RANK], sub[GCIM_MAX_RANK];
  if (gcimTensorShape(mlirValueGetType(data), dims) != rank)
    return false;
  int n = gcimValueI64Constant(mlirOperationGetOperand(op, 1), starts, GCIM_MAX_RANK);
  if (n < 0 || gcimValueI64Constant(mlirOperationGetOperand(op, 2), ends, n) != n)
    return false;
  /* Operand groups data, starts, ends, axes?, steps? (steps may come without axes). */
  MlirValue axesOperand = gcimOpGroupOperand(op, 3), stepsOperand = gcimOpGroupOperand(op, 4);
  for (int i = 0; i < n; ++i) {
    axes[i] = i;
    steps[i] = 1;
  }
  if (!mlirValueIsNull(axesOperand) && gcimValueI64Constant(axesOperand, axes, n) != n)
    return false;
  if (!mlirValueIsNull(stepsOperand) && gcimValueI64Constant(stepsOperand, steps, n) != n)
    return false;
  memcpy(sub, idx, sizeof(int64_t) * (size_t)rank);
  for (int i = 0; i < n; ++i) {
    int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank || steps[i] == 0)
      return false;
    int64_t start = starts[i] < 0 ? starts[i] + dims[axis] : starts[i];
    if (steps[i] > 0)
      start = start < 0 ? 0 : (start > dims[axis] ? dims[axis] : start);
    else
      start = start < 0 ? -1 : (start >= dims[axis] ? dims[axis] - 1 : start);
    sub[axis] = start + idx[axis] * steps[i];
  }
  return evalDepth(data, sub, out, depth + 1);
}

/* Reshape, Unsqueeze, Squeeze: the same elements in the same order. */
static bool evalReshape(MlirValue result, MlirValue data, const int64_t *idx, double *out,
                        int depth) {
  int64_t outDims[GCIM_MAX_RANK], inDims[GCIM_MAX_RANK], sub[GCIM_MAX_RANK];
  int outRank = gcimTensorShape(mlirValueGetType(result), outDims);
  int inRank = gcimTensorShape(mlirValueGetType(data), inDims);
  if (outRank < 0 || inRank < 0)
    return false;
  unflatIndex(inDims, inRank, flatIndex(outDims, outRank, idx), sub);
  return evalDepth(data, sub, out, depth + 1);
}

static bool evalBinary(MlirOperation op, const char *name, int rank, const int64_t *idx,
                       double *out, int depth) {
  double a, b;
  if (!evalBroadcast(mlirOperationGetOperand(op, 0), rank, idx, &a, depth) ||
      !evalBroadcast(mlirOperationGetOperand(op, 1), rank, idx, &b, depth))
    return false;
  if (strcmp(name, "onnx.add") == 0) *out = a + b;
  else if (strcmp(name, "onnx.sub") == 0) *out = a - b;
  else if (strcmp(name, "onnx.mul") == 0) *out = a * b;
  else if (strcmp(name, "onnx.div") == 0) *out = a / b;
  else if (strcmp(name, "onnx.and") == 0) *out = (a != 0.0) && (b != 0.0);
  else if (strcmp(name, "onnx.or") == 0) *out = (a != 0.0) || (b != 0.0);
  else if (strcmp(name, "onnx.equal") == 0) *out = a == b;
  else if (strcmp(name, "onnx.less") == 0) *out = a < b;
  else if (strcmp(name, "onnx.greater") == 0) *out = a > b;
  else return false;
  return true;
}

static bool evalOp(MlirOperation op, MlirValue value, const int64_t *idx, double *out,
                   int depth) {
  MlirStringRef ref = mlirIdentifierStr(mlirOperationGetName(op));
  char name[64];
  snprintf(name, sizeof name, "%.*s", (int)ref.length, ref.data);
  int rank = (int)gcimTensorRank(mlirValueGetType(value));
  MlirValue in0 = mlirOperationGetOperand(op, 0);
  if (strcmp(name, "onnx.cast") == 0 || strcmp(name, "onnx.identity") == 0) {
    if (!evalDepth(in0, idx, out, depth + 1))
      return false;
    if (isBoolTensor(value))
      *out = *out != 0.0;
    return true;
  }
  if (strcmp(name, "onnx.not") == 0) {
    if (!evalDepth(in0, idx, out, depth + 1))
      return false;
    *out = *out == 0.0;
    return true;
  }
  if (strcmp(name, "onnx.trilu") == 0)
    return evalTrilu(op, idx, rank, out, depth);
  if (strcmp(name, "onnx.slice") == 0)
    return evalSlice(op, idx, rank, out, depth);
  if (strcmp(name, "onnx.expand") == 0)
    return evalBroadcast(in0, rank, idx, out, depth);
  if (strcmp(name, "onnx.reshape") == 0 || strcmp(name, "onnx.unsqueeze") == 0 ||
      strcmp(name, "onnx.squeeze") == 0)
    return evalReshape(value, in0, idx, out, depth);
  if (strcmp(name, "onnx.where") == 0) {
    double c;
    if (!evalBroadcast(in0, rank, idx, &c, depth))
      return false;
    return evalBroadcast(mlirOperationGetOperand(op, c != 0.0 ? 1 : 2), rank, idx, out,
                         depth);
  }
  return evalBinary(op, name, rank, idx, out, depth);
}

static bool evalDepth(MlirValue value, const int64_t *idx, double *out, int depth) {
  if (depth > MAX_DEPTH)
    return false;
  MlirOperation op = gcimValueDefOp(value);
  if (mlirOperationIsNull(op) || mlirOperationGetNumOperands(op) == 0)
    return evalConstant(value, idx, out);
  return evalOp(op, value, idx, out, depth);
}

bool gcimMaskEval(MlirValue value, const int64_t *idx, double *out) {
  return evalDepth(value, idx, out, 0);
}

bool gcimIsMaskFill(MlirValue value) {
  double fill;
  return gcimValueScalarConstant(value, &fill) && (fill <= -1e4 || isinf(fill));
}

/* Whether entry (i, j) of the mask keeps the score; -1 when the entry is not a mask
 * value (an additive bias) or not computable. */
static int maskKeeps(MlirValue mask, GcimMaskMode mode, int rank, int64_t i, int64_t j,
                     const int64_t *lead) {
  int64_t idx[GCIM_MAX_RANK];
  for (int d = 0; d < rank - 2; ++d)
    idx[d] = lead[d];
  idx[rank - 2] = i;
  idx[rank - 1] = j;
  double value;
  if (!gcimMaskEval(mask, idx, &value))
    return -1;
  switch (mode) {
  case GCIM_MASK_TRUE_KEEPS: return value != 0.0;
  case GCIM_MASK_TRUE_MASKS: return value == 0.0;
  case GCIM_MASK_ADDITIVE:
    if (value == 0.0)
      return 1;
    return (value <= -1e4 || isinf(value)) ? 0 : -1;
  case GCIM_MASK_MULTIPLY:
    return value == 1.0 ? 1 : (value == 0.0 ? 0 : -1);
  }
  return -1;
}

/* The entry the causal band with window `window` (0: unbounded) expects. */
static int bandKeeps(int64_t i, int64_t j, int64_t offset, int64_t window) {
  int64_t age = i + offset - j;
  return age >= 0 && (window == 0 || age < window);
}

static bool fail(char *reason, size_t size, const char *text) {
  snprintf(reason, size, "%s", text);
  return false;
}

bool gcimMaskClassify(MlirValue mask, GcimMaskMode mode, int64_t tq, int64_t tk,
                      GcimMaskInfo *info, char *reason, size_t reasonSize) {
  int64_t dims[GCIM_MAX_RANK], lead[GCIM_MAX_RANK] = {0};
  int rank = gcimTensorShape(mlirValueGetType(mask), dims);
  if (rank < 2 || tq <= 0 || tk <= 0)
    return fail(reason, reasonSize, "the mask is not a static tensor of rank 2 or more");
  for (int d = 0; d < rank - 2; ++d)
    if (dims[d] != 1)
      return fail(reason, reasonSize, "the mask varies over batch or heads");
  if ((dims[rank - 2] != 1 && dims[rank - 2] != tq) ||
      (dims[rank - 1] != 1 && dims[rank - 1] != tk))
    return fail(reason, reasonSize, "the mask does not broadcast to the scores");
  int64_t offset = tk - tq, window = 0;
  int64_t last = tq - 1, kept = 0;
  for (int64_t j = 0; j < tk; ++j) {
    int keeps = maskKeeps(mask, mode, rank, dims[rank - 2] == 1 ? 0 : last,
                          dims[rank - 1] == 1 ? 0 : j, lead);
    if (keeps < 0)
      return fail(reason, reasonSize,
                  "the mask is not a constant of keep/mask entries (0 or a large negative "
                  "value when added)");
    kept += keeps;
  }
  if (kept == tk && tq == 1) { /* one query over every key is the causal row */
    *info = (GcimMaskInfo){1, 0};
    return true;
  }
  window = kept >= last + offset + 1 ? 0 : kept;
  bool causal = true, full = true;
  for (int64_t i = 0; i < tq; ++i)
    for (int64_t j = 0; j < tk; ++j) {
      int keeps = maskKeeps(mask, mode, rank, dims[rank - 2] == 1 ? 0 : i,
                            dims[rank - 1] == 1 ? 0 : j, lead);
      if (keeps < 0)
        return fail(reason, reasonSize, "the mask is not a constant of keep/mask entries");
      causal = causal && keeps == bandKeeps(i, j, offset, window);
      full = full && keeps == 1;
    }
  if (full) {
    *info = (GcimMaskInfo){0, 0};
    return true;
  }
  if (!causal)
    return fail(reason, reasonSize,
                "the mask is neither causal (lower triangular) nor a sliding window");
  *info = (GcimMaskInfo){1, window};
  return true;
}
