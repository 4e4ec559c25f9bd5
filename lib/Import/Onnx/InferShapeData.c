/* InferShapeData.c: per-op shape inference, part 3: ops that select, generate or reduce
 * data (Slice, Gather, Expand, Tile, ConstantOfShape, Shape, Size, Range, Reduce*, Softmax),
 * most of which read constant operands (starts, shapes, limits, axes). */
#include "Importer.h"
#include "InferFold.h"

#include <math.h>
#include <string.h>

/* Normalised slice parameters per axis: start, step and count. */
bool gcimOnnxSliceParams(Importer *im, NodeInfo *node, int64_t *start, int64_t *step,
                         int64_t *count) {
  const TypeInfo *x = gcimOnnxInputType(node, 0);
  const ConstData *starts = gcimOnnxRequireConst(im, node, 1, "starts");
  const ConstData *ends = gcimOnnxRequireConst(im, node, 2, "ends");
  const ConstData *axes =
      gcimOnnxInputType(node, 3) ? gcimOnnxRequireConst(im, node, 3, "axes") : NULL;
  const ConstData *steps =
      gcimOnnxInputType(node, 4) ? gcimOnnxRequireConst(im, node, 4, "steps") : NULL;
  if (!starts || !ends || (gcimOnnxInputType(node, 3) && !axes) ||
      (gcimOnnxInputType(node, 4) && !steps))
    return false;
  int64_t n = starts->count;
  if (ends->count != n || (axes && axes->count != n) || (steps && steps->count != n)) {
    gcimOnnxImportError(im, "starts, ends, axes and steps differ in length");
    return false;
  }
  for (int32_t d = 0; d < x->rank; ++d) {
    start[d] = 0;
    step[d] = 1;
    count[d] = x->dims[d];
  }
  for (int64_t i = 0; i < n; ++i) {
    int64_t axis = axes ? gcimOnnxConstGetInt(axes, i) : i,
            s = steps ? gcimOnnxConstGetInt(steps, i) : 1;
    if (!gcimOnnxNormalizeAxis(im, axis, x->rank, &axis))
      return false;
    if (s == 0) {
      gcimOnnxImportError(im, "step must not be 0");
      return false;
    }
    int64_t dim = x->dims[axis], b = gcimOnnxConstGetInt(starts, i),
            e = gcimOnnxConstGetInt(ends, i);
    if (b < 0)
      b = b < -dim ? 0 : b + dim;
    if (e < 0)
      e = e < -dim ? -1 : e + dim;
    if (s > 0) {
      b = b > dim ? dim : b;
      e = e > dim ? dim : (e < 0 ? 0 : e);
      count[axis] = e > b ? (e - b + s - 1) / s : 0;
    } else {
      b = b > dim - 1 ? dim - 1 : b;
      e = e > dim - 1 ? dim - 1 : e;
      count[axis] = b > e ? (b - e + (-s) - 1) / (-s) : 0;
    }
    start[axis] = b;
    step[axis] = s;
  }
  return true;
}

bool gcimOnnxInferSlice(Importer *im, NodeInfo *node) {
  int64_t start[GCIM_MAX_RANK], step[GCIM_MAX_RANK], count[GCIM_MAX_RANK];
  if (!gcimOnnxSliceParams(im, node, start, step, count))
    return false;
  TypeInfo y = *gcimOnnxInputType(node, 0);
  memcpy(y.dims, count, (size_t)y.rank * sizeof *count);
  node->outputTypes[0] = y;
  return true;
}

bool gcimOnnxInferGather(Importer *im, NodeInfo *node) {
  const TypeInfo *x = gcimOnnxInputType(node, 0), *idx = gcimOnnxInputType(node, 1);
  int64_t axis;
  if (!gcimOnnxAttrInt(im, node, "axis", 0, &axis) ||
      !gcimOnnxNormalizeAxis(im, axis, x->rank, &axis))
    return false;
  if (idx->elemType != DT_INT64 && idx->elemType != DT_INT32) {
    gcimOnnxImportError(im, "indices must be i32 or i64");
    return false;
  }
  if (x->rank - 1 + idx->rank > GCIM_MAX_RANK) {
    gcimOnnxImportError(im, "result rank is above %d", GCIM_MAX_RANK);
    return false;
  }
  /* Known indices out of range fail in ONNX Runtime when the model runs: fail here. */
  const ConstData *known = gcimOnnxKnownConst(im, node->inputs[1]);
  for (int64_t i = 0; known && i < known->count; ++i) {
    int64_t index = gcimOnnxConstGetInt(known, i), dim = x->dims[axis];
    if (index < -dim || index >= dim) {
      gcimOnnxImportError(im, "index %lld is out of range for axis %lld of %lld elements",
                          (long long)index, (long long)axis, (long long)dim);
      return false;
    }
  }
  TypeInfo y = {x->elemType, 0, {0}};
  for (int32_t d = 0; d < axis; ++d)
    y.dims[y.rank++] = x->dims[d];
  for (int32_t d = 0; d < idx->rank; ++d)
    y.dims[y.rank++] = idx->dims[d];
  for (int32_t d = (int32_t)axis + 1; d < x->rank; ++d)
    y.dims[y.rank++] = x->dims[d];
  node->outputTypes[0] = y;
  return true;
}

