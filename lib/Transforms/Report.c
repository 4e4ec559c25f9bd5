/* Report.c: the cost report (JSON and a short table) of a module mapped onto gain cells.
 *
 * Per layer and per head: mapping (analog or digital), kind, sub-tiles (and the first
 * physical one once gcim-schedule assigned them), latency and energy per token from the
 * cost model; totals per token (heads in parallel, layers in sequence); the GPU rows of
 * hardware-model.md section 3 as ratios against the same 12-head layer on this hardware;
 * warnings; attention left unfused with the reason (the gcim.unfused attributes). */
#include "gcim/Transforms/Report.h"

#include "PassUtils.h"
#include "ReportLayers.h"

#include "gcim/Support/HardwareJson.h"
#include "gcim/Support/IRHelpers.h"

#include <stdlib.h>
#include <string.h>

typedef struct Totals {
  int64_t subTiles;
  double latencyNs, energyPJ;
} Totals;

static Totals computeTotals(const GcimHardware *hw, const GcimLayerInfo *layers,
                            int64_t count) {
  Totals t = {0, 0.0, 0.0};
  for (int64_t i = 0; i < count; ++i) {
    if (!layers[i].analog)
      continue;
    double latency, energy;
    gcimHeadCost(hw, &layers[i], &latency, &energy);
    t.subTiles += layers[i].heads * layers[i].tokenTiles * layers[i].dimTiles;
    t.latencyNs += latency; /* heads in parallel, layers in sequence */
    t.energyPJ += energy * (double)layers[i].heads;
  }
  return t;
}

static void writeString(FILE *out, const char *text) {
  fputc('"', out);
  for (const char *c = text; *c; ++c) {
    if (*c == '"' || *c == '\\')
      fputc('\\', out);
    if ((unsigned char)*c >= 0x20)
      fputc(*c, out);
  }
  fputc('"', out);
}

static void writeHeads(FILE *out, const GcimHardware *hw, const GcimLayerInfo *layers,
                       int64_t count) {
  fprintf(out, "  \"heads\": [");
  const char *separator = "\n";
  for (int64_t i = 0; i < count; ++i) {
    const GcimLayerInfo *l = &layers[i];
    double latency, energy;
    gcimHeadCost(hw, l, &latency, &energy);
    int64_t perHead = l->analog ? l->tokenTiles * l->dimTiles : 0;
    for (int64_t h = 0; h < l->heads; ++h) {
      fprintf(out, "%s    {\"layer\": %lld, \"head\": %lld, \"mapping\": \"%s\", \"kind\": ",
              separator, (long long)l->layer, (long long)h, l->analog ? "analog" : "digital");
      writeString(out, l->kind);
      fprintf(out, ", \"head_dim\": %lld, \"window\": %lld, \"token_tiles\": %lld, "
                   "\"dim_tiles\": %lld, \"sub_tiles\": %lld, \"first_sub_tile\": %lld, "
                   "\"latency_ns\": %.6g, \"energy_nj\": %.6g}",
              (long long)l->headDim, (long long)l->window, (long long)l->tokenTiles,
              (long long)l->dimTiles, (long long)perHead,
              l->firstSubTile < 0 ? -1LL : (long long)(l->firstSubTile + h * perHead),
              latency, energy / 1000.0);
      separator = ",\n";
    }
  }
  fprintf(out, "\n  ],\n");
}

static void writeLayers(FILE *out, const GcimHardware *hw, const GcimLayerInfo *layers,
                        int64_t count) {
  fprintf(out, "  \"layer_count\": %lld,\n  \"layers\": [", (long long)count);
  for (int64_t i = 0; i < count; ++i) {
    const GcimLayerInfo *l = &layers[i];
    double latency, energy;
    gcimHeadCost(hw, l, &latency, &energy);
    fprintf(out, "%s\n    {\"layer\": %lld, \"mapping\": \"%s\", \"kind\": ", i ? "," : "",
            (long long)l->layer, l->analog ? "analog" : "digital");
    writeString(out, l->kind);
    fprintf(out, ", \"heads\": %lld, \"head_dim\": %lld, \"streamed\": %s, \"sub_tiles\": "
                 "%lld, \"latency_ns\": %.6g, \"energy_nj\": %.6g}",
            (long long)l->heads, (long long)l->headDim, l->streamed ? "true" : "false",
            (long long)(l->analog ? l->heads * l->tokenTiles * l->dimTiles : 0), latency,
            energy * (double)l->heads / 1000.0);
  }
  fprintf(out, "\n  ],\n");
}

