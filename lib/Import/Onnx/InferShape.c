/* InferShape.c: per-op shape inference, part 2: ops that rearrange data (Transpose,
 * Reshape, Flatten, Squeeze, Unsqueeze, Concat, Split), many of which read constant
 * operands (shapes, axes, splits). Part 3, the ops that select, generate or reduce data, is
 * InferShapeData.c. */
#include "Importer.h"
#include "InferFold.h"

const ConstData *gcimOnnxRequireConst(Importer *im, NodeInfo *node, size_t i, const char *what) {
  (void)what;
  if (i >= node->inputCount || !node->inputs[i])
    return NULL;
  return gcimOnnxKnownConst(im, node->inputs[i]);
}

bool gcimOnnxInferTranspose(Importer *im, NodeInfo *node) {
  const TypeInfo *x = gcimOnnxInputType(node, 0);
  size_t n;
  const int64_t *perm = gcimOnnxAttrInts(node, "perm", &n);
  TypeInfo y = *x;
  bool used[GCIM_MAX_RANK] = {0};
  if (perm && n != (size_t)x->rank) {
    gcimOnnxImportError(im, "'perm' has %zu entries for rank %d", n, (int)x->rank);
    return false;
  }
  for (int32_t d = 0; d < x->rank; ++d) {
    int64_t p = perm ? perm[d] : x->rank - 1 - d;
    if (p < 0 || p >= x->rank || used[p]) {
      gcimOnnxImportError(im, "'perm' is not a permutation");
      return false;
    }
    used[p] = true;
    y.dims[d] = x->dims[p];
  }
  node->outputTypes[0] = y;
  return true;
}

bool gcimOnnxInferReshape(Importer *im, NodeInfo *node) {
  const TypeInfo *x = gcimOnnxInputType(node, 0);
  const ConstData *shape = gcimOnnxRequireConst(im, node, 1, "shape");
  int64_t allowZero;
  if (!shape || !gcimOnnxAttrInt(im, node, "allowzero", 0, &allowZero))
    return false;
  if (gcimOnnxInputType(node, 1)->rank != 1 || shape->count > GCIM_MAX_RANK) {
    gcimOnnxImportError(im, "shape must be a 1-d tensor of at most %d values", GCIM_MAX_RANK);
    return false;
  }
  TypeInfo y = {x->elemType, (int32_t)shape->count, {0}};
  int64_t known = 1, inferIndex = -1, total = gcimOnnxTypeNumElements(x);
  for (int32_t d = 0; d < y.rank; ++d) {
    int64_t v = gcimOnnxConstGetInt(shape, d);
    if (v == 0 && !allowZero) {
      if (d >= x->rank) {
        gcimOnnxImportError(im, "shape copies dimension %d of a rank-%d input", (int)d,
                            (int)x->rank);
        return false;
      }
      v = x->dims[d];
    }
    if (v == -1) {
      if (inferIndex >= 0) {
        gcimOnnxImportError(im, "shape has more than one -1");
        return false;
      }
      inferIndex = d;
      continue;
    }
    if (v < 0) {
      gcimOnnxImportError(im, "shape has negative dimension %lld", (long long)v);
      return false;
    }
    y.dims[d] = v;
    if (v && known > INT64_MAX / v) {
      gcimOnnxImportError(im, "the result would have more than 2^48 elements");
      return false;
    }
    known *= v;
  }
  if (inferIndex >= 0) {
    if (known == 0 || total % known) {
      gcimOnnxImportError(im, "cannot reshape %lld elements with a -1 dimension", (long long)total);
      return false;
    }
    y.dims[inferIndex] = total / known;
  } else if (known != total) {
    gcimOnnxImportError(im, "cannot reshape %lld elements into %lld", (long long)total,
                        (long long)known);
    return false;
  }
  node->outputTypes[0] = y;
  return true;
}

