/* Report.c: the cost report (JSON and a short table) of a module mapped onto gain cells.
 *
 * The whole hardware description; per layer and per head: mapping (analog or digital),
 * kind, sub-tiles (and the first physical one once gcim-schedule assigned them), latency
 * and energy per token from the cost model; `perToken` (decoding with full windows, its
 * assumptions stated) and `perRun` (one run of the compiled graph) in the stats schema of
 * docs/HardwareModel.md section 5; the schedule with its alternatives (ReportSchedule.c);
 * the GPU comparison (ReportGpu.c); warnings; the padding inputs assumed unpadded
 * (`assumed_unpadded`); attention left unfused with the reason (the gcim.unfused attributes). */
#include "gcim/Transforms/Report.h"

#include "PassUtils.h"
#include "ReportLayers.h"

#include "gcim/Support/HardwareJson.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Support/OutputFile.h"

#include <stdlib.h>
#include <string.h>

typedef struct Totals {
  int64_t subTiles;
  double latencyNs, energyPJ;
} Totals;

static Totals computeTotals(const GcimHardware *hw, const GcimLayerInfo *layers, int64_t count) {
  Totals t = {0, 0.0, 0.0};
  for (int64_t i = 0; i < count; ++i) {
    if (!layers[i].analog)
      continue;
    double latency, energy;
    gcimHeadCost(hw, &layers[i], &latency, &energy);
    t.subTiles += gcimLayerArrayHeads(&layers[i]) * layers[i].tokenTiles * layers[i].dimTiles;
    t.latencyNs += latency; /* heads in parallel, layers in sequence */
    t.energyPJ += energy * (double)layers[i].heads;
  }
  return t;
}

/* Energy by component of the cost model, in picojoules. */
typedef struct Energy {
  double firstProduct, secondProduct, digital, dac;
} Energy;

/* The stats schema's energy object (docs/HardwareModel.md), divided by `divisor`. */
static void writeEnergy(FILE *out, const Energy *e, double divisor) {
  fprintf(out,
          "{\"firstProduct\": %.17g, \"secondProduct\": %.17g, \"digital\": %.17g, "
          "\"dac\": %.17g, \"total\": %.17g}",
          e->firstProduct / divisor, e->secondProduct / divisor, e->digital / divisor,
          e->dac / divisor, (e->firstProduct + e->secondProduct + e->digital + e->dac) / divisor);
}

/* One head attending one token with `arrays` arrays in use, as the simulator counts it. */
static void addHeadStep(const GcimHardware *hw, const GcimLayerInfo *l, int64_t arrays, Energy *e) {
  e->firstProduct += (double)arrays * hw->cost.firstProductPerArrayPJ;
  e->secondProduct += (double)arrays * hw->cost.secondProductPerArrayPJ;
  e->digital += hw->cost.digitalPerHeadTokenPJ;
  e->dac += 2.0 * (double)l->headDim * hw->cost.dacPerValuePJ /
            (double)(l->heads / gcimLayerArrayHeads(l)); /* a shared K/V head's write */
}

/* Per token with every analog layer's window full: the steady state of decoding. */
static void writePerToken(FILE *out, const GcimHardware *hw, const GcimLayerInfo *layers,
                          int64_t count) {
  Energy e = {0, 0, 0, 0};
  double latency = 0.0;
  int64_t headSteps = 0, analog = 0;
  for (int64_t i = 0; i < count; ++i) {
    const GcimLayerInfo *l = &layers[i];
    if (!l->analog)
      continue;
    for (int64_t h = 0; h < l->heads; ++h)
      addHeadStep(hw, l, l->tokenTiles * l->dimTiles, &e);
    double turns, unused; /* heads in parallel (a shared K/V head's in turn) */
    gcimHeadCost(hw, l, &turns, &unused);
    latency += turns; /* layers in sequence */
    headSteps += l->heads;
    ++analog;
  }
  fprintf(out,
          "  \"perToken\": {\"assumptions\": \"%s\", \"analogLayers\": %lld, "
          "\"headSteps\": %lld, \"energyPJ\": ",
          analog ? "decoding with every analog layer's window full (all its token sub-tiles "
                   "read); a layer's heads in parallel, layers in sequence; attention kept "
                   "digital costs nothing here"
                 : "nothing runs on the gain cells: every attention is digital",
          (long long)analog, (long long)headSteps);
  writeEnergy(out, &e, 1.0);
  fprintf(out, ", \"latencyNs\": %.17g},\n", latency);
}