/* The most elements a value made from a shape alone (ConstantOfShape, Range, Expand, Tile)
 * may have: 2^32, 16 GiB of float32. More is a shape computed wrong, not a model; the
 * program would compile and exit with "out of memory" when run. */
#define MAX_MADE_ELEMENTS ((int64_t)1 << 32)

/* False after an import error when `count` (known at import) is above MAX_MADE_ELEMENTS. */
static bool checkMadeSize(Importer *im, double count) {
  if (count <= (double)MAX_MADE_ELEMENTS)
    return true;
  gcimOnnxImportError(im,
                      "the result would have %.0f elements, more than the 2^32 of a value "
                      "made from a shape",
                      count);
  return false;
}

/* checkMadeSize on `type` when its extents are all known (a dynamic one is not, at import). */
static bool knownMadeSize(Importer *im, const TypeInfo *type) {
  double count = 1.0;
  for (int32_t d = 0; d < type->rank; ++d) {
    if (type->dims[d] < 0)
      return true;
    count *= (double)type->dims[d];
  }
  return checkMadeSize(im, count);
}

/* A TypeInfo of the shape given by 1-d constant input i. */
static bool shapeFromConst(Importer *im, NodeInfo *node, size_t i, TypeInfo *out) {
  const ConstData *shape = gcimOnnxRequireConst(im, node, i, "shape");
  if (!shape)
    return false;
  if (gcimOnnxInputType(node, i)->rank != 1 || shape->count > GCIM_MAX_RANK) {
    gcimOnnxImportError(im, "shape must be a 1-d tensor of at most %d values", GCIM_MAX_RANK);
    return false;
  }
  out->rank = (int32_t)shape->count;
  for (int32_t d = 0; d < out->rank; ++d) {
    out->dims[d] = gcimOnnxConstGetInt(shape, d);
    if (out->dims[d] < 0) {
      gcimOnnxImportError(im, "shape has negative dimension %lld", (long long)out->dims[d]);
      return false;
    }
  }
  if (gcimOnnxTypeNumElements(out) < 0) {
    gcimOnnxImportError(im, "the result would have more than 2^48 elements");
    return false;
  }
  return true;
}

bool gcimOnnxInferExpand(Importer *im, NodeInfo *node) {
  TypeInfo shape = *gcimOnnxInputType(node, 0);
  if (!shapeFromConst(im, node, 1, &shape) ||
      !gcimOnnxBroadcastShapes(im, gcimOnnxInputType(node, 0), &shape, &node->outputTypes[0]))
    return false;
  return knownMadeSize(im, &node->outputTypes[0]);
}

/* Tile: every extent multiplied by its (known) repeat count. */
bool gcimOnnxInferTile(Importer *im, NodeInfo *node) {
  TypeInfo repeats = *gcimOnnxInputType(node, 0), y = *gcimOnnxInputType(node, 0);
  if (!shapeFromConst(im, node, 1, &repeats))
    return false;
  if (repeats.rank != y.rank) {
    gcimOnnxImportError(im, "repeats has %d values for a rank-%d input", (int)repeats.rank,
                        (int)y.rank);
    return false;
  }
  for (int32_t d = 0; d < y.rank; ++d) {
    if (repeats.dims[d] && y.dims[d] > INT64_MAX / repeats.dims[d]) {
      gcimOnnxImportError(im, "the tiled result would have more than 2^48 elements");
      return false;
    }
    y.dims[d] *= repeats.dims[d];
  }
  node->outputTypes[0] = y;
  return knownMadeSize(im, &y);
}

bool gcimOnnxInferConstantOfShape(Importer *im, NodeInfo *node) {
  TypeInfo y = {DT_FLOAT, 0, {0}};
  const Onnx__AttributeProto *value = gcimOnnxFindAttr(node->proto, "value");
  if (value && value->t) {
    TypeInfo v;
    if (!gcimOnnxTensorType(im, value->t, "attribute 'value'", &v))
      return false;
    if (gcimOnnxTypeNumElements(&v) != 1) {
      gcimOnnxImportError(im, "attribute 'value' must have one element");
      return false;
    }
    y.elemType = v.elemType;
  }
  if (!shapeFromConst(im, node, 0, &y))
    return false;
  node->outputTypes[0] = y;
  return knownMadeSize(im, &y);
}

/* Shape-15 `start`/`end` clamp into [0, rank]. */
void gcimOnnxShapeRange(Importer *im, NodeInfo *node, int64_t *start, int64_t *end) {
  int64_t rank = gcimOnnxInputType(node, 0)->rank;
  gcimOnnxAttrInt(im, node, "start", 0, start);
  gcimOnnxAttrInt(im, node, "end", rank, end);
  if (*start < 0)
    *start += rank;
  if (*end < 0)
    *end += rank;
  *start = *start < 0 ? 0 : (*start > rank ? rank : *start);
  *end = *end < 0 ? 0 : (*end > rank ? rank : *end);
  if (*end < *start)
    *end = *start;
}

