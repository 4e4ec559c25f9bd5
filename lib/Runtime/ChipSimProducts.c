/* ChipSimProducts.c: the simulator chip's first product, charge-to-pulse, second product,
 * readout and adder tree (state in ChipSim.h).
 *
 * Speed comes from the identity of docs/HardwareModel.md §2: the decay depends only on the
 * slot, so each product is a constant term plus three matrix-vector products over w, w^2 and
 * w^3. The kernel forms the powers in registers and sums each lane in the spec's order
 * (dimensions d = 0, 1, ... for S_j, continuing across the sub-tiles of a group; slots in
 * order for Y_n), so the results equal the direct formula bit for bit. Zero queries and zero
 * pulses are skipped: adding the +-0 they contribute cannot change a sum that starts at +0.
 * With a per-cell retention spread the identity does not apply: a per-cell path is used. */
/* No contraction of a * b + c into fused multiply-adds (see SimKernel.c). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "ChipSim.h"

#include <string.h>

/* ---- the first product and charge-to-pulse ---- */

/* Ages of the slots of the group at `tile` (-1: unwritten or outside 0 .. window - 1);
 * returns how many are valid. An unwritten slot's step is UNWRITTEN, so its age is far
 * beyond any window. */
static int32_t groupAges(const GcimChip *chip, SimChip *s, int32_t tile) {
  const int64_t *written = s->writeStep + tileOffset(tile, s->rows);
  const uint64_t window = (uint64_t)s->window, now = (uint64_t)chip->step;
  int32_t valid = 0;
  for (int32_t c = 0; c < s->rows; ++c) {
    uint64_t age = now - (uint64_t)written[c];
    s->ages[c] = age < window ? (int32_t)age : -1;
    valid += age < window;
  }
  return valid;
}

/* When every slot of the group at `tile` is valid and was written in order, the index of
 * slot 0 in the power tables (slot c is at run + c); else -1. */
static int32_t groupRun(const GcimChip *chip, const SimChip *s, int32_t tile) {
  if (s->runLength[tile] != s->rows)
    return -1;
  uint64_t age0 = (uint64_t)chip->step - (uint64_t)s->runStart[tile];
  if (age0 >= (uint64_t)s->window || age0 < (uint64_t)(s->rows - 1))
    return -1;
  return s->window - 1 - (int32_t)age0;
}

/* The nonzero query dimensions of each sub-tile of a group, as local indices. */
static void activeQueryDims(SimChip *s, int32_t span, int32_t dims) {
  for (int32_t x = 0; x < span; ++x) {
    size_t at = (size_t)x * s->cols;
    s->activeCount[x] = s->nonzero(localDims(s, x, dims), s->q + at, s->active + at);
  }
}

/* Some slot of the block of slots from b is valid (by s->ages). */
static int blockHasValidSlot(const SimChip *s, int32_t b) {
  int any = 0;
  for (int32_t c = b; c < b + BLOCK; ++c)
    any |= s->ages[c] >= 0;
  return any;
}

/* S of the slots of one group into charge, 0 where not valid (slot-wise decay). */
static void chargesFast(SimChip *s, int32_t tile, int32_t span, int32_t run, float sumQ,
                        float *restrict charge) {
  int one = s->coef[2] == 0.0f && s->coef[3] == 0.0f;
  /* The kernel runs once per sub-tile and stretch of consecutive blocks that hold a valid
   * slot (every block when run >= 0); the sums of the other blocks are never read. */
  for (int32_t b = 0, end; b < s->rowsPad; b = end) {
    for (end = b; end < s->rowsPad && (run >= 0 || blockHasValidSlot(s, end)); end += BLOCK)
      ;
    if (end == b) {
      end += BLOCK;
      continue;
    }
    for (int i = 0; i < 3; ++i)
      memset(s->acc[i] + b, 0, (size_t)(end - b) * sizeof(float));
    for (int32_t x = 0; x < span; ++x) {
      const float *q = s->q + (size_t)x * s->cols;
      const float *cells =
          s->kCells + tileOffset(tile + x, s->rowsPad * s->cols) + (size_t)b * s->cols;
      s->kernel(one, (end - b) / BLOCK, (size_t)BLOCK * s->cols, s->activeCount[x],
                s->active + (size_t)x * s->cols, BLOCK, q, q, q, cells, s->acc[0] + b,
                s->acc[1] + b, s->acc[2] + b);
    }
  }
  /* A zero coefficient's term adds (0 * p) * 0 = +0 (its sums are 0): no change. */
  const float c0 = s->coef[0] * sumQ, a1 = s->coef[1], a2 = s->coef[2], a3 = s->coef[3];
  const float *restrict p1 = s->qkPow[0], *restrict p2 = s->qkPow[1];
  const float *restrict p3 = s->qkPow[2], *restrict acc1 = s->acc[0];
  const float *restrict acc2 = s->acc[1], *restrict acc3 = s->acc[2];
  if (run >= 0) { /* contiguous powers: the loop vectorises */
    for (int32_t c = 0; c < s->rows; ++c) {
      float S = c0;
      S = S + (a1 * p1[run + c]) * acc1[c];
      S = S + (a2 * p2[run + c]) * acc2[c];
      S = S + (a3 * p3[run + c]) * acc3[c];
      charge[c] = S;
    }
    return;
  }
  const int32_t *restrict ages = s->ages;
  for (int32_t c = 0; c < s->rows; ++c) {
    int32_t at = s->window - 1 - (ages[c] < 0 ? 0 : ages[c]); /* invalid: dropped below */
    float S = c0;
    S = S + (a1 * p1[at]) * acc1[c];
    S = S + (a2 * p2[at]) * acc2[c];
    S = S + (a3 * p3[at]) * acc3[c];
    charge[c] = ages[c] < 0 ? 0.0f : S;
  }
}

