/* OpsElementwise.c: C for elementwise, comparison, logic and cast ops. */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"

#include <string.h>

/* The kernel's enum constant for the op named `opName` in `table`, or NULL. */
typedef struct NamedEnum {
  const char *opName;
  const char *enumName;
} NamedEnum;

static const char *lookupEnum(MlirOperation op, const NamedEnum *table, size_t count) {
  for (size_t i = 0; i < count; ++i)
    if (gcimOpIsA(op, table[i].opName))
      return table[i].enumName;
  return NULL;
}
#define LOOKUP(op, table) lookupEnum(op, table, sizeof table / sizeof table[0])

static const NamedEnum binaryOps[] = {
    {"onnx.add", "GCIM_BINARY_ADD"}, {"onnx.sub", "GCIM_BINARY_SUB"},
    {"onnx.mul", "GCIM_BINARY_MUL"}, {"onnx.div", "GCIM_BINARY_DIV"},
    {"onnx.pow", "GCIM_BINARY_POW"}, {"onnx.min", "GCIM_BINARY_MIN"},
    {"onnx.max", "GCIM_BINARY_MAX"}};

/* The generic (slow) kernel, for the types the float32 and int64 kernels lack. */
static bool binaryAnyCall(EmitState *state, const char *opEnum, ValueInfo *a, ValueInfo *b,
                          ValueInfo *y) {
  char aDims[32], bDims[32], yDims[32];
  fprintf(state->body,
          "  gcimKernelBinaryAny(%s, %s, %s, %s, %d, %s, %s, %s, %d, %s, %s, "
          "%s, %d);\n",
          opEnum, a->name, gcimCEmitElemEnum(a->elem), gcimCEmitDims(state, a, aDims), a->rank,
          b->name, gcimCEmitElemEnum(b->elem), gcimCEmitDims(state, b, bDims), b->rank, y->name,
          gcimCEmitElemEnum(y->elem), gcimCEmitDims(state, y, yDims), y->rank);
  return true;
}

static bool binaryCall(EmitState *state, MlirOperation op, const char *opEnum, ValueInfo *a,
                       ValueInfo *b, ValueInfo *y) {
  const char *kernel;
  bool pow = strcmp(opEnum, "GCIM_BINARY_POW") == 0;
  if (a->elem == GCIM_ELEM_F32 && b->elem == GCIM_ELEM_F32)
    kernel = "gcimKernelBinaryF32";
  else if (a->elem == GCIM_ELEM_I64 && b->elem == GCIM_ELEM_I64 && !pow)
    kernel = "gcimKernelBinaryI64";
  else if ((a->elem == b->elem || pow) && a->elem == y->elem && a->elem != GCIM_ELEM_BOOL)
    return binaryAnyCall(state, opEnum, a, b, y);
  else
    return gcimCEmitUnsupported(state, op, "operand types differ or are bool");
  ValueInfo *tensors[] = {a, b, y};
  gcimCEmitKernelCall(state, kernel, opEnum, tensors, 3, NULL);
  return true;
}

bool gcimCEmitBinary(EmitState *state, MlirOperation op) {
  ValueInfo *a = gcimCEmitOperand(state, op, 0), *b = gcimCEmitOperand(state, op, 1);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  return binaryCall(state, op, LOOKUP(op, binaryOps), a, b, y);
}

