/* ExpandLegacy.c: upgrades the default-domain nodes of a model written at an opset below 13
 * to the form the importer's table holds (called by Expand.c before any decomposition).
 *
 * The op table below gives, per op, the first opset whose form is the one imported: from
 * there on a node is accepted as it is (the newer versions only widened types or added
 * attributes whose defaults keep the old meaning). Below it, a node is rewritten when a
 * conversion exists from its opset on, else refused naming the opset and the way out (onnx's
 * version converter). The reference for what changed is the ONNX changelog and onnx 1.12's
 * version_converter adapters. Every rewrite is exact:
 * - attributes that became inputs: Squeeze/Unsqueeze/ReduceSum `axes` and Split `split`
 *   (13), Slice `starts`/`ends`/`axes` (10), Clip `min`/`max` (11), Dropout `ratio` (12)
 *   become Constant inputs (Clip's bounds of the type declared for its input or output,
 *   float32 when neither is declared);
 * - Softmax and LogSoftmax below 13 coerce the input to 2-D at `axis` (default 1): over the
 *   last axis that is the new op over axis -1; otherwise Flatten at `axis`, the op over the
 *   last axis and Reshape back to Shape(x), so dynamic shapes work.
 * Ops not in the table (other domains, ops the importer does not know) pass unchanged. */
#include "Expand.h"

#include <stdlib.h>
#include <string.h>

typedef bool (*Upgrade)(GcimOnnxBuilder *b);

static bool upgradeAxesInput(GcimOnnxBuilder *b);
static bool upgradeSplit(GcimOnnxBuilder *b);
static bool upgradeSlice(GcimOnnxBuilder *b);
static bool upgradeClip(GcimOnnxBuilder *b);
static bool upgradeDropout(GcimOnnxBuilder *b);
static bool upgradeSoftmax(GcimOnnxBuilder *b);

/* `sameFrom`: the first opset whose form is imported as it is; `convertFrom`: the first
 * opset `upgrade` rewrites (0: none). One line per op; the comment says what changed. */