/* S with a decay base per cell (retention spread): sum_d q[d] * (w^i * delta_cell^(i age)). */
static void chargesPerCell(GcimChip *chip, SimChip *s, int32_t tile, int32_t dims, float sumQ,
                           float *charge) {
  for (int32_t c = 0; c < s->rows; ++c) {
    charge[c] = 0.0f;
    if (s->ages[c] < 0)
      continue;
    float dots[3] = {0.0f, 0.0f, 0.0f};
    for (int32_t d = 0; d < dims; ++d) {
      size_t t = tileOffset(tile + d / s->cols, 1), l = (size_t)(d % s->cols);
      float p[3], w = s->kCells[t * s->rowsPad * s->cols +
                                ((size_t)(c / BLOCK) * s->cols + l) * BLOCK + c % BLOCK];
      gcimSimDecayPowers(s->kDelta[(t * s->rows + c) * s->cols + l], s->ages[c], chip->hw.bf16Decay,
                         p);
      for (int i = 0; i < 3; ++i)
        dots[i] += s->q[d] * (gcimSimCellPower(w, i) * p[i]);
    }
    float S = s->coef[0] * sumQ;
    for (int i = 0; i < 3; ++i)
      if (s->coef[i + 1] != 0.0f)
        S = S + s->coef[i + 1] * dots[i];
    charge[c] = S;
  }
}

GCIM_SIM_WIDE GcimChipStatus gcimChipSimFirstProduct(GcimChip *chip, int32_t first, int32_t groups,
                                                     int32_t span, int32_t dims, const int32_t *q) {
  SimChip *s = simOf(chip);
  float sumQ = 0.0f;
  for (int32_t d = 0; d < dims; ++d) {
    s->q[d] = s->stepQ * (float)q[d];
    sumQ += s->q[d];
  }
  activeQueryDims(s, span, dims);
  for (int32_t g = 0; g < groups; ++g) {
    int32_t tile = first + g * span;
    float *charge = s->charge + tileOffset(tile, s->rowsPad);
    int32_t run = s->kDelta ? -1 : groupRun(chip, s, tile);
    int32_t valid = run >= 0 ? s->rows : groupAges(chip, s, tile);
    if (valid == 0)
      memset(charge, 0, (size_t)s->rows * sizeof *charge);
    else if (s->kDelta)
      chargesPerCell(chip, s, tile, dims, sumQ, charge);
    else
      chargesFast(s, tile, span, run, sumQ, charge);
    for (int32_t c = 0; c < s->rows && s->sigmaS > 0; ++c)
      if (run >= 0 || s->ages[c] >= 0)
        charge[c] += s->sigmaS * (float)gcimSimRandomNormal(s->rng);
  }
  return GCIM_CHIP_OK;
}

GCIM_SIM_WIDE GcimChipStatus gcimChipSimChargeToPulse(GcimChip *chip, int32_t first, int32_t groups,
                                                      int32_t span) {
  SimChip *s = simOf(chip);
  for (int32_t g = 0; g < groups; ++g) {
    size_t at = tileOffset(first + g * span, s->rowsPad);
    for (int32_t c = 0; c < s->rows; ++c)
      s->pulse[at + c] = gcimSimClamp(s->charge[at + c] * s->invSat, 0.0f, 1.0f);
  }
  return GCIM_CHIP_OK;
}

/* ---- the second product, readout, adder tree ---- */

