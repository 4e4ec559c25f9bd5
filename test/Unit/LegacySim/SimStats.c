/* SimStats.c: the frozen simulator's counter arithmetic (split from SimHead.c unchanged). */
#include "gcim/Runtime/Sim.h"

void gcimSimStatsAccumulate(GcimSimStats *total, const GcimSimStats *part) {
  total->tokens += part->tokens;
  total->attends += part->attends;
  total->arrayReads += part->arrayReads;
  total->arrayWrites += part->arrayWrites;
  total->firstProductPJ += part->firstProductPJ;
  total->secondProductPJ += part->secondProductPJ;
  total->digitalPJ += part->digitalPJ;
  total->dacPJ += part->dacPJ;
  total->latencyNs += part->latencyNs;
}

double gcimSimStatsEnergyPJ(const GcimSimStats *stats) {
  return stats->firstProductPJ + stats->secondProductPJ + stats->digitalPJ + stats->dacPJ;
}
