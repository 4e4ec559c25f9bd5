/* AttentionMaskEval.c: evaluates one element of a constant attention mask.
 *
 * Exporters build masks from constants through chains of elementwise and shape ops over
 * position values (Range, Trilu, comparisons of row and column positions, Where, Log of a
 * 0/1 mask, ...). The importer folds most of them; what reaches gcim-fuse-attention unfolded
 * (large masks, hand-written IR) is evaluated here one element at a time: single entries
 * (which side of an Add is the mask), and whole masks where the tensor evaluator
 * (AttentionMaskTensor.c, same arithmetic) gives up, saying why. Every op is
 * looked up in a table that states its arity, so an op is never read past its operands; an
 * op outside the table, a function argument (other than the one a binding holds at a value:
 * a padding mask input, AttentionMaskPadding.c) or a too deep chain stops the evaluation
 * with a reason. */
#include "AttentionMaskEval.h"
#include "FuseAttention.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MAX_DEPTH = 32 };

typedef struct Eval {
  const GcimMaskBinding *binding; /* may be NULL */
  char *reason;
  size_t reasonSize;
} Eval;

static bool evalValue(Eval *e, MlirValue value, const int64_t *idx, double *out, int depth);

static bool stop(Eval *e, const char *format, ...) {
  if (e->reason && e->reasonSize) {
    va_list args;
    va_start(args, format);
    vsnprintf(e->reason, e->reasonSize, format, args);
    va_end(args);
  }
  return false;
}

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

/* Element `idx` of a result of rank `rank` read from an operand that broadcasts to it. */
static bool evalBroadcast(Eval *e, MlirValue operand, int rank, const int64_t *idx, double *out,
                          int depth) {
  int64_t dims[GCIM_MAX_RANK], sub[GCIM_MAX_RANK];
  int r = gcimTensorShape(mlirValueGetType(operand), dims);
  if (r < 0 || r > rank)
    return stop(e, "the mask's operands are not static tensors that broadcast");
  for (int i = 0; i < r; ++i)
    sub[i] = dims[i] == 1 ? 0 : idx[i + rank - r];
  return evalValue(e, operand, sub, out, depth + 1);
}

static bool evalConstant(Eval *e, MlirValue value, const int64_t *idx, double *out) {
  if (e->binding && mlirValueEqual(value, e->binding->input)) {
    *out = e->binding->value;
    return true;
  }
  if (mlirValueIsABlockArgument(value))
    return stop(e, "the mask depends on a function argument, not only on constants");
  MlirAttribute attr = gcimValueConstantAttr(value);
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(value), dims);
  if (!mlirAttributeIsNull(attr) && gcimElementsElided(attr))
    return stop(e, "the mask holds a constant whose values were elided when the IR was printed");
  if (mlirAttributeIsNull(attr) || rank < 0 ||
      !gcimElementsGet(attr, flatIndex(dims, rank, idx), out))
    return stop(e, "the mask holds a constant of an unreadable type");
  return true;
}

GcimMaskFit gcimMaskFitOf(MlirType type) {
  MlirType element = mlirShapedTypeGetElementType(type);
  if (mlirTypeIsAInteger(element))
    return mlirIntegerTypeGetWidth(element) == 1 ? GCIM_MASK_FIT_BOOL : GCIM_MASK_FIT_INTEGER;
  return mlirTypeIsAF32(element) ? GCIM_MASK_FIT_F32 : GCIM_MASK_FIT_NONE;
}

double gcimMaskFit(GcimMaskFit fit, double v) {
  switch (fit) {
  case GCIM_MASK_FIT_BOOL:
    return (double)(v != 0.0);
  case GCIM_MASK_FIT_INTEGER:
    return trunc(v);
  case GCIM_MASK_FIT_F32:
    return (double)(float)v;
  case GCIM_MASK_FIT_NONE:
    break;
  }
  return v;
}

void gcimMaskFitArray(GcimMaskFit fit, double *values, int64_t count) {
  /* The same cases as gcimMaskFit, chosen once for the whole array. */
  switch (fit) {
  case GCIM_MASK_FIT_BOOL:
    for (int64_t n = 0; n < count; ++n)
      values[n] = (double)(values[n] != 0.0);
    break;
  case GCIM_MASK_FIT_INTEGER:
    for (int64_t n = 0; n < count; ++n)
      values[n] = trunc(values[n]);
    break;
  case GCIM_MASK_FIT_F32:
    for (int64_t n = 0; n < count; ++n)
      values[n] = (double)(float)values[n];
    break;
  case GCIM_MASK_FIT_NONE:
    break;
  }
}

