/* InferIndex.c: shape inference of the ops with an index result (ArgMax, ArgMin, TopK) and
 * of CastLike. */
#include "InferFold.h"

/* ArgMax, ArgMin: int64 indices, x's shape with `axis` reduced to 1 or removed. */
bool gcimOnnxInferArgReduce(Importer *im, NodeInfo *node) {
  const TypeInfo *x = gcimOnnxInputType(node, 0);
  int64_t axis, keepDims;
  if (!gcimOnnxAttrInt(im, node, "axis", 0, &axis) ||
      !gcimOnnxAttrInt(im, node, "keepdims", 1, &keepDims) ||
      !gcimOnnxNormalizeAxis(im, axis, x->rank, &axis))
    return false;
  if (x->dims[axis] == 0) {
    gcimOnnxImportError(im, "axis %lld is empty: there is no index to return", (long long)axis);
    return false;
  }
  TypeInfo y = {DT_INT64, 0, {0}};
  for (int32_t d = 0; d < x->rank; ++d)
    if (d != axis || keepDims)
      y.dims[y.rank++] = d == axis ? 1 : x->dims[d];
  node->outputTypes[0] = y;
  return true;
}

/* TopK: values (x's type) and int64 indices, x's shape with `axis` of k elements. k must be
 * known at import, since it sets the shapes. */
bool gcimOnnxInferTopK(Importer *im, NodeInfo *node) {
  const TypeInfo *x = gcimOnnxInputType(node, 0);
  int64_t axis;
  if (!gcimOnnxAttrInt(im, node, "axis", -1, &axis) ||
      !gcimOnnxNormalizeAxis(im, axis, x->rank, &axis))
    return false;
  if (gcimOnnxInputType(node, 1)->elemType != DT_INT64) {
    gcimOnnxImportError(im, "'K' must be int64");
    return false;
  }
  const ConstData *k = gcimOnnxKnownConst(im, node->inputs[1]);
  if (!k || k->count != 1) {
    gcimOnnxImportError(im, "'K' must be one value known at import (it sets the output shape)");
    return false;
  }
  int64_t count = gcimOnnxConstGetInt(k, 0);
  if (count < 0 || count > x->dims[axis]) {
    gcimOnnxImportError(im, "'K' is %lld but axis %lld has %lld elements", (long long)count,
                        (long long)axis, (long long)x->dims[axis]);
    return false;
  }
  node->outputTypes[0] = *x;
  node->outputTypes[0].dims[axis] = count;
  node->outputTypes[1] = node->outputTypes[0];
  node->outputTypes[1].elemType = DT_INT64;
  return true;
}

/* CastLike: input 0's shape, input 1's element type. */
bool gcimOnnxInferCastLike(Importer *im, NodeInfo *node) {
  (void)im;
  node->outputTypes[0] = *gcimOnnxInputType(node, 0);
  node->outputTypes[0].elemType = gcimOnnxInputType(node, 1)->elemType;
  return true;
}
