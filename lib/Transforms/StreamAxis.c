/* StreamAxis.c: gcim-stream's per-op rules, tracking the sequence axis through a graph.
 *
 * Each op of the step function (a copy of the full-sequence function) is visited in
 * order. Values that carry the sequence axis shrink it to one token. Position-wise ops
 * (elementwise, LayerNorm, MatMul on the rows, Softmax and reductions along other axes,
 * Reshape/Transpose/Split/Concat/Expand that keep the axis whole) are kept.
 * Constants with the full length along the aligned axis are gathered at the step index;
 * Gather and Slice, which index positions (position ids become the step counter itself),
 * have their rules in StreamGather.c. Anything that mixes positions fails with a reason
 * naming the op. */
#include "PassUtils.h"
#include "Stream.h"

#include "gcim/Support/IRHelpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the axis map ---- */

static size_t slot(const GcimAxisMap *map, const void *key) {
  size_t h = ((size_t)key >> 4) * 2654435761u;
  size_t i = h & (map->capacity - 1);
  while (map->keys[i] && map->keys[i] != key)
    i = (i + 1) & (map->capacity - 1);
  return i;
}

int gcimAxisGet(const GcimAxisMap *map, MlirValue value) {
  if (!map->capacity)
    return -1;
  size_t i = slot(map, value.ptr);
  return map->keys[i] ? map->axes[i] : -1;
}

bool gcimAxisSet(GcimAxisMap *map, MlirValue value, int axis) {
  if (2 * (map->count + 1) > map->capacity) {
    GcimAxisMap grown = {NULL, NULL, map->capacity ? 2 * map->capacity : 256, 0};
    grown.keys = calloc(grown.capacity, sizeof *grown.keys);
    grown.axes = calloc(grown.capacity, sizeof *grown.axes);
    if (!grown.keys || !grown.axes) {
      gcimAxisMapClear(&grown);
      return false;
    }
    for (size_t i = 0; i < map->capacity; ++i)
      if (map->keys[i]) {
        size_t j = slot(&grown, map->keys[i]);
        grown.keys[j] = map->keys[i];
        grown.axes[j] = map->axes[i];
        grown.count++;
      }
    gcimAxisMapClear(map);
    *map = grown;
  }
  size_t i = slot(map, value.ptr);
  if (!map->keys[i])
    map->count++;
  map->keys[i] = value.ptr;
  map->axes[i] = axis;
  return true;
}

void gcimAxisMapClear(GcimAxisMap *map) {
  free(map->keys);
  free(map->axes);
  *map = (GcimAxisMap){NULL, NULL, 0, 0};
}

/* ---- helpers ---- */

bool gcimStreamFail(GcimStreamState *s, MlirOperation op, const char *why) {
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  char node[128];
  gcimLocationName(mlirOperationGetLocation(op), node, sizeof node);
  snprintf(s->reason, sizeof s->reason, "'%.*s'%s%s%s %s", (int)name.length, name.data,
           node[0] ? " node '" : "", node, node[0] ? "'" : "", why);
  return false;
}

void gcimStreamShrink(GcimStreamState *s, MlirValue value, int axis) {
  int64_t dims[GCIM_MAX_RANK];
  MlirType type = mlirValueGetType(value);
  int rank = gcimTensorShape(type, dims);
  if (axis < 0 || axis >= rank)
    return;
  dims[axis] = 1;
  mlirValueSetType(value, gcimTensorType(rank, dims, mlirShapedTypeGetElementType(type)));
  gcimAxisSet(&s->axes, value, axis);
}

static bool constantDerived(MlirValue value, int depth) {
  MlirOperation op = gcimValueDefOp(value);
  if (mlirOperationIsNull(op) || depth > 48)
    return false;
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    if (!constantDerived(mlirOperationGetOperand(op, i), depth + 1))
      return false;
  return !gcimOpIsA(op, "gcim.step_index");
}

MlirValue gcimStreamStepIndex(GcimStreamState *s) {
  if (!mlirValueIsNull(s->stepIndex))
    return s->stepIndex;
  MlirContext ctx = mlirOperationGetContext(s->func);
  int64_t one = 1;
  MlirType type = gcimTensorType(1, &one, mlirIntegerTypeGet(ctx, 64));
  MlirOperation first = mlirBlockGetFirstOperation(s->body);
  MlirOperation op = gcimBuildOp(first, "gcim.step_index", mlirOperationGetLocation(s->func), 0,
                                 NULL, 1, &type, 0, NULL);
  s->stepIndex = mlirOperationGetResult(op, 0);
  return s->stepIndex;
}

