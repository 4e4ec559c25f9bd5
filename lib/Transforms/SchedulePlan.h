/* SchedulePlan.h: gcim-schedule's cost model over the floorplan (private).
 *
 * One schedule places every analog layer on a chip, keeps each (layer, sequence) block of
 * K/V in arrays or reloads it from digital memory every decode step, and time-multiplexes
 * heads on shared periphery; docs/HardwareModel.md section 6 gives every formula. The pass
 * (Schedule.c) and the report (Report*.c) both call this, so they never disagree. */
#ifndef GCIM_LIB_TRANSFORMS_SCHEDULEPLAN_H
#define GCIM_LIB_TRANSFORMS_SCHEDULEPLAN_H

#include "ReportLayers.h"

/// What the scheduler minimises (`--schedule=`): the latency per token, the energy per
/// token, or the area (arrays and periphery); or (`--schedule-weights`) a weighted sum of
/// the three, each relative to the least among the candidates; ties go to latency, energy,
/// area in that order.
typedef enum GcimObjective {
  GCIM_OBJECTIVE_LATENCY,
  GCIM_OBJECTIVE_ENERGY,
  GCIM_OBJECTIVE_AREA,
  GCIM_OBJECTIVE_WEIGHTED
} GcimObjective;

/// How much K/V stays in arrays: all of it; as much as fits, the rest through one spill
/// slot per chip; nothing but that one slot (the fewest arrays).
typedef enum GcimResidency { GCIM_RESIDENT, GCIM_SPILL, GCIM_STREAM } GcimResidency;

/// Limits on a schedule per token; 0 = none.
typedef struct GcimBudget {
  double latencyNs, energyPJ;
} GcimBudget;

/// What the scheduler is asked: the objective, its weights (latency, energy, area; for
/// GCIM_OBJECTIVE_WEIGHTED) and the budget.
typedef struct GcimGoal {
  GcimObjective objective;
  double weights[3];
  GcimBudget budget;
} GcimGoal;

/// One analog layer in a schedule. Times are within one decode step of the whole batch.
typedef struct GcimLayerPlan {
  int32_t chip;
  int64_t firstSubTile;      /* sequence 0's K/V, or the chip's spill slot when it is spilled */
  int64_t sequenceStride;    /* sub-tiles from one resident sequence's K/V to the next's */
  int64_t residentSequences; /* sequences 0..n-1 stay in arrays, the others are reloaded */
  int64_t spillSlot;         /* first sub-tile of the chip's spill slot; -1 when none */
  int64_t spillBytes;        /* moved to and from digital memory per decode step */
  int64_t rounds;            /* heads of the resident sequences one periphery unit runs in turn */
  int64_t transferBytes;     /* per sequence, from the previous layer's chip; 0 on the same */
  double startNs, latencyNs; /* transfers and layers in sequence */
  double reloadNs;           /* one block's reload; sequence 0's ops wait for it when spilled */
  double energyPJ;           /* per decode step, all sequences */
} GcimLayerPlan;

/// One alternative the scheduler considered.
typedef struct GcimSchedule {
  int32_t chips;
  GcimResidency residency;
  int64_t batch, arrays, peripheryUnits, spillBytes, linkBytes; /* bytes per decode step */
  double stepNs;           /* one decode step: every sequence gets a token */
  double intervalNs;       /* stepNs / batch: one token of throughput */
  double energyPJPerToken; /* one step's energy / batch */
  double areaMm2;
  bool fits, withinBudget;
  char why[160]; /* why it does not fit; empty when it does */
} GcimSchedule;

/// Parses "latency", "energy" or "area"; false otherwise (ScheduleObjective.c).
bool gcimObjectiveParse(const char *text, GcimObjective *objective);
const char *gcimObjectiveName(GcimObjective objective);

/// Parses weights as "latency=1,energy=0.5" (or with ':' for ',', as a pass option must
/// write them; keys latency, energy, area, each at most once,
/// values finite and >= 0, at least one > 0; absent keys weigh 0) into weights[3]; on an
/// error writes why into `why` (at most `size` bytes) and returns false.
bool gcimScheduleWeightsParse(const char *text, double weights[3], char *why, size_t size);

/// Writes weights[3] as "latency=W,energy=W,area=W" into `text` (at most `size` bytes).
void gcimScheduleWeightsFormat(const double weights[3], char *text, size_t size);

const char *gcimResidencyName(GcimResidency residency);

/// a is better than b for `goal`; `least` holds the least latency, energy and area among
/// the candidates (what a weighted objective's terms are relative to).
bool gcimScheduleBetter(const GcimSchedule *a, const GcimSchedule *b, const GcimGoal *goal,
                        const double least[3]);

/// Writes the schedule's name, as "4 chips, spill", into `name` (at most `size` bytes).
void gcimScheduleName(const GcimSchedule *schedule, char *name, size_t size);

/// Evaluates `chips` chips with `residency` on the analog layers among `layers`; writes a
/// plan per entry of `layers` (digital ones untouched) when `plans` is not NULL.
void gcimScheduleEvaluate(const GcimHardware *hw, const GcimLayerInfo *layers, int64_t count,
                          int32_t chips, GcimResidency residency, GcimSchedule *out,
                          GcimLayerPlan *plans);

/// The alternatives considered (at most 3 per chip count of the floorplan, `out` holds
/// 3 * chips), in order; *best is the index the objective picks among those that fit within
/// the budget, or -1. Returns the number written.
int64_t gcimScheduleAlternatives(const GcimHardware *hw, const GcimLayerInfo *layers, int64_t count,
                                 const GcimGoal *goal, GcimSchedule *out, int64_t *best);

/// The error when no alternative is chosen (`count` of them): the smallest hardware that
/// would fit, or the best figures when only the budget is missed.
void gcimScheduleExplainFailure(const GcimHardware *hw, const GcimLayerInfo *layers, int64_t count,
                                const GcimSchedule *alternatives, int64_t alternativeCount,
                                char *message, size_t size);

#endif /* GCIM_LIB_TRANSFORMS_SCHEDULEPLAN_H */
