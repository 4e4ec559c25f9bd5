/* AttentionMaskTensor.c: evaluates a constant attention mask a tensor at a time.
 *
 * Classifying a mask reads every entry (a million at a thousand tokens, for each value a
 * padding input is held at). Evaluated one entry at a time (AttentionMaskEval.c), each
 * entry walks the chain of ops through the MLIR C API, looking every op up by name: seconds
 * per layer. Here each op of the chain is looked up once and computed over whole tensors of
 * doubles, with the same arithmetic (AttentionMaskEval.h), so the entries are the same. It
 * follows the ops AttentionMaskEval.c follows and gives up on anything else, on a tensor of
 * more than MAX_ELEMENTS elements, on more than MAX_WORK elements in all and on an integer
 * division by zero anywhere (the element evaluator fails only on the entries it reads);
 * the caller then evaluates element by element, which also says why it cannot. */
#include "AttentionMaskEval.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 32 }; /* as AttentionMaskEval.c's, so that no deeper chain is followed */
static const int64_t MAX_ELEMENTS = (int64_t)1 << 22; /* 32 MB of doubles */
/* Elements computed in one evaluation: an operand used twice is computed twice, so a chain
 * of such ops is bounded here rather than by its depth. */
static const int64_t MAX_WORK = (int64_t)1 << 27;

typedef struct Tensor {
  double *data;
  int rank;
  int64_t dims[GCIM_MAX_RANK];
  int64_t count;
} Tensor;

typedef struct TensorEval {
  const GcimMaskBinding *binding; /* may be NULL */
  int64_t work;
} TensorEval;

static bool evalTensor(TensorEval *t, MlirValue value, Tensor *out, int depth);

static void release(Tensor *tensor) {
  free(tensor->data);
  tensor->data = NULL;
}

/* The static shape of `value` into `tensor` (its data not allocated yet: an op takes its
 * operand's buffer when it can, so that a chain holds few buffers at a time). */
static bool shapeOf(TensorEval *t, MlirValue value, Tensor *tensor) {
  tensor->data = NULL;
  tensor->rank = gcimTensorShape(mlirValueGetType(value), tensor->dims);
  if (tensor->rank < 0)
    return false;
  tensor->count = 1;
  for (int d = 0; d < tensor->rank; ++d) {
    if (tensor->dims[d] < 0 || tensor->dims[d] > MAX_ELEMENTS)
      return false;
    tensor->count *= tensor->dims[d];
    if (tensor->count > MAX_ELEMENTS)
      return false;
  }
  t->work += tensor->count;
  return t->work <= MAX_WORK;
}

static bool allocate(Tensor *tensor) {
  tensor->data = malloc((size_t)(tensor->count > 0 ? tensor->count : 1) * sizeof(double));
  return tensor->data != NULL;
}

static void rowMajorStrides(const Tensor *tensor, int64_t *strides) {
  int64_t stride = 1;
  for (int d = tensor->rank - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= tensor->dims[d];
  }
}

static bool sameShape(const Tensor *a, const Tensor *b) {
  return a->rank == b->rank && memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank) == 0;
}

/* into[n] = src[base + sum over d of idx_d(n) * strides[d]], n over `shape` row-major. */
static void gather(const double *src, int64_t base, const int64_t *strides, const Tensor *shape,
                   double *into) {
  int64_t idx[GCIM_MAX_RANK] = {0}, offset = base;
  for (int64_t n = 0; n < shape->count; ++n) {
    into[n] = src[offset];
    for (int d = shape->rank - 1; d >= 0; --d) {
      offset += strides[d];
      if (++idx[d] < shape->dims[d])
        break;
      offset -= strides[d] * shape->dims[d];
      idx[d] = 0;
    }
  }
}

/* `src` broadcast to `shape` (as the element evaluator's evalBroadcast reads it) into
 * `into` (shape->count elements). */
static bool broadcastInto(const Tensor *src, const Tensor *shape, double *into) {
  int64_t srcStrides[GCIM_MAX_RANK], strides[GCIM_MAX_RANK];
  int lead = shape->rank - src->rank;
  if (lead < 0)
    return false;
  rowMajorStrides(src, srcStrides);
  for (int d = 0; d < shape->rank; ++d) {
    int s = d - lead;
    if (s >= 0 && src->dims[s] != 1 && src->dims[s] != shape->dims[d])
      return false;
    strides[d] = s < 0 || src->dims[s] == 1 ? 0 : srcStrides[s];
  }
  gather(src->data, 0, strides, shape, into);
  return true;
}

