/* OpsTiles.c: C for a mapped attention layer, from its scheduled tile-level ops.
 *
 * gcim-map-attention, gcim-quantize and gcim-schedule leave each analog attention as a
 * chain of tile ops (gcim/Support/TileLayer.h). At the op that ends the chain this writes
 * the layer's command table (docs/ChipInterface.md, "What the compiler emits"): its heads'
 * sub-tiles from gcim.first_sub_tile and token_tiles x dim_tiles, the input quantisers'
 * levels and ranges from the gcim.quantize ops, the scalers the gcim.scaler ops read (the
 * identity where gcim-quantize folded them), the start time of each op within a token from
 * gcim.start_ns and the token's period (the function's last op end), and gcim-schedule's
 * placement (chip, sequence stride, resident sequences, spill slot, periphery rounds, link
 * transfer); PREFIX_create makes one head per row of it on chip sub-tiles numbered as placed
 * (a spilled one reloading before each token), and the call written here runs
 * the layer's tokens through the chip interface (gcimSimHeadsStep for a step function's
 * token, gcimSimHeadsRunSequences for a full sequence). The data-dependent order of the ops
 * (write, then the two products, readout and adder tree) is what gcim-verify checked. What
 * the chip does itself must be what the chip was made with: the converters' levels, the
 * ADC's range and the saturations are the hardware's, else the layer is refused. A
 * grouped-query layer mapped with --gqa=share (gcim.kv_group = G > 1) gets one head per K/V
 * head, written once and attended by its G query heads in turn (gcimSimHeadsStepShared,
 * gcimSimHeadsRunShared; docs/HardwareModel.md section 7). */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"
#include "gcim/Support/TileLayer.h"

#include "mlir-c/BuiltinAttributes.h"

#include <stdio.h>

static double attrFloat(MlirOperation op, const char *name) {
  double value = 0.0;
  gcimOpGetFloatAttr(op, name, &value);
  return value;
}

/* A DAC or PWM quantiser: the converter's levels, a range from 0. The IR holds the range in
 * float32: when that is the hardware's maximum rounded, the hardware's value is meant. */
static bool readQuantizer(EmitState *state, MlirOperation quantize, int32_t levels, double hwMax,
                          GcimTileQuantizer *out) {
  int64_t got = 0;
  gcimOpGetIntAttr(quantize, "levels", &got);
  double lo = attrFloat(quantize, "lo"), hi = attrFloat(quantize, "hi");
  if (got != levels)
    return gcimCEmitUnsupported(state, quantize,
                                "its levels are not those of the chip's converter (the "
                                "hardware description's)");
  if (lo != 0.0 || !(hi > 0.0))
    return gcimCEmitUnsupported(state, quantize, "an input quantiser's range must be [0, max]");
  out->levels = levels;
  out->max = (float)hwMax == (float)hi ? hwMax : hi;
  return true;
}

/* What the chip does itself: its ADC and its saturations. */
static bool checkChipSide(EmitState *state, const GcimTileLayer *l, const GcimHardware *hw) {
  int64_t levels = 0;
  gcimOpGetIntAttr(l->quantizeOut, "levels", &levels);
  float max = (float)hw->output.max;
  if (levels != hw->output.levels || (float)attrFloat(l->quantizeOut, "hi") != max ||
      (float)attrFloat(l->quantizeOut, "lo") != -max)
    return gcimCEmitUnsupported(state, l->quantizeOut,
                                "the readout ADC is the chip's: its levels and range must be "
                                "the hardware description's");
  if ((float)attrFloat(l->chargeToPulse, "saturation") != hw->firstProductSaturation)
    return gcimCEmitUnsupported(state, l->chargeToPulse,
                                "its saturation must be the hardware description's");
  if ((float)attrFloat(l->readout, "saturation") != hw->outputSaturation)
    return gcimCEmitUnsupported(state, l->readout,
                                "its saturation must be the hardware description's");
  return true;
}

