/* FoldArithmetic.c: folds element-wise arithmetic, comparison and logic on known values
 * (Add, Sub, Mul, Div, Pow, Where, Equal, Not, Sqrt, Exp, ...), with ONNX broadcasting.
 * Like every hook of Fold.c it returns false, without a diagnostic, when it cannot fold. */
#include "Importer.h"
#include "InferFold.h"

#include <math.h>
#include <string.h>

typedef enum {
  OP_ADD,
  OP_SUB,
  OP_MUL,
  OP_DIV,
  OP_POW,
  OP_SQRT,
  OP_NEG,
  OP_ABS,
  OP_WHERE,
  OP_EQUAL,
  OP_LESS,
  OP_GREATER,
  OP_NOT,
  OP_AND,
  OP_OR,
  OP_MIN,
  OP_MAX,
  OP_LESS_EQUAL,
  OP_GREATER_EQUAL,
  OP_XOR,
  OP_MOD,
  OP_SIGN,
  OP_EXP,
  OP_LOG,
  OP_SIN,
  OP_COS,
  OP_FLOOR,
  OP_CEIL,
  OP_RECIPROCAL,
  OP_NONE
} FoldOp;

static FoldOp foldOpOf(const char *name) {
  static const char *names[] = {"add",
                                "sub",
                                "mul",
                                "div",
                                "pow",
                                "sqrt",
                                "neg",
                                "abs",
                                "where",
                                "equal",
                                "less",
                                "greater",
                                "not",
                                "and",
                                "or",
                                "min",
                                "max",
                                "less_or_equal",
                                "greater_or_equal",
                                "xor",
                                "mod",
                                "sign",
                                "exp",
                                "log",
                                "sin",
                                "cos",
                                "floor",
                                "ceil",
                                "reciprocal"};
  for (int i = 0; i < OP_NONE; ++i)
    if (strcmp(name + 5, names[i]) == 0)
      return (FoldOp)i;
  return OP_NONE;
}

/* ONNX Mod as the fold computes it: C's fmod for floats (fmod = 1, which ONNX requires
 * for them), Python's % (the divisor's sign) for integers; false for a zero divisor. The
 * importer folds only integer Mod or float Mod with fmod, see gcimOnnxFoldElementwise. */
static bool applyMod(bool isFloat, double fa, double fb, int64_t ia, int64_t ib, double *f,
                     int64_t *n) {
  if (isFloat) {
    *f = fmod(fa, fb);
    return true;
  }
  if (ib == 0 || (ib == -1 && ia == INT64_MIN))
    return false;
  *n = ia % ib;
  if (*n != 0 && ((*n < 0) != (ib < 0)))
    *n += ib;
  return true;
}

/* The unary float functions (Exp, Log, Sin, Cos, Floor, Ceil, Reciprocal). */
static bool applyFloatMath(FoldOp op, double x, double *f) {
  switch (op) {
  case OP_EXP:
    *f = exp(x);
    return true;
  case OP_LOG:
    *f = log(x);
    return true;
  case OP_SIN:
    *f = sin(x);
    return true;
  case OP_COS:
    *f = cos(x);
    return true;
  case OP_FLOOR:
    *f = floor(x);
    return true;
  case OP_CEIL:
    *f = ceil(x);
    return true;
  case OP_RECIPROCAL:
    *f = 1.0 / x;
    return true;
  default:
    return false;
  }
}