/* The compiled graph's full-sequence run (batch items in order on each head, token t
 * reading the sub-tiles its min(t + 1, window) tokens fill), in the stats schema of the
 * program's --stats after one PREFIX_run; null when a layer has no full-sequence mapping. */
static bool writePerRun(FILE *out, MlirOperation module, const GcimHardware *hw,
                        const GcimLayerInfo *layers, int64_t count) {
  Energy e = {0, 0, 0, 0};
  int64_t tokens = 0, heads = 0, analog = 0, steps = 0, reads = 0, writes = 0, kvWrites = 0;
  double elapsed = 0.0, perStep = hw->cost.headTokenLatencyNs;
  for (int64_t i = 0; i < count; ++i) {
    const GcimLayerInfo *l = &layers[i];
    if (!l->analog)
      continue;
    if (!l->runTokens) {
      fputs("  \"perRun\": null,\n", out);
      return true;
    }
    int64_t run = l->runBatch * l->runTokens, rows = hw->arrayRows;
    for (int64_t t = 0; t < l->runTokens; ++t) {
      int64_t filled = t + 1 < l->window ? t + 1 : l->window;
      int64_t arrays = (filled + rows - 1) / rows * l->dimTiles;
      for (int64_t n = 0; n < l->heads * l->runBatch; ++n)
        addHeadStep(hw, l, arrays, &e);
      reads += 2 * arrays * l->heads * l->runBatch;
    }
    writes += 2 * l->dimTiles * gcimLayerArrayHeads(l) * run;
    kvWrites += gcimLayerArrayHeads(l) * run; /* a shared K/V head's once for its group */
    steps += l->heads * run;
    heads += l->heads;
    elapsed += (double)run * perStep * (double)(l->heads / gcimLayerArrayHeads(l));
    tokens = run > tokens ? run : tokens;
    ++analog;
  }
  double divisor = tokens > 0 ? (double)tokens : 1.0;
  fprintf(out,
          "  \"perRun\": {\"heads\": %lld, \"layers\": %lld, \"tokens\": %lld, "
          "\"headSteps\": %lld, \"kvWrites\": %lld, \"arrayReads\": %lld, "
          "\"arrayWrites\": %lld, \"energyPJ\": ",
          (long long)heads, (long long)analog, (long long)tokens, (long long)steps,
          (long long)kvWrites, (long long)reads, (long long)writes);
  writeEnergy(out, &e, 1.0);
  fprintf(out,
          ", \"latencyNs\": {\"perHeadStep\": %.17g, \"sumOverHeadSteps\": %.17g, "
          "\"elapsed\": %.17g}, \"perToken\": {\"energyPJ\": ",
          perStep, (double)steps * perStep, elapsed);
  writeEnergy(out, &e, divisor);
  fprintf(out, ", \"latencyNs\": %.17g}", elapsed / divisor);
  bool memory = gcimReportWriteRunSchedule(out, module, hw, layers, count);
  fputs("},\n", out);
  return memory;
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
      fprintf(out,
              "%s    {\"layer\": %lld, \"head\": %lld, \"mapping\": \"%s\", \"kind\": ", separator,
              (long long)l->layer, (long long)h, l->analog ? "analog" : "digital");
      writeString(out, l->kind);
      fprintf(out,
              ", \"head_dim\": %lld, \"window\": %lld, \"token_tiles\": %lld, "
              "\"dim_tiles\": %lld, \"sub_tiles\": %lld, \"first_sub_tile\": %lld, "
              "\"latency_ns\": %.6g, \"energy_nj\": %.6g}",
              (long long)l->headDim, (long long)l->window, (long long)l->tokenTiles,
              (long long)l->dimTiles, (long long)perHead,
              l->firstSubTile < 0 ? -1LL
                                  : (long long)(l->firstSubTile +
                                                h / (l->heads / gcimLayerArrayHeads(l)) * perHead),
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
    fprintf(out,
            ", \"heads\": %lld, \"head_dim\": %lld, \"streamed\": %s, \"sub_tiles\": "
            "%lld, \"latency_ns\": %.6g, \"energy_nj\": %.6g, \"energy_pj\": ",
            (long long)l->heads, (long long)l->headDim, l->streamed ? "true" : "false",
            (long long)(l->analog ? gcimLayerArrayHeads(l) * l->tokenTiles * l->dimTiles : 0),
            latency, energy * (double)l->heads / 1000.0);
    Energy components = {0, 0, 0, 0}; /* per token, window full, as perToken counts it */
    for (int64_t h = 0; l->analog && h < l->heads; ++h)
      addHeadStep(hw, l, l->tokenTiles * l->dimTiles, &components);
    writeEnergy(out, &components, 1.0);
    if (l->analog && l->gqa[0]) /* grouped-query: --gqa's choice, heads per K/V array pair */
      fprintf(out, ", \"gqa\": \"%s\", \"kv_group\": %lld", l->gqa, (long long)l->kvGroup);
    fputc('}', out);
  }
  fprintf(out, "\n  ],\n");
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

/* The padding inputs attention was compiled to assume unpadded (gcim.no_padding on a
 * function argument, --padding-mask=unpadded), each once (a step function that still takes
 * one repeats its attributes). */
typedef struct Assumptions {
  FILE *out;
  int written;
  char seen[16][64];
} Assumptions;

static MlirWalkResult writeAssumptions(MlirOperation op, void *userData) {
  Assumptions *state = userData;
  if (!gcimOpIsA(op, "func.func"))
    return MlirWalkResultAdvance;
  intptr_t args = mlirBlockGetNumArguments(mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0)));
  for (intptr_t i = 0; i < args; ++i) {
    MlirAttribute value = gcimFuncIoAttr(op, false, i, "gcim.no_padding");
    MlirAttribute node = gcimFuncIoAttr(op, false, i, "gcim.no_padding_node");
    MlirAttribute name = gcimFuncIoAttr(op, false, i, "onnx.name");
    if (mlirAttributeIsNull(value) || !mlirAttributeIsAInteger(value))
      continue;
    char input[64], nodeName[128], text[128];
    MlirStringRef nameText = !mlirAttributeIsNull(name) && mlirAttributeIsAString(name)
                                 ? mlirStringAttrGetValue(name)
                                 : mlirStringRefCreateFromCString("");
    MlirStringRef nodeText = !mlirAttributeIsNull(node) && mlirAttributeIsAString(node)
                                 ? mlirStringAttrGetValue(node)
                                 : mlirStringRefCreateFromCString("");
    snprintf(input, sizeof input, "%.*s", (int)nameText.length, nameText.data);
    snprintf(nodeName, sizeof nodeName, "%.*s", (int)nodeText.length, nodeText.data);
    bool seen = false;
    for (int k = 0; k < state->written && k < 16 && !seen; ++k)
      seen = strcmp(state->seen[k], input) == 0;
    if (seen)
      continue;
    if (state->written < 16)
      snprintf(state->seen[state->written], sizeof state->seen[0], "%s", input);
    snprintf(text, sizeof text,
             "no padding (all %lld): the program refuses other values, its step function "
             "takes no such input",
             (long long)mlirIntegerAttrGetValueInt(value));
    fprintf(state->out, "%s\n    {\"input\": ", state->written ? "," : "");
    writeString(state->out, input);
    fprintf(state->out, ", \"node\": ");
    writeString(state->out, nodeName);
    fprintf(state->out, ", \"assumes\": ");
    writeString(state->out, text);
    fputc('}', state->out);
    state->written++;
  }
  return MlirWalkResultAdvance;
}