/* Operand `i` of `op` broadcast to `shape`, into a new buffer *into. */
static bool operandAs(TensorEval *t, MlirOperation op, intptr_t i, const Tensor *shape,
                      double **into, int depth) {
  Tensor operand;
  *into = NULL;
  if (!evalTensor(t, mlirOperationGetOperand(op, i), &operand, depth + 1))
    return false;
  if (sameShape(&operand, shape)) {
    *into = operand.data;
    return true;
  }
  *into = malloc((size_t)(shape->count > 0 ? shape->count : 1) * sizeof(double));
  bool ok = *into && broadcastInto(&operand, shape, *into);
  release(&operand);
  if (!ok) {
    free(*into);
    *into = NULL;
  }
  return ok;
}

/* The elements of constant `attr` one at a time (a splat's first only). */
static bool readEach(MlirAttribute attr, bool splat, Tensor *out) {
  for (int64_t n = 0; n < out->count; ++n)
    if (splat && n > 0)
      out->data[n] = out->data[0];
    else if (!gcimElementsGet(attr, n, &out->data[n]))
      return false;
  return true;
}

static bool evalConstant(TensorEval *t, MlirValue value, Tensor *out) {
  if (!shapeOf(t, value, out))
    return false;
  if (t->binding && mlirValueEqual(value, t->binding->input)) {
    if (!allocate(out))
      return false;
    for (int64_t n = 0; n < out->count; ++n)
      out->data[n] = t->binding->value;
    return true;
  }
  MlirAttribute attr = gcimValueConstantAttr(value);
  if (mlirValueIsABlockArgument(value) || mlirAttributeIsNull(attr) || gcimElementsElided(attr) ||
      !allocate(out))
    return false;
  bool resource = mlirAttributeIsADenseResourceElements(attr);
  bool splat =
      !resource && mlirAttributeIsADenseElements(attr) && mlirDenseElementsAttrIsSplat(attr);
  if (out->count == 0 || splat || mlirElementsAttrGetNumElements(attr) != out->count)
    return readEach(attr, splat, out);
  /* A million-entry bool buffer (GPT-2's) is read per layer: the getters gcimElementsGet
   * would choose, chosen once. */
  MlirType element = mlirShapedTypeGetElementType(mlirAttributeGetType(attr));
  if ((!resource && !mlirAttributeIsADenseElements(attr)) ||
      !((mlirTypeIsAInteger(element) && mlirIntegerTypeGetWidth(element) == 1) ||
        mlirTypeIsAF32(element)))
    return readEach(attr, false, out);
  double *data = out->data;
  if (mlirTypeIsAF32(element) && resource)
    for (int64_t n = 0; n < out->count; ++n)
      data[n] = mlirDenseFloatResourceElementsAttrGetValue(attr, (intptr_t)n);
  else if (mlirTypeIsAF32(element))
    for (int64_t n = 0; n < out->count; ++n)
      data[n] = mlirDenseElementsAttrGetFloatValue(attr, (intptr_t)n);
  else if (resource)
    for (int64_t n = 0; n < out->count; ++n)
      data[n] = mlirDenseBoolResourceElementsAttrGetValue(attr, (intptr_t)n);
  else
    for (int64_t n = 0; n < out->count; ++n)
      data[n] = mlirDenseElementsAttrGetBoolValue(attr, (intptr_t)n);
  return true;
}

/* A binary op, or Min/Max over any number of inputs, folded left to right. */
static bool evalBinary(TensorEval *t, MlirOperation op, GcimMaskBinaryOp kind, Tensor *out,
                       int depth) {
  intptr_t count = mlirOperationGetNumOperands(op);
  MlirType first = mlirValueGetType(mlirOperationGetOperand(op, 0));
  bool integer = mlirTypeIsAInteger(mlirShapedTypeGetElementType(first));
  int64_t fmodAttr = 0;
  gcimOpGetIntAttr(op, "fmod", &fmodAttr);
  if (count != 2 && kind != GCIM_MASK_OP_MIN && kind != GCIM_MASK_OP_MAX)
    return false;
  double *b;
  if (!operandAs(t, op, 0, out, &out->data, depth))
    return false;
  for (intptr_t i = 1; i < count; ++i) {
    if (!operandAs(t, op, i, out, &b, depth))
      return false;
    bool ok = true;
    for (int64_t n = 0; n < out->count && ok; ++n)
      ok = gcimMaskApplyBinary(kind, out->data[n], b[n], integer, fmodAttr != 0, &out->data[n]);
    free(b);
    if (!ok)
      return false;
  }
  return true;
}

