/* Fold.c: folds shape computations to known values instead of building ops.
 *
 * torch's exporter writes dynamic shapes as subgraphs (Shape, Gather, Unsqueeze, Concat,
 * Range, ConstantOfShape, Trilu, Where, ...). Once the input shapes are static, every such
 * value is known; a hook here computes it (up to GCIM_FOLD_LIMIT elements) so that the
 * node becomes an `onnx.constant` at its first use, and dead shape code disappears. The
 * same goes for arithmetic on known values (Add, Sub, Mul, Div, Pow, Sqrt, Cast, ...), such
 * as torch's attention divisor Add(ConstantOfShape([]) = 0, Pow(D, 0.5)); float weights
 * are never known (gcimOnnxKnownConst), so only small constants and shape-derived values fold.
 * A hook returns false, without a diagnostic, when it cannot fold. */
#include "Importer.h"
#include "InferFold.h"

#include <math.h>
#include <string.h>

void gcimOnnxShapeRange(Importer *im, NodeInfo *node, int64_t *start, int64_t *end);
bool gcimOnnxSliceParams(Importer *im, NodeInfo *node, int64_t *start, int64_t *step,
                         int64_t *count);

/* A new value for output i, sized from its inferred type; NULL when too large. */
static ConstData *newOutput(NodeInfo *node, size_t i) {
  int64_t n = gcimOnnxTypeNumElements(&node->outputTypes[i]);
  if (n < 0 || n > GCIM_FOLD_LIMIT)
    return NULL;
  node->outputConsts[i] = gcimOnnxConstCreate(node->outputTypes[i].elemType, n);
  return node->outputConsts[i];
}

/* The known value of every present input, or false. */
static bool allKnown(Importer *im, NodeInfo *node, const ConstData **values) {
  for (size_t i = 0; i < node->inputCount; ++i) {
    values[i] = node->inputs[i] ? gcimOnnxKnownConst(im, node->inputs[i]) : NULL;
    if (node->inputs[i] && !values[i])
      return false;
  }
  return true;
}

/* Rounds a folded float to the precision of its element type. */
static double roundTo(int32_t elemType, double v) {
  return elemType == DT_DOUBLE ? v : (double)(float)v;
}

static void store(ConstData *out, int32_t elemType, int64_t i, double f, int64_t n) {
  if (out->floats)
    out->floats[i] = roundTo(elemType, f);
  else
    out->ints[i] = n;
}

bool gcimOnnxFoldShape(Importer *im, NodeInfo *node) {
  int64_t start, end;
  gcimOnnxShapeRange(im, node, &start, &end);
  ConstData *out = newOutput(node, 0);
  if (!out)
    return false;
  for (int64_t d = start; d < end; ++d)
    out->ints[d - start] = node->inputs[0]->type.dims[d];
  return true;
}

bool gcimOnnxFoldSize(Importer *im, NodeInfo *node) {
  (void)im;
  ConstData *out = newOutput(node, 0);
  if (!out)
    return false;
  out->ints[0] = gcimOnnxTypeNumElements(&node->inputs[0]->type);
  return true;
}

/* Index into input `t` of the output element at multi-index `index` (broadcasting). */
static int64_t broadcastIndex(const TypeInfo *t, const TypeInfo *outType, const int64_t *index) {
  int64_t linear = 0;
  int32_t offset = outType->rank - t->rank;
  for (int32_t d = 0; d < t->rank; ++d)
    linear = linear * t->dims[d] + (t->dims[d] == 1 ? 0 : index[d + offset]);
  return linear;
}

static void nextIndex(const TypeInfo *t, int64_t *index) {
  for (int32_t d = t->rank - 1; d >= 0; --d) {
    if (++index[d] < t->dims[d])
      return;
    index[d] = 0;
  }
}

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
  if (op == OP_NONE || node->inputCount > 8 || !allKnown(im, node, values) ||
      (op == OP_MOD && gcimOnnxIsFloatType(node->inputs[0]->type.elemType) != (fmodAttr != 0)))
    return false;
  const TypeInfo *outType = &node->outputTypes[0];
  ConstData *out = newOutput(node, 0);
  if (!out)
    return false;
  size_t first = op == OP_WHERE ? 1 : 0;
  bool isFloat = gcimOnnxIsFloatType(node->inputs[first]->type.elemType);
  int64_t index[GCIM_MAX_RANK] = {0};
  for (int64_t o = 0; o < out->count; ++o, nextIndex(outType, index)) {
    int64_t ia[8];
    for (size_t i = 0; i < node->inputCount; ++i)
      ia[i] = broadcastIndex(&node->inputs[i]->type, outType, index);
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
    store(out, outType->elemType, o, f, n);
  }
  return true;
}

