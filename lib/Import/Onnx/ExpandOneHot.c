/* ExpandOneHot.c: OneHot and Hardmax as comparisons of indices with positions (called by
 * ExpandOps.c), each named `<node>/<part>`; exact.
 * - OneHot(indices, depth, values), `axis`: the indices cast to int64, negative ones plus
 *   depth, unsqueezed at `axis`, compared (Equal) with Range(0, depth) laid along `axis`,
 *   then Where(equal, values[1], values[0]); an index outside [-depth, depth) matches no
 *   position (all off), as ONNX says. depth must be known at import (it is the output's
 *   extent: a graph input is refused by name); a non-negative `axis` needs the indices'
 *   rank before import.
 * - Hardmax(x), `axis`: ArgMax(x, axis, keepdims 1) (the first maximum, as ONNX Runtime)
 *   compared with the positions along `axis`, then 1 or 0 of x's type. */
#include "Expand.h"

#include <string.h>

bool gcimOnnxIsOneHotOp(const Onnx__NodeProto *node) {
  return gcimOnnxIsDefaultOp(node, "OneHot") || gcimOnnxIsDefaultOp(node, "Hardmax");
}

/* Range(0, count) (an int64 scalar) shaped (count, 1, ..., 1) with `ones` trailing ones. */
static const char *positions(GcimOnnxBuilder *b, const char *count, int64_t ones) {
  const char *ins[] = {gcimOnnxBuildScalarInt(b, "start", 0), count,
                       gcimOnnxBuildScalarInt(b, "delta", 1)};
  const char *range = gcimOnnxBuildTemp(b, "positions");
  gcimOnnxBuildNode(b, "Range", "positions", 3, ins, range);
  if (ones == 0)
    return range;
  int64_t shape[GCIM_MAX_RANK + 1] = {-1};
  for (int64_t i = 1; i <= ones; ++i)
    shape[i] = 1;
  return gcimOnnxBuildBinary(
      b, "Reshape", "positions_along_axis", range,
      gcimOnnxBuildConstantInts(b, "positions_shape", shape, (size_t)ones + 1), NULL);
}

/* How many axes of a rank-`rank` result follow axis `axis` (negative: counted from the
 * end); -1 after a diagnostic when the rank is needed and unknown. */
static int64_t axesAfter(GcimOnnxBuilder *b, int64_t axis, const char *x, int extraRank) {
  if (axis < 0)
    return -axis - 1;
  int rank = gcimOnnxValueRank(gcimOnnxExpansionRanks(b->ex), b->im->graph, x);
  if (rank < 0) {
    gcimOnnxImportError(b->im,
                        "the rank of input '%s' is not known before import (axis %lld is not "
                        "negative): declare its shape in value_info",
                        x, (long long)axis);
    return -1;
  }
  if (axis >= rank + extraRank) {
    gcimOnnxImportError(b->im, "axis %lld is out of range for rank %d", (long long)axis,
                        rank + extraRank);
    return -1;
  }
  return rank + extraRank - 1 - axis;
}

/* Whether `name` is a graph input that no initializer gives a value. */
static bool isRuntimeInput(const Onnx__GraphProto *g, const char *name) {
  for (size_t i = 0; i < g->n_initializer; ++i)
    if (g->initializer[i]->name && strcmp(g->initializer[i]->name, name) == 0)
      return false;
  for (size_t i = 0; i < g->n_input; ++i)
    if (g->input[i]->name && strcmp(g->input[i]->name, name) == 0)
      return true;
  return false;
}