static double sign(double x) { return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : x); }
static double negate(double x) { return -x; }
static double reciprocal(double x) { return 1.0 / x; }
static double logicalNot(double x) { return x == 0.0; }
static double isNan(double x) { return isnan(x) != 0; }
static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double relu(double x) { return x > 0.0 ? x : 0.0; }
static double softplus(double x) { return x > 30.0 ? x : log1p(exp(x)); }
static double identity(double x) { return x; }

static const struct {
  const char *name;
  GcimMaskUnaryFn fn;
} unaryOps[] = {
    {"onnx.neg", negate},      {"onnx.abs", fabs},         {"onnx.exp", exp},
    {"onnx.log", log},         {"onnx.sqrt", sqrt},        {"onnx.reciprocal", reciprocal},
    {"onnx.sign", sign},       {"onnx.not", logicalNot},   {"onnx.is_nan", isNan},
    {"onnx.sin", sin},         {"onnx.cos", cos},          {"onnx.tanh", tanh},
    {"onnx.sigmoid", sigmoid}, {"onnx.erf", erf},          {"onnx.relu", relu},
    {"onnx.floor", floor},     {"onnx.ceil", ceil},        {"onnx.softplus", softplus},
    {"onnx.cast", identity},   {"onnx.identity", identity}};

static const char *const binaryNames[] = {"onnx.add",     "onnx.sub",
                                          "onnx.mul",     "onnx.div",
                                          "onnx.pow",     "onnx.min",
                                          "onnx.max",     "onnx.mod",
                                          "onnx.and",     "onnx.or",
                                          "onnx.xor",     "onnx.equal",
                                          "onnx.less",    "onnx.less_or_equal",
                                          "onnx.greater", "onnx.greater_or_equal"};

GcimMaskUnaryFn gcimMaskUnaryFor(const char *name) {
  for (size_t i = 0; i < sizeof unaryOps / sizeof unaryOps[0]; ++i)
    if (strcmp(name, unaryOps[i].name) == 0)
      return unaryOps[i].fn;
  return NULL;
}

int gcimMaskBinaryFor(const char *name) {
  for (size_t i = 0; i < sizeof binaryNames / sizeof binaryNames[0]; ++i)
    if (strcmp(name, binaryNames[i]) == 0)
      return (int)i;
  return -1;
}

bool gcimMaskApplyBinary(GcimMaskBinaryOp op, double a, double b, bool integer, bool fmodAttr,
                         double *out) {
  if ((op == GCIM_MASK_OP_DIV || op == GCIM_MASK_OP_MOD) && integer && b == 0.0)
    return false;
  switch (op) {
  case GCIM_MASK_OP_ADD:
    *out = a + b;
    break;
  case GCIM_MASK_OP_SUB:
    *out = a - b;
    break;
  case GCIM_MASK_OP_MUL:
    *out = a * b;
    break;
  case GCIM_MASK_OP_DIV:
    *out = integer ? trunc(a / b) : a / b;
    break;
  case GCIM_MASK_OP_POW:
    *out = pow(a, b);
    break;
  case GCIM_MASK_OP_MIN:
    *out = isnan(a) || a < b ? a : b;
    break;
  case GCIM_MASK_OP_MAX:
    *out = isnan(a) || a > b ? a : b;
    break;
  case GCIM_MASK_OP_MOD:
    *out = fmodAttr ? fmod(a, b) : a - b * floor(a / b);
    break;
  case GCIM_MASK_OP_AND:
    *out = (a != 0.0) && (b != 0.0);
    break;
  case GCIM_MASK_OP_OR:
    *out = (a != 0.0) || (b != 0.0);
    break;
  case GCIM_MASK_OP_XOR:
    *out = (a != 0.0) != (b != 0.0);
    break;
  case GCIM_MASK_OP_EQUAL:
    *out = a == b;
    break;
  case GCIM_MASK_OP_LESS:
    *out = a < b;
    break;
  case GCIM_MASK_OP_LESS_EQUAL:
    *out = a <= b;
    break;
  case GCIM_MASK_OP_GREATER:
    *out = a > b;
    break;
  case GCIM_MASK_OP_GREATER_EQUAL:
    *out = a >= b;
    break;
  }
  return true;
}

