/* Schedule.c: gcim-schedule, a schedule over the floorplan, per-token order and costs.
 *
 * Considers the alternatives of SchedulePlan.c (chips used; K/V resident, spilled where
 * arrays run out, or streamed through one slot), keeps those that fit the floorplan and
 * the budget (`max-latency-ns`, `max-energy-pj` per token) and picks the best for the
 * `schedule` objective (latency, energy or area) or the `schedule-weights` mix; when none fits it
 * fails naming the smallest hardware that would. Each kv_write gets where its layer's K/V live
 * (`gcim.first_sub_tile`: sequence 0's first physical sub-tile, head h at + h * per-head,
 * sequence s at + s * `gcim.sequence_stride`; `gcim.chip`, `gcim.resident_sequences`,
 * `gcim.spill_slot`, `gcim.spill_bytes`, `gcim.periphery_rounds`,
 * `gcim.transfer_bytes`); the module gets the objective, budget and choice. Each
 * token's work is ordered: within a layer the K/V write before the two products
 * (checked), a layer's heads in parallel up to the periphery's rounds, layers in
 * sequence after their transfers. Every tile-level op gets `gcim.start_ns`,
 * `gcim.latency_ns` and `gcim.energy_pj` per token of one sequence from the cost model.
 * The hardware is the compilation's, handed to the pass when it is made; the report is the
 * driver's to write (gcim/Transforms/Report.h).
 *
 * Assumes: the tile level (gcim-map-attention, optionally gcim-quantize).
 * Guarantees: changes only attributes; the report's totals equal the sums of the ops'. */
#include "PassUtils.h"
#include "ReportLayers.h"
#include "SchedulePlan.h"

#include "gcim/Runtime/Hardware.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Transforms/Passes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MlirLogicalResult runSchedule(MlirOperation module, const GcimPassOptions *options);

static const char *const objectives[] = {"latency", "energy", "area", NULL};

static const GcimPassOptionInfo scheduleOptions[] = {
    {"schedule", GCIM_PASS_OPTION_ENUM, "latency",
     "what to minimise per token: latency, energy or area (arrays and periphery)", objectives},
    {"max-latency-ns", GCIM_PASS_OPTION_INT, "0",
     "budget: at most this latency per token, in ns (0: none)", NULL},
    {"max-energy-pj", GCIM_PASS_OPTION_INT, "0",
     "budget: at most this energy per token, in pJ (0: none)", NULL},
    {"schedule-weights", GCIM_PASS_OPTION_STRING, "",
     "minimise a weighted sum instead, as latency=1:energy=0.5:area=0: each figure relative "
     "to the least among the schedules within the budget",
     NULL},
};

const GcimPassInfo gcimSchedulePassInfo = {
    "gcim-schedule",
    "Place heads on the floorplan's sub-tiles, order each token's work, attach costs",
    scheduleOptions, sizeof scheduleOptions / sizeof scheduleOptions[0], runSchedule};

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
  const GcimLayerPlan *plans; /* one per layer */
  int64_t count;
  const GcimLayerInfo *current; /* the layer whose ops are being placed */
  bool written;                 /* its kv_write was seen */
  double cursor;
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
    s->current = next;
    const GcimLayerPlan *plan = &s->plans[next - s->layers];
    s->cursor = plan->startNs; /* after the layers and transfers before, and the reload */
    if (plan->residentSequences == 0)
      s->cursor += plan->reloadNs;
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
  latency *= (double)s->plans[s->current - s->layers].rounds; /* heads sharing periphery */
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
  const GcimLayerPlan *plans;
  int64_t count;
} Assignment;

static MlirWalkResult assignSubTiles(MlirOperation op, void *userData) {
  const Assignment *a = userData;
  int64_t layer;
  if (!gcimOpIsA(op, "gcim.kv_write") || !gcimOpGetIntAttr(op, "layer", &layer))
    return MlirWalkResultAdvance;
  const GcimLayerInfo *info = findLayer(a->layers, a->count, layer);
  if (!info)
    return MlirWalkResultAdvance;
  const GcimLayerPlan *plan = &a->plans[info - a->layers];
  gcimOpSetInt(op, "gcim.first_sub_tile", plan->firstSubTile);
  gcimOpSetInt(op, "gcim.chip", plan->chip);
  gcimOpSetInt(op, "gcim.resident_sequences", plan->residentSequences);
  if (info->batch > 1)
    gcimOpSetInt(op, "gcim.sequence_stride", plan->sequenceStride);
  gcimOpSetInt(op, "gcim.periphery_rounds", plan->rounds);
  if (plan->spillSlot >= 0) {
    gcimOpSetInt(op, "gcim.spill_slot", plan->spillSlot);
    gcimOpSetInt(op, "gcim.spill_bytes", plan->spillBytes);
  }
  if (plan->transferBytes)
    gcimOpSetInt(op, "gcim.transfer_bytes", plan->transferBytes);
  return MlirWalkResultAdvance;
}