static const struct {
  const char *op;
  int sameFrom, convertFrom;
  Upgrade upgrade;
} legacyOps[] = {
    {"Add", 7, 0, NULL},                /* 1, 6: `broadcast`/`axis` attributes; 13, 14: types */
    {"Sub", 7, 0, NULL},                /* as Add */
    {"Mul", 7, 0, NULL},                /* as Add */
    {"Div", 7, 0, NULL},                /* as Add */
    {"Pow", 7, 0, NULL},                /* 1: `broadcast`; 12, 13, 15: types */
    {"Sqrt", 6, 0, NULL},               /* 1: `consumed_inputs`; 13: types (so for the next ones) */
    {"Reciprocal", 6, 0, NULL},         /* as Sqrt */
    {"Neg", 6, 0, NULL},                /* as Sqrt */
    {"Abs", 6, 0, NULL},                /* as Sqrt */
    {"Exp", 6, 0, NULL},                /* as Sqrt */
    {"Log", 6, 0, NULL},                /* as Sqrt */
    {"Tanh", 6, 0, NULL},               /* as Sqrt */
    {"Sigmoid", 6, 0, NULL},            /* as Sqrt */
    {"Relu", 6, 0, NULL},               /* as Sqrt; 14: types */
    {"Floor", 6, 0, NULL},              /* as Sqrt */
    {"Ceil", 6, 0, NULL},               /* as Sqrt */
    {"HardSigmoid", 6, 0, NULL},        /* 1: `consumed_inputs` */
    {"Erf", 9, 0, NULL},                /* new at 9; 13: types */
    {"Sign", 9, 0, NULL},               /* new at 9; 13: types */
    {"IsNaN", 9, 0, NULL},              /* new at 9; 13: types */
    {"Softmax", 13, 1, upgradeSoftmax}, /* 1, 11: 2-D coercion at `axis` (default 1) */
    {"LogSoftmax", 13, 1, upgradeSoftmax}, /* as Softmax */
    {"MatMul", 1, 0, NULL},                /* 9, 13: types */
    {"Gemm", 7, 0, NULL},      /* 1, 6: `broadcast`; 9, 11 (C optional), 13: compatible */
    {"Transpose", 1, 0, NULL}, /* 13: types */
    {"Reshape", 5, 0, NULL},   /* 1: `shape` attribute; 14: `allowzero` (default 0) */
    {"Flatten", 1, 0, NULL},   /* 9: types; 11: negative axis */
    {"Squeeze", 13, 1, upgradeAxesInput},   /* 1, 11: `axes` attribute */
    {"Unsqueeze", 13, 1, upgradeAxesInput}, /* 1, 11: `axes` attribute */
    {"Concat", 4, 0, NULL},                 /* 1: `axis` optional (default 1); 11: negative */
    {"Split", 13, 2, upgradeSplit},         /* 1: `split` as input; 2, 11: attribute */
    {"Slice", 10, 1, upgradeSlice},         /* 1: attributes; 11: negative axes; 13: types */
    {"Gather", 1, 0, NULL},                 /* 11: negative indices; 13: types */
    {"Expand", 8, 0, NULL},                 /* new at 8; 13: types */
    {"Where", 9, 0, NULL},                  /* new at 9; 16: types */
    {"Equal", 7, 0, NULL},                  /* 1: `broadcast`; 11, 13: types */
    {"Less", 7, 0, NULL},                   /* as Equal */
    {"Greater", 7, 0, NULL},                /* as Equal */
    {"Not", 1, 0, NULL},                    /* unchanged */
    {"And", 7, 0, NULL},                    /* 1: `broadcast` */
    {"Or", 7, 0, NULL},                     /* as And */
    {"Xor", 7, 0, NULL},                    /* as And */
    {"Cast", 6, 0, NULL},                   /* 1: `to` a string; 9, 13: types */
    {"Constant", 1, 0, NULL},               /* 9, 11, 12: types, sparse and value_* forms */
    {"ConstantOfShape", 9, 0, NULL},        /* new at 9 */
    {"Shape", 1, 0, NULL},                  /* 13: types; 15: `start`/`end` (whole shape) */
    {"Size", 1, 0, NULL},                   /* 13: types */
    {"Range", 11, 0, NULL},                 /* new at 11 */
    {"Trilu", 14, 0, NULL},                 /* new at 14 */
    {"ReduceSum", 13, 1, upgradeAxesInput}, /* 1, 11: `axes` attribute */
    {"ReduceMean", 1, 0, NULL},             /* `axes` an attribute until 18, read by Node.c */
    {"ReduceMax", 1, 0, NULL},              /* as ReduceMean; 12: types */
    {"LayerNormalization", 17, 0, NULL},    /* new at 17 */
    {"Clip", 11, 6, upgradeClip},           /* 1: `consumed_inputs`; 6: `min`/`max` attributes */
    {"Min", 6, 0, NULL},      /* 1: `consumed_inputs`; 8: broadcasting (6 needs equal shapes) */
    {"Max", 6, 0, NULL},      /* as Min */
    {"Identity", 1, 0, NULL}, /* 13, 14, 16: types */
    {"Dropout", 12, 7, upgradeDropout},    /* 1, 6: `is_test`; 7, 10: `ratio` attribute */
    {"Sin", 7, 0, NULL},                   /* new at 7 */
    {"Cos", 7, 0, NULL},                   /* new at 7 */
    {"Softplus", 1, 0, NULL},              /* unchanged */
    {"LessOrEqual", 12, 0, NULL},          /* new at 12; 16: types */
    {"GreaterOrEqual", 12, 0, NULL},       /* as LessOrEqual */
    {"IsInf", 10, 0, NULL},                /* new at 10 */
    {"Mod", 10, 0, NULL},                  /* new at 10; 13: types */
    {"CumSum", 11, 0, NULL},               /* new at 11; 14: types */
    {"Tile", 6, 0, NULL},                  /* 1: `tiles`/`axis` inputs; 13: types */
    {"GatherElements", 11, 0, NULL},       /* new at 11; 13: types */
    {"ScatterND", 11, 0, NULL},            /* new at 11; 16: `reduction` (default none) */
    {"GatherND", 11, 0, NULL},             /* new at 11; 12: `batch_dims` (default 0) */
    {"Gelu", 20, 0, NULL},                 /* new at 20 */
    {"Mish", 18, 0, NULL},                 /* new at 18 */
    {"Attention", 23, 0, NULL},            /* new at 23 */
    {"RMSNormalization", 23, 0, NULL},     /* new at 23 */
    {"RotaryEmbedding", 23, 0, NULL},      /* new at 23 */
    {"Einsum", 12, 0, NULL},               /* new at 12 */
    {"Conv", 1, 0, NULL},                  /* 11: compatible (the converter's word) */
    {"InstanceNormalization", 6, 0, NULL}, /* 1: `consumed_inputs` */
    {"DequantizeLinear", 10, 0, NULL},     /* new at 10; 13: `axis` (per tensor alike) */
    {"QuantizeLinear", 10, 0, NULL},       /* as DequantizeLinear */
    {"ArgMax", 1, 0, NULL},                /* 11: negative axis; 12: `select_last_index` */
    {"ArgMin", 1, 0, NULL},                /* as ArgMax */
    {"TopK", 10, 0, NULL},                 /* 1: `k` attribute; 11: `largest`, `sorted` */
    {"CastLike", 15, 0, NULL},             /* new at 15 */
    {"ReduceMin", 1, 0, NULL},             /* as ReduceMean */
    {"ReduceProd", 1, 0, NULL},            /* as ReduceMean */
    {"ReduceL1", 1, 0, NULL},              /* as ReduceMean */
    {"ReduceL2", 1, 0, NULL},              /* as ReduceMean */
    {"ReduceLogSum", 1, 0, NULL},          /* as ReduceMean */
    {"ReduceLogSumExp", 1, 0, NULL},       /* as ReduceMean */
    {"ReduceSumSquare", 1, 0, NULL},       /* as ReduceMean */
    {"Elu", 6, 0, NULL},                   /* 1: `consumed_inputs` */
    {"Selu", 6, 0, NULL},                  /* as Elu */
    {"LeakyRelu", 6, 0, NULL},             /* as Elu */
    {"PRelu", 7, 0, NULL},                 /* 1, 6: no broadcasting of the slope */
    {"Celu", 12, 0, NULL},                 /* new at 12 */
    {"ThresholdedRelu", 10, 0, NULL},      /* new in the default domain at 10 */
    {"Softsign", 1, 0, NULL},              /* 22: types */
    {"HardSwish", 14, 0, NULL},            /* new at 14 */
    {"Shrink", 9, 0, NULL},                /* new at 9 */
    {"Round", 11, 0, NULL},                /* new at 11 */
    {"Sum", 6, 0, NULL},      /* 1: `consumed_inputs`; 8: broadcasting (6: equal shapes) */
    {"Mean", 6, 0, NULL},     /* as Sum */
    {"OneHot", 9, 0, NULL},   /* new at 9; 11: negative axis */
    {"Hardmax", 13, 0, NULL}, /* 1, 11: 2-D coercion (the upgrade is not decomposed) */
};