static void writeWarnings(FILE *out, const GcimLayerInfo *layers, int64_t count) {
  fprintf(out, "  \"warnings\": [");
  bool first = true;
  for (int64_t i = 0; i < count; ++i) {
    if (!layers[i].warning[0])
      continue;
    char text[320];
    snprintf(text, sizeof text, "layer %lld: %s", (long long)layers[i].layer, layers[i].warning);
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
  writePerToken(out, hw, layers, count);
  bool memory = writePerRun(out, module, hw, layers, count);
  writeLayers(out, hw, layers, count);
  writeHeads(out, hw, layers, count);
  memory = gcimReportWriteSchedule(out, module, hw, layers, count) && memory;
  gcimReportWriteGpuComparison(out, hw);
  writeWarnings(out, layers, count);
  fprintf(out, "  \"assumed_unpadded\": [");
  Assumptions assumptions = {out, 0, {{0}}};
  mlirOperationWalk(module, writeAssumptions, &assumptions, MlirWalkPreOrder);
  fprintf(out, "\n  ],\n  \"unfused\": [");
  FILE *state[2] = {out, NULL};
  mlirOperationWalk(module, writeUnfused, state, MlirWalkPreOrder);
  fprintf(out, "\n  ],\n  \"unstreamed\": [");
  state[1] = NULL;
  mlirOperationWalk(module, writeUnstreamed, state, MlirWalkPreOrder);
  fprintf(out, "\n  ]\n}\n");
  free(layers);
  if (!memory)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
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
  fprintf(out, "%-6s %-8s %-12s %5s %4s %9s %11s %11s\n", "layer", "mapping", "kind", "heads", "d",
          "sub-tiles", "latency/ns", "energy/nJ");
  for (int64_t i = 0; i < count; ++i) {
    const GcimLayerInfo *l = &layers[i];
    double latency, energy;
    gcimHeadCost(hw, l, &latency, &energy);
    fprintf(out, "%-6lld %-8s %-12s %5lld %4lld %9lld %11.4g %11.4g\n", (long long)l->layer,
            l->analog ? "analog" : "digital", l->kind, (long long)l->heads, (long long)l->headDim,
            (long long)(l->analog ? gcimLayerArrayHeads(l) * l->tokenTiles * l->dimTiles : 0),
            latency, energy * (double)l->heads / 1000.0);
  }
  Totals t = computeTotals(hw, layers, count);
  fprintf(out,
          "total: %lld sub-tiles, %.4g ns and %.4g nJ of attention per token (windows "
          "full, a layer's heads in parallel)\n",
          (long long)t.subTiles, t.latencyNs, t.energyPJ / 1000.0);
  bool memory = gcimReportPrintSchedule(out, module, hw, layers, count);
  for (int64_t i = 0; i < count; ++i)
    if (layers[i].warning[0])
      fprintf(out, "warning: layer %lld: %s\n", (long long)layers[i].layer, layers[i].warning);
  free(layers);
  if (!memory)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  if (ferror(out))
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot write the report");
  return GCIM_OK;
}

GcimStatus gcimReportWriteFiles(MlirOperation module, const GcimHardware *hw, FILE *table,
                                const char *jsonPath, char **errMsg) {
  GcimStatus status = table ? gcimReportPrintTable(module, hw, table, errMsg) : GCIM_OK;
  if (status != GCIM_OK || !jsonPath)
    return status;
  GcimOutputFile *file = NULL;
  status = gcimOutputFileCreate(jsonPath, &file, errMsg);
  if (status != GCIM_OK)
    return status;
  status = gcimReportWriteJson(module, hw, gcimOutputFileGetStream(file), errMsg);
  if (status != GCIM_OK) {
    gcimOutputFileDestroy(file);
    return status;
  }
  return gcimOutputFileCommit(file, errMsg);
}
