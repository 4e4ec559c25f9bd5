/* ExpandBuild.c: building blocks of the importer's decompositions (ExpandOps.c,
 * ExpandQuant.c): nodes named `<node>/<part>`, their attributes and small constants, all
 * owned by the expansion. */
#include "Expand.h"

#include <stdlib.h>
#include <string.h>

const char *gcimOnnxBuildInput(const Onnx__NodeProto *node, size_t i) {
  return i < node->n_input && node->input[i][0] ? node->input[i] : NULL;
}

const char *gcimOnnxBuildOutput(const Onnx__NodeProto *node, size_t i) {
  return i < node->n_output && node->output[i][0] ? node->output[i] : NULL;
}

/* A value name private to the decomposition. */
const char *gcimOnnxBuildTemp(GcimOnnxBuilder *b, const char *part) {
  char *name = gcimOnnxExpansionPrintf(b->ex, "%s/%s", b->base, part);
  b->ok = b->ok && name;
  return name ? name : "";
}

/* Appends `op` named `<node>/<part>` with `count` inputs and one output `out`. */
Onnx__NodeProto *gcimOnnxBuildNode(GcimOnnxBuilder *b, const char *op, const char *part,
                                   size_t count, const char *const *inputs, const char *out) {
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
Onnx__AttributeProto *gcimOnnxBuildAttr(GcimOnnxBuilder *b, Onnx__NodeProto *n, const char *name,
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

const char *gcimOnnxBuildConstantFloat(GcimOnnxBuilder *b, const char *part, float value) {
  const char *name = gcimOnnxBuildTemp(b, part);
  Onnx__AttributeProto *a =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Constant", part, 0, NULL, name), "value_float",
                        ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
  if (a) {
    a->has_f = 1;
    a->f = value;
  }
  return name;
}

const char *gcimOnnxBuildConstantInts(GcimOnnxBuilder *b, const char *part, int64_t *values,
                                      size_t count) {
  const char *name = gcimOnnxBuildTemp(b, part);
  Onnx__AttributeProto *a =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Constant", part, 0, NULL, name), "value_ints",
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

const char *gcimOnnxBuildTranspose(GcimOnnxBuilder *b, const char *part, const char *x,
                                   const int64_t *perm, size_t n, const char *out) {
  out = out ? out : gcimOnnxBuildTemp(b, part);
  Onnx__NodeProto *node = gcimOnnxBuildNode(b, "Transpose", part, 1, &x, out);
  Onnx__AttributeProto *a =
      node ? gcimOnnxBuildAttr(b, node, "perm", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS) : NULL;
  int64_t *copy = gcimOnnxExpansionOwn(b->ex, malloc(n * sizeof *copy));
  if (!a || !copy) {
    b->ok = false;
    return out;
  }
  memcpy(copy, perm, n * sizeof *copy);
  a->ints = copy;
  a->n_ints = n;
  return out;
}

const char *gcimOnnxBuildBinary(GcimOnnxBuilder *b, const char *op, const char *part, const char *x,
                                const char *y, const char *out) {
  const char *ins[] = {x, y};
  out = out ? out : gcimOnnxBuildTemp(b, part);
  gcimOnnxBuildNode(b, op, part, 2, ins, out);
  return out;
}

const char *gcimOnnxBuildUnary(GcimOnnxBuilder *b, const char *op, const char *part,
                               const char *x) {
  const char *out = gcimOnnxBuildTemp(b, part);
  gcimOnnxBuildNode(b, op, part, 1, &x, out);
  return out;
}

const char *gcimOnnxBuildConstantLike(GcimOnnxBuilder *b, const char *part, float value,
                                      const char *like) {
  const char *valuePart = gcimOnnxExpansionPrintf(b->ex, "%s_value", part);
  b->ok = b->ok && valuePart;
  if (!b->ok)
    return "";
  return gcimOnnxBuildBinary(b, "CastLike", part, gcimOnnxBuildConstantFloat(b, valuePart, value),
                             like, NULL);
}

const char *gcimOnnxBuildWhere(GcimOnnxBuilder *b, const char *part, const char *condition,
                               const char *x, const char *y, const char *out) {
  const char *ins[] = {condition, x, y};
  out = out ? out : gcimOnnxBuildTemp(b, part);
  gcimOnnxBuildNode(b, "Where", part, 3, ins, out);
  return out;
}

bool gcimOnnxIsDefaultOp(const Onnx__NodeProto *node, const char *op) {
  const char *d = node->domain ? node->domain : "";
  return node->op_type && strcmp(node->op_type, op) == 0 && (!d[0] || strcmp(d, "ai.onnx") == 0);
}

float gcimOnnxNodeFloatAttr(const Onnx__NodeProto *node, const char *name, float fallback) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(node, name);
  return a && a->has_f ? a->f : fallback;
}

int64_t gcimOnnxNodeIntAttr(const Onnx__NodeProto *node, const char *name, int64_t fallback) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(node, name);
  return a && a->has_i ? a->i : fallback;
}