bool gcimOnnxFoldReshapeLike(Importer *im, NodeInfo *node) {
  const ConstData *data = gcimOnnxKnownConst(im, node->inputs[0]);
  ConstData *out = data ? newOutput(node, 0) : NULL;
  if (!out)
    return false;
  for (int64_t i = 0; i < out->count; ++i)
    store(out, node->outputTypes[0].elemType, i, gcimOnnxConstGetFloat(data, i),
          gcimOnnxConstGetInt(data, i));
  return true;
}

/* Copies into `out` the elements of `data` (type `t`) at strided positions. */
bool gcimOnnxFoldGather(Importer *im, NodeInfo *node) {
  const ConstData *values[2] = {0};
  int64_t axis;
  if (!allKnown(im, node, values))
    return false;
  const TypeInfo *t = &node->inputs[0]->type;
  gcimOnnxAttrInt(im, node, "axis", 0, &axis);
  if (axis < 0)
    axis += t->rank;
  int64_t outer = 1, inner = 1, dim = t->dims[axis];
  for (int32_t d = 0; d < axis; ++d)
    outer *= t->dims[d];
  for (int32_t d = (int32_t)axis + 1; d < t->rank; ++d)
    inner *= t->dims[d];
  for (int64_t k = 0; k < values[1]->count; ++k) {
    int64_t j = gcimOnnxConstGetInt(values[1], k);
    if (j < -dim || j >= dim) {
      gcimOnnxImportError(im, "index %lld is out of range for a dimension of %lld", (long long)j,
                          (long long)dim);
      return false;
    }
  }
  ConstData *out = newOutput(node, 0);
  if (!out)
    return false;
  int64_t n = values[1]->count, o = 0;
  for (int64_t a = 0; a < outer; ++a)
    for (int64_t k = 0; k < n; ++k) {
      int64_t j = gcimOnnxConstGetInt(values[1], k);
      j = j < 0 ? j + dim : j;
      for (int64_t b = 0; b < inner; ++b, ++o) {
        int64_t src = (a * dim + j) * inner + b;
        store(out, t->elemType, o, gcimOnnxConstGetFloat(values[0], src),
              gcimOnnxConstGetInt(values[0], src));
      }
    }
  return true;
}

bool gcimOnnxFoldConcat(Importer *im, NodeInfo *node) {
  const ConstData *values[64] = {0};
  int64_t axis;
  if (node->inputCount > 64 || !allKnown(im, node, values))
    return false;
  const TypeInfo *outType = &node->outputTypes[0];
  gcimOnnxAttrInt(im, node, "axis", 0, &axis);
  if (axis < 0)
    axis += outType->rank;
  int64_t outer = 1;
  for (int32_t d = 0; d < axis; ++d)
    outer *= outType->dims[d];
  ConstData *out = newOutput(node, 0);
  if (!out)
    return false;
  int64_t o = 0;
  for (int64_t a = 0; a < outer; ++a)
    for (size_t i = 0; i < node->inputCount; ++i) {
      int64_t chunk = outer ? values[i]->count / outer : 0;
      for (int64_t k = 0; k < chunk; ++k, ++o)
        store(out, outType->elemType, o, gcimOnnxConstGetFloat(values[i], a * chunk + k),
              gcimOnnxConstGetInt(values[i], a * chunk + k));
    }
  return true;
}

bool gcimOnnxFoldSlice(Importer *im, NodeInfo *node) {
  const ConstData *data = gcimOnnxKnownConst(im, node->inputs[0]);
  int64_t start[GCIM_MAX_RANK], step[GCIM_MAX_RANK], count[GCIM_MAX_RANK];
  if (!data || !gcimOnnxSliceParams(im, node, start, step, count))
    return false;
  const TypeInfo *t = &node->inputs[0]->type, *outType = &node->outputTypes[0];
  ConstData *out = newOutput(node, 0);
  if (!out)
    return false;
  int64_t index[GCIM_MAX_RANK] = {0};
  for (int64_t o = 0; o < out->count; ++o, nextIndex(outType, index)) {
    int64_t src = 0;
    for (int32_t d = 0; d < t->rank; ++d)
      src = src * t->dims[d] + start[d] + index[d] * step[d];
    store(out, t->elemType, o, gcimOnnxConstGetFloat(data, src), gcimOnnxConstGetInt(data, src));
  }
  return true;
}