/* A copy of b->node, same name, without attribute `drop` (NULL: keeps all), with `count`
 * inputs (those of the node then ""), appended to the expansion; NULL when out of memory. */
static Onnx__NodeProto *copyNode(GcimOnnxBuilder *b, const char *drop, size_t count) {
  const Onnx__NodeProto *node = b->node;
  Onnx__NodeProto *n = gcimOnnxExpansionOwn(b->ex, malloc(sizeof *n));
  size_t total = count > node->n_input ? count : node->n_input;
  char **inputs = gcimOnnxExpansionOwn(b->ex, calloc(total + 1, sizeof *inputs));
  Onnx__AttributeProto **attrs =
      gcimOnnxExpansionOwn(b->ex, calloc(node->n_attribute + 1, sizeof *attrs));
  if (!n || !inputs || !attrs || !gcimOnnxExpansionAppend(b->ex, n))
    return NULL;
  *n = *node;
  for (size_t i = 0; i < total; ++i)
    inputs[i] = i < node->n_input ? node->input[i] : (char *)"";
  n->input = inputs;
  n->n_input = total;
  n->attribute = attrs;
  n->n_attribute = 0;
  for (size_t i = 0; i < node->n_attribute; ++i)
    if (!drop || !node->attribute[i]->name || strcmp(node->attribute[i]->name, drop) != 0)
      attrs[n->n_attribute++] = node->attribute[i];
  return n;
}

/* The INTS attribute `name` of b->node as a Constant named `<node>/<name>`; NULL when the
 * node has none, or after a diagnostic (b->ok false) when it is not a list of ints. */