/* hardware-model.md section 3: the paper's GPU figures are for one 12-head layer (head
 * dim 64) at 1,024 tokens, per token. The gain-cell side is that same layer on this
 * hardware description, not the compiled model's layer, so the ratios compare equal work
 * whatever the model's heads and head dims. */
static void writeGpuComparison(FILE *out, const GcimHardware *hw) {
  static const struct {
    const char *device;
    double latencyUs, energyMJ, latencyRatio, energyRatio;
  } rows[] = {{"Jetson Nano", 488.9, 3.246, 0, 0},
              {"RTX 4090", 22.37, 7.178, 0, 0},
              {"H100", 0, 0, 100.0, 70000.0}};
  enum { REFERENCE_HEADS = 12, REFERENCE_HEAD_DIM = 64 };
  /* 1,024 tokens fill a window of 1,024 or more (or an unbounded one, window 0). */
  int64_t tokens = hw->window > 0 && hw->window < 1024 ? hw->window : 1024;
  GcimLayerInfo reference = {.heads = REFERENCE_HEADS, .headDim = REFERENCE_HEAD_DIM,
                             .window = tokens, .analog = true};
  reference.tokenTiles = (tokens + hw->arrayRows - 1) / hw->arrayRows;
  reference.dimTiles = (REFERENCE_HEAD_DIM + hw->arrayCols - 1) / hw->arrayCols;
  double layerNs, headPJ;
  gcimHeadCost(hw, &reference, &layerNs, &headPJ); /* heads in parallel */
  double layerNJ = headPJ * REFERENCE_HEADS / 1000.0;
  fprintf(out, "  \"gpu_comparison\": {\"reference\": \"one 12-head layer, head dim 64, at "
               "1024 tokens, attention kernel plus cache write, batch 64, per token; the "
               "gain-cell figures are that layer on this hardware\", "
               "\"gain_cell_layer_latency_ns\": %.6g, \"gain_cell_layer_energy_nj\": %.6g, "
               "\"rows\": [",
          layerNs, layerNJ);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; ++i) {
    double lr = rows[i].latencyRatio, er = rows[i].energyRatio;
    if (lr == 0.0 && layerNs > 0.0)
      lr = rows[i].latencyUs * 1000.0 / layerNs;
    if (er == 0.0 && layerNJ > 0.0)
      er = rows[i].energyMJ * 1e6 / layerNJ;
    fprintf(out, "%s\n    {\"device\": \"%s\", \"latency_ratio\": %.6g, \"energy_ratio\": "
                 "%.6g",
            i ? "," : "", rows[i].device, lr, er);
    if (rows[i].latencyUs > 0.0)
      fprintf(out, ", \"gpu_latency_us\": %.6g, \"gpu_energy_mj\": %.6g", rows[i].latencyUs,
              rows[i].energyMJ);
    else
      fprintf(out, ", \"note\": \"ratios as reported by the paper\"");
    fputc('}', out);
  }
  fprintf(out, "\n  ]},\n");
}

static MlirWalkResult writeUnfused(MlirOperation op, void *userData) {
  FILE **state = userData;
  MlirStringRef reason;
  if (!gcimOpGetStringAttr(op, "gcim.unfused", &reason))
    return MlirWalkResultAdvance;
  FILE *out = state[0];
  char node[128], name[64], text[512];
  gcimLocationName(mlirOperationGetLocation(op), node, sizeof node);
  MlirStringRef opName = mlirIdentifierStr(mlirOperationGetName(op));
  snprintf(name, sizeof name, "%.*s", (int)opName.length, opName.data);
  snprintf(text, sizeof text, "%.*s", (int)reason.length, reason.data);
  fprintf(out, "%s\n    {\"op\": ", state[1] ? "," : "");
  writeString(out, name);
  fprintf(out, ", \"node\": ");
  writeString(out, node);
  fprintf(out, ", \"reason\": ");
  writeString(out, text);
  fputc('}', out);
  state[1] = out; /* non-null: a separator is needed from now on */
  return MlirWalkResultAdvance;
}