/* The token's period: the end of the last scheduled op of the function. */
static double tokenPeriod(MlirOperation op) {
  double period = 0.0;
  for (MlirOperation at = mlirBlockGetFirstOperation(mlirOperationGetBlock(op));
       !mlirOperationIsNull(at); at = mlirOperationGetNextInBlock(at)) {
    double start = 0.0;
    if (gcimOpGetFloatAttr(at, "gcim.start_ns", &start) &&
        start + attrFloat(at, "gcim.latency_ns") > period)
      period = start + attrFloat(at, "gcim.latency_ns");
  }
  return period;
}

static bool readScaler(EmitState *state, MlirOperation scaler, TileScalerSource *source) {
  source->present = !mlirOperationIsNull(scaler);
  if (!source->present)
    return true;
  ValueInfo *scales = gcimCEmitLookup(state, mlirOperationGetOperand(scaler, 1));
  if (scales->storage != STORAGE_WEIGHT || !scales->stored || scales->packed ||
      scales->elem != GCIM_ELEM_F32 || scales->rank != 2 || scales->dims[1] != GCIM_SCALER_COUNT)
    return gcimCEmitUnsupported(state, scaler, "its scales must be a (heads, 8) float constant");
  source->offset = scales->offset;
  source->rows = scales->dims[0];
  gcimOpGetIntAttr(scaler, "a_index", &source->aIndex);
  gcimOpGetIntAttr(scaler, "b_index", &source->bIndex);
  return true;
}

int64_t gcimCEmitPlacedEnd(const TileCommandTable *t, int64_t sequences) {
  int64_t resident = t->residentSequences < sequences ? t->residentSequences : sequences;
  int64_t first = resident > 0 ? t->firstSubTile : t->spillSlot;
  return first + (resident > 1 ? (resident - 1) * t->sequenceStride : 0) +
         t->heads * t->subTilesPerHead;
}

/* The sub-tiles of the layer's resident heads do not overlap another layer's in the same
 * function (blocks reloaded into a spill slot share it: each reload clears it first). */
static bool checkPlacement(EmitState *state, MlirOperation write, const TileCommandTable *t,
                           int64_t sequences) {
  int64_t end = gcimCEmitPlacedEnd(t, sequences);
  for (size_t g = 0; g < state->headGroupCount; ++g) {
    const SimHeadGroup *other = &state->headGroups[g];
    const TileCommandTable *o = &other->tiles;
    if (!other->fromTiles || other->function != state->functionCount - 1 ||
        t->residentSequences == 0 || o->residentSequences == 0 || o->firstSubTile >= end ||
        t->firstSubTile >= gcimCEmitPlacedEnd(o, other->count / o->heads))
      continue;
    char why[160];
    snprintf(why, sizeof why, "its heads' sub-tiles %lld .. %lld overlap those of layer %lld",
             (long long)t->firstSubTile, (long long)end - 1, (long long)o->layer);
    return gcimCEmitUnsupported(state, write, why);
  }
  return true;
}

/* gcim-schedule's decisions on the kv_write (docs/HardwareModel.md section 6): chip,
 * sequence placement, spill slot, periphery turns, link transfer; without them (a tile IR
 * written by hand) every sequence resident, one turn, no transfer. */