/* Min and Max take one or more inputs. */
bool gcimCEmitVariadic(EmitState *state, MlirOperation op) {
  intptr_t count = mlirOperationGetNumOperands(op);
  const char *opEnum = LOOKUP(op, binaryOps);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  if (count == 2)
    return binaryCall(state, op, opEnum, gcimCEmitOperand(state, op, 0),
                      gcimCEmitOperand(state, op, 1), y);
  if (y->elem != GCIM_ELEM_F32)
    return gcimCEmitUnsupported(state, op, "only float32 is supported with other than 2 inputs");
  for (intptr_t i = 0; i < count; ++i)
    gcimCEmitOperand(state, op, i);
  fputs("  {\n    const float *const inputs[] = {", state->body);
  for (intptr_t i = 0; i < count; ++i)
    fprintf(state->body, "%s%s", i ? ", " : "", gcimCEmitOperand(state, op, i)->name);
  fputs("};\n    const int64_t *const dims[] = {", state->body);
  for (intptr_t i = 0; i < count; ++i) {
    char dims[32];
    fprintf(state->body, "%s%s", i ? ", " : "",
            gcimCEmitDims(state, gcimCEmitOperand(state, op, i), dims));
  }
  fputs("};\n    const int ranks[] = {", state->body);
  for (intptr_t i = 0; i < count; ++i)
    fprintf(state->body, "%s%d", i ? ", " : "", gcimCEmitOperand(state, op, i)->rank);
  fprintf(state->body, "};\n    gcimKernelVariadicF32(%s, %d, inputs, dims, ranks, ", opEnum,
          (int)count);
  gcimCEmitTensorArgs(state, y);
  fputs(");\n  }\n", state->body);
  return true;
}

static const NamedEnum unaryOps[] = {
    {"onnx.sqrt", "GCIM_UNARY_SQRT"},       {"onnx.reciprocal", "GCIM_UNARY_RECIPROCAL"},
    {"onnx.neg", "GCIM_UNARY_NEG"},         {"onnx.abs", "GCIM_UNARY_ABS"},
    {"onnx.exp", "GCIM_UNARY_EXP"},         {"onnx.log", "GCIM_UNARY_LOG"},
    {"onnx.tanh", "GCIM_UNARY_TANH"},       {"onnx.erf", "GCIM_UNARY_ERF"},
    {"onnx.sigmoid", "GCIM_UNARY_SIGMOID"}, {"onnx.relu", "GCIM_UNARY_RELU"},
    {"onnx.sin", "GCIM_UNARY_SIN"},         {"onnx.cos", "GCIM_UNARY_COS"},
    {"onnx.floor", "GCIM_UNARY_FLOOR"},     {"onnx.ceil", "GCIM_UNARY_CEIL"},
    {"onnx.sign", "GCIM_UNARY_SIGN"},       {"onnx.softplus", "GCIM_UNARY_SOFTPLUS"},
    {"onnx.mish", "GCIM_UNARY_MISH"}};

/* Neg and Abs of int64 (index arithmetic, as DeBERTa's position-to-content positions):
 * in unsigned arithmetic, so that INT64_MIN wraps as ONNX Runtime's does instead of
 * overflowing. */
static bool integerNegAbs(EmitState *state, MlirOperation op, ValueInfo *x, ValueInfo *y) {
  fprintf(state->body, "  for (int64_t i = 0; i < %lld; ++i)\n", (long long)y->count);
  if (gcimOpIsA(op, "onnx.abs"))
    fprintf(state->body, "    %s[i] = %s[i] < 0 ? (int64_t)(0u - (uint64_t)%s[i]) : %s[i];\n",
            y->name, x->name, x->name, x->name);
  else
    fprintf(state->body, "    %s[i] = (int64_t)(0u - (uint64_t)%s[i]);\n", y->name, x->name);
  return true;
}

bool gcimCEmitUnary(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  if (x->elem == GCIM_ELEM_I64 && (gcimOpIsA(op, "onnx.neg") || gcimOpIsA(op, "onnx.abs")))
    return integerNegAbs(state, op, x, y);
  if (x->elem != GCIM_ELEM_F32 && x->elem != GCIM_ELEM_F64)
    return gcimCEmitUnsupported(state, op, "only float32 and float64 are supported");
  const char *opEnum = LOOKUP(op, unaryOps);
  if (!opEnum) { /* Gelu: exact or tanh approximation */
    MlirStringRef approximate = {"none", 4};
    gcimOpGetStringAttr(op, "approximate", &approximate);
    opEnum = gcimStringRefEquals(approximate, "tanh") ? "GCIM_UNARY_GELU_TANH" : "GCIM_UNARY_GELU";
  }
  if (x->elem == GCIM_ELEM_F64) { /* float64 models: few and small, so serial */
    fprintf(state->body, "  gcimKernelUnaryF64(%s, %s, %s, %lld);\n", opEnum, x->name, y->name,
            (long long)y->count);
    return true;
  }
  /* On the worker pool by ranges of elements (the same bits for any thread count). */
  fprintf(state->body, "  gcimParallelUnaryF32(s->pool, %s, %s, %s, %lld);\n", opEnum, x->name,
          y->name, (long long)y->count);
  return true;
}