/* Applies `op` to element values a, b (c for Where) as floats or integers. */
static bool apply(FoldOp op, bool isFloat, double fa, double fb, int64_t ia, int64_t ib, double *f,
                  int64_t *n) {
  switch (op) {
  case OP_ADD:
    *f = fa + fb;
    *n = (int64_t)((uint64_t)ia + (uint64_t)ib);
    return true;
  case OP_SUB:
    *f = fa - fb;
    *n = (int64_t)((uint64_t)ia - (uint64_t)ib);
    return true;
  case OP_MUL:
    *f = fa * fb;
    *n = (int64_t)((uint64_t)ia * (uint64_t)ib);
    return true;
  case OP_DIV:
    if (!isFloat && (ib == 0 || (ia == INT64_MIN && ib == -1)))
      return false;
    *f = fa / fb;
    *n = isFloat ? 0 : ia / ib;
    return true;
  case OP_POW: { /* the exponent may be of another type than the base (fb, ib both set) */
    *f = pow(fa, fb);
    double p = pow((double)ia, fb);
    if (!isFloat && (!isfinite(p) || fabs(p) >= 9.2e18))
      return false;
    *n = isFloat ? 0 : (int64_t)p;
    return true;
  }
  case OP_SQRT:
    *f = sqrt(fa);
    return isFloat;
  case OP_NEG:
    *f = -fa;
    *n = (int64_t)(0 - (uint64_t)ia);
    return true;
  case OP_ABS:
    *f = fabs(fa);
    *n = ia < 0 ? (int64_t)(0 - (uint64_t)ia) : ia;
    return true;
  case OP_EQUAL:
    *n = isFloat ? fa == fb : ia == ib;
    return true;
  case OP_LESS:
    *n = isFloat ? fa < fb : ia < ib;
    return true;
  case OP_GREATER:
    *n = isFloat ? fa > fb : ia > ib;
    return true;
  case OP_NOT:
    *n = !ia;
    return true;
  case OP_AND:
    *n = ia && ib;
    return true;
  case OP_OR:
    *n = ia || ib;
    return true;
  case OP_MIN:
    *f = fa < fb ? fa : fb;
    *n = ia < ib ? ia : ib;
    return true;
  case OP_MAX:
    *f = fa > fb ? fa : fb;
    *n = ia > ib ? ia : ib;
    return true;
  case OP_LESS_EQUAL:
    *n = isFloat ? fa <= fb : ia <= ib;
    return true;
  case OP_GREATER_EQUAL:
    *n = isFloat ? fa >= fb : ia >= ib;
    return true;
  case OP_XOR:
    *n = !ia != !ib;
    return true;
  case OP_MOD:
    return applyMod(isFloat, fa, fb, ia, ib, f, n);
  case OP_SIGN:
    *f = fa > 0 ? 1.0 : (fa < 0 ? -1.0 : fa);
    *n = (ia > 0) - (ia < 0);
    return true;
  default:
    return isFloat && applyFloatMath(op, fa, f);
  }
}

bool gcimOnnxFoldElementwise(Importer *im, NodeInfo *node) {
  const ConstData *values[8] = {0};
  FoldOp op = foldOpOf(node->schema->opName);
  int64_t fmodAttr = 0;
  if (op == OP_MOD)
    gcimOnnxAttrInt(im, node, "fmod", 0, &fmodAttr);
  if (op == OP_NONE || node->inputCount > 8 || !gcimOnnxFoldAllKnown(im, node, values) ||
      (op == OP_MOD && gcimOnnxIsFloatType(node->inputs[0]->type.elemType) != (fmodAttr != 0)))
    return false;
  const TypeInfo *outType = &node->outputTypes[0];
  ConstData *out = gcimOnnxFoldNewOutput(node, 0);
  if (!out)
    return false;
  size_t first = op == OP_WHERE ? 1 : 0;
  bool isFloat = gcimOnnxIsFloatType(node->inputs[first]->type.elemType);
  int64_t index[GCIM_MAX_RANK] = {0};
  for (int64_t o = 0; o < out->count; ++o, gcimOnnxFoldNextIndex(outType, index)) {
    int64_t ia[8];
    for (size_t i = 0; i < node->inputCount; ++i)
      ia[i] = gcimOnnxFoldBroadcastIndex(&node->inputs[i]->type, outType, index);
    size_t a = first;
    if (op == OP_WHERE)
      a = gcimOnnxConstGetInt(values[0], ia[0]) ? 1 : 2;
    double f = gcimOnnxConstGetFloat(values[a], ia[a]);
    int64_t n = gcimOnnxConstGetInt(values[a], ia[a]);
    if (op != OP_WHERE && node->inputCount == 1 && !apply(op, isFloat, f, 0, n, 0, &f, &n))
      return false;
    for (size_t k = first + 1; op != OP_WHERE && k < node->inputCount; ++k)
      if (!apply(op, isFloat, f, gcimOnnxConstGetFloat(values[k], ia[k]), n,
                 gcimOnnxConstGetInt(values[k], ia[k]), &f, &n))
        return false;
    gcimOnnxFoldStore(out, outType->elemType, o, f, n);
  }
  return true;
}
