/* gcim/Runtime/SimCalibration.h: the adaptation algorithm of docs/HardwareModel.md §4 on
 * simulated heads, without PyTorch.
 *
 * A GcimSimCalibration attached to a head (gcimSimHeadSetCalibration) accumulates the
 * moments of the head's four scaler outputs (q, k, v and out; after a*x+b, before
 * clipping) over the tokens the head sees. In reference mode it also replaces the head's
 * output by exact causal softmax attention over the same (unscaled) q, k, v, so that a
 * program run in that mode is the digital model and its moments are the targets.
 * gcimSimCalibrate runs the whole algorithm over a set of heads: the reference run, then
 * up to maxIterations runs of the hardware, each followed by the update rule. C99. */
#ifndef GCIM_RUNTIME_SIMCALIBRATION_H
#define GCIM_RUNTIME_SIMCALIBRATION_H

#include "gcim/Runtime/Sim.h"

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The scaler kinds, in the order of the scalers' (a, b) pairs.
enum { GCIM_SCALER_Q = 0, GCIM_SCALER_K, GCIM_SCALER_V, GCIM_SCALER_OUT, GCIM_SCALER_KINDS };

/// Iterations gcimSimCalibrate makes at most, and the tolerance of the paper's algorithm.
enum { GCIM_CALIBRATION_MAX_ITERATIONS = 100 };
#define GCIM_CALIBRATION_TOLERANCE 1e-4

/// Mean and (population) standard deviation of each scaler's output.
typedef struct GcimScalerMoments {
  double mean[GCIM_SCALER_KINDS];
  double std[GCIM_SCALER_KINDS];
} GcimScalerMoments;

typedef struct GcimSimCalibration GcimSimCalibration;

/// A collector for a head of dimension `dim` whose window is `window` tokens (the reference
/// keeps that many unscaled keys and values). `allocator` may be NULL.
GcimSimStatus gcimSimCalibrationCreate(int32_t dim, int32_t window, const GcimAllocator *allocator,
                                       GcimSimCalibration **out);

/// Frees the collector. Accepts NULL.
void gcimSimCalibrationDestroy(GcimSimCalibration *calibration);

/// Reference mode with softmax scale `scale` (attention weights softmax(scale * q.k) over the
/// window), or the hardware's output again when scale is 0.
void gcimSimCalibrationSetReference(GcimSimCalibration *calibration, float scale);

/// Forgets the accumulated moments.
void gcimSimCalibrationClear(GcimSimCalibration *calibration);

/// The moments accumulated since the last clear (0 for a kind that saw no value).
void gcimSimCalibrationGetMoments(const GcimSimCalibration *calibration, GcimScalerMoments *out);

/// Hooks called by the head: after write number `steps` (1-based) of k and v, and after an
/// attend with q whose output `out` (dim floats) the reference may replace.
void gcimSimCalibrationObserveWrite(GcimSimCalibration *calibration, const float *scalers,
                                    const float *k, const float *v, int64_t steps);
void gcimSimCalibrationObserveAttend(GcimSimCalibration *calibration, const float *scalers,
                                     const float *q, float *out, int64_t steps);

/// The step size of iteration `iteration` (0-based): 1.0 down to 0.1 linearly over the first
/// 50 iterations, then 0.1.
double gcimSimCalibrationAlpha(int iteration);

/// The largest |mu - mu*| or |sigma - sigma*| over the four kinds.
double gcimSimCalibrationMismatch(const GcimScalerMoments *moments,
                                  const GcimScalerMoments *target);

/// One update of a head's scalers (a_q b_q a_k b_k a_v b_v a_o b_o): where |sigma - sigma*| >
/// tolerance and sigma > 0, a <- alpha a sigma* / sigma + (1 - alpha) a; where |mu - mu*| >
/// tolerance, b <- alpha (b + mu* - mu) + (1 - alpha) b.
void gcimSimCalibrationUpdate(float *scalers, const GcimScalerMoments *moments,
                              const GcimScalerMoments *target, double alpha, double tolerance);

/// Streams the calibration tokens through the program that owns the heads; 0 on success.
typedef int (*GcimSimCalibrationRunFn)(void *context);

/// What gcimSimCalibrate did: the mismatch before each update and after the last one.
typedef struct GcimSimCalibrationResult {
  int iterations; /* updates made */
  int converged;  /* every statistic within the tolerance at the end */
  double tolerance;
  int historyCount;
  double history[GCIM_CALIBRATION_MAX_ITERATIONS + 1];
} GcimSimCalibrationResult;

/// The algorithm over `count` heads: one run in reference mode (softmax scale: each head's
/// a_q as it is now, the scale gcim-map-attention puts there) gives targets[i]; then up to
/// `maxIterations` (at most GCIM_CALIBRATION_MAX_ITERATIONS) runs of the hardware, each
/// followed by an update of every head, until the mismatch is within `tolerance`. The heads
/// keep the calibrated scalers; on a failed run (status GCIM_SIM_ERROR_INVALID) or
/// allocation (GCIM_SIM_ERROR_MEMORY) they get their first scalers back.
GcimSimStatus gcimSimCalibrate(GcimSimHead *const *heads, int64_t count,
                               GcimSimCalibrationRunFn run, void *context, int maxIterations,
                               double tolerance, GcimScalerMoments *targets,
                               GcimSimCalibrationResult *result);

/// Writes the calibration cache (docs/UserGuide.md): per layer (layers[i] is head i's) and
/// head the eight scalers and the targets, and the mismatch history. Returns 0, or -1 on a
/// write error.
int gcimSimCalibrationWriteJson(GcimSimHead *const *heads, const int32_t *layers, int64_t count,
                                const GcimScalerMoments *targets,
                                const GcimSimCalibrationResult *result, int64_t tokens, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_SIMCALIBRATION_H */