bool gcimOnnxInferShape(Importer *im, NodeInfo *node) {
  int64_t start, end;
  gcimOnnxShapeRange(im, node, &start, &end);
  node->outputTypes[0] = (TypeInfo){DT_INT64, 1, {end - start}};
  return !im->failed;
}

bool gcimOnnxInferSize(Importer *im, NodeInfo *node) {
  (void)im;
  node->outputTypes[0] = (TypeInfo){DT_INT64, 0, {0}};
  return true;
}

/* A Range bound known only at run time: without a declared output shape (whose unknown
 * extent the model's value_info gives), says which bound sets the extent, and returns
 * false either way. As OneHot's depth reaches its expansion's Range, this also names a
 * depth computed at run time. */
static bool unknownBound(Importer *im, NodeInfo *node, size_t i) {
  static const char *const names[] = {"start", "limit", "delta"};
  const char *output = node->proto->output[0];
  if (!gcimOnnxStrMapGet(&im->valueInfos, output) && node->inputs[i])
    gcimOnnxImportError(im,
                        "its %s '%s' is not known at import, and it sets the length of "
                        "output '%s'",
                        names[i], node->inputs[i]->name, output);
  return false;
}

bool gcimOnnxInferRange(Importer *im, NodeInfo *node) {
  const ConstData *start = gcimOnnxRequireConst(im, node, 0, "start");
  const ConstData *limit = gcimOnnxRequireConst(im, node, 1, "limit");
  const ConstData *delta = gcimOnnxRequireConst(im, node, 2, "delta");
  if (!start || !limit || !delta)
    return unknownBound(im, node, !start ? 0 : !limit ? 1 : 2);
  if (start->count != 1 || limit->count != 1 || delta->count != 1) {
    gcimOnnxImportError(im, "start, limit and delta must be scalars");
    return false;
  }
  double s = gcimOnnxConstGetFloat(start, 0), l = gcimOnnxConstGetFloat(limit, 0),
         d = gcimOnnxConstGetFloat(delta, 0);
  if (d == 0) {
    gcimOnnxImportError(im, "delta must not be 0");
    return false;
  }
  double n = ceil((l - s) / d);
  if (!gcimOnnxIsFloatType(gcimOnnxInputType(node, 0)->elemType)) {
    int64_t si = gcimOnnxConstGetInt(start, 0), li = gcimOnnxConstGetInt(limit, 0),
            di = gcimOnnxConstGetInt(delta, 0);
    int64_t span = li - si;
    n = (double)(span / di + ((span % di) != 0 && ((span < 0) == (di < 0))));
  }
  if (isnan(n)) {
    gcimOnnxImportError(im, "start, limit or delta is not a number");
    return false;
  }
  if (!checkMadeSize(im, n))
    return false;
  int64_t count = n <= 0 ? 0 : (int64_t)n;
  node->outputTypes[0] = (TypeInfo){gcimOnnxInputType(node, 0)->elemType, 1, {count}};
  return true;
}

bool gcimOnnxInferReduce(Importer *im, NodeInfo *node) {
  const TypeInfo *x = gcimOnnxInputType(node, 0);
  int64_t keepDims, noop;
  if (!gcimOnnxAttrInt(im, node, "keepdims", 1, &keepDims) ||
      !gcimOnnxAttrInt(im, node, "noop_with_empty_axes", 0, &noop))
    return false;
  bool reduce[GCIM_MAX_RANK] = {0};
  const ConstData *axes =
      gcimOnnxInputType(node, 1) ? gcimOnnxRequireConst(im, node, 1, "axes") : NULL;
  if (gcimOnnxInputType(node, 1) && !axes)
    return false;
  if (!axes || axes->count == 0) {
    for (int32_t d = 0; d < x->rank; ++d)
      reduce[d] = !noop;
  } else {
    for (int64_t i = 0; i < axes->count; ++i) {
      int64_t axis;
      if (!gcimOnnxNormalizeAxis(im, gcimOnnxConstGetInt(axes, i), x->rank, &axis))
        return false;
      reduce[axis] = true;
    }
  }
  TypeInfo y = {x->elemType, 0, {0}};
  for (int32_t d = 0; d < x->rank; ++d) {
    if (!reduce[d])
      y.dims[y.rank++] = x->dims[d];
    else if (keepDims)
      y.dims[y.rank++] = 1;
  }
  node->outputTypes[0] = y;
  return true;
}

bool gcimOnnxInferSoftmax(Importer *im, NodeInfo *node) {
  int64_t axis;
  const TypeInfo *x = gcimOnnxInputType(node, 0);
  if (!gcimOnnxAttrInt(im, node, "axis", -1, &axis) ||
      !gcimOnnxNormalizeAxis(im, axis, x->rank, &axis))
    return false;
  node->outputTypes[0] = *x;
  return true;
}