/* Dropout is the identity unless in training mode with a ratio above 0, which needs
 * ONNX's random mask: refused at compile time when constant, else checked at run time. */
static bool dropoutIsIdentity(EmitState *state, MlirOperation op) {
  ValueInfo *ratio = gcimCEmitGroupValue(state, op, 1, 0);
  ValueInfo *training = gcimCEmitGroupValue(state, op, 2, 0);
  int64_t flag = 0;
  double r = 0.5;
  bool constantRatio = !ratio || gcimValueScalarConstant(ratio->value, &r);
  if (!training || (gcimValueI64Constant(training->value, &flag, 1) >= 0 && !flag) ||
      (constantRatio && r == 0.0))
    return true;
  if (flag && constantRatio)
    return gcimCEmitUnsupported(state, op, "training mode (a random mask) is not supported");
  if (training->elem != GCIM_ELEM_BOOL || (!constantRatio && ratio->elem != GCIM_ELEM_F32))
    return gcimCEmitUnsupported(state, op,
                                "a runtime training mode needs a bool flag and a "
                                "float32 ratio");
  state->usesFail = true;
  fprintf(state->body, "  if (%s[0]", gcimCEmitRef(state, training));
  if (!constantRatio)
    fprintf(state->body, " && %s[0] != 0.0f", gcimCEmitRef(state, ratio));
  fputs(")\n    return fail(s, \"Dropout in training mode (a random mask) is not "
        "supported\");\n",
        state->body);
  return true;
}

/* Ops that keep the data and change only the shape (Reshape, Squeeze, Identity, ...), and
 * Dropout at inference, whose optional mask is all true. */
bool gcimCEmitCopy(EmitState *state, MlirOperation op) {
  if (gcimOpIsA(op, "onnx.dropout") && !dropoutIsIdentity(state, op))
    return false;
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  if (x->storage == STORAGE_ARENA && y->storage == STORAGE_ARENA && x->offset == y->offset)
    fprintf(state->body, "  (void)%s; /* a view of %s (gcim-lower-runtime): the same bytes */\n",
            y->name, x->name); /* (void): the view may have no other use */
  else
    fprintf(state->body, "  gcimKernelCopy(%s, %s, %lld, %zu);\n", x->name, y->name,
            (long long)y->count, gcimElemTypeSize(y->elem));
  if (mlirOperationGetNumResults(op) > 1) {
    ValueInfo *mask = gcimCEmitResult(state, op, 1);
    fprintf(state->body, "  memset(%s, 1, %lld);\n", mask->name, (long long)mask->count);
  }
  return true;
}

bool gcimCEmitHardSigmoid(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  if (x->elem != GCIM_ELEM_F32) /* float64: the float32 kernel would read its bytes */
    return gcimCEmitUnsupported(state, op, "only float32 is supported");
  double alpha, beta;
  gcimCEmitAttrFloat(op, "alpha", 0.2, &alpha);
  gcimCEmitAttrFloat(op, "beta", 0.5, &beta);
  fprintf(state->body, "  gcimKernelHardSigmoidF32(%s, ", x->name);
  gcimCEmitFloatLiteral(state->body, alpha);
  fputs(", ", state->body);
  gcimCEmitFloatLiteral(state->body, beta);
  fprintf(state->body, ", %s, %lld);\n", y->name, (long long)y->count);
  return true;
}

/* A Clip bound: a compile-time literal, a runtime scalar, or the absent default. */
static void printBound(EmitState *state, ValueInfo *bound, const char *absent) {
  double value;
  if (!bound)
    fputs(absent, state->body);
  else if (gcimValueScalarConstant(bound->value, &value))
    gcimCEmitFloatLiteral(state->body, value);
  else
    fprintf(state->body, "%s[0]", bound->name);
}