/* A binary op, or Min/Max over any number of inputs, folded left to right. */
static bool evalBinary(Eval *e, MlirOperation op, GcimMaskBinaryOp kind, MlirValue value,
                       const int64_t *idx, double *out, int depth) {
  intptr_t count = mlirOperationGetNumOperands(op);
  int rank = (int)gcimTensorRank(mlirValueGetType(value));
  MlirValue first = mlirOperationGetOperand(op, 0);
  MlirType element = mlirShapedTypeGetElementType(mlirValueGetType(first));
  bool integer = mlirTypeIsAInteger(element);
  int64_t fmodAttr = 0;
  gcimOpGetIntAttr(op, "fmod", &fmodAttr);
  if (count < 1 || (count != 2 && kind != GCIM_MASK_OP_MIN && kind != GCIM_MASK_OP_MAX))
    return stop(e, "a mask op has %d operands", (int)count);
  if (!evalBroadcast(e, first, rank, idx, out, depth))
    return false;
  for (intptr_t i = 1; i < count; ++i) {
    double b;
    if (!evalBroadcast(e, mlirOperationGetOperand(op, i), rank, idx, &b, depth))
      return false;
    if (!gcimMaskApplyBinary(kind, *out, b, integer, fmodAttr != 0, out))
      return stop(e, "the mask divides an integer by zero");
  }
  return true;
}

static bool evalIsInf(Eval *e, MlirOperation op, const int64_t *idx, double *out, int depth) {
  int64_t positive = 1, negative = 1;
  gcimOpGetIntAttr(op, "detect_positive", &positive);
  gcimOpGetIntAttr(op, "detect_negative", &negative);
  if (!evalValue(e, mlirOperationGetOperand(op, 0), idx, out, depth + 1))
    return false;
  *out = isinf(*out) && ((*out > 0 && positive) || (*out < 0 && negative));
  return true;
}

bool gcimMaskClipBounds(MlirOperation op, double bounds[2]) {
  bounds[0] = -INFINITY;
  bounds[1] = INFINITY;
  for (int group = 1; group <= 2; ++group) {
    MlirValue bound = gcimOpGroupOperand(op, group);
    if (!mlirValueIsNull(bound) && !gcimValueScalarConstant(bound, &bounds[group - 1]))
      return false;
  }
  return true;
}

double gcimMaskClip(double x, const double bounds[2]) {
  if (x < bounds[0])
    x = bounds[0];
  if (x > bounds[1])
    x = bounds[1];
  return x;
}

static bool evalClip(Eval *e, MlirOperation op, const int64_t *idx, double *out, int depth) {
  if (!evalValue(e, mlirOperationGetOperand(op, 0), idx, out, depth + 1))
    return false;
  double bounds[2];
  if (!gcimMaskClipBounds(op, bounds))
    return stop(e, "the mask is clipped to bounds that are not constants");
  *out = gcimMaskClip(*out, bounds);
  return true;
}

static bool evalWhere(Eval *e, MlirOperation op, int rank, const int64_t *idx, double *out,
                      int depth) {
  double c;
  if (!evalBroadcast(e, mlirOperationGetOperand(op, 0), rank, idx, &c, depth))
    return false;
  return evalBroadcast(e, mlirOperationGetOperand(op, c != 0.0 ? 1 : 2), rank, idx, out, depth);
}

static bool evalTrilu(Eval *e, MlirOperation op, const int64_t *idx, int rank, double *out,
                      int depth) {
  double k = 0.0;
  int64_t upper = 1;
  if (rank < 2 || !gcimOpGetIntAttr(op, "upper", &upper))
    return stop(e, "a Trilu of the mask has rank %d or no 'upper'", rank);
  if (mlirOperationGetNumOperands(op) > 1 &&
      !gcimValueScalarConstant(mlirOperationGetOperand(op, 1), &k))
    return stop(e, "a Trilu of the mask has a diagonal that is not a constant");
  int64_t diff = idx[rank - 1] - idx[rank - 2];
  if (upper ? diff < (int64_t)k : diff > (int64_t)k) {
    *out = 0.0;
    return true;
  }
  return evalValue(e, mlirOperationGetOperand(op, 0), idx, out, depth + 1);
}