static const char *intsAsConstant(GcimOnnxBuilder *b, const char *name) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(b->node, name);
  if (!a)
    return NULL;
  if (!a->n_ints || a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS) {
    gcimOnnxImportError(b->im, "attribute '%s' must be a non-empty list of ints", name);
    b->ok = false;
    return NULL;
  }
  return gcimOnnxBuildConstantInts(b, name, a->ints, a->n_ints);
}

/* Attribute `name` becomes input `index` (absent attribute: absent input). */
static bool attributeToInput(GcimOnnxBuilder *b, const char *name, size_t index) {
  const char *value = intsAsConstant(b, name);
  Onnx__NodeProto *n = copyNode(b, name, index + 1);
  if (!n)
    return false;
  if (value)
    n->input[index] = (char *)value;
  return b->ok;
}

static bool upgradeAxesInput(GcimOnnxBuilder *b) { return attributeToInput(b, "axes", 1); }

static bool upgradeSplit(GcimOnnxBuilder *b) { return attributeToInput(b, "split", 1); }

static bool upgradeSlice(GcimOnnxBuilder *b) {
  if (!gcimOnnxFindAttr(b->node, "starts") || !gcimOnnxFindAttr(b->node, "ends")) {
    gcimOnnxImportError(b->im, "needs attributes 'starts' and 'ends'");
    return false;
  }
  const char *starts = intsAsConstant(b, "starts"), *ends = intsAsConstant(b, "ends");
  const char *axes = intsAsConstant(b, "axes");
  Onnx__NodeProto *n = copyNode(b, NULL, axes ? 4 : 3);
  if (!n)
    return false;
  n->n_attribute = 0;
  n->input[1] = (char *)starts;
  n->input[2] = (char *)ends;
  if (axes)
    n->input[3] = (char *)axes;
  return b->ok;
}

/* The element type `name` is declared with (graph input, value_info, output, initializer);
 * 0 when undeclared. */
static int declaredElemType(const Onnx__GraphProto *g, const char *name) {
  Onnx__ValueInfoProto *const *lists[] = {g->input, g->value_info, g->output};
  const size_t counts[] = {g->n_input, g->n_value_info, g->n_output};
  for (size_t l = 0; l < 3; ++l)
    for (size_t i = 0; i < counts[l]; ++i) {
      const Onnx__TypeProto *t = lists[l][i]->type;
      if (lists[l][i]->name && strcmp(lists[l][i]->name, name) == 0 && t &&
          t->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE && t->tensor_type)
        return t->tensor_type->elem_type;
    }
  for (size_t i = 0; i < g->n_initializer; ++i)
    if (g->initializer[i]->name && strcmp(g->initializer[i]->name, name) == 0)
      return g->initializer[i]->data_type;
  return 0;
}

/* Clip's float bound `name` as a Constant of the input's type (opset 13 wants them alike):
 * the type declared for the input or output, float32 when neither is declared. */
static const char *clipBound(GcimOnnxBuilder *b, const char *name, int type) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(b->node, name);
  if (!a)
    return "";
  const char *value = gcimOnnxBuildConstantFloat(b, name, a->f);
  if (!type || type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
    return value;
  const char *part = gcimOnnxExpansionPrintf(b->ex, "%s_typed", name);
  const char *typed = part ? gcimOnnxBuildTemp(b, part) : "";
  Onnx__AttributeProto *to =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Cast", part ? part : "", 1, &value, typed), "to",
                        ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  if (to) {
    to->has_i = 1;
    to->i = type;
  }
  b->ok = b->ok && part;
  return typed;
}

static bool upgradeClip(GcimOnnxBuilder *b) {
  const char *x = gcimOnnxBuildInput(b->node, 0), *y = gcimOnnxBuildOutput(b->node, 0);
  int type = x ? declaredElemType(b->im->graph, x) : 0;
  if (!type && y)
    type = declaredElemType(b->im->graph, y);
  const char *min = clipBound(b, "min", type), *max = clipBound(b, "max", type);
  Onnx__NodeProto *n = copyNode(b, NULL, 3);
  if (!n)
    return false;
  n->n_attribute = 0;
  n->input[1] = (char *)min;
  n->input[2] = (char *)max;
  return b->ok;
}

