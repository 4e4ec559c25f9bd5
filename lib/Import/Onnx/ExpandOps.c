/* ExpandOps.c: operators imported as compositions of supported ops (called by Expand.c).
 *
 * Each is exact up to float32 rounding, and named `<node>/<part>` so that diagnostics and
 * the generated C still name the original node:
 * - RMSNormalization (opset 23) and SimplifiedLayerNormalization (the default domain, as
 *   ONNX Runtime's model builder writes it, and com.microsoft): X / sqrt(mean(X^2) + eps)
 *   * scale over the trailing axes from `axis` (negative);
 * - com.microsoft SkipSimplifiedLayerNormalization and SkipLayerNormalization: the sum
 *   input + skip (+ bias), then the normalisation (output 3 is the sum);
 * - com.microsoft FastGelu: Gelu(X + bias) with the tanh approximation. */
#include "Expand.h"

#include <stdlib.h>
#include <string.h>

typedef struct Builder {
  Importer *im;
  Expansion *ex;
  const Onnx__NodeProto *node;
  const char *base;
  bool ok;
} Builder;

static const char *input(const Onnx__NodeProto *node, size_t i) {
  return i < node->n_input && node->input[i][0] ? node->input[i] : NULL;
}

static const char *output(const Onnx__NodeProto *node, size_t i) {
  return i < node->n_output && node->output[i][0] ? node->output[i] : NULL;
}

/* A value name private to the decomposition. */
static const char *temp(Builder *b, const char *part) {
  char *name = gcimOnnxExpansionPrintf(b->ex, "%s/%s", b->base, part);
  b->ok = b->ok && name;
  return name ? name : "";
}

/* Appends `op` named `<node>/<part>` with `count` inputs and one output `out`. */
static Onnx__NodeProto *emit(Builder *b, const char *op, const char *part, size_t count,
                             const char *const *inputs, const char *out) {
  Onnx__NodeProto *n = gcimOnnxExpansionOwn(b->ex, malloc(sizeof *n));
  char **ins = gcimOnnxExpansionOwn(b->ex, calloc(count + 1, sizeof *ins));
  char **outs = gcimOnnxExpansionOwn(b->ex, calloc(2, sizeof *outs));
  char *name = gcimOnnxExpansionPrintf(b->ex, "%s/%s", b->base, part);
  if (!b->ok || !n || !ins || !outs || !name || !gcimOnnxExpansionAppend(b->ex, n)) {
    b->ok = false;
    return NULL;
  }
  *n = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
  for (size_t i = 0; i < count; ++i)
    ins[i] = (char *)inputs[i];
  outs[0] = (char *)out;
  n->name = name;
  n->op_type = (char *)op;
  n->domain = (char *)"";
  n->n_input = count;
  n->input = ins;
  n->n_output = 1;
  n->output = outs;
  return n;
}

/* Gives `n` one more attribute (the caller fills it). */
static Onnx__AttributeProto *addAttr(Builder *b, Onnx__NodeProto *n, const char *name,
                                     Onnx__AttributeProto__AttributeType type) {
  Onnx__AttributeProto *a = gcimOnnxExpansionOwn(b->ex, malloc(sizeof *a));
  Onnx__AttributeProto **list =
      n ? gcimOnnxExpansionOwn(b->ex, calloc(n->n_attribute + 2, sizeof *list)) : NULL;
  if (!a || !list) {
    b->ok = false;
    return NULL;
  }
  *a = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
  a->name = (char *)name;
  a->has_type = 1;
  a->type = type;
  if (n->n_attribute)
    memcpy(list, n->attribute, n->n_attribute * sizeof *list);
  list[n->n_attribute++] = a;
  n->attribute = list;
  return a;
}

