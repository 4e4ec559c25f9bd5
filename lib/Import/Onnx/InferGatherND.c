/* InferGatherND.c: shape inference and folding of GatherND (opset 13): with b = batch_dims
 * and k the indices' last extent, each index tuple picks the slice data[batch][i_0..i_k-1]
 * of its batch, so the output is indices.shape[:-1] + data.shape[b+k:]. */
#include "InferFold.h"

/* The index tuple's element offset within one batch of data (its slice's first element),
 * -1 when out of range; negative indices count from the end. */
static int64_t tupleOffset(const TypeInfo *data, int64_t batchDims, const ConstData *indices,
                           int64_t t, int64_t k) {
  int64_t offset = 0;
  for (int64_t d = 0; d < k; ++d) {
    int64_t i = gcimOnnxConstGetInt(indices, t * k + d), n = data->dims[batchDims + d];
    if (i < -n || i >= n)
      return -1;
    offset = offset * n + (i < 0 ? i + n : i);
  }
  return offset;
}

/* batch_dims, and the tuple length k, after the checks; false after a diagnostic. */
static bool gatherParams(Importer *im, NodeInfo *node, int64_t *batchDims, int64_t *k) {
  const TypeInfo *data = gcimOnnxInputType(node, 0), *indices = gcimOnnxInputType(node, 1);
  if (!gcimOnnxAttrInt(im, node, "batch_dims", 0, batchDims))
    return false;
  *k = indices->rank > 0 ? indices->dims[indices->rank - 1] : -1;
  if (indices->elemType != DT_INT64 || data->rank < 1 || indices->rank < 1) {
    gcimOnnxImportError(im, "data must have rank 1 or more, indices must be int64 of rank 1 "
                            "or more");
    return false;
  }
  if (*batchDims < 0 || *batchDims >= indices->rank || *batchDims >= data->rank) {
    gcimOnnxImportError(im, "batch_dims %lld must be below the ranks of data (%d) and indices (%d)",
                        (long long)*batchDims, (int)data->rank, (int)indices->rank);
    return false;
  }
  if (*k < 1 || *k > data->rank - *batchDims) {
    gcimOnnxImportError(im,
                        "the indices' last dimension (%lld) must be from 1 to the data's "
                        "rank less batch_dims (%lld)",
                        (long long)*k, (long long)(data->rank - *batchDims));
    return false;
  }
  if (indices->rank - 1 + data->rank - *batchDims - *k > GCIM_MAX_RANK) {
    gcimOnnxImportError(im, "result rank is above %d", GCIM_MAX_RANK);
    return false;
  }
  for (int64_t d = 0; d < *batchDims; ++d)
    if (data->dims[d] != indices->dims[d] && data->dims[d] >= 0 && indices->dims[d] >= 0) {
      gcimOnnxImportError(im,
                          "dimension %lld of data (%lld) and indices (%lld) must be equal "
                          "(a batch dimension)",
                          (long long)d, (long long)data->dims[d], (long long)indices->dims[d]);
      return false;
    }
  return true;
}

bool gcimOnnxInferGatherND(Importer *im, NodeInfo *node) {
  const TypeInfo *data = gcimOnnxInputType(node, 0), *indices = gcimOnnxInputType(node, 1);
  int64_t batchDims, k;
  if (!gatherParams(im, node, &batchDims, &k))
    return false;
  /* Known indices are checked against known extents (a range error otherwise at run time). */
  bool extentsKnown = true;
  for (int64_t d = batchDims; d < batchDims + k; ++d)
    extentsKnown = extentsKnown && data->dims[d] >= 0;
  const ConstData *known = extentsKnown ? gcimOnnxKnownConst(im, node->inputs[1]) : NULL;
  for (int64_t t = 0; known && t < known->count / k; ++t)
    if (tupleOffset(data, batchDims, known, t, k) < 0) {
      gcimOnnxImportError(im, "index tuple %lld is out of the data's range", (long long)t);
      return false;
    }
  TypeInfo y = {data->elemType, 0, {0}};
  for (int32_t d = 0; d < indices->rank - 1; ++d)
    y.dims[y.rank++] = indices->dims[d];
  for (int32_t d = (int32_t)(batchDims + k); d < data->rank; ++d)
    y.dims[y.rank++] = data->dims[d];
  node->outputTypes[0] = y;
  return true;
}

bool gcimOnnxFoldGatherND(Importer *im, NodeInfo *node) {
  const ConstData *values[2] = {0};
  if (!gcimOnnxFoldAllKnown(im, node, values))
    return false;
  ConstData *out = gcimOnnxFoldNewOutput(node, 0);
  if (!out)
    return false;
  const TypeInfo *data = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  int64_t batchDims = 0;
  gcimOnnxAttrInt(im, node, "batch_dims", 0, &batchDims);
  int64_t k = indices->dims[indices->rank - 1], slice = 1, batches = 1, tuples = 1;
  for (int32_t d = (int32_t)(batchDims + k); d < data->rank; ++d)
    slice *= data->dims[d];
  for (int32_t d = 0; d < batchDims; ++d)
    batches *= data->dims[d];
  for (int32_t d = 0; d < indices->rank - 1; ++d)
    tuples *= indices->dims[d];
  int64_t batchSize = batches ? gcimOnnxTypeNumElements(data) / batches : 0;
  int64_t perBatch = batches ? tuples / batches : 0;
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t from =
        (t / perBatch) * batchSize + tupleOffset(data, batchDims, values[1], t, k) * slice;
    for (int64_t i = 0; i < slice; ++i)
      gcimOnnxFoldStore(out, data->elemType, t * slice + i,
                        gcimOnnxConstGetFloat(values[0], from + i),
                        gcimOnnxConstGetInt(values[0], from + i));
  }
  return true;
}
