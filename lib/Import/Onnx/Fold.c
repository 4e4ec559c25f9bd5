/* Fold.c: folds shape computations to known values instead of building ops (arithmetic
 * on known values is in FoldArithmetic.c).
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

/* A new value for output i, sized from its inferred type; NULL when too large. */
ConstData *gcimOnnxFoldNewOutput(NodeInfo *node, size_t i) {
  int64_t n = gcimOnnxTypeNumElements(&node->outputTypes[i]);
  if (n < 0 || n > GCIM_FOLD_LIMIT)
    return NULL;
  node->outputConsts[i] = gcimOnnxConstCreate(node->outputTypes[i].elemType, n);
  return node->outputConsts[i];
}

/* The known value of every present input, or false. */
bool gcimOnnxFoldAllKnown(Importer *im, NodeInfo *node, const ConstData **values) {
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

void gcimOnnxFoldStore(ConstData *out, int32_t elemType, int64_t i, double f, int64_t n) {
  if (out->floats)
    out->floats[i] = roundTo(elemType, f);
  else
    out->ints[i] = n;
}

bool gcimOnnxFoldShape(Importer *im, NodeInfo *node) {
  int64_t start, end;
  gcimOnnxShapeRange(im, node, &start, &end);
  ConstData *out = gcimOnnxFoldNewOutput(node, 0);
  if (!out)
    return false;
  for (int64_t d = start; d < end; ++d)
    out->ints[d - start] = node->inputs[0]->type.dims[d];
  return true;
}

bool gcimOnnxFoldSize(Importer *im, NodeInfo *node) {
  (void)im;
  ConstData *out = gcimOnnxFoldNewOutput(node, 0);
  if (!out)
    return false;
  out->ints[0] = gcimOnnxTypeNumElements(&node->inputs[0]->type);
  return true;
}

/* Index into input `t` of the output element at multi-index `index` (broadcasting). */
int64_t gcimOnnxFoldBroadcastIndex(const TypeInfo *t, const TypeInfo *outType,
                                   const int64_t *index) {
  int64_t linear = 0;
  int32_t offset = outType->rank - t->rank;
  for (int32_t d = 0; d < t->rank; ++d)
    linear = linear * t->dims[d] + (t->dims[d] == 1 ? 0 : index[d + offset]);
  return linear;
}

void gcimOnnxFoldNextIndex(const TypeInfo *t, int64_t *index) {
  for (int32_t d = t->rank - 1; d >= 0; --d) {
    if (++index[d] < t->dims[d])
      return;
    index[d] = 0;
  }
}

bool gcimOnnxFoldReshapeLike(Importer *im, NodeInfo *node) {
  const ConstData *data = gcimOnnxKnownConst(im, node->inputs[0]);
  ConstData *out = data ? gcimOnnxFoldNewOutput(node, 0) : NULL;
  if (!out)
    return false;
  for (int64_t i = 0; i < out->count; ++i)
    gcimOnnxFoldStore(out, node->outputTypes[0].elemType, i, gcimOnnxConstGetFloat(data, i),
                      gcimOnnxConstGetInt(data, i));
  return true;
}

/* Copies into `out` the elements of `data` (type `t`) at strided positions. */
bool gcimOnnxFoldGather(Importer *im, NodeInfo *node) {
  const ConstData *values[2] = {0};
  int64_t axis;
  if (!gcimOnnxFoldAllKnown(im, node, values))
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
  ConstData *out = gcimOnnxFoldNewOutput(node, 0);
  if (!out)
    return false;
  int64_t n = values[1]->count, o = 0;
  for (int64_t a = 0; a < outer; ++a)
    for (int64_t k = 0; k < n; ++k) {
      int64_t j = gcimOnnxConstGetInt(values[1], k);
      j = j < 0 ? j + dim : j;
      for (int64_t b = 0; b < inner; ++b, ++o) {
        int64_t src = (a * dim + j) * inner + b;
        gcimOnnxFoldStore(out, t->elemType, o, gcimOnnxConstGetFloat(values[0], src),
                          gcimOnnxConstGetInt(values[0], src));
      }
    }
  return true;
}

bool gcimOnnxFoldConcat(Importer *im, NodeInfo *node) {
  const ConstData *values[64] = {0};
  int64_t axis;
  if (node->inputCount > 64 || !gcimOnnxFoldAllKnown(im, node, values))
    return false;
  const TypeInfo *outType = &node->outputTypes[0];
  gcimOnnxAttrInt(im, node, "axis", 0, &axis);
  if (axis < 0)
    axis += outType->rank;
  int64_t outer = 1;
  for (int32_t d = 0; d < axis; ++d)
    outer *= outType->dims[d];
  ConstData *out = gcimOnnxFoldNewOutput(node, 0);
  if (!out)
    return false;
  int64_t o = 0;
  for (int64_t a = 0; a < outer; ++a)
    for (size_t i = 0; i < node->inputCount; ++i) {
      int64_t chunk = outer ? values[i]->count / outer : 0;
      for (int64_t k = 0; k < chunk; ++k, ++o)
        gcimOnnxFoldStore(out, outType->elemType, o,
                          gcimOnnxConstGetFloat(values[i], a * chunk + k),
                          gcimOnnxConstGetInt(values[i], a * chunk + k));
    }
  return true;
}

/* Each output is a run of the input along the axis (GPT-J's repeat_interleave splits a
 * known shape this way before an Expand). */
bool gcimOnnxFoldSplit(Importer *im, NodeInfo *node) {
  const ConstData *data = gcimOnnxKnownConst(im, node->inputs[0]);
  const TypeInfo *t = &node->inputs[0]->type;
  int64_t axis;
  if (!data || !gcimOnnxAttrInt(im, node, "axis", 0, &axis))
    return false;
  if (axis < 0)
    axis += t->rank;
  int64_t inner = 1, offset = 0;
  for (int32_t d = (int32_t)axis + 1; d < t->rank; ++d)
    inner *= t->dims[d];
  for (size_t i = 0; i < node->outputCount; ++i) {
    int64_t size = node->outputTypes[i].dims[axis];
    ConstData *out = node->proto->output[i][0] ? gcimOnnxFoldNewOutput(node, i) : NULL;
    if (node->proto->output[i][0] && !out)
      return false;
    for (int64_t o = 0; out && o < out->count; ++o) {
      int64_t a = o / (size * inner), k = o % (size * inner);
      int64_t src = (a * t->dims[axis] + offset) * inner + k;
      gcimOnnxFoldStore(out, t->elemType, o, gcimOnnxConstGetFloat(data, src),
                        gcimOnnxConstGetInt(data, src));
    }
    offset += size;
  }
  return true;
}

bool gcimOnnxFoldSlice(Importer *im, NodeInfo *node) {
  const ConstData *data = gcimOnnxKnownConst(im, node->inputs[0]);
  int64_t start[GCIM_MAX_RANK], step[GCIM_MAX_RANK], count[GCIM_MAX_RANK];
  if (!data || !gcimOnnxSliceParams(im, node, start, step, count))
    return false;
  const TypeInfo *t = &node->inputs[0]->type, *outType = &node->outputTypes[0];
  ConstData *out = gcimOnnxFoldNewOutput(node, 0);
  if (!out)
    return false;
  int64_t index[GCIM_MAX_RANK] = {0};
  for (int64_t o = 0; o < out->count; ++o, gcimOnnxFoldNextIndex(outType, index)) {
    int64_t src = 0;
    for (int32_t d = 0; d < t->rank; ++d)
      src = src * t->dims[d] + start[d] + index[d] * step[d];
    gcimOnnxFoldStore(out, t->elemType, o, gcimOnnxConstGetFloat(data, src),
                      gcimOnnxConstGetInt(data, src));
  }
  return true;
}

bool gcimOnnxFoldRange(Importer *im, NodeInfo *node) {
  const ConstData *values[3] = {0};
  if (!gcimOnnxFoldAllKnown(im, node, values))
    return false;
  /* One position after others (a KV-cache step's arange(past, past + 1)) stays an op:
   * gcim-stream makes it the step index, which a folded constant would hide. */
  if (gcimOnnxTypeNumElements(&node->outputTypes[0]) == 1 &&
      gcimOnnxConstGetFloat(values[0], 0) != 0.0)
    return false;
  ConstData *out = gcimOnnxFoldNewOutput(node, 0);
  if (!out)
    return false;
  for (int64_t i = 0; i < out->count; ++i)
    gcimOnnxFoldStore(out, node->outputTypes[0].elemType, i,
                      gcimOnnxConstGetFloat(values[0], 0) +
                          (double)i * gcimOnnxConstGetFloat(values[2], 0),
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
  ConstData *out = gcimOnnxFoldNewOutput(node, 0);
  for (int64_t i = 0; out && i < out->count; ++i)
    gcimOnnxFoldStore(out, node->outputTypes[0].elemType, i,
                      fill ? gcimOnnxConstGetFloat(fill, 0) : 0.0,
                      fill ? gcimOnnxConstGetInt(fill, 0) : 0);
  gcimOnnxConstDestroy(fill);
  return out != NULL;
}

bool gcimOnnxFoldExpand(Importer *im, NodeInfo *node) {
  const ConstData *data = gcimOnnxKnownConst(im, node->inputs[0]);
  ConstData *out = data ? gcimOnnxFoldNewOutput(node, 0) : NULL;
  if (!out)
    return false;
  const TypeInfo *outType = &node->outputTypes[0];
  int64_t index[GCIM_MAX_RANK] = {0};
  for (int64_t o = 0; o < out->count; ++o, gcimOnnxFoldNextIndex(outType, index)) {
    int64_t src = gcimOnnxFoldBroadcastIndex(&node->inputs[0]->type, outType, index);
    gcimOnnxFoldStore(out, outType->elemType, o, gcimOnnxConstGetFloat(data, src),
                      gcimOnnxConstGetInt(data, src));
  }
  return true;
}

bool gcimOnnxFoldTile(Importer *im, NodeInfo *node) {
  const ConstData *data = gcimOnnxKnownConst(im, node->inputs[0]);
  ConstData *out = data ? gcimOnnxFoldNewOutput(node, 0) : NULL;
  if (!out)
    return false;
  const TypeInfo *t = &node->inputs[0]->type, *outType = &node->outputTypes[0];
  int64_t index[GCIM_MAX_RANK] = {0};
  for (int64_t o = 0; o < out->count; ++o, gcimOnnxFoldNextIndex(outType, index)) {
    int64_t src = 0;
    for (int32_t d = 0; d < t->rank; ++d)
      src = src * t->dims[d] + index[d] % t->dims[d];
    gcimOnnxFoldStore(out, outType->elemType, o, gcimOnnxConstGetFloat(data, src),
                      gcimOnnxConstGetInt(data, src));
  }
  return true;
}

bool gcimOnnxFoldTrilu(Importer *im, NodeInfo *node) {
  const ConstData *values[2] = {0};
  int64_t upper;
  if (!gcimOnnxFoldAllKnown(im, node, values) || !gcimOnnxAttrInt(im, node, "upper", 1, &upper))
    return false;
  const TypeInfo *t = &node->inputs[0]->type;
  if (t->rank < 2)
    return false;
  int64_t k = values[1] ? gcimOnnxConstGetInt(values[1], 0) : 0;
  int64_t rows = t->dims[t->rank - 2], cols = t->dims[t->rank - 1];
  ConstData *out = gcimOnnxFoldNewOutput(node, 0);
  if (!out)
    return false;
  for (int64_t o = 0; o < out->count; ++o) {
    int64_t j = o % cols, i = (o / cols) % rows;
    bool keep = upper ? j - i >= k : j - i <= k;
    gcimOnnxFoldStore(out, t->elemType, o, keep ? gcimOnnxConstGetFloat(values[0], o) : 0.0,
                      keep ? gcimOnnxConstGetInt(values[0], o) : 0);
  }
  return true;
}

bool gcimOnnxFoldCast(Importer *im, NodeInfo *node) {
  const ConstData *data = gcimOnnxKnownConst(im, node->inputs[0]);
  ConstData *out = data ? gcimOnnxFoldNewOutput(node, 0) : NULL;
  if (!out)
    return false;
  int32_t to = node->outputTypes[0].elemType;
  for (int64_t i = 0; i < out->count; ++i) {
    double f = gcimOnnxConstGetFloat(data, i);
    int64_t n = gcimOnnxConstGetInt(data, i);
    if (to == DT_BOOL)
      n = data->floats ? f != 0 : n != 0;
    gcimOnnxFoldStore(out, to, i, f, n);
  }
  return true;
}
