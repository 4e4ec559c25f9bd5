/* gcim/Runtime/Sim.h: the functional simulator of one gain-cell attention head.
 *
 * One GcimSimHead holds a head's K and V arrays as stored voltages (with the step at which
 * each slot was written), its eight scalers and its counters, and runs the decode-step
 * semantics of docs/HardwareModel.md §2: write(k, v) into slot t mod window, then attend(q).
 * C99 + libm, no global state, every allocation at create through an optional allocator.
 * See docs/Simulator.md. */
#ifndef GCIM_RUNTIME_SIM_H
#define GCIM_RUNTIME_SIM_H

#include "gcim/Runtime/Allocator.h"
#include "gcim/Runtime/Hardware.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result of the simulator's fallible calls.
typedef enum GcimSimStatus {
  GCIM_SIM_OK = 0,
  GCIM_SIM_ERROR_INVALID, /* invalid hardware description or head dimension */
  GCIM_SIM_ERROR_MEMORY   /* the allocator returned NULL */
} GcimSimStatus;

/// Operation counts, energy (picojoules, per component of the cost model of
/// docs/HardwareModel.md §3, scaled with the arrays in use) and latency (nanoseconds).
typedef struct GcimSimStats {
  int64_t tokens;      /* K/V writes (decode steps) */
  int64_t attends;     /* attend calls (queries) */
  int64_t arrayReads;  /* K and V arrays read */
  int64_t arrayWrites; /* K and V arrays written (one column each) */
  double firstProductPJ;
  double secondProductPJ;
  double digitalPJ;
  double dacPJ;
  double latencyNs; /* one headTokenLatencyNs per attend (the model gives no split) */
} GcimSimStats;

/// One attention head on its own sub-tiles; opaque.
typedef struct GcimSimHead GcimSimHead;

/// Creates a head of dimension `headDim` (1 .. 2^24) on a copy of *hw (validated with
/// gcimHardwareValidate; window at most 2^28). `scalers` (8 floats, a_q b_q a_k b_k a_v b_v a_o
/// b_o) may be NULL for gcimDefaultScalers. `stream` selects the head's noise stream (mixed with
/// hw->noise.seed) so that heads of one model draw independent, reproducible noise.
/// `allocator` may be NULL (malloc/free); it is copied. On success *out owns the head
/// (free with gcimSimHeadDestroy); on failure *out is NULL and the status says why.
GcimSimStatus gcimSimHeadCreate(const GcimHardware *hw, int32_t headDim, const float *scalers,
                                uint64_t stream, const GcimAllocator *allocator, GcimSimHead **out);

/// Frees the head and everything it owns. Accepts NULL.
void gcimSimHeadDestroy(GcimSimHead *head);

/// Starts a new sequence: every slot becomes unwritten and the step counter 0. Counters
/// are kept (see gcimSimHeadClearStats). Never fails.
void gcimSimHeadReset(GcimSimHead *head);

/// Replaces the head's scalers (8 floats, not NULL). Takes effect for later writes and
/// attends; stored voltages are not rescaled.
void gcimSimHeadSetScalers(GcimSimHead *head, const float *scalers);

/// Copies the head's scalers (8 floats) into scalers.
void gcimSimHeadGetScalers(const GcimSimHead *head, float *scalers);

/// How many query heads attend on the head's K/V (a grouped-query layer under --gqa=share;
/// 1, the default, for one query head): the stats count them as that many heads, each
/// attend one of theirs (gcimSimSummarize). Values below 1 mean 1.
void gcimSimHeadSetQueryGroup(GcimSimHead *head, int32_t group);
int32_t gcimSimHeadGetQueryGroup(const GcimSimHead *head);

/// The head's window in tokens.
int32_t gcimSimHeadGetWindow(const GcimSimHead *head);

/// Attaches a collector of scaler statistics (gcim/Runtime/SimCalibration.h; NULL detaches)
/// that sees every later write and attend. The head does not own it.
struct GcimSimCalibration;
void gcimSimHeadSetCalibration(GcimSimHead *head, struct GcimSimCalibration *calibration);

/// Writes token t (t = number of writes since reset): k and v (headDim floats each, the
/// projections before the scalers, not NULL) are scaled, clipped, quantised and stored in
/// slot t mod window, overwriting the oldest token.
void gcimSimHeadWrite(GcimSimHead *head, const float *k, const float *v);