static int oneHot(GcimOnnxBuilder *b) {
  const char *indices = gcimOnnxBuildInput(b->node, 0), *depth = gcimOnnxBuildInput(b->node, 1);
  const char *values = gcimOnnxBuildInput(b->node, 2), *y = gcimOnnxBuildOutput(b->node, 0);
  if (!indices || !depth || !values || !y) {
    gcimOnnxImportError(b->im, "needs inputs 'indices', 'depth' and 'values' and an output");
    return -1;
  }
  if (isRuntimeInput(b->im->graph, depth)) {
    gcimOnnxImportError(b->im,
                        "'depth' must be known at import (it is the output's extent), not the "
                        "graph input '%s'",
                        depth);
    return -1;
  }
  int64_t axis = gcimOnnxNodeIntAttr(b->node, "axis", -1);
  int64_t ones = axesAfter(b, axis, indices, 1);
  if (ones < 0)
    return -1;
  /* depth: a scalar or one element of any numeric type, as an int64 scalar. */
  int64_t flat = -1;
  const char *depthFlat = gcimOnnxBuildBinary(b, "Reshape", "depth_flat", depth,
                                              gcimOnnxBuildConstantInts(b, "flat", &flat, 1), NULL);
  const char *depthScalar = gcimOnnxBuildBinary(b, "Gather", "depth_scalar", depthFlat,
                                                gcimOnnxBuildScalarInt(b, "first", 0), NULL);
  const char *count = gcimOnnxBuildTemp(b, "depth");
  Onnx__AttributeProto *to =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Cast", "depth", 1, &depthScalar, count), "to",
                        ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  const char *index = gcimOnnxBuildTemp(b, "indices_int64");
  Onnx__AttributeProto *toIndex =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Cast", "indices_int64", 1, &indices, index), "to",
                        ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  if (!to || !toIndex)
    return -1;
  to->has_i = toIndex->has_i = 1;
  to->i = toIndex->i = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
  const char *isNegative = gcimOnnxBuildBinary(b, "Less", "is_negative", index,
                                               gcimOnnxBuildScalarInt(b, "zero", 0), NULL);
  const char *wrapped = gcimOnnxBuildWhere(
      b, "wrapped", isNegative, gcimOnnxBuildBinary(b, "Add", "plus_depth", index, count, NULL),
      index, NULL);
  const char *unsqueezed = gcimOnnxBuildBinary(
      b, "Unsqueeze", "unsqueezed", wrapped, gcimOnnxBuildConstantInts(b, "axis", &axis, 1), NULL);
  const char *hot =
      gcimOnnxBuildBinary(b, "Equal", "hot", unsqueezed, positions(b, count, ones), NULL);
  const char *off = gcimOnnxBuildBinary(b, "Gather", "off_value", values,
                                        gcimOnnxBuildScalarInt(b, "off_index", 0), NULL);
  const char *on = gcimOnnxBuildBinary(b, "Gather", "on_value", values,
                                       gcimOnnxBuildScalarInt(b, "on_index", 1), NULL);
  gcimOnnxBuildWhere(b, "select", hot, on, off, y);
  return b->ok ? 1 : -1;
}

static int hardmax(GcimOnnxBuilder *b) {
  const char *x = gcimOnnxBuildInput(b->node, 0), *y = gcimOnnxBuildOutput(b->node, 0);
  if (!x || !y) {
    gcimOnnxImportError(b->im, "needs an input and an output");
    return -1;
  }
  int64_t axis = gcimOnnxNodeIntAttr(b->node, "axis", -1);
  int64_t ones = axesAfter(b, axis, x, 0);
  if (ones < 0)
    return -1;
  const char *argMax = gcimOnnxBuildTemp(b, "arg_max");
  Onnx__NodeProto *n = gcimOnnxBuildNode(b, "ArgMax", "arg_max", 1, &x, argMax);
  Onnx__AttributeProto *axisAttr =
      gcimOnnxBuildAttr(b, n, "axis", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  if (!axisAttr)
    return -1;
  axisAttr->has_i = 1;
  axisAttr->i = axis;
  const char *hot = gcimOnnxBuildBinary(
      b, "Equal", "hot", argMax, positions(b, gcimOnnxBuildDim(b, "extent", x, axis), ones), NULL);
  gcimOnnxBuildWhere(b, "select", hot, gcimOnnxBuildConstantLike(b, "one", 1.0f, x),
                     gcimOnnxBuildConstantLike(b, "zero", 0.0f, x), y);
  return b->ok ? 1 : -1;
}

int gcimOnnxExpandOneHot(GcimOnnxBuilder *b) {
  int result = gcimOnnxIsDefaultOp(b->node, "OneHot") ? oneHot(b) : hardmax(b);
  if (result < 0 && !b->ok && !b->im->failed)
    gcimOnnxImportError(b->im, "out of memory");
  return result;
}
