/* Schedule.c: gcim-schedule, physical sub-tiles, per-token order and costs, the report.
 *
 * Assigns each analog layer's heads consecutive physical sub-tiles (head h of a layer
 * whose first sub-tile is f uses f + h * per_head ...; the same layer in the full-sequence
 * and the step function shares them), fails naming required and available sub-tiles when
 * the hardware limits them (`max-sub-tiles`), and orders each token's work: within a
 * layer the K/V write before the two products (checked), heads in parallel (one op holds
 * all heads), layers in sequence (program order). Every tile-level op gets
 * `gcim.start_ns`, `gcim.latency_ns` and `gcim.energy_pj` per token from the cost model;
 * each kv_write gets `gcim.first_sub_tile`. The hardware (sub-tile limit, costs) is the
 * compilation's, handed to the pass when it is made; the report is the driver's to write
 * (gcim/Transforms/Report.h).
 *
 * Assumes: the tile level (gcim-map-attention, optionally gcim-quantize).
 * Guarantees: changes only attributes; the report's totals equal the sums of the ops'. */
#include "PassUtils.h"
#include "ReportLayers.h"

#include "gcim/Runtime/Hardware.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Transforms/Passes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MlirLogicalResult runSchedule(MlirOperation module, const GcimPassOptions *options);

const GcimPassInfo gcimSchedulePassInfo = {
    "gcim-schedule", "Assign physical sub-tiles, order each token's work, attach costs", NULL, 0,
    runSchedule};

static void setF64(MlirOperation op, const char *name, double value) {
  MlirContext ctx = mlirOperationGetContext(op);
  mlirOperationSetAttributeByName(op, mlirStringRefCreateFromCString(name),
                                  mlirFloatAttrDoubleGet(ctx, mlirF64TypeGet(ctx), value));
}

static const GcimLayerInfo *findLayer(const GcimLayerInfo *layers, int64_t count, int64_t layer) {
  for (int64_t i = 0; i < count; ++i)
    if (layers[i].layer == layer && layers[i].analog)
      return &layers[i];
  return NULL;
}

typedef struct BlockSchedule {
  const GcimHardware *hw;
  const GcimLayerInfo *layers;
  int64_t count;
  const GcimLayerInfo *current; /* the layer whose ops are being placed */
  bool written;                 /* its kv_write was seen */
  double layerStart, cursor;
  bool ok;
} BlockSchedule;

static bool isTileOp(MlirOperation op) {
  static const char *const names[] = {"gcim.kv_write",   "gcim.qk_product", "gcim.charge_to_pulse",
                                      "gcim.pv_product", "gcim.readout",    "gcim.quantize",
                                      "gcim.adder_tree", "gcim.scaler"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
    if (gcimOpIsA(op, names[i]))
      return true;
  return false;
}

/* Places one tile-level op after the previous one of its layer. */
static void placeOp(BlockSchedule *s, MlirOperation op) {
  int64_t layer = -1;
  bool hasLayer = gcimOpGetIntAttr(op, "layer", &layer);
  if (hasLayer && (!s->current || s->current->layer != layer)) {
    const GcimLayerInfo *next = findLayer(s->layers, s->count, layer);
    if (!next)
      return;
    if (s->current)
      s->layerStart = s->cursor; /* layers in sequence */
    s->current = next;
    s->cursor = s->layerStart;
    s->written = false;
  }
  if (!s->current)
    return;
  if (gcimOpIsA(op, "gcim.kv_write"))
    s->written = true;
  if (gcimOpIsA(op, "gcim.qk_product") && !s->written) {
    gcimEmitError(mlirOperationGetLocation(op),
                  "'gcim.qk_product' of layer %lld reads before the layer's K/V write",
                  (long long)s->current->layer);
    s->ok = false;
  }
  double latency, energy;
  gcimTileOpCost(s->hw, s->current, op, &latency, &energy);
  setF64(op, "gcim.start_ns", s->cursor);
  setF64(op, "gcim.latency_ns", latency);
  setF64(op, "gcim.energy_pj", energy);
  s->cursor += latency;
}

static MlirWalkResult scheduleBlocks(MlirOperation op, void *userData) {
  BlockSchedule *proto = userData;
  if (!gcimOpIsA(op, "func.func"))
    return MlirWalkResultAdvance;
  BlockSchedule s = *proto;
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0));
  for (MlirOperation inner = mlirBlockIsNull(body) ? (MlirOperation){NULL}
                                                   : mlirBlockGetFirstOperation(body);
       !mlirOperationIsNull(inner); inner = mlirOperationGetNextInBlock(inner))
    if (isTileOp(inner))
      placeOp(&s, inner);
  proto->ok = proto->ok && s.ok;
  return MlirWalkResultAdvance;
}

typedef struct Assignment {
  const GcimLayerInfo *layers;
  int64_t count;
} Assignment;

static MlirWalkResult assignSubTiles(MlirOperation op, void *userData) {
  const Assignment *a = userData;
  int64_t layer;
  if (!gcimOpIsA(op, "gcim.kv_write") || !gcimOpGetIntAttr(op, "layer", &layer))
    return MlirWalkResultAdvance;
  const GcimLayerInfo *info = findLayer(a->layers, a->count, layer);
  if (info)
    gcimOpSetInt(op, "gcim.first_sub_tile", info->firstSubTile);
  return MlirWalkResultAdvance;
}

static MlirLogicalResult runSchedule(MlirOperation module, const GcimPassOptions *options) {
  const GcimHardware *hw = options->hw;
  GcimLayerInfo *layers;
  int64_t count = gcimCollectLayers(module, &layers);
  if (count < 0) {
    gcimEmitError(mlirOperationGetLocation(module), "out of memory");
    return mlirLogicalResultFailure();
  }
  int64_t next = 0;
  for (int64_t i = 0; i < count; ++i)
    if (layers[i].analog) {
      layers[i].firstSubTile = next;
      next += layers[i].heads * layers[i].tokenTiles * layers[i].dimTiles;
    }
  bool ok = true;
  if (hw->maxSubTiles > 0 && next > hw->maxSubTiles) {
    gcimEmitError(mlirOperationGetLocation(module),
                  "the model needs %lld sub-tiles but the hardware has %d", (long long)next,
                  hw->maxSubTiles);
    ok = false;
  }
  if (ok) {
    Assignment assignment = {layers, count};
    mlirOperationWalk(module, assignSubTiles, &assignment, MlirWalkPreOrder);
    BlockSchedule s = {hw, layers, count, NULL, false, 0.0, 0.0, true};
    mlirOperationWalk(module, scheduleBlocks, &s, MlirWalkPreOrder);
    ok = s.ok;
  }
  free(layers);
  return ok ? mlirLogicalResultSuccess() : mlirLogicalResultFailure();
}
