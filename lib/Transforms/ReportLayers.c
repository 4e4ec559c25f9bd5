/* ReportLayers.c: collecting a module's attention layers and costing them per token.
 *
 * Shared by gcim-schedule (per-op costs) and the report (per head, layer and totals) so
 * the two never disagree. The cost table (docs/HardwareModel.md section 3) gives per head and
 * token: the first product with charge-to-pulse and the second product per 64x64 array,
 * digital control per head, the DAC per written value, and 65 ns of latency. */
#include "ReportLayers.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copyString(MlirOperation op, const char *name, char *buf, size_t size) {
  MlirStringRef value;
  buf[0] = '\0';
  if (gcimOpGetStringAttr(op, name, &value))
    snprintf(buf, size, "%.*s", (int)value.length, value.data);
}

static void readWrite(MlirOperation op, GcimLayerInfo *info) {
  MlirType k = mlirValueGetType(mlirOperationGetOperand(op, 0));
  int64_t streamed = 0;
  info->op = op;
  info->analog = true;
  info->heads = gcimSafeDim(k, 1) > 0 ? gcimSafeDim(k, 1) : 0;
  info->headDim = gcimSafeDim(k, 3) > 0 ? gcimSafeDim(k, 3) : 0;
  gcimOpGetIntAttr(op, "layer", &info->layer);
  gcimOpGetIntAttr(op, "token_tiles", &info->tokenTiles);
  gcimOpGetIntAttr(op, "dim_tiles", &info->dimTiles);
  gcimOpGetIntAttr(op, "window", &info->window);
  gcimOpGetIntAttr(op, "streamed", &streamed);
  info->streamed = streamed != 0;
  info->batch = gcimSafeDim(k, 0) > 0 ? gcimSafeDim(k, 0) : 1;
  if (!info->streamed) {
    info->runBatch = gcimSafeDim(k, 0) > 0 ? gcimSafeDim(k, 0) : 0;
    info->runTokens = gcimSafeDim(k, 2) > 0 ? gcimSafeDim(k, 2) : 0;
  }
  info->firstSubTile = -1;
  gcimOpGetIntAttr(op, "gcim.first_sub_tile", &info->firstSubTile);
  info->kvGroup = 1;
  gcimOpGetIntAttr(op, "gcim.kv_group", &info->kvGroup);
  if (info->kvGroup < 1 || info->heads % info->kvGroup != 0)
    info->kvGroup = 1; /* gcim-map-attention never writes that */
  copyString(op, "gcim.kind", info->kind, sizeof info->kind);
  copyString(op, "gcim.warning", info->warning, sizeof info->warning);
  copyString(op, "gcim.gqa", info->gqa, sizeof info->gqa);
}

static void readDigital(MlirOperation op, int64_t order, GcimLayerInfo *info) {
  MlirType q = mlirValueGetType(mlirOperationGetOperand(op, 0));
  info->op = op;
  info->analog = false;
  info->streamed = gcimOpIsA(op, "gcim.attention_step");
  info->heads = gcimSafeDim(q, 1) > 0 ? gcimSafeDim(q, 1) : 0;
  info->headDim = gcimSafeDim(q, 3) > 0 ? gcimSafeDim(q, 3) : 0;
  info->layer = order;
  info->kvGroup = 1;
  info->firstSubTile = -1;
  if (!gcimOpGetIntAttr(op, "gcim.layer", &info->layer))
    gcimOpGetIntAttr(op, "layer", &info->layer);
  gcimOpGetIntAttr(op, "window", &info->window);
  copyString(op, "kind", info->kind, sizeof info->kind);
}

typedef struct Collector {
  GcimLayerInfo *layers;
  int64_t count, capacity, digitalOrder;
  bool oom;
} Collector;

static void addLayer(Collector *c, const GcimLayerInfo *info) {
  for (int64_t i = 0; i < c->count; ++i)
    if (c->layers[i].layer == info->layer) {
      GcimLayerInfo *known = &c->layers[i];
      int64_t batch = known->runBatch ? known->runBatch : info->runBatch;
      int64_t tokens = known->runTokens ? known->runTokens : info->runTokens;
      if (info->streamed && !known->streamed)
        *known = *info;
      known->runBatch = batch; /* the full-sequence form's run, kept for the report */
      known->runTokens = tokens;
      return;
    }
  if (c->count == c->capacity) {
    int64_t capacity = c->capacity ? 2 * c->capacity : 16;
    GcimLayerInfo *grown = realloc(c->layers, (size_t)capacity * sizeof *grown);
    if (!grown) {
      c->oom = true;
      return;
    }
    c->layers = grown;
    c->capacity = capacity;
  }
  c->layers[c->count++] = *info;
}