/* onnx.gather(value, step index, axis): the row of the current token. */
static MlirValue gatherAtStep(GcimStreamState *s, MlirOperation before, MlirValue value, int axis) {
  int64_t dims[GCIM_MAX_RANK];
  MlirType type = mlirValueGetType(value);
  int rank = gcimTensorShape(type, dims);
  dims[axis] = 1;
  MlirType result = gcimTensorType(rank, dims, mlirShapedTypeGetElementType(type));
  MlirValue operands[2] = {value, gcimStreamStepIndex(s)};
  MlirNamedAttribute attr = gcimNamedInt(mlirOperationGetContext(before), "axis", axis);
  return mlirOperationGetResult(gcimBuildOp(before, "onnx.gather", mlirOperationGetLocation(before),
                                            2, operands, 1, &result, 1, &attr),
                                0);
}

/* Aligns operand i (right-aligned broadcasting) with the result's axis; a constant with
 * the full length there is gathered at the step index. */
static bool alignOperand(GcimStreamState *s, MlirOperation op, intptr_t i, int rank, int axis) {
  MlirValue operand = mlirOperationGetOperand(op, i);
  int64_t dims[GCIM_MAX_RANK];
  int r = gcimTensorShape(mlirValueGetType(operand), dims);
  if (r < 0)
    return true;
  int own = gcimAxisGet(&s->axes, operand), aligned = axis - (rank - r);
  if (own >= 0)
    return own == aligned ? true
                          : gcimStreamFail(s, op, "combines values with different sequence axes");
  if (aligned < 0 || dims[aligned] != s->tokens || s->tokens == 1)
    return true;
  if (!constantDerived(operand, 0))
    return gcimStreamFail(s, op,
                          "combines a full-sequence value that does not come from constants");
  MlirValue row = gcimStreamPositionRow(op, operand, aligned, gcimStreamStepIndex(s));
  mlirOperationSetOperand(op, i,
                          mlirValueIsNull(row) ? gatherAtStep(s, op, operand, aligned) : row);
  return true;
}

/* The result axis of an op whose operands broadcast together: the first sequence axis. */
static int broadcastAxis(GcimStreamState *s, MlirOperation op, int rank) {
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i) {
    MlirValue operand = mlirOperationGetOperand(op, i);
    int own = gcimAxisGet(&s->axes, operand);
    if (own >= 0)
      return own + rank - (int)gcimTensorRank(mlirValueGetType(operand));
  }
  return -1;
}

static bool streamElementwise(GcimStreamState *s, MlirOperation op) {
  MlirValue out = mlirOperationGetResult(op, 0);
  int rank = (int)gcimTensorRank(mlirValueGetType(out));
  int axis = broadcastAxis(s, op, rank);
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    if (!alignOperand(s, op, i, rank, axis))
      return false;
  for (intptr_t r = 0; r < mlirOperationGetNumResults(op); ++r) {
    MlirValue result = mlirOperationGetResult(op, r);
    if (gcimTensorRank(mlirValueGetType(result)) == rank)
      gcimStreamShrink(s, result, axis);
  }
  return true;
}

int gcimStreamNormAxis(int64_t axis, int rank) { return (int)(axis < 0 ? axis + rank : axis); }

/* Softmax, LayerNormalization, reductions: the reduced axes must not include it. */
static bool streamReduction(GcimStreamState *s, MlirOperation op, int axis) {
  MlirValue in = mlirOperationGetOperand(op, 0);
  int rank = (int)gcimTensorRank(mlirValueGetType(in));
  int64_t attr = -1, keep = 1, axes[GCIM_MAX_RANK];
  if (gcimOpIsA(op, "onnx.reduce_sum") || gcimOpIsA(op, "onnx.reduce_mean") ||
      gcimOpIsA(op, "onnx.reduce_max")) {
    gcimOpGetIntAttr(op, "keepdims", &keep);
    int n = mlirOperationGetNumOperands(op) > 1
                ? gcimValueI64Constant(mlirOperationGetOperand(op, 1), axes, GCIM_MAX_RANK)
                : 0;
    if (n <= 0)
      return gcimStreamFail(s, op, "reduces over all axes, the sequence axis included");
    int removed = 0;
    for (int i = 0; i < n; ++i) {
      int a = gcimStreamNormAxis(axes[i], rank);
      if (a == axis)
        return gcimStreamFail(s, op, "reduces over the sequence axis");
      removed += a < axis;
    }
    gcimStreamShrink(s, mlirOperationGetResult(op, 0), keep ? axis : axis - removed);
    return true;
  }
  gcimOpGetIntAttr(op, "axis", &attr);
  int a = gcimStreamNormAxis(attr, rank);
  bool layerNorm = gcimOpIsA(op, "onnx.layer_normalization");
  if (layerNorm ? a <= axis : a == axis)
    return gcimStreamFail(s, op, "normalises over the sequence axis");
  return streamElementwise(s, op);
}