bool gcimOnnxInferFlatten(Importer *im, NodeInfo *node) {
  const TypeInfo *x = gcimOnnxInputType(node, 0);
  int64_t axis;
  if (!gcimOnnxAttrInt(im, node, "axis", 1, &axis))
    return false;
  if (axis < -x->rank || axis > x->rank) {
    gcimOnnxImportError(im, "axis %lld is out of range for rank %d", (long long)axis, (int)x->rank);
    return false;
  }
  if (axis < 0)
    axis += x->rank;
  TypeInfo y = {x->elemType, 2, {1, 1}};
  for (int32_t d = 0; d < x->rank; ++d)
    y.dims[d < axis ? 0 : 1] *= x->dims[d];
  node->outputTypes[0] = y;
  return true;
}

bool gcimOnnxInferSqueeze(Importer *im, NodeInfo *node) {
  const TypeInfo *x = gcimOnnxInputType(node, 0);
  bool drop[GCIM_MAX_RANK] = {0};
  if (gcimOnnxInputType(node, 1)) {
    const ConstData *axes = gcimOnnxRequireConst(im, node, 1, "axes");
    if (!axes)
      return false;
    for (int64_t i = 0; i < axes->count; ++i) {
      int64_t axis;
      if (!gcimOnnxNormalizeAxis(im, gcimOnnxConstGetInt(axes, i), x->rank, &axis))
        return false;
      if (x->dims[axis] != 1) {
        gcimOnnxImportError(im, "cannot squeeze dimension %lld of size %lld", (long long)axis,
                            (long long)x->dims[axis]);
        return false;
      }
      drop[axis] = true;
    }
  } else {
    for (int32_t d = 0; d < x->rank; ++d)
      drop[d] = x->dims[d] == 1;
  }
  TypeInfo y = {x->elemType, 0, {0}};
  for (int32_t d = 0; d < x->rank; ++d)
    if (!drop[d])
      y.dims[y.rank++] = x->dims[d];
  node->outputTypes[0] = y;
  return true;
}

bool gcimOnnxInferUnsqueeze(Importer *im, NodeInfo *node) {
  const TypeInfo *x = gcimOnnxInputType(node, 0);
  const ConstData *axes = gcimOnnxRequireConst(im, node, 1, "axes");
  if (!axes)
    return false;
  int64_t rank = x->rank + axes->count;
  if (rank > GCIM_MAX_RANK) {
    gcimOnnxImportError(im, "result rank %lld is above %d", (long long)rank, GCIM_MAX_RANK);
    return false;
  }
  bool inserted[GCIM_MAX_RANK] = {0};
  for (int64_t i = 0; i < axes->count; ++i) {
    int64_t axis;
    if (!gcimOnnxNormalizeAxis(im, gcimOnnxConstGetInt(axes, i), (int32_t)rank, &axis))
      return false;
    if (inserted[axis]) {
      gcimOnnxImportError(im, "axis %lld is repeated", (long long)axis);
      return false;
    }
    inserted[axis] = true;
  }
  TypeInfo y = {x->elemType, (int32_t)rank, {0}};
  for (int32_t d = 0, src = 0; d < rank; ++d)
    y.dims[d] = inserted[d] ? 1 : x->dims[src++];
  node->outputTypes[0] = y;
  return true;
}

bool gcimOnnxInferConcat(Importer *im, NodeInfo *node) {
  const TypeInfo *first = gcimOnnxInputType(node, 0);
  int64_t axis;
  if (!first) {
    gcimOnnxImportError(im, "needs at least one input");
    return false;
  }
  if (!gcimOnnxAttrInt(im, node, "axis", 0, &axis) ||
      !gcimOnnxNormalizeAxis(im, axis, first->rank, &axis))
    return false;
  TypeInfo y = *first;
  for (size_t i = 1; i < node->inputCount; ++i) {
    const TypeInfo *t = gcimOnnxInputType(node, i);
    bool ok = t->rank == first->rank && t->elemType == first->elemType;
    for (int32_t d = 0; ok && d < t->rank; ++d)
      ok = d == axis || t->dims[d] == first->dims[d];
    if (!ok) {
      gcimOnnxImportError(im, "input %zu does not match input 0 outside axis %lld", i,
                          (long long)axis);
      return false;
    }
    if (y.dims[axis] > INT64_MAX - t->dims[axis]) {
      gcimOnnxImportError(im, "the result has too many elements");
      return false;
    }
    y.dims[axis] += t->dims[axis];
  }
  node->outputTypes[0] = y;
  return true;
}