/// Attends with query q (headDim floats, before the scaler) over the written slots, as of
/// the last write, and stores the head's output after the output affine in out (headDim
/// floats). Before any write the output is b_o. Neither pointer may be NULL.
void gcimSimHeadAttend(GcimSimHead *head, const float *q, float *out);

/// One decode step: gcimSimHeadWrite(k, v) then gcimSimHeadAttend(q, out).
void gcimSimHeadStep(GcimSimHead *head, const float *q, const float *k, const float *v, float *out);

/// `tokens` decode steps in order; q, k, v and out are row-major (tokens, headDim). Equal,
/// bit for bit, to calling gcimSimHeadStep once per token.
void gcimSimHeadRunSequence(GcimSimHead *head, int64_t tokens, const float *q, const float *k,
                            const float *v, float *out);

/// The head's dimension.
int32_t gcimSimHeadGetDim(const GcimSimHead *head);

/// The hardware the head runs on (its chip's description; static while the head lives).
const GcimHardware *gcimSimHeadGetHardware(const GcimSimHead *head);

/// Writes since the last reset.
int64_t gcimSimHeadGetStep(const GcimSimHead *head);

/// Reads slot `slot` (0 <= slot < window): the stored voltages of its K and V columns into
/// k and v (headDim floats each; either may be NULL). Returns the step at which the slot
/// was written, or -1 if it is unwritten (k and v are then left unchanged).
int64_t gcimSimHeadGetSlot(const GcimSimHead *head, int32_t slot, float *k, float *v);

/// Copies the head's counters into *stats.
void gcimSimHeadGetStats(const GcimSimHead *head, GcimSimStats *stats);

/// Zeroes the head's counters.
void gcimSimHeadClearStats(GcimSimHead *head);

/// Adds *part to *total, field by field (totals over heads).
void gcimSimStatsAccumulate(GcimSimStats *total, const GcimSimStats *part);

/// The total energy of *stats in picojoules.
double gcimSimStatsEnergyPJ(const GcimSimStats *stats);

/// What a floorplan's schedule adds to a program's run (docs/HardwareModel.md section 6):
/// reloads of spilled K/V blocks, inter-chip transfers, and the elapsed time with heads
/// taking turns on shared periphery, reloads and transfers in sequence. `scheduled` is 0
/// when the schedule adds nothing (one chip, everything resident, no shared periphery):
/// the stats then have no `schedule` object.
typedef struct GcimSimScheduleStats {
  int scheduled;
  int64_t reloads;   /* blocks (one layer's heads of one sequence) reloaded */
  int64_t transfers; /* sequence-tokens that crossed a link to the next chip */
  int64_t spillBytes, linkBytes;
  double spillPJ, linkPJ; /* the reloads' memory traffic and DAC rewrites; the links' */
  double elapsedNs;
} GcimSimScheduleStats;

/// The counters of a set of heads in the one stats schema of docs/HardwareModel.md
/// (gcim-sim, the generated program's --stats and PREFIX_get_stats): sums over the heads,
/// and the latency convention: heads of a layer run in parallel, a head's steps and the
/// layers in sequence.
typedef struct GcimSimSummary {
  GcimSimStats total;   /* summed over every head */
  int64_t heads;        /* query heads that ran (a head's query group if it attended) */
  int64_t layers;       /* attention layers that ran (any head attended) */
  int64_t tokens;       /* tokens a layer processed: the most attends of one query head */
  double perHeadStepNs; /* latency of one head attending one token */
  double elapsedNs;     /* sum over layers of the busiest head's latency */
  /* Last: a compiled program's, from gcimTileScheduleSummarize (0 elsewhere). */
  GcimSimScheduleStats schedule;
} GcimSimSummary;

/// Summarises `count` heads (not NULL); head i belongs to layer layers[i] (0-based; NULL:
/// all one layer). Never fails.
void gcimSimSummarize(const GcimHardware *hw, GcimSimHead *const *heads, const int32_t *layers,
                      int64_t count, GcimSimSummary *summary);

/// Writes *summary as the stats JSON object (keys and units of docs/HardwareModel.md) to
/// `out`, numbers with 17 significant digits. Returns 0, or -1 on a write error.
int gcimSimSummaryWriteJson(const GcimSimSummary *summary, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_SIM_H */
