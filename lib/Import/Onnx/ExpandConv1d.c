/* ExpandConv1d.c: any 1-D Conv (Whisper's and wav2vec2's audio front ends, wav2vec2's
 * grouped positional convolution) as Slice, Concat, Reshape, Transpose and MatMul.
 *
 * With kernel k, stride s, dilation d and group G over X (N, C, L) padded to L' (zeros
 * concatenated on the length axis), tap j of every output position t reads X'[:, :,
 * j d + t s]: the Slice of X' from j d to L' - (k - 1 - j) d by step s, which has the
 * output length floor((L' - (k - 1) d - 1) / s) + 1 for every tap, so no length need be
 * known at import. The taps stacked as (N, C, k, Lout) are viewed as (N, G, C/G x k, Lout)
 * and multiplied by the weight viewed as (G, C/G x k, M/G), the order of its (M, C/G, k)
 * layout; the result (N, G, Lout, M/G) is laid back as (N, M, Lout). The weight need
 * not be an initializer (weight norm's ops, without constant folding). A length the
 * strides do not divide drops its remainder as ONNX does (wav2vec2's last convolutions);
 * auto_pad SAME_* (its padding depends on L) is refused. */
#include "Expand.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GCIM_CONV1D_LIMIT ((int64_t)1 << 32) /* kernel x dilation stays far from overflow */

typedef struct Conv1d {
  int64_t kernel, stride, dilation, group, padBegin, padEnd;
} Conv1d;

static int64_t firstInt(const Onnx__NodeProto *node, const char *name, size_t count, size_t i,
                        int64_t fallback) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(node, name);
  return a && a->n_ints == count ? a->ints[i] : fallback;
}

static bool attrCountIs(const Onnx__NodeProto *node, const char *name, size_t count) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(node, name);
  return !a || a->n_ints == count;
}

/* When X's shape is declared: its channels are the groups' and its padded length holds
 * the kernel's span, which would otherwise fail later in a Reshape or a MatMul. */
static int checkInput(GcimOnnxBuilder *b, const Conv1d *c, int64_t perGroup) {
  int64_t x[GCIM_MAX_RANK];
  if (gcimOnnxDeclaredShape(b->im->graph, gcimOnnxBuildInput(b->node, 0), x) != 3)
    return 1;
  if (x[1] > 0 && (x[1] % c->group || (perGroup > 0 && x[1] / c->group != perGroup))) {
    gcimOnnxImportError(b->im,
                        "a 1-D Conv over %lld channels in %lld groups needs a weight of %lld "
                        "channels per group%s",
                        (long long)x[1], (long long)c->group, (long long)(x[1] / c->group),
                        x[1] % c->group ? " (the channels are not a multiple of the groups)" : "");
    return -1;
  }
  int64_t span = (c->kernel - 1) * c->dilation + 1;
  if (x[2] >= 0 && x[2] + c->padBegin + c->padEnd < span) {
    gcimOnnxImportError(b->im,
                        "a 1-D Conv over %lld positions (%lld padded) is shorter than its "
                        "kernel's span of %lld",
                        (long long)x[2], (long long)(x[2] + c->padBegin + c->padEnd),
                        (long long)span);
    return -1;
  }
  return 1;
}

/* The Conv's parameters (1), or a diagnostic naming what is wrong (-1). The kernel is
 * 'kernel_shape' or the declared weight's; the weight's other dimensions need not be
 * known (a weight computed by ops, as weight norm's without constant folding). */
