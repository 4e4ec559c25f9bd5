/* ChipSchedule.c: what a floorplan's schedule adds to a compiled program's stats
 * (gcimTileScheduleSummarize, docs/HardwareModel.md section 6).
 *
 * Counted from what the heads executed: a spilled head reloads its block before each token
 * (gcimSimHeadGetReloads), every head counts its adder trees. The costs per reload and per
 * transfer are the schedule's (the floorplan's memory and link figures the compiler wrote
 * into the program), so the program's figures equal the report's `perRun.schedule` for the
 * same run. */
#include "gcim/Runtime/Chip.h"

/* One layer's part: the busiest resident head's steps, reloads and sequence-tokens. */
typedef struct LayerRun {
  int64_t residentSteps, headReloads, attends;
} LayerRun;

static void addLayer(const GcimHardware *hw, const GcimTileLayerSchedule *l, const LayerRun *run,
                     GcimSimScheduleStats *out) {
  double perHead = hw->cost.headTokenLatencyNs;
  int64_t heads = l->heads > 0 ? l->heads : 1;
  int64_t blocks = run->headReloads / heads, sequenceTokens = run->attends / heads;
  double reloadNs =
      blocks > 0 ? (double)(heads * l->reloadBytes) / l->spillBytesPerNs : 0.0; /* a block's */
  out->elapsedNs += (double)run->residentSteps * (double)l->rounds * perHead +
                    (double)blocks * (reloadNs + (double)l->spilledRounds * perHead);
  out->reloads += blocks;
  out->spillBytes += run->headReloads * l->reloadBytes;
  out->spillPJ += (double)run->headReloads * ((double)l->reloadBytes * l->spillPJPerByte +
                                              (double)l->reloadCells * hw->cost.dacPerValuePJ);
  if (l->transferBytes > 0 && sequenceTokens > 0) {
    out->transfers += sequenceTokens;
    out->linkBytes += sequenceTokens * l->transferBytes;
    out->linkPJ += (double)(sequenceTokens * l->transferBytes) * l->linkPJPerByte;
    out->elapsedNs += (double)(sequenceTokens * l->transferBytes) / l->linkBytesPerNs;
  }
}

void gcimTileScheduleSummarize(const GcimHardware *hw, GcimSimHead *const *heads,
                               const int32_t *headLayer, int64_t count,
                               const GcimTileLayerSchedule *layers, int64_t layerCount,
                               GcimSimSummary *stats) {
  GcimSimScheduleStats out = {0, 0, 0, 0, 0, 0.0, 0.0, 0.0};
  for (int64_t g = 0; g < layerCount; ++g) {
    LayerRun run = {0, 0, 0};
    for (int64_t i = 0; i < count; ++i) {
      if (headLayer[i] != g)
        continue;
      GcimSimStats part;
      gcimSimHeadGetStats(heads[i], &part);
      int64_t reloads = gcimSimHeadGetReloads(heads[i]);
      run.headReloads += reloads;
      run.attends += part.attends;
      if (reloads == 0 && part.attends > run.residentSteps)
        run.residentSteps = part.attends;
    }
    addLayer(hw, &layers[g], &run, &out);
    out.scheduled = out.scheduled || layers[g].scheduled;
  }
  stats->schedule = out;
}
