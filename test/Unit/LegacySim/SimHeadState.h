/* SimHeadState.h: the frozen simulator's head state, moved out of SimHead.c unchanged. */
#ifndef GCIM_TEST_LEGACYSIM_SIMHEADSTATE_H
#define GCIM_TEST_LEGACYSIM_SIMHEADSTATE_H

#include "gcim/Runtime/Sim.h"

#include "SimKernel.h"

#include <stdint.h>

enum { BLOCK = GCIM_SIM_BLOCK };

struct GcimSimHead {
  GcimSimKernel *kernel;
  GcimHardware hw;
  GcimAllocator allocator;
  void *block;                                    /* the one allocation */
  int32_t dim, window, stride, vstride, colTiles; /* strides padded to BLOCK lanes */
  float scalers[GCIM_SCALER_COUNT];
  float coef[4]; /* a0..a3 as float32; linear: 0, slope, 0, 0 */
  float stepQ, stepKV, stepOut, maxQ, maxKV, maxOut, mid, vdd, invSat, invOut;
  float sigmaS, sigmaY; /* read noise std of S_j and Y_n (0 = off) */
  int64_t steps;
  int64_t *writeStep;   /* [window]; -1 = unwritten */
  float *kVolt, *vVolt; /* [window][dim] stored voltages */
  /* w of the cells, in blocks of BLOCK lanes so that the kernel reads memory in order: K as
   * [slot / BLOCK][d][slot % BLOCK], V as [d / BLOCK][slot][d % BLOCK]. */
  float *kCells, *vCells;
  /* delta^(i * age), i = 1..3, of the QK and V paths, indexed by window - 1 - age: in that
   * order the slots' powers are read with unit stride (ages fall as slots rise). */
  float *qkPow[3], *vPow[3];
  float *kDelta, *vDelta; /* [window][dim] per-cell decay base, or NULL */
  float *q, *phi, *acc[3], *inner[3], *zsum;
  float *coefs[3]; /* [stride]: phi_j * delta^(i age_j) of each slot */
  int32_t *active; /* [max(rows, dim)]: nonzero query dims or pulsed slots */
  int32_t activeCount;
  uint64_t rng[4];
  GcimSimStats stats;
};

#endif