static bool readSchedule(EmitState *state, MlirOperation write, int64_t sequences,
                         TileCommandTable *t) {
  int64_t unit = state->options->hw->floorplan.subTilesPerPeriphery;
  t->residentSequences = sequences;
  t->sequenceStride = t->heads * t->subTilesPerHead;
  t->spillSlot = -1;
  t->rounds = 1;
  gcimOpGetIntAttr(write, "gcim.chip", &t->chip);
  gcimOpGetIntAttr(write, "gcim.resident_sequences", &t->residentSequences);
  gcimOpGetIntAttr(write, "gcim.sequence_stride", &t->sequenceStride);
  gcimOpGetIntAttr(write, "gcim.spill_slot", &t->spillSlot);
  gcimOpGetIntAttr(write, "gcim.periphery_rounds", &t->rounds);
  gcimOpGetIntAttr(write, "gcim.transfer_bytes", &t->transferBytes);
  /* One spilled block's heads alone on the periphery (SchedulePlan.c's rounds of H). */
  t->spilledRounds = unit > t->subTilesPerHead ? unit / t->subTilesPerHead : 1;
  t->spilledRounds = t->heads < t->spilledRounds ? t->heads : t->spilledRounds;
  if (t->residentSequences < sequences && t->spillSlot < 0)
    return gcimCEmitUnsupported(state, write,
                                "sequences beyond gcim.resident_sequences need a gcim.spill_slot");
  const GcimFloorplan *f = &state->options->hw->floorplan;
  if (t->residentSequences < sequences && !(f->spillBytesPerNs > 0.0))
    return gcimCEmitUnsupported(state, write,
                                "it reloads through gcim.spill_slot but the hardware has no "
                                "spill memory (floorplan.spillBytesPerNs is 0)");
  if (t->transferBytes > 0 && !(f->linkBytesPerNs > 0.0))
    return gcimCEmitUnsupported(state, write,
                                "gcim.transfer_bytes crosses a link but the hardware has none "
                                "(floorplan.linkBytesPerNs is 0)");
  if (t->rounds < 1 || t->chip < 0 || t->transferBytes < 0 || t->residentSequences < 0 ||
      t->sequenceStride < 0)
    return gcimCEmitUnsupported(state, write,
                                "gcim.periphery_rounds must be at least 1, gcim.chip, "
                                "gcim.resident_sequences, gcim.sequence_stride and "
                                "gcim.transfer_bytes not negative");
  return true;
}

/* The layer's command table from its ops; false after a diagnostic. */
static bool readCommands(EmitState *state, const GcimTileLayer *l, int64_t heads, int64_t dim,
                         int64_t sequences, TileCommandTable *t) {
  const GcimHardware *hw = state->options->hw;
  int64_t window = 0, tokenTiles = 0, dimTiles = 0;
  gcimOpGetIntAttr(l->write, "window", &window);
  gcimOpGetIntAttr(l->write, "token_tiles", &tokenTiles);
  gcimOpGetIntAttr(l->write, "dim_tiles", &dimTiles);
  gcimOpGetIntAttr(l->write, "layer", &t->layer);
  if (!gcimOpGetIntAttr(l->write, "gcim.first_sub_tile", &t->firstSubTile) || t->firstSubTile < 0)
    return gcimCEmitUnsupported(state, l->write, "its layer has no sub-tiles (run gcim-schedule)");
  if (window < 1 || window > hw->window)
    return gcimCEmitUnsupported(state, l->write,
                                "its window is longer than the hardware's (use "
                                "--attention=digital)");
  GcimHardware layerHw = *hw;
  layerHw.window = (int32_t)window;
  t->subTilesPerHead = gcimHardwareSubTilesPerHead(&layerHw, dim);
  t->heads = heads;
  if (tokenTiles * dimTiles != t->subTilesPerHead)
    return gcimCEmitUnsupported(state, l->write,
                                "token_tiles x dim_tiles is not the sub-tiles a head of its "
                                "window and head dim takes");
  if (!readSchedule(state, l->write, sequences, t))
    return false;
  if (gcimCEmitPlacedEnd(t, sequences) > (1 << 30))
    return gcimCEmitUnsupported(state, l->write, "its sub-tiles lie beyond 2^30");
  MlirOperation timed[GCIM_TILE_OP_COUNT] = {l->write,         l->firstProduct, l->chargeToPulse,
                                             l->secondProduct, l->readout,      l->adderTree};
  for (int o = 0; o < GCIM_TILE_OP_COUNT; ++o)
    t->startNs[o] = attrFloat(timed[o], "gcim.start_ns");
  t->tokenPeriodNs = tokenPeriod(l->write);
  for (int i = 0; i < 4; ++i)
    if (!readScaler(state, l->scalers[i], &t->scalers[i]))
      return false;
  return readQuantizer(state, l->quantizeQ, hw->query.levels, hw->query.max, &t->q) &&
         readQuantizer(state, l->quantizeK, hw->kv.levels, hw->kv.max, &t->k) &&
         readQuantizer(state, l->quantizeV, hw->kv.levels, hw->kv.max, &t->v) &&
         checkChipSide(state, l, hw) && checkPlacement(state, l->write, t, sequences);
}

