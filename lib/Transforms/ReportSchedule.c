/* ReportSchedule.c: the report's `schedule`: what gcim-schedule chose and the alternatives.
 *
 * The alternatives are computed again with the objective and budget gcim-schedule recorded
 * on the module (latency and none when it did not run), by the same cost model
 * (SchedulePlan.c), so the report lists exactly what the pass weighed. */
#include "ReportLayers.h"
#include "SchedulePlan.h"

#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include <stdlib.h>
#include <string.h>

/* What gcim-schedule weighed, again: the objective and budget it recorded on the module
 * (latency and none when it did not run) and the alternatives (malloc'ed). */
typedef struct Weighed {
  GcimGoal goal;
  bool scheduled; /* gcim-schedule ran */
  GcimSchedule *alternatives;
  int64_t count, best;
} Weighed;

/* A string attribute of the module into `text` (at most `size` bytes); false when absent. */
static bool moduleString(MlirOperation module, const char *name, char *text, size_t size) {
  MlirStringRef value;
  if (!gcimOpGetStringAttr(module, name, &value) || value.length >= size)
    return false;
  memcpy(text, value.data, value.length);
  text[value.length] = '\0';
  return true;
}

static bool weigh(MlirOperation module, const GcimHardware *hw, const GcimLayerInfo *layers,
                  int64_t count, Weighed *w) {
  char text[160], why[160];
  memset(&w->goal, 0, sizeof w->goal);
  if (moduleString(module, "gcim.schedule_objective", text, sizeof text))
    gcimObjectiveParse(text, &w->goal.objective);
  if (w->goal.objective == GCIM_OBJECTIVE_WEIGHTED &&
      (!moduleString(module, "gcim.schedule_weights", text, sizeof text) ||
       !gcimScheduleWeightsParse(text, w->goal.weights, why, sizeof why)))
    w->goal.objective = GCIM_OBJECTIVE_LATENCY; /* not gcim-schedule's writing */
  gcimOpGetFloatAttr(module, "gcim.schedule_max_latency_ns", &w->goal.budget.latencyNs);
  gcimOpGetFloatAttr(module, "gcim.schedule_max_energy_pj", &w->goal.budget.energyPJ);
  w->scheduled = moduleString(module, "gcim.schedule", text, sizeof text);
  w->alternatives = calloc(3 * (size_t)gcimHardwareChips(hw), sizeof *w->alternatives);
  if (!w->alternatives)
    return false;
  w->count = gcimScheduleAlternatives(hw, layers, count, &w->goal, w->alternatives, &w->best);
  return true;
}

static void writeAlternative(FILE *out, const GcimSchedule *s, const char *separator) {
  char name[64];
  gcimScheduleName(s, name, sizeof name);
  fprintf(out,
          "%s\n      {\"name\": \"%s\", \"chips\": %d, \"residency\": \"%s\", \"fits\": %s, "
          "\"withinBudget\": %s",
          separator, name, (int)s->chips, gcimResidencyName(s->residency),
          s->fits ? "true" : "false", s->withinBudget ? "true" : "false");
  if (!s->fits) { /* no figures for what cannot run */
    fprintf(out, ", \"why\": \"%s\"}", s->why);
    return;
  }
  fprintf(out,
          ", \"latencyNs\": %.17g, \"intervalNs\": %.17g, \"energyPJ\": %.17g, \"arrays\": %lld, "
          "\"peripheryUnits\": %lld, \"areaMm2\": %.17g, \"spillBytesPerStep\": %lld, "
          "\"linkBytesPerStep\": %lld}",
          s->stepNs, s->intervalNs, s->energyPJPerToken, (long long)s->arrays,
          (long long)s->peripheryUnits, s->areaMm2, (long long)s->spillBytes,
          (long long)s->linkBytes);
}

