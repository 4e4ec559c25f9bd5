/* SimStats.c: the one stats schema of gcim-sim, the generated program and PREFIX_get_stats.
 *
 * Latency convention (docs/HardwareModel.md): one head attending one token takes
 * cost.headTokenLatencyNs; the heads of a layer run in parallel, a head's steps and the
 * layers one after another, so the elapsed time is the sum over layers of the busiest
 * head's latency, and per token it is that divided by the tokens a layer processed. */
#include "gcim/Runtime/Sim.h"

void gcimSimSummarize(const GcimHardware *hw, GcimSimHead *const *heads, const int32_t *layers,
                      int64_t count, GcimSimSummary *summary) {
  GcimSimSummary s = {{0}, 0, 0, 0, hw->cost.headTokenLatencyNs, 0.0, {0}};
  int32_t lastLayer = -1;
  for (int64_t i = 0; i < count; ++i)
    if (!layers || layers[i] > lastLayer)
      lastLayer = layers ? layers[i] : 0;
  for (int32_t layer = 0; layer <= lastLayer; ++layer) {
    double busiest = 0.0;
    int64_t before = s.total.attends;
    for (int64_t i = 0; i < count; ++i) {
      if (layers && layers[i] != layer)
        continue;
      GcimSimStats part;
      gcimSimHeadGetStats(heads[i], &part);
      gcimSimStatsAccumulate(&s.total, &part);
      if (part.latencyNs > busiest)
        busiest = part.latencyNs;
      int32_t group = gcimSimHeadGetQueryGroup(heads[i]); /* its query heads take turns */
      if (part.attends / group > s.tokens)
        s.tokens = part.attends / group;
      s.heads += part.attends > 0 ? group : 0;
    }
    s.elapsedNs += busiest;
    s.layers += s.total.attends > before; /* layers that ran */
  }
  *summary = s;
}

static void writeEnergy(const GcimSimStats *t, double divisor, FILE *out) {
  fprintf(out,
          "{\"firstProduct\": %.17g, \"secondProduct\": %.17g, \"digital\": %.17g, "
          "\"dac\": %.17g, \"total\": %.17g}",
          t->firstProductPJ / divisor, t->secondProductPJ / divisor, t->digitalPJ / divisor,
          t->dacPJ / divisor, gcimSimStatsEnergyPJ(t) / divisor);
}

int gcimSimSummaryWriteJson(const GcimSimSummary *s, FILE *out) {
  const GcimSimStats *t = &s->total;
  double tokens = s->tokens > 0 ? (double)s->tokens : 1.0;
  fprintf(out,
          "{\n  \"heads\": %lld,\n  \"layers\": %lld,\n  \"tokens\": %lld,\n"
          "  \"headSteps\": %lld,\n  \"kvWrites\": %lld,\n  \"arrayReads\": %lld,\n"
          "  \"arrayWrites\": %lld,\n  \"energyPJ\": ",
          (long long)s->heads, (long long)s->layers, (long long)s->tokens, (long long)t->attends,
          (long long)t->tokens, (long long)t->arrayReads, (long long)t->arrayWrites);
  writeEnergy(t, 1.0, out);
  fprintf(out,
          ",\n  \"latencyNs\": {\"perHeadStep\": %.17g, \"sumOverHeadSteps\": %.17g, "
          "\"elapsed\": %.17g},\n  \"perToken\": {\"energyPJ\": ",
          s->perHeadStepNs, t->latencyNs, s->elapsedNs);
  writeEnergy(t, tokens, out);
  fprintf(out, ", \"latencyNs\": %.17g}", s->elapsedNs / tokens);
  const GcimSimScheduleStats *c = &s->schedule;
  if (c->scheduled)
    fprintf(out,
            ",\n  \"schedule\": {\"reloads\": %lld, \"spillBytes\": %lld, \"transfers\": %lld, "
            "\"linkBytes\": %lld, \"energyPJ\": {\"spill\": %.17g, \"link\": %.17g}, "
            "\"elapsedNs\": %.17g}",
            (long long)c->reloads, (long long)c->spillBytes, (long long)c->transfers,
            (long long)c->linkBytes, c->spillPJ, c->linkPJ, c->elapsedNs);
  fputs("\n}\n", out);
  return ferror(out) ? -1 : 0;
}