static const char *constantFloat(Builder *b, const char *part, float value) {
  const char *name = temp(b, part);
  Onnx__AttributeProto *a = addAttr(b, emit(b, "Constant", part, 0, NULL, name), "value_float",
                                    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
  if (a) {
    a->has_f = 1;
    a->f = value;
  }
  return name;
}

static const char *constantInts(Builder *b, const char *part, int64_t *values, size_t count) {
  const char *name = temp(b, part);
  Onnx__AttributeProto *a = addAttr(b, emit(b, "Constant", part, 0, NULL, name), "value_ints",
                                    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
  int64_t *copy = gcimOnnxExpansionOwn(b->ex, malloc(count * sizeof *copy));
  if (a && copy) {
    memcpy(copy, values, count * sizeof *copy);
    a->n_ints = count;
    a->ints = copy;
  } else {
    b->ok = false;
  }
  return name;
}

static const char *binary(Builder *b, const char *op, const char *part, const char *x,
                          const char *y, const char *out) {
  const char *ins[] = {x, y};
  out = out ? out : temp(b, part);
  emit(b, op, part, 2, ins, out);
  return out;
}

static const char *unary(Builder *b, const char *op, const char *part, const char *x) {
  const char *out = temp(b, part);
  emit(b, op, part, 1, &x, out);
  return out;
}

static float floatAttr(const Onnx__NodeProto *node, const char *name, float fallback) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(node, name);
  return a && a->has_f ? a->f : fallback;
}

static int64_t intAttr(const Onnx__NodeProto *node, const char *name, int64_t fallback) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(node, name);
  return a && a->has_i ? a->i : fallback;
}

/* y = x / sqrt(mean(x^2 over axes axis..-1) + eps) * scale; the inverse deviation goes to
 * `invStd` when it is named. */
static void rmsNorm(Builder *b, const char *x, const char *scale, const char *y,
                    const char *invStd) {
  int64_t axis = intAttr(b->node, "axis", -1), axes[GCIM_MAX_RANK];
  size_t count = 0;
  if (axis >= 0 || axis < -GCIM_MAX_RANK) {
    gcimOnnxImportError(b->im,
                        "only a negative 'axis' (counted from the end) is supported, not %lld",
                        (long long)axis);
    b->ok = false;
    return;
  }
  for (int64_t a = axis; a < 0; ++a)
    axes[count++] = a;
  const char *square = binary(b, "Mul", "square", x, x, NULL);
  const char *meanIns[] = {square, constantInts(b, "axes", axes, count)};
  const char *mean = temp(b, "mean_square");
  emit(b, "ReduceMean", "mean_square", 2, meanIns, mean);
  const char *eps = constantFloat(b, "epsilon", floatAttr(b->node, "epsilon", 1e-5f));
  const char *dev = unary(b, "Sqrt", "deviation", binary(b, "Add", "variance", mean, eps, NULL));
  const char *inv = invStd ? invStd : temp(b, "inv_deviation");
  emit(b, "Reciprocal", "inv_deviation", 1, &dev, inv);
  binary(b, "Mul", "scaled", binary(b, "Mul", "normalized", x, inv, NULL), scale, y);
}

/* input + skip (+ bias): into the graph's output 3 when it is used. */
static const char *skipSum(Builder *b, const char *biasName) {
  const char *sumOut = output(b->node, 3), *bias = biasName;
  const char *sum =
      binary(b, "Add", "skip_sum", input(b->node, 0), input(b->node, 1), bias ? NULL : sumOut);
  return bias ? binary(b, "Add", "bias_sum", sum, bias, sumOut) : sum;
}