/* inner_i of one sub-tile with a decay base per cell (retention spread), slot by slot. */
static void innerPerCell(SimChip *s, int32_t tile, int32_t count, const float *pulse,
                         int32_t local) {
  for (int i = 0; i < 3; ++i)
    memset(s->inner[i], 0, (size_t)s->colsPad * sizeof(float));
  for (int32_t j = 0; j < count; ++j) {
    int32_t c = s->active[j];
    for (int32_t d = 0; d < local; ++d) {
      float p[3];
      gcimSimDecayPowers(s->vDelta[(tileOffset(tile, s->rows) + c) * s->cols + d], s->ages[c], 0,
                         p);
      float w = s->vCells[tileOffset(tile, s->colsPad * s->rows) +
                          ((size_t)(d / BLOCK) * s->rows + c) * BLOCK + d % BLOCK];
      for (int i = 0; i < 3; ++i)
        s->inner[i][d] += (pulse[c] * p[i]) * gcimSimCellPower(w, i);
    }
  }
}

/* Y of the `local` dimensions of sub-tile `tile`, driven by the group's pulses. */
static void subTileOutputs(SimChip *s, int32_t tile, int32_t count, const float *pulse,
                           float phiSum, int32_t local) {
  if (s->vDelta) {
    innerPerCell(s, tile, count, pulse, local);
  } else {
    int one = s->coef[2] == 0.0f && s->coef[3] == 0.0f;
    const float *cells = s->vCells + tileOffset(tile, s->colsPad * s->rows);
    int32_t blocks = (local + BLOCK - 1) / BLOCK;
    for (int i = 0; i < 3; ++i)
      memset(s->inner[i], 0, (size_t)blocks * BLOCK * sizeof(float));
    s->kernel(one, blocks, (size_t)BLOCK * s->rows, count, s->active, BLOCK, s->coefs[0],
              s->coefs[1], s->coefs[2], cells, s->inner[0], s->inner[1], s->inner[2]);
  }
  const float y0 = s->coef[0] * phiSum, a1 = s->coef[1], a2 = s->coef[2], a3 = s->coef[3];
  float *Y = s->output + tileOffset(tile, s->colsPad);
  for (int32_t d = 0; d < local; ++d) {
    float y = y0;
    y = y + a1 * s->inner[0][d];
    y = y + a2 * s->inner[1][d];
    Y[d] = y + a3 * s->inner[2][d];
  }
  if (s->sigmaY > 0)
    for (int32_t d = 0; d < local; ++d)
      Y[d] += s->sigmaY * (float)gcimSimRandomNormal(s->rng);
}

/* The sum of the pulses of the first `count` slots of s->active, in slot order: the pulses
 * left out are +-0, and adding one to a sum of pulses (>= +0, starting at +0) changes
 * nothing, so this is the sum over all slots with a dependency chain of only `count` adds. */
static float pulsedSum(const SimChip *s, const float *pulse, int32_t count) {
  float phiSum = 0.0f;
  for (int32_t j = 0; j < count; ++j)
    phiSum += pulse[s->active[j]];
  return phiSum;
}

/* The pulsed slots of a group whose slots are all valid into s->active; returns how many.
 * Zero pulses are skipped: adding +0 to a sum of pulses (>= +0) changes nothing. */
static int32_t pulsedInOrder(SimChip *s, const float *pulse) {
  return s->nonzero(s->rows, pulse, s->active);
}

/* The sum of all the pulses of each of the groups, in slot order, into s->phiSums: for a
 * group whose slots are all valid, that of its pulsed slots (the others add +-0, which
 * changes no sum of pulses). */
static void groupPulseSums(SimChip *s, int32_t first, int32_t groups, int32_t span) {
  s->rowSums(groups, s->rows, tileOffset(span, s->rowsPad),
             s->pulse + tileOffset(first, s->rowsPad), s->phiSums);
}

/* As pulsedInOrder for any group, with the ages of its slots in s->ages (read only for the
 * pulsed ones): a pulsed slot that is no longer valid (cleared, or the clock moved) is
 * gated; returns the sum of the pulses of the others, in slot order. Branch-free (pulses
 * are zero at random): the gated pulses into s->gated, then their nonzero slots. */
static float pulsedAnyOrder(const GcimChip *chip, SimChip *s, int32_t tile, const float *pulse,
                            int32_t *count) {
  const int64_t *restrict written = s->writeStep + tileOffset(tile, s->rows);
  const uint64_t window = (uint64_t)s->window, now = (uint64_t)chip->step;
  int32_t *restrict ages = s->ages;
  float *restrict gated = s->gated;
  for (int32_t c = 0; c < s->rows; ++c) {
    uint64_t age = now - (uint64_t)written[c];
    ages[c] = age < window ? (int32_t)age : -1;
    gated[c] = age < window ? pulse[c] : 0.0f;
  }
  *count = s->nonzero(s->rows, gated, s->active);
  return pulsedSum(s, pulse, *count); /* a gated slot's pulse counts as +0 */
}