static void writePlans(FILE *out, const GcimLayerInfo *layers, const GcimLayerPlan *plans,
                       int64_t count) {
  fputs(", \"layers\": [", out);
  const char *separator = "";
  for (int64_t i = 0; i < count; ++i) {
    if (!layers[i].analog)
      continue;
    const GcimLayerPlan *p = &plans[i];
    fprintf(out,
            "%s\n      {\"layer\": %lld, \"chip\": %d, \"first_sub_tile\": %lld, "
            "\"sequence_stride\": %lld, \"resident_sequences\": %lld, \"spill_slot\": %lld, "
            "\"spill_bytes\": %lld, "
            "\"periphery_rounds\": %lld, \"transfer_bytes\": %lld, \"start_ns\": %.17g, "
            "\"latency_ns\": %.17g, \"energy_pj\": %.17g}",
            separator, (long long)layers[i].layer, (int)p->chip, (long long)p->firstSubTile,
            (long long)p->sequenceStride, (long long)p->residentSequences, (long long)p->spillSlot,
            (long long)p->spillBytes, (long long)p->rounds, (long long)p->transferBytes, p->startNs,
            p->latencyNs, p->energyPJ);
    separator = ",";
  }
  fputs("\n    ]", out);
}

bool gcimReportWriteSchedule(FILE *out, MlirOperation module, const GcimHardware *hw,
                             const GcimLayerInfo *layers, int64_t count) {
  Weighed w;
  GcimLayerPlan *plans = calloc((size_t)count + 1, sizeof *plans);
  if (!plans || !weigh(module, hw, layers, count, &w)) {
    free(plans);
    return false;
  }
  const GcimGoal *goal = &w.goal;
  fprintf(out, "  \"schedule\": {\"objective\": \"%s\", ", gcimObjectiveName(goal->objective));
  if (goal->objective == GCIM_OBJECTIVE_WEIGHTED)
    fprintf(out, "\"weights\": {\"latency\": %.17g, \"energy\": %.17g, \"area\": %.17g}, ",
            goal->weights[0], goal->weights[1], goal->weights[2]);
  fprintf(out, "\"maxLatencyNs\": %.17g, \"maxEnergyPJ\": %.17g, \"scheduled\": %s",
          goal->budget.latencyNs, goal->budget.energyPJ, w.scheduled ? "true" : "false");
  if (w.best >= 0) {
    GcimSchedule chosen;
    gcimScheduleEvaluate(hw, layers, count, w.alternatives[w.best].chips,
                         w.alternatives[w.best].residency, &chosen, plans);
    char name[64];
    gcimScheduleName(&chosen, name, sizeof name);
    fprintf(out,
            ", \"chosen\": \"%s\", \"batch\": %lld, \"stepNs\": %.17g, \"perToken\": "
            "{\"latencyNs\": %.17g, \"intervalNs\": %.17g, \"energyPJ\": %.17g}, \"arrays\": %lld, "
            "\"peripheryUnits\": %lld, \"areaMm2\": %.17g",
            name, (long long)chosen.batch, chosen.stepNs, chosen.stepNs, chosen.intervalNs,
            chosen.energyPJPerToken, (long long)chosen.arrays, (long long)chosen.peripheryUnits,
            chosen.areaMm2);
    writePlans(out, layers, plans, count);
  }
  fputs(",\n    \"alternatives\": [", out);
  for (int64_t i = 0; i < w.count; ++i)
    writeAlternative(out, &w.alternatives[i], i ? "," : "");
  fputs("\n    ]},\n", out);
  free(w.alternatives);
  free(plans);
  return true;
}

/* What one run adds, in the program's stats schedule object (lib/Runtime/ChipSchedule.c). */
typedef struct RunSchedule {
  int64_t reloads, transfers, spillBytes, linkBytes;
  double spillPJ, linkPJ, elapsedNs;
} RunSchedule;

/* Layer l's part of the full-sequence run: its runBatch x runTokens head-steps one after
 * another on its heads, placed as sequence 0 (through the spill slot when no sequence stays),
 * as the program runs them. One set of heads runs every sequence, so the pipelined time of
 * rule 5 (the longest of a chip's, a link's and one sequence's path) is that path: the
 * layers and links added one after another. */
