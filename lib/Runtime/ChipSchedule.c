/* ChipSchedule.c: what a floorplan's schedule adds to a compiled program's stats
 * (gcimTileScheduleSummarize, docs/HardwareModel.md section 6).
 *
 * Counted from what the heads executed: a spilled head reloads its block before each token
 * (gcimSimHeadGetReloads), every head counts its adder trees. The costs per reload and per
 * transfer are the schedule's (the floorplan's memory and link figures the compiler wrote
 * into the program), so the program's figures equal the report's `perRun.schedule` for the
 * same run. The elapsed time is the pipelined one of rule 5: the longest of a chip's busy
 * time, a link's and one sequence's path; with one sequence per head set (batch 1, or the
 * full-sequence function's sequences one after another) that is the path, every layer and
 * link added one after another, and on one chip the chip's busy time. */
#include "gcim/Runtime/Chip.h"

/* One layer's part: the busiest resident head's steps, the most reloads and steps of one
 * head (one sequence's), its heads' reloads and sequence-tokens. */
typedef struct LayerRun {
  int64_t residentSteps, spilledSteps, sequenceSteps, headReloads, attends;
} LayerRun;

/* The pipelined time (rule 5): the chips work on different sequences at once, so the run
 * takes the longest of a chip's busy time, a link's, and one sequence's path through every
 * layer and link. Each head is one sequence's, so the path counts one head's steps. */
typedef struct Pipeline {
  double chipNs;    /* the current chip's busy time */
  double slowestNs; /* the busiest earlier chip or link */
  double pathNs;    /* one sequence's path */
} Pipeline;

static double maxOf(double a, double b) { return a > b ? a : b; }

static void addLayer(const GcimHardware *hw, const GcimTileLayerSchedule *l, const LayerRun *run,
                     GcimSimScheduleStats *out, Pipeline *pipe) {
  double perHead = hw->cost.headTokenLatencyNs;
  int64_t heads = l->heads > 0 ? l->heads : 1;
  int64_t blocks = run->headReloads / heads, sequenceTokens = run->attends / heads;
  if (l->transferBytes > 0) { /* the first layer of the next chip */
    pipe->slowestNs = maxOf(pipe->slowestNs, pipe->chipNs);
    pipe->chipNs = 0.0;
  }
  if (l->transferBytes > 0 && sequenceTokens > 0) {
    double linkNs = (double)l->transferBytes / l->linkBytesPerNs; /* a sequence-token's */
    out->transfers += sequenceTokens;
    out->linkBytes += sequenceTokens * l->transferBytes;
    out->linkPJ += (double)(sequenceTokens * l->transferBytes) * l->linkPJPerByte;
    pipe->slowestNs =
        maxOf(pipe->slowestNs, (double)(sequenceTokens * l->transferBytes) / l->linkBytesPerNs);
    pipe->pathNs += (double)run->sequenceSteps * linkNs;
  }
  double blockNs = blocks > 0 ? (double)(heads * l->reloadBytes) / l->spillBytesPerNs +
                                    (double)l->spilledRounds * perHead
                              : 0.0; /* one block's reload and turns */
  double residentNs = (double)run->residentSteps * (double)l->rounds * perHead;
  pipe->chipNs += residentNs + (double)blocks * blockNs;
  pipe->pathNs += maxOf(residentNs, (double)run->spilledSteps * blockNs);
  out->reloads += blocks;
  out->spillBytes += run->headReloads * l->reloadBytes;
  out->spillPJ += (double)run->headReloads * ((double)l->reloadBytes * l->spillPJPerByte +
                                              (double)l->reloadCells * hw->cost.dacPerValuePJ);
}

void gcimTileScheduleSummarize(const GcimHardware *hw, GcimSimHead *const *heads,
                               const int32_t *headLayer, int64_t count,
                               const GcimTileLayerSchedule *layers, int64_t layerCount,
                               GcimSimSummary *stats) {
  GcimSimScheduleStats out = {0, 0, 0, 0, 0, 0.0, 0.0, 0.0};
  Pipeline pipe = {0.0, 0.0, 0.0};
  for (int64_t g = 0; g < layerCount; ++g) {
    LayerRun run = {0, 0, 0, 0, 0};
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
      run.spilledSteps = reloads > run.spilledSteps ? reloads : run.spilledSteps;
      run.sequenceSteps = part.attends > run.sequenceSteps ? part.attends : run.sequenceSteps;
    }
    addLayer(hw, &layers[g], &run, &out, &pipe);
    out.scheduled = out.scheduled || layers[g].scheduled;
  }
  out.elapsedNs = maxOf(maxOf(pipe.slowestNs, pipe.chipNs), pipe.pathNs);
  stats->schedule = out;
}