static bool streamMatMul(GcimStreamState *s, MlirOperation op, int axisA) {
  MlirValue a = mlirOperationGetOperand(op, 0), b = mlirOperationGetOperand(op, 1);
  int rankA = (int)gcimTensorRank(mlirValueGetType(a));
  int rank = (int)gcimTensorRank(mlirValueGetType(mlirOperationGetResult(op, 0)));
  int rankB = (int)gcimTensorRank(mlirValueGetType(b));
  if (axisA < 0 && rankB >= 2 && gcimAxisGet(&s->axes, b) == rankB - 1 &&
      gcimOpIsA(op, "onnx.mat_mul")) {
    /* Along b's columns (Hugging Face's RoPE: inv_freq @ position ids): column j of the
     * product reads column j of b only. */
    gcimStreamShrink(s, mlirOperationGetResult(op, 0), rank - 1);
    return true;
  }
  if (gcimAxisGet(&s->axes, b) >= 0 || axisA < 0 || axisA >= rankA - 1)
    return gcimStreamFail(s, op, "contracts or mixes the sequence axis");
  if (gcimOpIsA(op, "onnx.gemm")) {
    int64_t transA = 0;
    gcimOpGetIntAttr(op, "transA", &transA);
    if (transA)
      return gcimStreamFail(s, op, "contracts the sequence axis (transA)");
    if (mlirOperationGetNumOperands(op) > 2 && !alignOperand(s, op, 2, rank, axisA))
      return false;
  }
  gcimStreamShrink(s, mlirOperationGetResult(op, 0), axisA + rank - rankA);
  return true;
}

/* Reshape-like ops: the output axis with the same element stride and length T. With
 * several candidates (dims of size 1 when T is 1) the one at the input's position wins. */
static int reshapeAxis(MlirValue in, MlirValue out, int axis, int64_t tokens) {
  int64_t a[GCIM_MAX_RANK], b[GCIM_MAX_RANK];
  int ra = gcimTensorShape(mlirValueGetType(in), a);
  int rb = gcimTensorShape(mlirValueGetType(out), b);
  int64_t prefix = 1, suffix = 1;
  for (int i = 0; i < axis; ++i)
    prefix *= a[i];
  for (int i = axis + 1; i < ra; ++i)
    suffix *= a[i];
  int64_t p = 1;
  int found = -1;
  for (int j = 0; j < rb; ++j) {
    int64_t rest = 1;
    for (int k = j + 1; k < rb; ++k)
      rest *= b[k];
    if (p == prefix && b[j] == tokens && rest == suffix && (found < 0 || j == axis))
      found = j;
    p *= b[j];
  }
  return found;
}

/* Unsqueeze and Squeeze with constant axes: the sequence axis moved past the inserted or
 * removed ones, exactly (reshapeAxis cannot tell size-1 axes apart when T is 1, as in a
 * KV-cache step: Baichuan's W_pack split unsqueezes in front of (1, 1, 3, width)); -1
 * when not known or when Squeeze removes it (a size-1 sequence, left to reshapeAxis). */
static int squeezeAxis(MlirOperation op, int axis) {
  int64_t axes[GCIM_MAX_RANK];
  bool unsqueeze = gcimOpIsA(op, "onnx.unsqueeze");
  if ((!unsqueeze && !gcimOpIsA(op, "onnx.squeeze")) || mlirOperationGetNumOperands(op) < 2)
    return -1;
  int n = gcimValueI64Constant(mlirOperationGetOperand(op, 1), axes, GCIM_MAX_RANK);
  int rank = (int)gcimTensorRank(
      mlirValueGetType(unsqueeze ? mlirOperationGetResult(op, 0) : mlirOperationGetOperand(op, 0)));
  if (n <= 0)
    return -1;
  bool listed[GCIM_MAX_RANK] = {false};
  for (int i = 0; i < n; ++i) {
    int a = gcimStreamNormAxis(axes[i], rank);
    if (a < 0 || a >= rank)
      return -1;
    listed[a] = true;
  }
  if (!unsqueeze) {
    int removed = 0;
    for (int a = 0; a < axis; ++a)
      removed += listed[a];
    return listed[axis] ? -1 : axis - removed;
  }
  for (int j = 0, i = 0; j < rank; ++j)
    if (!listed[j] && i++ == axis)
      return j;
  return -1;
}