static int readConv(GcimOnnxBuilder *b, Conv1d *c) {
  const Onnx__NodeProto *node = b->node;
  int64_t dims[GCIM_MAX_RANK];
  bool declared = gcimOnnxDeclaredShape(b->im->graph, gcimOnnxBuildInput(node, 1), dims) == 3;
  *c = (Conv1d){firstInt(node, "kernel_shape", 1, 0, declared ? dims[2] : -1), 1, 1, 1, 0, 0};
  const Onnx__AttributeProto *pad = gcimOnnxFindAttr(node, "auto_pad");
  if (pad && pad->s.len && !(pad->s.len == 6 && !memcmp(pad->s.data, "NOTSET", 6)) &&
      !(pad->s.len == 5 && !memcmp(pad->s.data, "VALID", 5))) {
    gcimOnnxImportError(b->im, "a 1-D Conv with 'auto_pad' SAME_UPPER or SAME_LOWER is not "
                               "supported; export it with explicit 'pads'");
    return -1;
  }
  if (!attrCountIs(node, "strides", 1) || !attrCountIs(node, "dilations", 1) ||
      !attrCountIs(node, "pads", 2) || !attrCountIs(node, "kernel_shape", 1) ||
      (declared && dims[2] >= 0 && dims[2] != c->kernel)) {
    gcimOnnxImportError(b->im, "a 1-D Conv's 'kernel_shape', 'strides', 'dilations' or 'pads' "
                               "do not fit its weight or one spatial axis");
    return -1;
  }
  c->stride = firstInt(node, "strides", 1, 0, 1);
  c->dilation = firstInt(node, "dilations", 1, 0, 1);
  c->padBegin = firstInt(node, "pads", 2, 0, 0);
  c->padEnd = firstInt(node, "pads", 2, 1, 0);
  c->group = gcimOnnxNodeIntAttr(node, "group", 1);
  /* One Slice per tap: a kernel beyond any model's is refused before it makes millions. */
  if (c->kernel < 1 || c->kernel > 4096 || c->stride < 1 || c->dilation < 1 || c->group < 1 ||
      c->padBegin < 0 || c->padEnd < 0 || c->stride > GCIM_CONV1D_LIMIT ||
      c->dilation > GCIM_CONV1D_LIMIT || c->padBegin > GCIM_CONV1D_LIMIT ||
      c->padEnd > GCIM_CONV1D_LIMIT) {
    gcimOnnxImportError(b->im, "a 1-D Conv needs a known kernel of 1 to 4096 ('kernel_shape' "
                               "or a declared weight), strides, dilations and groups of at least "
                               "1 and pads of at least 0, none above 2^32");
    return -1;
  }
  return checkInput(b, c, declared ? dims[1] : -1);
}

static const char *ints(GcimOnnxBuilder *b, const char *part, int64_t *values, size_t n) {
  return gcimOnnxBuildConstantInts(b, part, values, n);
}

static const char *reshape(GcimOnnxBuilder *b, const char *part, const char *x, int64_t *shape,
                           size_t n) {
  const char *s = ints(b, gcimOnnxExpansionPrintf(b->ex, "%s_shape", part), shape, n);
  return gcimOnnxBuildBinary(b, "Reshape", part, x, s, NULL);
}

/* Concat of `count` values on axis `axis` into a temporary named `part`. */
static const char *concat(GcimOnnxBuilder *b, const char *part, const char **ins, size_t count,
                          int64_t axis) {
  const char *out = gcimOnnxBuildTemp(b, part);
  Onnx__AttributeProto *a =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Concat", part, count, ins, out), "axis",
                        ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  if (a) {
    a->has_i = 1;
    a->i = axis;
  }
  return out;
}

/* The element type of the weight, which is X's (Conv takes one type): float when not
 * declared. */
static int32_t weightType(const Onnx__GraphProto *g, const char *w) {
  for (size_t i = 0; i < g->n_initializer; ++i)
    if (g->initializer[i]->name && strcmp(g->initializer[i]->name, w) == 0)
      return g->initializer[i]->data_type;
  Onnx__ValueInfoProto *const *lists[] = {g->input, g->value_info};
  const size_t counts[] = {g->n_input, g->n_value_info};
  for (size_t l = 0; l < 2; ++l)
    for (size_t i = 0; i < counts[l]; ++i)
      if (lists[l][i]->name && strcmp(lists[l][i]->name, w) == 0 && lists[l][i]->type &&
          lists[l][i]->type->tensor_type)
        return lists[l][i]->type->tensor_type->elem_type;
  return ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
}