bool gcimOnnxFoldRange(Importer *im, NodeInfo *node) {
  const ConstData *values[3] = {0};
  if (!allKnown(im, node, values))
    return false;
  /* One position after others (a KV-cache step's arange(past, past + 1)) stays an op:
   * gcim-stream makes it the step index, which a folded constant would hide. */
  if (gcimOnnxTypeNumElements(&node->outputTypes[0]) == 1 &&
      gcimOnnxConstGetFloat(values[0], 0) != 0.0)
    return false;
  ConstData *out = newOutput(node, 0);
  if (!out)
    return false;
  for (int64_t i = 0; i < out->count; ++i)
    store(out, node->outputTypes[0].elemType, i,
          gcimOnnxConstGetFloat(values[0], 0) + (double)i * gcimOnnxConstGetFloat(values[2], 0),
          gcimOnnxConstGetInt(values[0], 0) + i * gcimOnnxConstGetInt(values[2], 0));
  return true;
}

bool gcimOnnxFoldConstantOfShape(Importer *im, NodeInfo *node) {
  const Onnx__AttributeProto *value = gcimOnnxFindAttr(node->proto, "value");
  ConstData *fill = NULL;
  if (value && value->t) {
    TypeInfo t;
    if (!gcimOnnxTensorType(im, value->t, "attribute 'value'", &t) ||
        !(fill = gcimOnnxTensorLoad(im, value->t, NULL, &t, "attribute 'value'")))
      return false;
  }
  ConstData *out = newOutput(node, 0);
  for (int64_t i = 0; out && i < out->count; ++i)
    store(out, node->outputTypes[0].elemType, i, fill ? gcimOnnxConstGetFloat(fill, 0) : 0.0,
          fill ? gcimOnnxConstGetInt(fill, 0) : 0);
  gcimOnnxConstDestroy(fill);
  return out != NULL;
}

bool gcimOnnxFoldExpand(Importer *im, NodeInfo *node) {
  const ConstData *data = gcimOnnxKnownConst(im, node->inputs[0]);
  ConstData *out = data ? newOutput(node, 0) : NULL;
  if (!out)
    return false;
  const TypeInfo *outType = &node->outputTypes[0];
  int64_t index[GCIM_MAX_RANK] = {0};
  for (int64_t o = 0; o < out->count; ++o, nextIndex(outType, index)) {
    int64_t src = broadcastIndex(&node->inputs[0]->type, outType, index);
    store(out, outType->elemType, o, gcimOnnxConstGetFloat(data, src),
          gcimOnnxConstGetInt(data, src));
  }
  return true;
}

bool gcimOnnxFoldTile(Importer *im, NodeInfo *node) {
  const ConstData *data = gcimOnnxKnownConst(im, node->inputs[0]);
  ConstData *out = data ? newOutput(node, 0) : NULL;
  if (!out)
    return false;
  const TypeInfo *t = &node->inputs[0]->type, *outType = &node->outputTypes[0];
  int64_t index[GCIM_MAX_RANK] = {0};
  for (int64_t o = 0; o < out->count; ++o, nextIndex(outType, index)) {
    int64_t src = 0;
    for (int32_t d = 0; d < t->rank; ++d)
      src = src * t->dims[d] + index[d] % t->dims[d];
    store(out, outType->elemType, o, gcimOnnxConstGetFloat(data, src),
          gcimOnnxConstGetInt(data, src));
  }
  return true;
}

bool gcimOnnxFoldTrilu(Importer *im, NodeInfo *node) {
  const ConstData *values[2] = {0};
  int64_t upper;
  if (!allKnown(im, node, values) || !gcimOnnxAttrInt(im, node, "upper", 1, &upper))
    return false;
  const TypeInfo *t = &node->inputs[0]->type;
  if (t->rank < 2)
    return false;
  int64_t k = values[1] ? gcimOnnxConstGetInt(values[1], 0) : 0;
  int64_t rows = t->dims[t->rank - 2], cols = t->dims[t->rank - 1];
  ConstData *out = newOutput(node, 0);
  if (!out)
    return false;
  for (int64_t o = 0; o < out->count; ++o) {
    int64_t j = o % cols, i = (o / cols) % rows;
    bool keep = upper ? j - i >= k : j - i <= k;
    store(out, t->elemType, o, keep ? gcimOnnxConstGetFloat(values[0], o) : 0.0,
          keep ? gcimOnnxConstGetInt(values[0], o) : 0);
  }
  return true;
}

bool gcimOnnxFoldCast(Importer *im, NodeInfo *node) {
  const ConstData *data = gcimOnnxKnownConst(im, node->inputs[0]);
  ConstData *out = data ? newOutput(node, 0) : NULL;
  if (!out)
    return false;
  int32_t to = node->outputTypes[0].elemType;
  for (int64_t i = 0; i < out->count; ++i) {
    double f = gcimOnnxConstGetFloat(data, i);
    int64_t n = gcimOnnxConstGetInt(data, i);
    if (to == DT_BOOL)
      n = data->floats ? f != 0 : n != 0;
    store(out, to, i, f, n);
  }
  return true;
}