static bool streamReshape(GcimStreamState *s, MlirOperation op, int axis) {
  MlirValue in = mlirOperationGetOperand(op, 0), out = mlirOperationGetResult(op, 0);
  int b = squeezeAxis(op, axis);
  if (b < 0)
    b = reshapeAxis(in, out, axis, s->tokens);
  if (b < 0)
    return gcimStreamFail(s, op, "merges or splits the sequence axis");
  if (gcimOpIsA(op, "onnx.reshape")) {
    int64_t dims[GCIM_MAX_RANK];
    int rank = gcimTensorShape(mlirValueGetType(out), dims);
    dims[b] = 1;
    mlirOperationSetOperand(op, 1,
                            gcimBuildI64Constant(op, mlirOperationGetLocation(op), dims, rank));
  }
  gcimStreamShrink(s, out, b);
  return true;
}

static bool streamTranspose(GcimStreamState *s, MlirOperation op, int axis) {
  int64_t perm[GCIM_MAX_RANK];
  int n = gcimOpGetI64Array(op, "perm", perm, GCIM_MAX_RANK);
  for (int i = 0; i < n; ++i)
    if (perm[i] == axis) {
      gcimStreamShrink(s, mlirOperationGetResult(op, 0), i);
      return true;
    }
  return gcimStreamFail(s, op, "has no permutation");
}

/* Split, Concat and TopK (a MoE router's choice of experts) along another axis; TopK's
 * and Split's other operands are counts, not data. */
static bool streamAlongOtherAxis(GcimStreamState *s, MlirOperation op, int axis) {
  bool topK = gcimOpIsA(op, "onnx.top_k");
  int64_t attr = topK ? -1 : 0;
  int rank = (int)gcimTensorRank(mlirValueGetType(mlirOperationGetResult(op, 0)));
  gcimOpGetIntAttr(op, "axis", &attr);
  if (gcimStreamNormAxis(attr, rank) == axis)
    return gcimStreamFail(s, op,
                          topK ? "selects along the sequence axis"
                               : "splits or concatenates along the sequence axis");
  intptr_t operands = gcimOpIsA(op, "onnx.split") || topK ? 1 : mlirOperationGetNumOperands(op);
  for (intptr_t i = 0; i < operands; ++i)
    if (!alignOperand(s, op, i, rank, axis))
      return false;
  for (intptr_t r = 0; r < mlirOperationGetNumResults(op); ++r)
    gcimStreamShrink(s, mlirOperationGetResult(op, r), axis);
  return true;
}

static bool streamExpand(GcimStreamState *s, MlirOperation op, int axis) {
  MlirValue out = mlirOperationGetResult(op, 0);
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(out), dims);
  int outAxis = axis + rank - (int)gcimTensorRank(mlirValueGetType(mlirOperationGetOperand(op, 0)));
  dims[outAxis] = 1;
  mlirOperationSetOperand(op, 1,
                          gcimBuildI64Constant(op, mlirOperationGetLocation(op), dims, rank));
  gcimStreamShrink(s, out, outAxis);
  return true;
}

static bool streamAttention(GcimStreamState *s, MlirOperation op) {
  for (int i = 0; i < 3; ++i)
    if (gcimAxisGet(&s->axes, mlirOperationGetOperand(op, i)) != 2)
      return gcimStreamFail(s, op, "does not have the sequence on the tokens axis of q, k and v");
  int64_t causal = 0;
  gcimOpGetIntAttr(op, "causal", &causal);
  if (!causal)
    return gcimStreamFail(s, op, "is not causal");
  MlirContext ctx = mlirOperationGetContext(op);
  MlirNamedAttribute attrs[6];
  const char *names[5] = {"kind", "window", "scale", "num_heads", "head_dim"};
  for (int i = 0; i < 5; ++i)
    attrs[i] = mlirNamedAttributeGet(
        mlirIdentifierGet(ctx, mlirStringRefCreateFromCString(names[i])),
        mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString(names[i])));
  attrs[5] = gcimNamedInt(ctx, "layer", s->nextLayer++);
  MlirValue operands[4];
  intptr_t count = mlirOperationGetNumOperands(op);
  for (intptr_t i = 0; i < count; ++i)
    operands[i] = mlirOperationGetOperand(op, i);
  MlirValue out = mlirOperationGetResult(op, 0);
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(out), dims);
  dims[2] = 1;
  MlirType type = gcimTensorType(rank, dims, mlirShapedTypeGetElementType(mlirValueGetType(out)));
  MlirOperation step = gcimBuildOp(op, "gcim.attention_step", mlirOperationGetLocation(op), count,
                                   operands, 1, &type, 6, attrs);
  MlirValue result = mlirOperationGetResult(step, 0);
  mlirValueReplaceAllUsesOfWith(out, result);
  gcimAxisSet(&s->axes, result, 2);
  mlirOperationDestroy(op);
  return true;
}