static bool evalSlice(Eval *e, MlirOperation op, const int64_t *idx, int rank, double *out,
                      int depth) {
  MlirValue data = mlirOperationGetOperand(op, 0);
  int64_t dims[GCIM_MAX_RANK], starts[GCIM_MAX_RANK], ends[GCIM_MAX_RANK];
  int64_t axes[GCIM_MAX_RANK], steps[GCIM_MAX_RANK], sub[GCIM_MAX_RANK];
  if (gcimTensorShape(mlirValueGetType(data), dims) != rank)
    return stop(e, "a Slice of the mask has no static shape");
  int n = gcimValueI64Constant(mlirOperationGetOperand(op, 1), starts, GCIM_MAX_RANK);
  if (n < 0 || gcimValueI64Constant(mlirOperationGetOperand(op, 2), ends, n) != n)
    return stop(e, "a Slice of the mask has bounds that are not constants");
  /* Operand groups data, starts, ends, axes?, steps? (steps may come without axes). */
  MlirValue axesOperand = gcimOpGroupOperand(op, 3), stepsOperand = gcimOpGroupOperand(op, 4);
  for (int i = 0; i < n; ++i) {
    axes[i] = i;
    steps[i] = 1;
  }
  if ((!mlirValueIsNull(axesOperand) && gcimValueI64Constant(axesOperand, axes, n) != n) ||
      (!mlirValueIsNull(stepsOperand) && gcimValueI64Constant(stepsOperand, steps, n) != n))
    return stop(e, "a Slice of the mask has axes or steps that are not constants");
  memcpy(sub, idx, sizeof(int64_t) * (size_t)rank);
  for (int i = 0; i < n; ++i) {
    int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank || steps[i] == 0)
      return stop(e, "a Slice of the mask has an invalid axis or step");
    int64_t start = starts[i] < 0 ? starts[i] + dims[axis] : starts[i];
    if (steps[i] > 0)
      start = start < 0 ? 0 : (start > dims[axis] ? dims[axis] : start);
    else
      start = start < 0 ? -1 : (start >= dims[axis] ? dims[axis] - 1 : start);
    sub[axis] = start + idx[axis] * steps[i];
  }
  return evalValue(e, data, sub, out, depth + 1);
}

/* Reshape, Unsqueeze, Squeeze, Flatten: the same elements in the same order. */
static bool evalReshape(Eval *e, MlirValue result, MlirValue data, const int64_t *idx, double *out,
                        int depth) {
  int64_t outDims[GCIM_MAX_RANK], inDims[GCIM_MAX_RANK], sub[GCIM_MAX_RANK];
  int outRank = gcimTensorShape(mlirValueGetType(result), outDims);
  int inRank = gcimTensorShape(mlirValueGetType(data), inDims);
  if (outRank < 0 || inRank < 0)
    return stop(e, "a reshape of the mask has no static shape");
  unflatIndex(inDims, inRank, flatIndex(outDims, outRank, idx), sub);
  return evalValue(e, data, sub, out, depth + 1);
}

void gcimMaskPermutation(MlirOperation op, int rank, int64_t *perm) {
  for (int i = 0; i < rank; ++i)
    perm[i] = rank - 1 - i;
  MlirAttribute permAttr =
      mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("perm"));
  if (!mlirAttributeIsNull(permAttr) && mlirAttributeIsADenseI64Array(permAttr) &&
      mlirDenseArrayGetNumElements(permAttr) == rank)
    for (int i = 0; i < rank; ++i)
      perm[i] = mlirDenseI64ArrayGetElement(permAttr, i);
}

/* Transpose (output axis i is input axis perm[i]) and Tile (indices wrap around). */
static bool evalPermuteOrTile(Eval *e, MlirOperation op, bool tile, const int64_t *idx, int rank,
                              double *out, int depth) {
  MlirValue data = mlirOperationGetOperand(op, 0);
  int64_t dims[GCIM_MAX_RANK], sub[GCIM_MAX_RANK], perm[GCIM_MAX_RANK];
  if (gcimTensorShape(mlirValueGetType(data), dims) != rank)
    return stop(e, "a Transpose or Tile of the mask has no static shape");
  if (!tile)
    gcimMaskPermutation(op, rank, perm);
  for (int i = 0; i < rank; ++i) {
    if (tile)
      sub[i] = dims[i] > 0 ? idx[i] % dims[i] : 0;
    else if (perm[i] < 0 || perm[i] >= rank)
      return stop(e, "a Transpose of the mask has an invalid permutation");
    else
      sub[perm[i]] = idx[i];
  }
  return evalValue(e, data, sub, out, depth + 1);
}

/* Range(start, limit, delta): element i is start + i * delta. */
static bool evalRange(Eval *e, MlirOperation op, MlirValue value, const int64_t *idx, double *out,
                      int depth) {
  double start, delta;
  const int64_t zero[1] = {0};
  if (!evalValue(e, mlirOperationGetOperand(op, 0), zero, &start, depth + 1) ||
      !evalValue(e, mlirOperationGetOperand(op, 2), zero, &delta, depth + 1))
    return false;
  *out = gcimMaskFit(gcimMaskFitOf(mlirValueGetType(value)), start + (double)idx[0] * delta);
  return true;
}

static bool evalConstantOfShape(Eval *e, MlirOperation op, double *out) {
  MlirAttribute fill = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("value"));
  *out = 0.0;
  if (!mlirAttributeIsNull(fill) &&
      (!mlirAttributeIsAElements(fill) || !gcimElementsGet(fill, 0, out)))
    return stop(e, "a ConstantOfShape of the mask has an unreadable value");
  return true;
}