static void addRunLayer(const GcimHardware *hw, const GcimLayerInfo *l, const GcimLayerPlan *p,
                        RunSchedule *r) {
  const GcimFloorplan *f = &hw->floorplan;
  int64_t run = l->runBatch * l->runTokens, tiles = l->tokenTiles * l->dimTiles;
  int64_t cells = tiles * 2 * hw->arrayRows * hw->arrayCols, reloadBytes = cells + 2 * l->headDim;
  int64_t unit = f->subTilesPerPeriphery;
  double perHead = hw->cost.headTokenLatencyNs;
  if (p->residentSequences > 0) {
    r->elapsedNs += (double)run * (double)p->rounds * perHead;
  } else {
    int64_t rounds = unit > tiles ? unit / tiles : 1, headReloads = run * l->heads;
    rounds = l->heads < rounds ? l->heads : rounds;
    double reloadNs = (double)(l->heads * reloadBytes) / f->spillBytesPerNs;
    r->elapsedNs += (double)run * (reloadNs + (double)rounds * perHead);
    r->reloads += run;
    r->spillBytes += headReloads * reloadBytes;
    r->spillPJ += (double)headReloads * ((double)reloadBytes * f->spillPJPerByte +
                                         (double)cells * hw->cost.dacPerValuePJ);
  }
  if (p->transferBytes > 0 && run > 0) {
    r->transfers += run;
    r->linkBytes += run * p->transferBytes;
    r->linkPJ += (double)(run * p->transferBytes) * f->linkPJPerByte;
    r->elapsedNs += (double)(run * p->transferBytes) / f->linkBytesPerNs;
  }
}

bool gcimReportWriteRunSchedule(FILE *out, MlirOperation module, const GcimHardware *hw,
                                const GcimLayerInfo *layers, int64_t count) {
  Weighed w;
  GcimLayerPlan *plans = calloc((size_t)count + 1, sizeof *plans);
  if (!plans || !weigh(module, hw, layers, count, &w)) {
    free(plans);
    return false;
  }
  RunSchedule r = {0, 0, 0, 0, 0.0, 0.0, 0.0};
  bool scheduled = false;
  if (w.scheduled && w.best >= 0) {
    GcimSchedule chosen;
    gcimScheduleEvaluate(hw, layers, count, w.alternatives[w.best].chips,
                         w.alternatives[w.best].residency, &chosen, plans);
    for (int64_t i = 0; i < count; ++i) {
      if (!layers[i].analog)
        continue;
      const GcimLayerPlan *p = &plans[i];
      scheduled = scheduled || p->spillSlot >= 0 || p->rounds > 1 || p->transferBytes > 0;
      addRunLayer(hw, &layers[i], p, &r);
    }
  }
  if (scheduled)
    fprintf(out,
            ", \"schedule\": {\"reloads\": %lld, \"spillBytes\": %lld, \"transfers\": %lld, "
            "\"linkBytes\": %lld, \"energyPJ\": {\"spill\": %.17g, \"link\": %.17g}, "
            "\"elapsedNs\": %.17g}",
            (long long)r.reloads, (long long)r.spillBytes, (long long)r.transfers,
            (long long)r.linkBytes, r.spillPJ, r.linkPJ, r.elapsedNs);
  free(w.alternatives);
  free(plans);
  return true;
}

bool gcimReportPrintSchedule(FILE *out, MlirOperation module, const GcimHardware *hw,
                             const GcimLayerInfo *layers, int64_t count) {
  Weighed w;
  if (!weigh(module, hw, layers, count, &w))
    return false;
  if (w.best >= 0) {
    const GcimSchedule *s = &w.alternatives[w.best];
    char name[64];
    gcimScheduleName(s, name, sizeof name);
    fprintf(out,
            "schedule (%s): %s, batch %lld: %.6g ns and %.6g nJ per token, %lld sub-tiles, "
            "%.4g mm^2 (%lld alternatives in the JSON report)\n",
            gcimObjectiveName(w.goal.objective), name, (long long)s->batch, s->stepNs,
            s->energyPJPerToken / 1000.0, (long long)s->arrays, s->areaMm2, (long long)w.count);
  }
  free(w.alternatives);
  return true;
}