/* A scaler's value from its constant (the (heads, 8) table), row `row`, column `column`. */
static bool scalerValue(MlirOperation scaler, int64_t row, int64_t column, float *value) {
  MlirValue scales = mlirOperationGetOperand(scaler, 1);
  if (!mlirValueIsAOpResult(scales))
    return false;
  MlirAttribute attr = mlirOperationGetAttributeByName(mlirOpResultGetOwner(scales),
                                                       mlirStringRefCreateFromCString("value"));
  if (mlirAttributeIsNull(attr) || !mlirAttributeIsADenseElements(attr))
    return false;
  bool splat = mlirDenseElementsAttrIsSplat(attr);
  *value = mlirDenseElementsAttrGetFloatValue(attr, splat ? 0 : (intptr_t)(row * 8 + column));
  return true;
}

/* --gqa=share: the group's query heads share one write, so they must scale k and v alike
 * (the stored voltages depend on it); nothing spilled, on shared periphery or moved. */
static bool checkShared(EmitState *state, const GcimTileLayer *l, const TileCommandTable *t,
                        int64_t heads) {
  if (t->spillSlot >= 0 || t->rounds > 1 || t->transferBytes > 0)
    return gcimCEmitUnsupported(state, l->write,
                                "--gqa=share with a spill slot, shared periphery rounds or a link "
                                "transfer is not simulated; use --gqa=replicate");
  for (int s = 1; s <= 2; ++s) { /* k, v */
    const TileScalerSource *source = &t->scalers[s];
    for (int64_t h = 0; source->present && h < heads; ++h) {
      int64_t lead = h / t->kvGroup * t->kvGroup;
      float a[4];
      if (!scalerValue(l->scalers[s], lead % source->rows, source->aIndex, &a[0]) ||
          !scalerValue(l->scalers[s], lead % source->rows, source->bIndex, &a[1]) ||
          !scalerValue(l->scalers[s], h % source->rows, source->aIndex, &a[2]) ||
          !scalerValue(l->scalers[s], h % source->rows, source->bIndex, &a[3]))
        return gcimCEmitUnsupported(state, l->scalers[s],
                                    "--gqa=share needs its scales as a dense constant");
      if (a[0] != a[2] || a[1] != a[3]) {
        char why[200];
        snprintf(why, sizeof why,
                 "--gqa=share: query heads %lld and %lld of layer %lld share a K/V write but "
                 "their %s scalers differ; use --gqa=replicate",
                 (long long)lead, (long long)h, (long long)t->layer, s == 1 ? "k" : "v");
        return gcimCEmitUnsupported(state, l->write, why);
      }
    }
  }
  return true;
}

/* A shared layer's call (gcimSimHeadsStepShared, or gcimSimHeadsRunShared over `batch`
 * sequences of `tokens`) after each query head's scalers as its command table gives them
 * (PREFIX_set_layer_error does not compare it: its heads are not one per query head). */
static void emitShared(EmitState *state, const TileCommandTable *t, bool streamed, int64_t first,
                       int64_t count, int64_t batch, int64_t tokens, int64_t dim,
                       const ValueInfo *q, const ValueInfo *k, const ValueInfo *v,
                       const ValueInfo *y) {
  FILE *out = state->body;
  int64_t group = t->kvGroup, queries = count * group, heads = t->heads * group;
  fprintf(out,
          "  {\n    float gqa_scalers[%lld];\n    for (int h = 0; h < %lld; ++h) {\n"
          "      float *row = gqa_scalers + 8 * h;\n"
          "      for (int i = 0; i < 8; ++i)\n        row[i] = i %% 2 ? 0.0f : 1.0f;\n",
          (long long)(8 * queries), (long long)queries);
  for (int i = 0; i < 4; ++i) {
    const TileScalerSource *source = &t->scalers[i];
    for (int b = 0; source->present && b < 2; ++b)
      fprintf(
          out,
          "      row[%d] = ((const float *)(s->weights + %llu))[8 * (h %% %lld %% %lld) + %lld];\n",
          2 * i + b, (unsigned long long)source->offset, (long long)heads, (long long)source->rows,
          (long long)(b ? source->bIndex : source->aIndex));
  }
  fputs("    }\n", out);
  fprintf(out, "    gcimSimHeads%sShared(HEAD_POOL, s->heads + %lld, %lld, %lld, ",
          streamed ? "Step" : "Run", (long long)first, (long long)count, (long long)group);
  if (!streamed)
    fprintf(out, "%lld, %lld, ", (long long)batch, (long long)tokens);
  fprintf(out, "%lld, gqa_scalers, %s, %s, %s, %s);\n  }\n", (long long)dim, q->name, k->name,
          v->name, y->name);
}