static bool evalWhere(TensorEval *t, MlirOperation op, Tensor *out, int depth) {
  double *parts[3] = {NULL, NULL, NULL};
  bool ok = true;
  for (int i = 0; i < 3 && ok; ++i)
    ok = operandAs(t, op, i, out, &parts[i], depth);
  for (int64_t n = 0; n < out->count && ok; ++n)
    if (parts[0][n] == 0.0)
      parts[1][n] = parts[2][n];
  out->data = ok ? parts[1] : NULL;
  free(parts[0]);
  free(parts[2]);
  if (!ok)
    free(parts[1]);
  return ok;
}

/* Operand 0 of `op` as the result's data: read at the same indices (elementwise ops,
 * Trilu) or, `reshaped`, in the same order (Reshape, Squeeze, ...). */
static bool takeOperand(TensorEval *t, MlirOperation op, bool reshaped, Tensor *out, int depth) {
  Tensor in;
  if (!evalTensor(t, mlirOperationGetOperand(op, 0), &in, depth + 1))
    return false;
  if (reshaped ? in.count != out->count : !sameShape(&in, out)) {
    release(&in);
    return false;
  }
  out->data = in.data;
  return true;
}

static bool evalIsInf(TensorEval *t, MlirOperation op, Tensor *out, int depth) {
  int64_t positive = 1, negative = 1;
  gcimOpGetIntAttr(op, "detect_positive", &positive);
  gcimOpGetIntAttr(op, "detect_negative", &negative);
  if (!takeOperand(t, op, false, out, depth))
    return false;
  for (int64_t n = 0; n < out->count; ++n) {
    double x = out->data[n];
    out->data[n] = isinf(x) && ((x > 0 && positive) || (x < 0 && negative));
  }
  return true;
}

static bool evalClip(TensorEval *t, MlirOperation op, Tensor *out, int depth) {
  if (!takeOperand(t, op, false, out, depth))
    return false;
  double bounds[2];
  if (!gcimMaskClipBounds(op, bounds))
    return false;
  for (int64_t n = 0; n < out->count; ++n)
    out->data[n] = gcimMaskClip(out->data[n], bounds);
  return true;
}

static bool evalTrilu(TensorEval *t, MlirOperation op, Tensor *out, int depth) {
  double k = 0.0;
  int64_t upper = 1;
  if (out->rank < 2 || !gcimOpGetIntAttr(op, "upper", &upper) ||
      (mlirOperationGetNumOperands(op) > 1 &&
       !gcimValueScalarConstant(mlirOperationGetOperand(op, 1), &k)) ||
      !takeOperand(t, op, false, out, depth))
    return false;
  int64_t rows = out->dims[out->rank - 2], cols = out->dims[out->rank - 1];
  for (int64_t n = 0; n < out->count; ++n) {
    int64_t diff = n % cols - (n / cols) % rows;
    if (upper ? diff < (int64_t)k : diff > (int64_t)k)
      out->data[n] = 0.0;
  }
  return true;
}

/* Slice: result index i of a sliced axis reads start + i * step (the element evaluator's
 * clamping of start); every read must fall inside the data. */
