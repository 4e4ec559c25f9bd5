/* gcim/Runtime/SimCompare.h: the output error of simulated attention layers, per layer.
 *
 * A GcimSimCompare shadows a model's simulated heads. At each decode step it stores the
 * step's key and value of every head in a float window of its own (slot t mod window, as
 * the head stores them, but as cell responses without quantiser, noise or decay), computes
 * the head's exact output, the gain-cell function of docs/HardwareModel.md §2 without
 * quantisers, noise and decay (gcimSimExactGainCellRow: the sub-tiles tile the window's
 * slots as on the hardware), and accumulates the difference from what the head computed.
 * The heads are only read: their outputs are the same bits with or without a comparison.
 * C99 + libm. */
#ifndef GCIM_RUNTIME_SIMCOMPARE_H
#define GCIM_RUNTIME_SIMCOMPARE_H

#include "gcim/Runtime/Sim.h"
#include "gcim/Runtime/Threads.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The comparison of a set of heads; opaque.
typedef struct GcimSimCompare GcimSimCompare;

/// One layer's error over the steps compared: hardware output y against exact output x,
/// over every output value of its heads. rmsError = sqrt(mean (y - x)^2), exactRms =
/// sqrt(mean x^2), relativeRmsError = rmsError / exactRms (infinite when exactRms is 0 and
/// rmsError is not; 0 when both are), maxAbsError = max |y - x|.
typedef struct GcimLayerError {
  int32_t layer;  /* 0-based, among the layers with a step compared, in the heads' order */
  int32_t heads;  /* heads of the layer */
  int64_t tokens; /* decode steps compared (the most of one head) */
  int64_t values; /* output values compared, over its heads */
  double rmsError;
  double exactRms;
  double relativeRmsError;
  double maxAbsError;
} GcimLayerError;

/// Creates the comparison of `count` heads (not NULL, count >= 1); head i belongs to layer
/// layers[i] (any ids; NULL: all one layer). Reads each head's hardware and scalers now
/// (gcimSimHeadGetHardware, gcimSimHeadGetScalers) and allocates its window: 2 x window x
/// dim floats per head. `allocator` may be NULL (malloc/free). On success *out owns it
/// (gcimSimCompareDestroy); on failure *out is NULL (GCIM_SIM_ERROR_MEMORY, or
/// GCIM_SIM_ERROR_INVALID for a count below 1).
GcimSimStatus gcimSimCompareCreate(GcimSimHead *const *heads, const int32_t *layers, int64_t count,
                                   const GcimAllocator *allocator, GcimSimCompare **out);

/// Frees the comparison. Accepts NULL.
void gcimSimCompareDestroy(GcimSimCompare *compare);

/// Starts a new sequence with the heads (gcimSimHeadReset): every window slot unwritten.
/// The errors are kept (gcimSimCompareClear zeroes them).
void gcimSimCompareReset(GcimSimCompare *compare);

/// Zeroes the accumulated errors.
void gcimSimCompareClear(GcimSimCompare *compare);

/// Compares one decode step of heads first .. first + count - 1 (indices as given to
/// create), laid out as for gcimSimHeadsStep: head first + i stepped on q, k, v + i * dim
/// and computed out + i * dim. Heads in parallel on `pool` (may be NULL); the sums are the
/// same bits for any number of threads. `dim` must be the heads' dimension.
void gcimSimCompareStep(GcimSimCompare *compare, GcimThreadPool *pool, int64_t first, int64_t count,
                        int64_t dim, const float *q, const float *k, const float *v,
                        const float *out);

/// The errors of the layers with at least one step compared, in order: writes the first
/// `capacity` into errors (may be NULL when capacity is 0) and returns how many there are.
int64_t gcimSimCompareGetLayers(const GcimSimCompare *compare, GcimLayerError *errors,
                                int64_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_SIMCOMPARE_H */