/* Declares a runtime bound's pointer; constant bounds become literals. */
static ValueInfo *boundOperand(EmitState *state, MlirOperation op, int group) {
  ValueInfo *bound = gcimCEmitGroupValue(state, op, group, 0);
  double value;
  if (bound && !gcimValueScalarConstant(bound->value, &value))
    gcimCEmitRef(state, bound);
  return bound;
}

bool gcimCEmitClip(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitGroupOperand(state, op, 0, 0);
  ValueInfo *lo = boundOperand(state, op, 1), *hi = boundOperand(state, op, 2);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  if (x->elem != GCIM_ELEM_F32) { /* the generic kernel takes bounds by pointer */
    fprintf(state->body, "  gcimKernelClipAny(%s, %s, %s, %s, %s, %lld);\n",
            gcimCEmitElemEnum(x->elem), x->name, lo ? gcimCEmitRef(state, lo) : "NULL",
            hi ? gcimCEmitRef(state, hi) : "NULL", y->name, (long long)y->count);
    return true;
  }
  fprintf(state->body, "  gcimKernelClipF32(%s, ", x->name);
  printBound(state, lo, "-INFINITY");
  fputs(", ", state->body);
  printBound(state, hi, "INFINITY");
  fprintf(state->body, ", %s, %lld);\n", y->name, (long long)y->count);
  return true;
}

static const NamedEnum compareOps[] = {{"onnx.equal", "GCIM_COMPARE_EQUAL"},
                                       {"onnx.less", "GCIM_COMPARE_LESS"},
                                       {"onnx.greater", "GCIM_COMPARE_GREATER"},
                                       {"onnx.less_or_equal", "GCIM_COMPARE_LESS_EQUAL"},
                                       {"onnx.greater_or_equal", "GCIM_COMPARE_GREATER_EQUAL"}};

bool gcimCEmitCompare(EmitState *state, MlirOperation op) {
  ValueInfo *a = gcimCEmitOperand(state, op, 0), *b = gcimCEmitOperand(state, op, 1);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  const char *kernel = a->elem == GCIM_ELEM_F32   ? "gcimKernelCompareF32"
                       : a->elem == GCIM_ELEM_I64 ? "gcimKernelCompareI64"
                                                  : "gcimKernelCompareAny";
  if (a->elem != b->elem)
    return gcimCEmitUnsupported(state, op, "the operands' types differ");
  char leading[64];
  snprintf(leading, sizeof leading, "%s%s%s", LOOKUP(op, compareOps),
           a->elem != GCIM_ELEM_F32 && a->elem != GCIM_ELEM_I64 ? ", " : "",
           a->elem != GCIM_ELEM_F32 && a->elem != GCIM_ELEM_I64 ? gcimCEmitElemEnum(a->elem) : "");
  ValueInfo *tensors[] = {a, b, y};
  gcimCEmitKernelCall(state, kernel, leading, tensors, 3, NULL);
  return true;
}

bool gcimCEmitLogical(EmitState *state, MlirOperation op) {
  ValueInfo *a = gcimCEmitOperand(state, op, 0), *b = gcimCEmitOperand(state, op, 1);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  ValueInfo *tensors[] = {a, b, y};
  const char *logicalOp = gcimOpIsA(op, "onnx.and")  ? "GCIM_LOGICAL_AND"
                          : gcimOpIsA(op, "onnx.or") ? "GCIM_LOGICAL_OR"
                                                     : "GCIM_LOGICAL_XOR";
  gcimCEmitKernelCall(state, "gcimKernelLogical", logicalOp, tensors, 3, NULL);
  return true;
}

bool gcimCEmitNot(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  fprintf(state->body, "  gcimKernelNot(%s, %s, %lld);\n", x->name, y->name, (long long)y->count);
  return true;
}

bool gcimCEmitCast(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  fprintf(state->body, "  gcimKernelCast(%s, %s, %s, %s, %lld);\n", x->name,
          gcimCEmitElemEnum(x->elem), y->name, gcimCEmitElemEnum(y->elem), (long long)y->count);
  return true;
}
