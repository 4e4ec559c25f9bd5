/* InferScatter.c: shape inference and folding of ScatterND, the position update of
 * KV-cache exports: the output is the data with the slices the index tuples name replaced
 * by the updates (or combined with them: reduction add, mul, max, min, on float32,
 * float64, int32 and int64). */
#include "InferFold.h"

#include <string.h>

/* The element offset of index tuple t in data of type `data` (its slice's first element
 * over the first k dimensions), -1 when out of range. */
static int64_t tupleOffset(const TypeInfo *data, const ConstData *indices, int64_t t, int64_t k) {
  int64_t offset = 0;
  for (int64_t d = 0; d < k; ++d) {
    int64_t i = gcimOnnxConstGetInt(indices, t * k + d), n = data->dims[d];
    if (i < -n || i >= n)
      return -1;
    offset = offset * n + (i < 0 ? i + n : i);
  }
  return offset;
}

static const char *const reductions[] = {"none", "add", "mul", "max", "min"};

/* The index of the node's reduction in reductions[], -1 when unknown. */
static int reductionOf(NodeInfo *node) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(node->proto, "reduction");
  if (!a || !a->has_s)
    return 0;
  for (int i = 0; i < 5; ++i)
    if (a->s.len == strlen(reductions[i]) && memcmp(a->s.data, reductions[i], a->s.len) == 0)
      return i;
  return -1;
}

bool gcimOnnxInferScatterND(Importer *im, NodeInfo *node) {
  const TypeInfo *data = gcimOnnxInputType(node, 0), *indices = gcimOnnxInputType(node, 1);
  const TypeInfo *updates = gcimOnnxInputType(node, 2);
  int reduction = reductionOf(node);
  int32_t e = data->elemType;
  if (reduction < 0 ||
      (reduction > 0 && e != DT_FLOAT && e != DT_DOUBLE && e != DT_INT32 && e != DT_INT64)) {
    gcimOnnxImportError(im, "the reduction must be none, or add, mul, max or min of float32, "
                            "float64, int32 or int64 data");
    return false;
  }
  int64_t k = indices->rank > 0 ? indices->dims[indices->rank - 1] : -1;
  if (indices->elemType != DT_INT64 || k < 0 || k > data->rank) {
    gcimOnnxImportError(im,
                        "indices must be int64 with a last dimension of at most the data's "
                        "rank (%d)",
                        (int)data->rank);
    return false;
  }
  /* updates: indices.shape[:-1] + data.shape[k:] */
  bool fits = updates->elemType == data->elemType &&
              updates->rank == indices->rank - 1 + data->rank - (int32_t)k;
  for (int32_t d = 0; fits && d < updates->rank; ++d)
    fits = updates->dims[d] ==
           (d < indices->rank - 1 ? indices->dims[d] : data->dims[k + d - (indices->rank - 1)]);
  if (!fits) {
    gcimOnnxImportError(
        im,
        "updates must have the data's type and the shape of the indices "
        "without their last dimension followed by the data's trailing %d dimension(s)",
        (int)(data->rank - k));
    return false;
  }
  const ConstData *known = gcimOnnxKnownConst(im, node->inputs[1]);
  int64_t tuples = known ? known->count / (k ? k : 1) : 0;
  for (int64_t t = 0; k > 0 && t < tuples; ++t)
    if (tupleOffset(data, known, t, k) < 0) {
      gcimOnnxImportError(im, "index tuple %lld is out of the data's range", (long long)t);
      return false;
    }
  node->outputTypes[0] = *data;
  return true;
}

bool gcimOnnxFoldScatterND(Importer *im, NodeInfo *node) {
  const ConstData *values[3] = {0};
  if (!gcimOnnxFoldAllKnown(im, node, values))
    return false;
  ConstData *out = gcimOnnxFoldNewOutput(node, 0);
  if (!out)
    return false;
  const TypeInfo *data = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  int32_t elem = data->elemType;
  for (int64_t o = 0; o < out->count; ++o)
    gcimOnnxFoldStore(out, elem, o, gcimOnnxConstGetFloat(values[0], o),
                      gcimOnnxConstGetInt(values[0], o));
  int64_t k = indices->dims[indices->rank - 1], slice = 1, tuples = 1;
  for (int32_t d = (int32_t)k; d < data->rank; ++d)
    slice *= data->dims[d];
  for (int32_t d = 0; d < indices->rank - 1; ++d)
    tuples *= indices->dims[d];
  int reduction = reductionOf(node);
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t at = tupleOffset(data, values[1], t, k) * slice;
    for (int64_t i = 0; i < slice; ++i) {
      double f = gcimOnnxConstGetFloat(values[2], t * slice + i);
      int64_t n = gcimOnnxConstGetInt(values[2], t * slice + i);
      if (reduction > 0) {
        double f0 = gcimOnnxConstGetFloat(out, at + i);
        int64_t n0 = gcimOnnxConstGetInt(out, at + i);
        bool larger = out->floats ? f > f0 : n > n0;
        f = reduction == 1 ? f0 + f : reduction == 2 ? f0 * f : (reduction == 3) == larger ? f : f0;
        n = reduction == 1               ? (int64_t)((uint64_t)n0 + (uint64_t)n)
            : reduction == 2             ? (int64_t)((uint64_t)n0 * (uint64_t)n)
            : (reduction == 3) == larger ? n
                                         : n0;
      }
      gcimOnnxFoldStore(out, elem, at + i, f, n);
    }
  }
  return true;
}