/* Functions gcim-stream could not stream, with the reason. */
static MlirWalkResult writeUnstreamed(MlirOperation op, void *userData) {
  FILE **state = userData;
  MlirStringRef reason;
  if (!gcimOpGetStringAttr(op, "gcim.unstreamed", &reason))
    return MlirWalkResultAdvance;
  FILE *out = state[0];
  char name[128], text[512];
  MlirStringRef symbol;
  if (!gcimOpGetStringAttr(op, "sym_name", &symbol))
    symbol = mlirStringRefCreateFromCString("");
  snprintf(name, sizeof name, "%.*s", (int)symbol.length, symbol.data);
  snprintf(text, sizeof text, "%.*s", (int)reason.length, reason.data);
  fprintf(out, "%s\n    {\"function\": ", state[1] ? "," : "");
  writeString(out, name);
  fprintf(out, ", \"reason\": ");
  writeString(out, text);
  fputc('}', out);
  state[1] = out;
  return MlirWalkResultAdvance;
}

static void writeWarnings(FILE *out, const GcimLayerInfo *layers, int64_t count) {
  fprintf(out, "  \"warnings\": [");
  bool first = true;
  for (int64_t i = 0; i < count; ++i) {
    if (!layers[i].warning[0])
      continue;
    char text[320];
    snprintf(text, sizeof text, "layer %lld: %s", (long long)layers[i].layer,
             layers[i].warning);
    fprintf(out, "%s\n    ", first ? "" : ",");
    writeString(out, text);
    first = false;
  }
  fprintf(out, "\n  ],\n");
}

GcimStatus gcimReportWriteJson(MlirOperation module, const GcimHardware *hw, FILE *out,
                               char **errMsg) {
  GcimLayerInfo *layers;
  int64_t count = gcimCollectLayers(module, &layers);
  if (count < 0)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  Totals t = computeTotals(hw, layers, count);
  fputs("{\n  \"hardware\": ", out); /* the whole description, as --hw files hold it */
  gcimHardwareWriteJson(out, hw);
  fputs("  ,\n", out);
  fprintf(out, "  \"sub_tiles\": %lld,\n", (long long)t.subTiles);
  fprintf(out, "  \"per_token\": {\"attention_energy_nj\": %.6g, \"attention_latency_ns\": "
               "%.6g, \"attention_energy_uj\": %.6g, \"attention_latency_us\": %.6g},\n",
          t.energyPJ / 1000.0, t.latencyNs, t.energyPJ / 1e6, t.latencyNs / 1000.0);
  writeLayers(out, hw, layers, count);
  writeHeads(out, hw, layers, count);
  writeGpuComparison(out, hw);
  writeWarnings(out, layers, count);
  fprintf(out, "  \"unfused\": [");
  FILE *state[2] = {out, NULL};
  mlirOperationWalk(module, writeUnfused, state, MlirWalkPreOrder);
  fprintf(out, "\n  ],\n  \"unstreamed\": [");
  state[1] = NULL;
  mlirOperationWalk(module, writeUnstreamed, state, MlirWalkPreOrder);
  fprintf(out, "\n  ]\n}\n");
  free(layers);
  if (ferror(out))
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot write the report");
  return GCIM_OK;
}

GcimStatus gcimReportPrintTable(MlirOperation module, const GcimHardware *hw, FILE *out,
                                char **errMsg) {
  GcimLayerInfo *layers;
  int64_t count = gcimCollectLayers(module, &layers);
  if (count < 0)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  fprintf(out, "%-6s %-8s %-12s %5s %4s %9s %11s %11s\n", "layer", "mapping", "kind",
          "heads", "d", "sub-tiles", "latency/ns", "energy/nJ");
  for (int64_t i = 0; i < count; ++i) {
    const GcimLayerInfo *l = &layers[i];
    double latency, energy;
    gcimHeadCost(hw, l, &latency, &energy);
    fprintf(out, "%-6lld %-8s %-12s %5lld %4lld %9lld %11.4g %11.4g\n", (long long)l->layer,
            l->analog ? "analog" : "digital", l->kind, (long long)l->heads,
            (long long)l->headDim,
            (long long)(l->analog ? l->heads * l->tokenTiles * l->dimTiles : 0), latency,
            energy * (double)l->heads / 1000.0);
  }
  Totals t = computeTotals(hw, layers, count);
  fprintf(out, "total: %lld sub-tiles, %.4g ns and %.4g nJ of attention per token\n",
          (long long)t.subTiles, t.latencyNs, t.energyPJ / 1000.0);
  for (int64_t i = 0; i < count; ++i)
    if (layers[i].warning[0])
      fprintf(out, "warning: layer %lld: %s\n", (long long)layers[i].layer,
              layers[i].warning);
  free(layers);
  if (ferror(out))
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot write the report");
  return GCIM_OK;
}