static void skipLayerNorm(Builder *b) {
  const char *sum = skipSum(b, input(b->node, 4));
  const char *ins[] = {sum, input(b->node, 2), input(b->node, 3) ? input(b->node, 3) : ""};
  Onnx__NodeProto *n = emit(b, "LayerNormalization", "layer_norm", 3, ins, output(b->node, 0));
  Onnx__AttributeProto *eps =
      addAttr(b, n, "epsilon", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
  Onnx__AttributeProto *axis = addAttr(b, n, "axis", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  if (!eps || !axis)
    return;
  eps->has_f = 1;
  eps->f = floatAttr(b->node, "epsilon", 1e-12f);
  axis->has_i = 1;
  axis->i = -1;
  /* The optional mean and inverse deviation outputs of the contrib op are LayerNorm's. */
  char **outs = gcimOnnxExpansionOwn(b->ex, calloc(4, sizeof *outs));
  if (!outs) {
    b->ok = false;
    return;
  }
  for (size_t i = 0; i < 3; ++i)
    outs[i] = (char *)(output(b->node, i) ? output(b->node, i) : "");
  n->output = outs;
  n->n_output = output(b->node, 2) ? 3 : output(b->node, 1) ? 2 : 1;
}

static void fastGelu(Builder *b) {
  const char *x = input(b->node, 0), *bias = input(b->node, 1);
  if (bias)
    x = binary(b, "Add", "bias", x, bias, NULL);
  Onnx__NodeProto *n = emit(b, "Gelu", "gelu", 1, &x, output(b->node, 0));
  Onnx__AttributeProto *a =
      addAttr(b, n, "approximate", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
  if (a) {
    a->has_s = 1;
    a->s.data = (uint8_t *)"tanh";
    a->s.len = 4;
  }
}

static bool is(const Onnx__NodeProto *node, const char *domain, const char *op) {
  const char *d = node->domain ? node->domain : "";
  return node->op_type && strcmp(node->op_type, op) == 0 &&
         (strcmp(d, domain) == 0 || (!domain[0] && strcmp(d, "ai.onnx") == 0));
}

static int decompose(Builder *b, bool rms, bool skipRms, bool skipLn);

int gcimOnnxExpandDecomposition(Importer *im, Expansion *ex, Onnx__NodeProto *node) {
  const char *name = node->name && node->name[0] ? node->name : node->op_type;
  Builder b = {im, ex, node, name, true};
  bool ms = node->domain && strcmp(node->domain, "com.microsoft") == 0;
  bool rms = is(node, "", "RMSNormalization") || is(node, "", "SimplifiedLayerNormalization") ||
             (ms && is(node, "com.microsoft", "SimplifiedLayerNormalization"));
  bool skipRms = ms && is(node, "com.microsoft", "SkipSimplifiedLayerNormalization");
  bool skipLn = ms && is(node, "com.microsoft", "SkipLayerNormalization");
  bool gelu = ms && is(node, "com.microsoft", "FastGelu");
  if (!rms && !skipRms && !skipLn && !gelu)
    return 0;
  im->loc = gcimOnnxNameLoc(im, name);
  im->nodeName = name; /* diagnostics name the node and its op */
  im->opType = node->op_type;
  int result = decompose(&b, rms, skipRms, skipLn);
  im->nodeName = NULL;
  return result;
}

static int decompose(Builder *b, bool rms, bool skipRms, bool skipLn) {
  const Onnx__NodeProto *node = b->node;
  Importer *im = b->im;
  size_t minInputs = skipRms || skipLn ? 3 : (rms ? 2 : 1);
  for (size_t i = 0; i < minInputs; ++i)
    if (!input(node, i)) {
      gcimOnnxImportError(im, "needs input %zu", i);
      return -1;
    }
  if (!output(node, 0) || (skipRms && output(node, 1))) {
    gcimOnnxImportError(im, "only the output, the inverse deviation and the sum are supported");
    return -1;
  }
  if (rms)
    rmsNorm(b, input(node, 0), input(node, 1), output(node, 0), output(node, 1));
  else if (skipRms)
    rmsNorm(b, skipSum(b, input(node, 3)), input(node, 2), output(node, 0), output(node, 2));
  else if (skipLn)
    skipLayerNorm(b);
  else
    fastGelu(b);
  if (!b->ok && !im->failed)
    gcimOnnxImportError(im, "out of memory");
  return b->ok ? 1 : -1;
}