static bool isElementwise(MlirOperation op) {
  static const char *const names[] = {"onnx.add",
                                      "onnx.sub",
                                      "onnx.mul",
                                      "onnx.div",
                                      "onnx.pow",
                                      "onnx.sqrt",
                                      "onnx.reciprocal",
                                      "onnx.neg",
                                      "onnx.abs",
                                      "onnx.exp",
                                      "onnx.log",
                                      "onnx.tanh",
                                      "onnx.erf",
                                      "onnx.sigmoid",
                                      "onnx.hard_sigmoid",
                                      "onnx.relu",
                                      "onnx.gelu",
                                      "onnx.cast",
                                      "onnx.identity",
                                      "onnx.where",
                                      "onnx.equal",
                                      "onnx.less",
                                      "onnx.greater",
                                      "onnx.not",
                                      "onnx.and",
                                      "onnx.or",
                                      "onnx.clip",
                                      "onnx.min",
                                      "onnx.max",
                                      "onnx.dropout",
                                      "onnx.sin",
                                      "onnx.cos",
                                      "onnx.floor",
                                      "onnx.ceil",
                                      "onnx.sign",
                                      "onnx.softplus",
                                      "onnx.mish",
                                      "onnx.less_or_equal",
                                      "onnx.greater_or_equal",
                                      "onnx.xor",
                                      "onnx.is_inf",
                                      "onnx.is_nan",
                                      "onnx.mod"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
    if (gcimOpIsA(op, names[i]))
      return true;
  return false;
}

bool gcimStreamOp(GcimStreamState *s, MlirOperation op) {
  int axis = -1;
  if (mlirOperationGetNumResults(op) == 1 &&
      gcimAxisGet(&s->axes, mlirOperationGetResult(op, 0)) >= 0)
    return true; /* made for one token already (a KV head repeat, Stream.c) */
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op) && axis < 0; ++i)
    axis = gcimAxisGet(&s->axes, mlirOperationGetOperand(op, i));
  if (gcimOpIsA(op, "onnx.gather"))
    return gcimStreamGather(s, op);
  if (gcimOpIsA(op, "onnx.range") && gcimStreamIsCacheRange(op, s->pastLength)) {
    mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(op, 0), gcimStreamStepIndex(s));
    return true;
  }
  if (axis < 0 || gcimOpIsA(op, "func.return") || gcimOpIsA(op, "gcim.cache_append"))
    return true; /* no sequence operand, or a cache append the step function drops */
  if (isElementwise(op))
    return streamElementwise(s, op);
  if (gcimOpIsA(op, "onnx.softmax") || gcimOpIsA(op, "onnx.log_softmax") ||
      gcimOpIsA(op, "onnx.layer_normalization") || gcimOpIsA(op, "onnx.reduce_sum") ||
      gcimOpIsA(op, "onnx.reduce_mean") || gcimOpIsA(op, "onnx.reduce_max"))
    return streamReduction(s, op, axis);
  if (gcimOpIsA(op, "onnx.mat_mul") || gcimOpIsA(op, "onnx.gemm"))
    return streamMatMul(s, op, gcimAxisGet(&s->axes, mlirOperationGetOperand(op, 0)));
  if (gcimOpIsA(op, "onnx.reshape") || gcimOpIsA(op, "onnx.unsqueeze") ||
      gcimOpIsA(op, "onnx.squeeze") || gcimOpIsA(op, "onnx.flatten"))
    return streamReshape(s, op, axis);
  if (gcimOpIsA(op, "onnx.transpose"))
    return streamTranspose(s, op, axis);
  if (gcimOpIsA(op, "onnx.split") || gcimOpIsA(op, "onnx.concat") || gcimOpIsA(op, "onnx.top_k"))
    return streamAlongOtherAxis(s, op, axis);
  if (gcimOpIsA(op, "onnx.slice"))
    return gcimStreamSlice(s, op, axis);
  if (gcimOpIsA(op, "onnx.expand"))
    return streamExpand(s, op, axis);
  if (gcimOpIsA(op, "gcim.attention"))
    return streamAttention(s, op);
  return gcimStreamFail(s, op, "is not known to be position-wise along the sequence axis");
}