bool gcimCEmitTileLayer(EmitState *state, MlirOperation op) {
  GcimTileLayer l;
  const char *why = gcimTileLayerMatch(op, &l);
  if (why)
    return gcimCEmitUnsupported(state, op, why);
  ValueInfo *q = gcimCEmitLookup(state, l.q), *k = gcimCEmitLookup(state, l.k);
  ValueInfo *v = gcimCEmitLookup(state, l.v), *y = gcimCEmitResult(state, op, 0);
  gcimCEmitRef(state, q);
  gcimCEmitRef(state, k);
  gcimCEmitRef(state, v);
  if (q->elem != GCIM_ELEM_F32 || k->elem != GCIM_ELEM_F32 || v->elem != GCIM_ELEM_F32 ||
      q->rank != 4 || k->rank != 4 || v->rank != 4)
    return gcimCEmitUnsupported(state, op, "only float32 (batch, heads, tokens, dim) is supported");
  int64_t batch = q->dims[0], heads = q->dims[1], tokens = q->dims[2], dim = q->dims[3];
  if (k->dims[1] != heads || k->dims[2] != tokens || k->dims[3] != dim || v->dims[3] != dim)
    return gcimCEmitUnsupported(state, op,
                                "the gain cells need self-attention with as many queries as "
                                "keys, one K/V head per query head and equal q/k/v head dims");
  int64_t kvGroup = 1; /* --gqa=share: a K/V head per `kvGroup` query heads */
  gcimOpGetIntAttr(l.write, "gcim.kv_group", &kvGroup);
  if (kvGroup < 1 || heads % kvGroup)
    return gcimCEmitUnsupported(state, l.write, "gcim.kv_group must divide the query heads");
  int64_t streamed = 0;
  gcimOpGetIntAttr(l.write, "streamed", &streamed);
  TileCommandTable table = {0};
  if (!readCommands(state, &l, heads / kvGroup, dim, streamed ? batch : 1, &table))
    return false;
  table.kvGroup = kvGroup;
  if (kvGroup > 1 && !checkShared(state, &l, &table, heads))
    return false;
  if (!streamed && tokens > state->contextCapacity) /* PREFIX_step holds as many tokens */
    state->contextCapacity = tokens;
  MlirStringRef kind = {"softmax", 7};
  int64_t modelWindow = 0;
  gcimOpGetStringAttr(l.write, "gcim.kind", &kind);
  gcimOpGetIntAttr(l.write, "gcim.model_window", &modelWindow);
  if (streamed && !gcimCEmitBoundSimulatedStep(state, l.write,
                                               gcimStringRefEquals(kind, "gaincell"), modelWindow))
    return false;
  int64_t kvHeads = heads / kvGroup, first = state->simHeads, window = 0;
  int64_t count = streamed ? batch * kvHeads : kvHeads;
  gcimOpGetIntAttr(l.write, "window", &window);
  if (!gcimCEmitAddHeadGroup(state, count, kvHeads, dim, window, NULL, 1.0))
    return false;
  SimHeadGroup *group = &state->headGroups[state->headGroupCount - 1];
  group->fromTiles = true;
  group->tiles = table;
  fprintf(state->body, "  /* layer %lld: %lld heads on sub-tiles %lld .. %lld */\n",
          (long long)table.layer, (long long)kvHeads, (long long)table.firstSubTile,
          (long long)(table.firstSubTile + kvHeads * table.subTilesPerHead - 1));
  if (kvGroup > 1)
    emitShared(state, &table, streamed, first, count, batch, tokens, dim, q, k, v, y);
  else if (streamed)
    gcimCEmitSimHeadsStep(state, first, count, dim, q, k, v, y);
  else
    gcimCEmitSimHeadsRun(state, first, heads, batch, tokens, dim, q, k, v, y);
  return true;
}