/* out[i] = a[i] * b[i], i < n (restrict parameters: the loop vectorises when inlined). */
static void products(int32_t n, const float *restrict a, const float *restrict b,
                     float *restrict out) {
  for (int32_t i = 0; i < n; ++i)
    out[i] = a[i] * b[i];
}

/* c_i = pulse * delta^(i age) of the pulsed slots, i = 1..3 (slot-wise decay), only those
 * the kernel reads; `run` as in groupRun (then of every slot: contiguous, the loop
 * vectorises), else the ages are in s->ages. */
static void pulseCoefficients(SimChip *s, const float *restrict pulse, int32_t count, int32_t run) {
  float *restrict c1 = s->coefs[0], *restrict c2 = s->coefs[1], *restrict c3 = s->coefs[2];
  const float *restrict p1 = s->vPow[0], *restrict p2 = s->vPow[1], *restrict p3 = s->vPow[2];
  const int32_t *restrict active = s->active, *restrict ages = s->ages;
  if (run >= 0) {
    products(s->rows, pulse, p1 + run, c1);
    products(s->rows, pulse, p2 + run, c2);
    products(s->rows, pulse, p3 + run, c3);
    return;
  }
  for (int32_t j = 0; j < count; ++j) {
    int32_t c = active[j], at = s->window - 1 - ages[c];
    c1[c] = pulse[c] * p1[at];
    c2[c] = pulse[c] * p2[at];
    c3[c] = pulse[c] * p3[at];
  }
}

GCIM_SIM_WIDE GcimChipStatus gcimChipSimSecondProduct(GcimChip *chip, int32_t first, int32_t groups,
                                                      int32_t span, int32_t dims) {
  SimChip *s = simOf(chip);
  if (!s->vDelta)
    groupPulseSums(s, first, groups, span);
  for (int32_t g = 0; g < groups; ++g) {
    int32_t tile = first + g * span;
    const float *pulse = s->pulse + tileOffset(tile, s->rowsPad);
    int32_t run = s->vDelta ? -1 : groupRun(chip, s, tile), count = 0;
    float phiSum = run >= 0 ? s->phiSums[g] : pulsedAnyOrder(chip, s, tile, pulse, &count);
    if (run >= 0)
      count = pulsedInOrder(s, pulse);
    if (!s->vDelta)
      pulseCoefficients(s, pulse, count, run);
    for (int32_t x = 0; x < span; ++x)
      subTileOutputs(s, tile + x, count, pulse, phiSum, localDims(s, x, dims));
  }
  return GCIM_CHIP_OK;
}

GCIM_SIM_WIDE GcimChipStatus gcimChipSimReadout(GcimChip *chip, int32_t first, int32_t groups,
                                                int32_t span, int32_t dims, int32_t *codes) {
  SimChip *s = simOf(chip);
  const float inv = s->invOut, top = s->maxOut, step = s->stepOut;
  for (int32_t g = 0; g < groups; ++g)
    for (int32_t x = 0; x < span; ++x) {
      int32_t tile = first + g * span + x, local = localDims(s, x, dims);
      const float *restrict Y = s->output + tileOffset(tile, s->colsPad);
      int32_t *restrict held = s->codes + tileOffset(tile, s->cols);
      int32_t *restrict into = codes ? codes + (size_t)g * dims + (size_t)x * s->cols : NULL;
      /* Y is finite (the chip's inputs are codes): no NaN to care about. The branch-free
       * rounding in a loop of its own, so that it vectorises. */
      if (s->smallOutputCodes)
        for (int32_t l = 0; l < local; ++l)
          held[l] = gcimSimCode(Y[l] * inv, -top, top, step, 1);
      else
        for (int32_t l = 0; l < local; ++l)
          held[l] = gcimSimCode(Y[l] * inv, -top, top, step, 0);
      if (into)
        memcpy(into, held, (size_t)local * sizeof *into);
    }
  return GCIM_CHIP_OK;
}

GCIM_SIM_WIDE GcimChipStatus gcimChipSimAdderTree(GcimChip *chip, int32_t first, int32_t groups,
                                                  int32_t span, int32_t dims, float *out) {
  SimChip *s = simOf(chip);
  for (int32_t d = 0; d < dims; ++d)
    out[d] = 0.0f;
  for (int32_t g = 0; g < groups; ++g)
    for (int32_t x = 0; x < span; ++x) {
      int32_t tile = first + g * span + x, local = localDims(s, x, dims);
      const int32_t *held = s->codes + tileOffset(tile, s->cols);
      float *sum = out + (size_t)x * s->cols;
      for (int32_t l = 0; l < local; ++l)
        sum[l] += s->stepOut * (float)held[l];
    }
  return GCIM_CHIP_OK;
}