static bool evalSlice(TensorEval *t, MlirOperation op, Tensor *out, int depth) {
  int64_t starts[GCIM_MAX_RANK], ends[GCIM_MAX_RANK], axes[GCIM_MAX_RANK], steps[GCIM_MAX_RANK];
  int64_t axisStart[GCIM_MAX_RANK] = {0}, axisStep[GCIM_MAX_RANK], strides[GCIM_MAX_RANK];
  int n = gcimValueI64Constant(mlirOperationGetOperand(op, 1), starts, GCIM_MAX_RANK);
  if (n < 0 || gcimValueI64Constant(mlirOperationGetOperand(op, 2), ends, n) != n)
    return false;
  MlirValue axesOperand = gcimOpGroupOperand(op, 3), stepsOperand = gcimOpGroupOperand(op, 4);
  for (int i = 0; i < n; ++i) {
    axes[i] = i;
    steps[i] = 1;
  }
  if ((!mlirValueIsNull(axesOperand) && gcimValueI64Constant(axesOperand, axes, n) != n) ||
      (!mlirValueIsNull(stepsOperand) && gcimValueI64Constant(stepsOperand, steps, n) != n))
    return false;
  Tensor data;
  if (!evalTensor(t, mlirOperationGetOperand(op, 0), &data, depth + 1))
    return false;
  bool ok = data.rank == out->rank;
  for (int d = 0; d < out->rank; ++d)
    axisStep[d] = 1;
  for (int i = 0; i < n && ok; ++i) {
    int64_t axis = axes[i] < 0 ? axes[i] + out->rank : axes[i];
    ok = axis >= 0 && axis < out->rank && steps[i] != 0;
    if (!ok)
      break;
    int64_t size = data.dims[axis], start = starts[i] < 0 ? starts[i] + size : starts[i];
    if (steps[i] > 0)
      start = start < 0 ? 0 : (start > size ? size : start);
    else
      start = start < 0 ? -1 : (start >= size ? size - 1 : start);
    axisStart[axis] = start;
    axisStep[axis] = steps[i];
  }
  int64_t base = 0;
  rowMajorStrides(&data, strides);
  for (int d = 0; d < out->rank && ok && out->count > 0; ++d) {
    int64_t last = axisStart[d] + (out->dims[d] - 1) * axisStep[d];
    ok = axisStart[d] >= 0 && axisStart[d] < data.dims[d] && last >= 0 && last < data.dims[d];
    base += axisStart[d] * strides[d];
    strides[d] *= axisStep[d];
  }
  if (ok && allocate(out))
    gather(data.data, base, strides, out, out->data);
  release(&data);
  return ok && out->data;
}

/* Transpose (result axis i is data axis perm[i]) and Tile (indices wrap around). */
static bool evalPermuteOrTile(TensorEval *t, MlirOperation op, bool tile, Tensor *out, int depth) {
  int64_t perm[GCIM_MAX_RANK], strides[GCIM_MAX_RANK], dataStrides[GCIM_MAX_RANK];
  int rank = out->rank;
  if (!tile)
    gcimMaskPermutation(op, rank, perm);
  Tensor data;
  if (!evalTensor(t, mlirOperationGetOperand(op, 0), &data, depth + 1))
    return false;
  bool ok = data.rank == rank && allocate(out);
  rowMajorStrides(&data, dataStrides);
  unsigned seen = 0;
  for (int i = 0; i < rank && ok && !tile; ++i) {
    ok = perm[i] >= 0 && perm[i] < rank && !(seen & (1u << perm[i])) &&
         data.dims[perm[i]] == out->dims[i];
    if (ok) {
      seen |= 1u << perm[i];
      strides[i] = dataStrides[perm[i]];
    }
  }
  if (ok && !tile) {
    gather(data.data, 0, strides, out, out->data);
  } else if (ok) {
    int64_t idx[GCIM_MAX_RANK] = {0};
    for (int64_t n = 0; n < out->count; ++n) {
      int64_t offset = 0;
      for (int d = 0; d < rank; ++d)
        offset += (data.dims[d] > 0 ? idx[d] % data.dims[d] : 0) * dataStrides[d];
      out->data[n] = data.data[offset];
      for (int d = rank - 1; d >= 0 && ++idx[d] == out->dims[d]; --d)
        idx[d] = 0;
    }
  }
  release(&data);
  return ok;
}

/* The first element of operand `i` of `op` (Range's start and delta). */
static bool firstElement(TensorEval *t, MlirOperation op, intptr_t i, double *out, int depth) {
  Tensor operand;
  if (!evalTensor(t, mlirOperationGetOperand(op, i), &operand, depth + 1))
    return false;
  bool ok = operand.count > 0;
  if (ok)
    *out = operand.data[0];
  release(&operand);
  return ok;
}

static bool evalRange(TensorEval *t, MlirOperation op, MlirValue value, Tensor *out, int depth) {
  double start, delta;
  if (out->rank != 1 || !firstElement(t, op, 0, &start, depth) ||
      !firstElement(t, op, 2, &delta, depth) || !allocate(out))
    return false;
  GcimMaskFit fit = gcimMaskFitOf(mlirValueGetType(value));
  for (int64_t n = 0; n < out->count; ++n)
    out->data[n] = gcimMaskFit(fit, start + (double)n * delta);
  return true;
}