/* The objective, weights and budget of the pass's options; false after a diagnostic. */
static bool readGoal(MlirOperation module, const GcimPassOptions *options, GcimGoal *goal) {
  const GcimPassInfo *info = &gcimSchedulePassInfo;
  goal->objective = GCIM_OBJECTIVE_LATENCY;
  gcimObjectiveParse(gcimPassOptionsGet(options, info, "schedule"), &goal->objective);
  goal->budget.latencyNs = (double)gcimPassOptionsGetInt(options, info, "max-latency-ns");
  goal->budget.energyPJ = (double)gcimPassOptionsGetInt(options, info, "max-energy-pj");
  const char *weights = gcimPassOptionsGet(options, info, "schedule-weights");
  if (!weights || !*weights)
    return true;
  char why[160];
  goal->objective = GCIM_OBJECTIVE_WEIGHTED;
  if (gcimScheduleWeightsParse(weights, goal->weights, why, sizeof why))
    return true;
  gcimEmitError(mlirOperationGetLocation(module), "gcim-schedule: schedule-weights: %s", why);
  return false;
}

/* The module remembers what was asked, so the report lists the same alternatives. */
static void recordChoice(MlirOperation module, const GcimGoal *goal, const GcimSchedule *chosen) {
  char name[64], weights[160];
  gcimScheduleName(chosen, name, sizeof name);
  gcimOpSetString(module, "gcim.schedule", name);
  gcimOpSetString(module, "gcim.schedule_objective", gcimObjectiveName(goal->objective));
  if (goal->objective == GCIM_OBJECTIVE_WEIGHTED) {
    gcimScheduleWeightsFormat(goal->weights, weights, sizeof weights);
    gcimOpSetString(module, "gcim.schedule_weights", weights);
  }
  setF64(module, "gcim.schedule_max_latency_ns", goal->budget.latencyNs);
  setF64(module, "gcim.schedule_max_energy_pj", goal->budget.energyPJ);
}

static MlirLogicalResult runSchedule(MlirOperation module, const GcimPassOptions *options) {
  const GcimHardware *hw = options->hw;
  GcimGoal goal;
  if (!readGoal(module, options, &goal))
    return mlirLogicalResultFailure();
  GcimLayerInfo *layers;
  int64_t count = gcimCollectLayers(module, &layers);
  GcimLayerPlan *plans = count >= 0 ? calloc((size_t)count + 1, sizeof *plans) : NULL;
  GcimSchedule *alternatives = calloc(3 * (size_t)gcimHardwareChips(hw), sizeof *alternatives);
  if (count < 0 || !plans || !alternatives) {
    gcimEmitError(mlirOperationGetLocation(module), "out of memory");
    free(count >= 0 ? layers : NULL);
    free(plans);
    free(alternatives);
    return mlirLogicalResultFailure();
  }
  int64_t best;
  int64_t considered = gcimScheduleAlternatives(hw, layers, count, &goal, alternatives, &best);
  bool ok = best >= 0;
  if (!ok) {
    char message[512];
    gcimScheduleExplainFailure(hw, layers, count, alternatives, considered, message,
                               sizeof message);
    gcimEmitError(mlirOperationGetLocation(module), "%s", message);
  } else {
    GcimSchedule chosen;
    gcimScheduleEvaluate(hw, layers, count, alternatives[best].chips, alternatives[best].residency,
                         &chosen, plans);
    recordChoice(module, &goal, &chosen);
    Assignment assignment = {layers, plans, count};
    mlirOperationWalk(module, assignSubTiles, &assignment, MlirWalkPreOrder);
    BlockSchedule s = {hw, layers, plans, count, NULL, false, 0.0, true};
    mlirOperationWalk(module, scheduleBlocks, &s, MlirWalkPreOrder);
    ok = s.ok;
  }
  free(alternatives);
  free(plans);
  free(layers);
  return ok ? mlirLogicalResultSuccess() : mlirLogicalResultFailure();
}