/* Without 'split' sizes, ONNX Runtime takes opset 18's `num_outputs` chunks of
 * ceil(dim / n) with a smaller, non-empty last one, and without `num_outputs` equal parts
 * only; it refuses the rest at run time, so they are import errors here. */
static bool checkEqualSplit(Importer *im, NodeInfo *node, int64_t dim, int64_t chunk) {
  int64_t n = (int64_t)node->outputCount;
  if (!gcimOnnxFindAttr(node->proto, "num_outputs")) {
    if (dim % n == 0)
      return true;
    gcimOnnxImportError(im,
                        "the axis has %lld elements, which %lld outputs cannot share "
                        "equally: give the sizes as input 'split'",
                        (long long)dim, (long long)n);
    return false;
  }
  int64_t count;
  if (!gcimOnnxAttrInt(im, node, "num_outputs", 0, &count))
    return false;
  if (count != n) {
    gcimOnnxImportError(im, "'num_outputs' is %lld but the node has %lld outputs", (long long)count,
                        (long long)n);
    return false;
  }
  if (n > dim) {
    gcimOnnxImportError(im,
                        "'num_outputs' is %lld, more than the %lld elements of the axis "
                        "to split",
                        (long long)n, (long long)dim);
    return false;
  }
  if (dim - chunk * (n - 1) < 1) {
    gcimOnnxImportError(im,
                        "'num_outputs' %lld splits the %lld elements of the axis into "
                        "chunks of %lld, which leave the last output empty: give the sizes "
                        "as input 'split'",
                        (long long)n, (long long)dim, (long long)chunk);
    return false;
  }
  return true;
}

bool gcimOnnxInferSplit(Importer *im, NodeInfo *node) {
  const TypeInfo *x = gcimOnnxInputType(node, 0);
  int64_t axis;
  if (!gcimOnnxAttrInt(im, node, "axis", 0, &axis) ||
      !gcimOnnxNormalizeAxis(im, axis, x->rank, &axis))
    return false;
  size_t n = node->outputCount;
  int64_t total = 0;
  const ConstData *split =
      gcimOnnxInputType(node, 1) ? gcimOnnxRequireConst(im, node, 1, "split") : NULL;
  if (gcimOnnxInputType(node, 1) && !split)
    return false;
  if (split && (size_t)split->count != n) {
    gcimOnnxImportError(im, "'split' has %lld entries for %zu outputs", (long long)split->count, n);
    return false;
  }
  int64_t dim = x->dims[axis], chunk = dim / (int64_t)n + (dim % (int64_t)n != 0);
  if (!split && !checkEqualSplit(im, node, dim, chunk))
    return false;
  for (size_t i = 0; i < n; ++i) {
    int64_t size = split ? gcimOnnxConstGetInt(split, (int64_t)i)
                         : (total + chunk <= dim ? chunk : dim - total);
    if (size < 0) {
      gcimOnnxImportError(im, "'split' has negative size %lld", (long long)size);
      return false;
    }
    node->outputTypes[i] = *x;
    node->outputTypes[i].dims[axis] = size;
    total += size;
  }
  if (total != dim) {
    gcimOnnxImportError(im, "splits sum to %lld, the axis has %lld", (long long)total,
                        (long long)dim);
    return false;
  }
  return true;
}