/* Opsets 7 to 11 run Dropout as at inference (12's training_mode false): the output is the
 * input whatever the ratio. The mask is bool from 10; before, it had the input's type. */
static bool upgradeDropout(GcimOnnxBuilder *b) {
  if (b->im->opset < 10 && gcimOnnxBuildOutput(b->node, 1)) {
    gcimOnnxImportError(b->im,
                        "opset %lld's mask output has the input's type, not bool; convert the "
                        "model with onnx.version_converter.convert_version(model, 17)",
                        (long long)b->im->opset);
    return false;
  }
  const char *ratio =
      gcimOnnxBuildConstantFloat(b, "ratio", gcimOnnxNodeFloatAttr(b->node, "ratio", 0.5f));
  Onnx__NodeProto *n = copyNode(b, "ratio", 2);
  if (!n)
    return false;
  n->input[1] = (char *)ratio;
  return b->ok;
}

static bool upgradeSoftmax(GcimOnnxBuilder *b) {
  const char *x = gcimOnnxBuildInput(b->node, 0), *y = gcimOnnxBuildOutput(b->node, 0);
  if (!x || !y) {
    gcimOnnxImportError(b->im, "needs an input and an output");
    return false;
  }
  int64_t axis = gcimOnnxNodeIntAttr(b->node, "axis", 1);
  int rank = gcimOnnxValueRank(gcimOnnxExpansionRanks(b->ex), b->im->graph, x);
  bool last = axis == -1 || (rank > 0 && axis == rank - 1);
  /* Over the last axis the coercion changes nothing: the new op over axis -1. Otherwise
   * over the flattened trailing axes, back to x's shape. */
  const char *flat = last ? x : gcimOnnxBuildTemp(b, "flat");
  const char *result = last ? y : gcimOnnxBuildTemp(b, "coerced");
  if (!last) {
    Onnx__AttributeProto *a =
        gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Flatten", "flat", 1, &x, flat), "axis",
                          ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    if (a) {
      a->has_i = 1;
      a->i = axis;
    }
  }
  Onnx__NodeProto *n = copyNode(b, "axis", 1);
  Onnx__AttributeProto *a =
      n ? gcimOnnxBuildAttr(b, n, "axis", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT) : NULL;
  if (!a)
    return false;
  a->has_i = 1;
  a->i = -1;
  n->input[0] = (char *)flat;
  n->output = gcimOnnxExpansionOwn(b->ex, calloc(2, sizeof *n->output));
  if (!n->output)
    return false;
  n->output[0] = (char *)result;
  n->n_output = 1;
  if (!last) {
    const char *ins[] = {result, gcimOnnxBuildUnary(b, "Shape", "shape", x)};
    gcimOnnxBuildNode(b, "Reshape", "reshape", 2, ins, y);
  }
  return b->ok;
}

int gcimOnnxExpandLegacy(Importer *im, Expansion *ex, Onnx__NodeProto *node) {
  const char *domain = node->domain ? node->domain : "";
  if (im->opset >= 13 || !node->op_type || (domain[0] && strcmp(domain, "ai.onnx") != 0))
    return 0;
  size_t i = 0, count = sizeof legacyOps / sizeof legacyOps[0];
  while (i < count && strcmp(legacyOps[i].op, node->op_type) != 0)
    ++i;
  if (i == count || im->opset >= legacyOps[i].sameFrom)
    return 0;
  const char *name = node->name && node->name[0] ? node->name : node->op_type;
  GcimOnnxBuilder b = {im, ex, node, name, true};
  im->loc = gcimOnnxNameLoc(im, name);
  im->nodeName = name; /* diagnostics name the node and its op */
  im->opType = node->op_type;
  bool converted = legacyOps[i].upgrade && im->opset >= legacyOps[i].convertFrom;
  if (converted) {
    if (!legacyOps[i].upgrade(&b) && !im->failed)
      gcimOnnxImportError(im, "out of memory");
  } else {
    gcimOnnxImportError(im,
                        "opset %lld's form of the op is not supported: gcim imports it as "
                        "opsets %d and later define it; convert the model with "
                        "onnx.version_converter.convert_version(model, 17)",
                        (long long)im->opset, legacyOps[i].sameFrom);
  }
  im->nodeName = NULL;
  return im->failed ? -1 : 1;
}
