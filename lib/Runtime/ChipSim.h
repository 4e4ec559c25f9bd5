/* ChipSim.h: internal to the runtime: the simulator chip's state (ChipSim.c creates it and
 * writes the slots, ChipSimProducts.c computes the products, readout and adder tree).
 *
 * Per sub-tile it holds the stored voltages and write steps of its slots, and per group the
 * charges, pulses, outputs and readout codes of the last operation. Each cell's w is stored
 * at write time in blocks laid out in the order the kernel (SimKernel.c) reads them: K as
 * [slot / BLOCK][dim][slot % BLOCK], V as [dim / BLOCK][slot][dim % BLOCK]. */
#ifndef GCIM_LIB_RUNTIME_CHIPSIM_H
#define GCIM_LIB_RUNTIME_CHIPSIM_H

#include "ChipInternal.h"
#include "SimKernel.h"

enum { BLOCK = GCIM_SIM_BLOCK };

/* The write step of an unwritten slot: a read at any step s >= -2^61 sees an age of at
 * least 2^61, beyond every window. */
#define UNWRITTEN (INT64_MIN / 4)

typedef struct SimChip {
  GcimSimKernel *kernel;
  GcimSimNonzero *nonzero;
  GcimSimRowSums *rowSums;
  int32_t rows, cols, rowsPad, colsPad, window;
  float coef[4]; /* a0..a3 as float32; linear: 0, slope, 0, 0 */
  float stepQ, stepKV, stepOut, maxOut, mid, vdd, invSat, invOut, sigmaS, sigmaY;
  int smallOutputCodes; /* see gcimSimCode */
  int64_t *writeStep;   /* [tile][slot]; UNWRITTEN */
  /* Per sub-tile, slots 0 .. runLength - 1 were written at steps runStart + slot: when that
   * covers the sub-tile (the ring buffer's usual case) every age follows from one. */
  int64_t *runStart;
  int32_t *runLength;
  float *kVolt, *vVolt;   /* [tile][slot][dim] stored voltages */
  float *kCells, *vCells; /* [tile][rowsPad * cols] and [tile][colsPad * rows], see above */
  float *kDelta, *vDelta; /* [tile][slot][dim] per-cell decay base, or NULL */
  float *charge, *pulse;  /* [tile][rowsPad], of a group's first sub-tile */
  float *output;          /* [tile][colsPad] Y of each sub-tile */
  int32_t *codes;         /* [tile][cols] the last readout */
  /* delta^(i * age), i = 1..3, of the QK and V paths, at window - 1 - age: a group whose
   * slots were written in order (ages falling by one per slot) reads them contiguously. */
  float *qkPow[3], *vPow[3];
  /* scratch of one operation */
  float *q, *acc[3], *coefs[3], *inner[3];
  int32_t *ages;        /* [rowsPad] age of each slot of the group, -1 = not valid */
  int32_t *active;      /* [max(rowsPad, span * cols)] nonzero query dims or pulsed slots */
  int32_t *activeCount; /* [subTiles] per sub-tile of a group */
  float *phiSums;       /* [tiles] the sum of each group's pulses */
  float *gated;         /* [rowsPad] a group's pulses, 0 where the slot is not valid */
  uint64_t rng[4];
} SimChip;

static inline SimChip *simOf(GcimChip *chip) { return chip->impl; }

static inline size_t tileOffset(int32_t tile, int32_t size) { return (size_t)tile * (size_t)size; }

/* The dimensions of a group's sub-tile x that `dims` covers. */
static inline int32_t localDims(const SimChip *s, int32_t x, int32_t dims) {
  return dims - x * s->cols < s->cols ? dims - x * s->cols : s->cols;
}

/* The operations of ChipSimProducts.c (arguments checked by Chip.c). */
GcimChipStatus gcimChipSimFirstProduct(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                       int32_t dims, const int32_t *q);
GcimChipStatus gcimChipSimChargeToPulse(GcimChip *chip, int32_t first, int32_t groups,
                                        int32_t span);
GcimChipStatus gcimChipSimSecondProduct(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                        int32_t dims);
GcimChipStatus gcimChipSimReadout(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                  int32_t dims, int32_t *codes);
GcimChipStatus gcimChipSimAdderTree(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                    int32_t dims, float *out);

#endif /* GCIM_LIB_RUNTIME_CHIPSIM_H */