static bool evalConstantOfShape(MlirOperation op, Tensor *out) {
  MlirAttribute fill = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("value"));
  double value = 0.0;
  if (!mlirAttributeIsNull(fill) &&
      (!mlirAttributeIsAElements(fill) || !gcimElementsGet(fill, 0, &value)))
    return false;
  if (!allocate(out))
    return false;
  for (int64_t n = 0; n < out->count; ++n)
    out->data[n] = value;
  return true;
}

/* Data movement and the ops with attributes or optional operands (as evalStructural). */
static bool evalStructural(TensorEval *t, MlirOperation op, const char *name, MlirValue value,
                           Tensor *out, int depth) {
  intptr_t operands = mlirOperationGetNumOperands(op);
  if (strcmp(name, "onnx.where") == 0)
    return operands == 3 && evalWhere(t, op, out, depth);
  if (strcmp(name, "onnx.is_inf") == 0)
    return evalIsInf(t, op, out, depth);
  if (strcmp(name, "onnx.clip") == 0)
    return evalClip(t, op, out, depth);
  if (strcmp(name, "onnx.trilu") == 0)
    return evalTrilu(t, op, out, depth);
  if (strcmp(name, "onnx.slice") == 0)
    return operands >= 3 && evalSlice(t, op, out, depth);
  if (strcmp(name, "onnx.expand") == 0)
    return operandAs(t, op, 0, out, &out->data, depth);
  if (strcmp(name, "onnx.reshape") == 0 || strcmp(name, "onnx.unsqueeze") == 0 ||
      strcmp(name, "onnx.squeeze") == 0 || strcmp(name, "onnx.flatten") == 0)
    return takeOperand(t, op, true, out, depth);
  if (strcmp(name, "onnx.transpose") == 0 || strcmp(name, "onnx.tile") == 0)
    return evalPermuteOrTile(t, op, name[5] == 't' && name[6] == 'i', out, depth);
  if (strcmp(name, "onnx.range") == 0)
    return operands == 3 && evalRange(t, op, value, out, depth);
  if (strcmp(name, "onnx.constant_of_shape") == 0)
    return evalConstantOfShape(op, out);
  return false;
}

static bool evalOp(TensorEval *t, MlirOperation op, MlirValue value, Tensor *out, int depth) {
  MlirStringRef ref = mlirIdentifierStr(mlirOperationGetName(op));
  char name[64];
  snprintf(name, sizeof name, "%.*s", (int)ref.length, ref.data);
  if (mlirOperationGetNumOperands(op) == 0 || !shapeOf(t, value, out))
    return false;
  GcimMaskUnaryFn unary = gcimMaskUnaryFor(name);
  int binary = unary ? -1 : gcimMaskBinaryFor(name);
  bool ok;
  if (unary) {
    ok = takeOperand(t, op, false, out, depth);
    for (int64_t n = 0; n < out->count && ok; ++n)
      out->data[n] = unary(out->data[n]);
  } else {
    ok = binary >= 0 ? evalBinary(t, op, (GcimMaskBinaryOp)binary, out, depth)
                     : evalStructural(t, op, name, value, out, depth);
  }
  if (!ok) {
    release(out);
    return false;
  }
  gcimMaskFitArray(gcimMaskFitOf(mlirValueGetType(value)), out->data, out->count);
  return true;
}

static bool evalTensor(TensorEval *t, MlirValue value, Tensor *out, int depth) {
  out->data = NULL;
  if (depth > MAX_DEPTH)
    return false;
  MlirOperation op = gcimValueDefOp(value);
  bool ok = mlirOperationIsNull(op) || gcimOpIsA(op, "onnx.constant")
                ? evalConstant(t, value, out)
                : evalOp(t, op, value, out, depth);
  if (!ok)
    release(out);
  return ok;
}

bool gcimMaskEvalTensor(MlirValue value, const GcimMaskBinding *binding, double **out) {
  TensorEval t = {binding, 0};
  Tensor tensor;
  *out = NULL;
  if (!evalTensor(&t, value, &tensor, 0))
    return false;
  *out = tensor.data;
  return true;
}