/* ConstantOfShape(dims) of zeros of X's type: float by default, else a `value` of one
 * zero element (a float16 model's padding must concatenate with its float16 X). */
static const char *typedZeros(GcimOnnxBuilder *b, const char *part, const char *dims) {
  static uint8_t zero[8];
  int32_t type = weightType(b->im->graph, gcimOnnxBuildInput(b->node, 1));
  const char *out = gcimOnnxBuildTemp(b, part);
  Onnx__NodeProto *n = gcimOnnxBuildNode(b, "ConstantOfShape", part, 1, &dims, out);
  if (type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT || !n)
    return out;
  size_t size = type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16 ||
                        type == ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16
                    ? 2
                    : (type == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE ? 8 : 4);
  Onnx__AttributeProto *a =
      gcimOnnxBuildAttr(b, n, "value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
  Onnx__TensorProto *t = gcimOnnxExpansionOwn(b->ex, malloc(sizeof *t));
  int64_t *one = gcimOnnxExpansionOwn(b->ex, malloc(sizeof *one));
  if (!a || !t || !one) {
    b->ok = false;
    return out;
  }
  *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
  *one = 1;
  t->n_dims = 1;
  t->dims = one;
  t->has_data_type = 1;
  t->data_type = type;
  t->has_raw_data = 1;
  t->raw_data.len = size;
  t->raw_data.data = zero;
  a->t = t;
  return out;
}

/* Zeros of (N, C, count) beside x (N, C, L). */
static const char *zeros(GcimOnnxBuilder *b, const char *part, const char *x, int64_t count) {
  const char *shape =
      gcimOnnxBuildUnary(b, "Shape", gcimOnnxExpansionPrintf(b->ex, "%s_of", part), x);
  int64_t zero = 0, two = 2;
  const char *sliceIns[] = {shape,
                            ints(b, gcimOnnxExpansionPrintf(b->ex, "%s_from", part), &zero, 1),
                            ints(b, gcimOnnxExpansionPrintf(b->ex, "%s_to", part), &two, 1)};
  const char *leadPart = gcimOnnxExpansionPrintf(b->ex, "%s_lead", part);
  const char *lead = gcimOnnxBuildTemp(b, leadPart);
  gcimOnnxBuildNode(b, "Slice", leadPart, 3, sliceIns, lead);
  const char *dimsIns[] = {lead,
                           ints(b, gcimOnnxExpansionPrintf(b->ex, "%s_length", part), &count, 1)};
  return typedZeros(b, part,
                    concat(b, gcimOnnxExpansionPrintf(b->ex, "%s_dims", part), dimsIns, 2, 0));
}

static const char *padded(GcimOnnxBuilder *b, const char *x, const Conv1d *c) {
  if (!c->padBegin && !c->padEnd)
    return x;
  const char *parts[3];
  size_t n = 0;
  if (c->padBegin)
    parts[n++] = zeros(b, "pad_begin", x, c->padBegin);
  parts[n++] = x;
  if (c->padEnd)
    parts[n++] = zeros(b, "pad_end", x, c->padEnd);
  return concat(b, "padded", parts, n, 2);
}

/* The taps stacked as (N, C, k, Lout). */
static const char *taps(GcimOnnxBuilder *b, const char *x, const Conv1d *c) {
  const char **each = gcimOnnxExpansionOwn(b->ex, calloc((size_t)c->kernel, sizeof *each));
  if (!each) {
    b->ok = false;
    return "";
  }
  int64_t axis = 2, tapAxis = 2, stride = c->stride;
  const char *axes = ints(b, "tap_axes", &axis, 1), *step = ints(b, "tap_step", &stride, 1);
  const char *unsqueezeAxes = ints(b, "tap_unsqueeze", &tapAxis, 1);
  for (int64_t j = 0; j < c->kernel; ++j) {
    int64_t start = j * c->dilation, back = (c->kernel - 1 - j) * c->dilation;
    int64_t end = back ? -back : INT64_MAX;
    const char *ins[] = {
        x, ints(b, gcimOnnxExpansionPrintf(b->ex, "tap%lld_start", (long long)j), &start, 1),
        ints(b, gcimOnnxExpansionPrintf(b->ex, "tap%lld_end", (long long)j), &end, 1), axes, step};
    const char *part = gcimOnnxExpansionPrintf(b->ex, "tap%lld", (long long)j);
    const char *tap = gcimOnnxBuildTemp(b, part);
    gcimOnnxBuildNode(b, "Slice", part, 5, ins, tap);
    each[j] = gcimOnnxBuildBinary(b, "Unsqueeze",
                                  gcimOnnxExpansionPrintf(b->ex, "tap%lld_stacked", (long long)j),
                                  tap, unsqueezeAxes, NULL);
  }
  return c->kernel == 1 ? each[0] : concat(b, "taps", each, (size_t)c->kernel, 2);
}

/* The weight (M, C/G, k) as (G, C/G x k, M/G): (M, C/G x k), then (1, M, C/G x k) so that
 * a Reshape can split M by the groups and keep the last axis by 0. */
static const char *groupedWeight(GcimOnnxBuilder *b, const char *w, int64_t g) {
  int64_t rows[] = {0, -1}, lead = 0, split[] = {g, -1, 0}, swap[] = {0, 2, 1};
  const char *flat = reshape(b, "weight_rows", w, rows, 2);
  const char *one = gcimOnnxBuildBinary(b, "Unsqueeze", "weight_lead", flat,
                                        ints(b, "weight_lead_axis", &lead, 1), NULL);
  return gcimOnnxBuildTranspose(b, "weight_columns", reshape(b, "weight_groups", one, split, 3),
                                swap, 3, NULL);
}

int gcimOnnxExpandConv1d(GcimOnnxBuilder *b) {
  Conv1d c;
  if (readConv(b, &c) < 0)
    return -1;
  const Onnx__NodeProto *node = b->node;
  int64_t g = c.group, grouped[] = {0, g, -1, 0}, swapLast[] = {0, 1, 3, 2};
  const char *stacked = taps(b, padded(b, gcimOnnxBuildInput(node, 0), &c), &c);
  const char *windows = gcimOnnxBuildTranspose(
      b, "windows", reshape(b, "grouped_taps", stacked, grouped, 4), swapLast, 4, NULL);
  const char *y = gcimOnnxBuildBinary(b, "MatMul", "product", windows,
                                      groupedWeight(b, gcimOnnxBuildInput(node, 1), g), NULL);
  if (gcimOnnxBuildInput(node, 2)) {
    int64_t biasShape[] = {g, 1, -1};
    y = gcimOnnxBuildBinary(b, "Add", "bias", y,
                            reshape(b, "bias_groups", gcimOnnxBuildInput(node, 2), biasShape, 3),
                            NULL);
  }
  /* (N, G, Lout, M/G) -> (N, Lout, G, M/G) -> (N, Lout, M) -> (N, M, Lout) */
  int64_t byPosition[] = {0, 2, 1, 3}, merged[] = {0, 0, -1}, channelsFirst[] = {0, 2, 1};
  const char *positions = gcimOnnxBuildTranspose(b, "by_position", y, byPosition, 4, NULL);
  gcimOnnxBuildTranspose(b, "output", reshape(b, "channels", positions, merged, 3), channelsFirst,
                         3, gcimOnnxBuildOutput(node, 0));
  return b->ok ? 1 : -1;
}