static bool evalUnary(Eval *e, MlirOperation op, GcimMaskUnaryFn fn, const int64_t *idx,
                      double *out, int depth) {
  if (!evalValue(e, mlirOperationGetOperand(op, 0), idx, out, depth + 1))
    return false;
  *out = fn(*out);
  return true;
}

/* Data movement and the ops with attributes or optional operands. */
static bool evalStructural(Eval *e, MlirOperation op, const char *name, MlirValue value,
                           const int64_t *idx, double *out, int depth) {
  int rank = (int)gcimTensorRank(mlirValueGetType(value));
  MlirValue in0 = mlirOperationGetOperand(op, 0);
  if (strcmp(name, "onnx.where") == 0 && mlirOperationGetNumOperands(op) == 3)
    return evalWhere(e, op, rank, idx, out, depth);
  if (strcmp(name, "onnx.is_inf") == 0)
    return evalIsInf(e, op, idx, out, depth);
  if (strcmp(name, "onnx.clip") == 0)
    return evalClip(e, op, idx, out, depth);
  if (strcmp(name, "onnx.trilu") == 0)
    return evalTrilu(e, op, idx, rank, out, depth);
  if (strcmp(name, "onnx.slice") == 0 && mlirOperationGetNumOperands(op) >= 3)
    return evalSlice(e, op, idx, rank, out, depth);
  if (strcmp(name, "onnx.expand") == 0)
    return evalBroadcast(e, in0, rank, idx, out, depth);
  if (strcmp(name, "onnx.reshape") == 0 || strcmp(name, "onnx.unsqueeze") == 0 ||
      strcmp(name, "onnx.squeeze") == 0 || strcmp(name, "onnx.flatten") == 0)
    return evalReshape(e, value, in0, idx, out, depth);
  if (strcmp(name, "onnx.transpose") == 0 || strcmp(name, "onnx.tile") == 0)
    return evalPermuteOrTile(e, op, name[5] == 't' && name[6] == 'i', idx, rank, out, depth);
  if (strcmp(name, "onnx.range") == 0 && mlirOperationGetNumOperands(op) == 3)
    return evalRange(e, op, value, idx, out, depth);
  if (strcmp(name, "onnx.constant_of_shape") == 0)
    return evalConstantOfShape(e, op, out);
  return stop(e, "the mask goes through '%s', which the mask evaluator does not follow", name);
}

static bool evalOp(Eval *e, MlirOperation op, MlirValue value, const int64_t *idx, double *out,
                   int depth) {
  MlirStringRef ref = mlirIdentifierStr(mlirOperationGetName(op));
  char name[64];
  snprintf(name, sizeof name, "%.*s", (int)ref.length, ref.data);
  if (mlirOperationGetNumOperands(op) == 0)
    return stop(e, "the mask goes through '%s', which the mask evaluator does not follow", name);
  GcimMaskUnaryFn unary = gcimMaskUnaryFor(name);
  int binary = unary ? -1 : gcimMaskBinaryFor(name);
  bool ok = unary         ? evalUnary(e, op, unary, idx, out, depth)
            : binary >= 0 ? evalBinary(e, op, (GcimMaskBinaryOp)binary, value, idx, out, depth)
                          : evalStructural(e, op, name, value, idx, out, depth);
  if (ok)
    *out = gcimMaskFit(gcimMaskFitOf(mlirValueGetType(value)), *out);
  return ok;
}

static bool evalValue(Eval *e, MlirValue value, const int64_t *idx, double *out, int depth) {
  if (depth > MAX_DEPTH)
    return stop(e, "the mask's chain of ops is deeper than %d", MAX_DEPTH);
  MlirOperation op = gcimValueDefOp(value);
  if (mlirOperationIsNull(op) || gcimOpIsA(op, "onnx.constant"))
    return evalConstant(e, value, idx, out);
  return evalOp(e, op, value, idx, out, depth);
}

bool gcimMaskEval(MlirValue value, const int64_t *idx, double *out, char *reason,
                  size_t reasonSize) {
  return gcimMaskEvalBound(value, NULL, idx, out, reason, reasonSize);
}

bool gcimMaskEvalBound(MlirValue value, const GcimMaskBinding *binding, const int64_t *idx,
                       double *out, char *reason, size_t reasonSize) {
  Eval e = {binding, reason, reasonSize};
  if (reason && reasonSize)
    reason[0] = '\0';
  return evalValue(&e, value, idx, out, 0);
}