static MlirWalkResult collectLayer(MlirOperation op, void *userData) {
  Collector *c = userData;
  GcimLayerInfo info;
  memset(&info, 0, sizeof info);
  if (gcimOpIsA(op, "gcim.kv_write"))
    readWrite(op, &info);
  else if (gcimOpIsA(op, "gcim.attention") || gcimOpIsA(op, "gcim.attention_step"))
    readDigital(op, c->digitalOrder++, &info);
  else
    return MlirWalkResultAdvance;
  addLayer(c, &info);
  return c->oom ? MlirWalkResultInterrupt : MlirWalkResultAdvance;
}

static int byLayer(const void *a, const void *b) {
  const GcimLayerInfo *x = a, *y = b;
  return (x->layer > y->layer) - (x->layer < y->layer);
}

int64_t gcimCollectLayers(MlirOperation module, GcimLayerInfo **layers) {
  Collector c = {NULL, 0, 0, 0, false};
  mlirOperationWalk(module, collectLayer, &c, MlirWalkPreOrder);
  if (c.oom) {
    free(c.layers);
    *layers = NULL;
    return -1;
  }
  if (c.count > 1)
    qsort(c.layers, (size_t)c.count, sizeof *c.layers, byLayer);
  *layers = c.layers;
  return c.count;
}

static int64_t groupOf(const GcimLayerInfo *layer) {
  return layer->kvGroup > 1 ? layer->kvGroup : 1;
}

int64_t gcimLayerArrayHeads(const GcimLayerInfo *layer) { return layer->heads / groupOf(layer); }

void gcimHeadCost(const GcimHardware *hw, const GcimLayerInfo *layer, double *latencyNs,
                  double *energyPJ) {
  const GcimCostTable *cost = &hw->cost;
  double arrays = (double)(layer->tokenTiles * layer->dimTiles);
  double group = (double)groupOf(layer); /* query heads in turn on one K/V array pair */
  *latencyNs = layer->analog ? group * cost->headTokenLatencyNs : 0.0;
  *energyPJ = !layer->analog
                  ? 0.0
                  : arrays * (cost->firstProductPerArrayPJ + cost->secondProductPerArrayPJ) +
                        cost->digitalPerHeadTokenPJ +
                        2.0 * (double)layer->headDim * cost->dacPerValuePJ / group;
}

void gcimTileOpCost(const GcimHardware *hw, const GcimLayerInfo *layer, MlirOperation op,
                    double *latencyNs, double *energyPJ) {
  const GcimCostTable *cost = &hw->cost;
  double heads = (double)layer->heads, group = (double)groupOf(layer);
  double arrays = (double)(layer->tokenTiles * layer->dimTiles);
  double pulse = group * hw->pulseMaxNs; /* under share, the group's turns */
  *latencyNs = 0.0;
  *energyPJ = 0.0;
  if (gcimOpIsA(op, "gcim.kv_write")) {
    *energyPJ =
        (double)gcimLayerArrayHeads(layer) * 2.0 * (double)layer->headDim * cost->dacPerValuePJ;
  } else if (gcimOpIsA(op, "gcim.qk_product")) {
    *latencyNs = pulse;
    *energyPJ = heads * arrays * cost->firstProductPerArrayPJ;
  } else if (gcimOpIsA(op, "gcim.pv_product")) {
    *latencyNs = pulse;
    *energyPJ = heads * arrays * cost->secondProductPerArrayPJ;
  } else if (gcimOpIsA(op, "gcim.adder_tree")) {
    double rest = cost->headTokenLatencyNs - 2.0 * hw->pulseMaxNs;
    *latencyNs = rest > 0.0 ? group * rest : 0.0;
    *energyPJ = heads * cost->digitalPerHeadTokenPJ;
  }
}
