/* ChipSim.c: the functional simulator of a gain-cell chip (gcimChipCreateSimulator): its
 * state (ChipSim.h), create, clear, the K/V writes and the read-back; the products, readout
 * and adder tree are in ChipSimProducts.c.
 *
 * With a per-cell retention spread the decay depends on the cell and a slower per-cell path
 * is used. Noise draws from one stream per chip, in the order of the operations. */
/* No contraction of a * b + c into fused multiply-adds (see SimKernel.c). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "ChipSim.h"

#include <stdio.h>
#include <string.h>

/* ---- create ---- */

/* Carves `count` elements of `size` bytes, 64-byte aligned, from *cursor (NULL = sizing). */
static void *carve(char *base, size_t *total, size_t count, size_t size) {
  size_t bytes = (count * size + 63) & ~(size_t)63;
  void *p = base ? base + *total : NULL;
  *total += bytes;
  return p;
}

static void layout(SimChip *s, const GcimHardware *hw, int32_t tiles, char *base, size_t *total) {
  size_t n = (size_t)tiles, cells = (size_t)s->rows * (size_t)s->cols;
  size_t list = (size_t)s->rowsPad > n * (size_t)s->cols ? (size_t)s->rowsPad : n * (size_t)s->cols;
  int cellDecay = hw->decayEnabled && hw->noise.retentionSpreadRel > 0;
  *total = (sizeof(SimChip) + 63) & ~(size_t)63;
  s->writeStep = carve(base, total, n * (size_t)s->rows, sizeof(int64_t));
  s->runStart = carve(base, total, n, sizeof(int64_t));
  s->runLength = carve(base, total, n, sizeof(int32_t));
  s->kVolt = carve(base, total, n * cells, sizeof(float));
  s->vVolt = carve(base, total, n * cells, sizeof(float));
  s->kCells = carve(base, total, n * (size_t)s->rowsPad * (size_t)s->cols, sizeof(float));
  s->vCells = carve(base, total, n * (size_t)s->colsPad * (size_t)s->rows, sizeof(float));
  s->kDelta = cellDecay ? carve(base, total, n * cells, sizeof(float)) : NULL;
  s->vDelta = cellDecay ? carve(base, total, n * cells, sizeof(float)) : NULL;
  s->charge = carve(base, total, n * (size_t)s->rowsPad, sizeof(float));
  s->pulse = carve(base, total, n * (size_t)s->rowsPad, sizeof(float));
  s->output = carve(base, total, n * (size_t)s->colsPad, sizeof(float));
  s->codes = carve(base, total, n * (size_t)s->cols, sizeof(int32_t));
  for (int i = 0; i < 3; ++i) {
    s->qkPow[i] = carve(base, total, (size_t)s->window, sizeof(float));
    s->vPow[i] = carve(base, total, (size_t)s->window, sizeof(float));
    s->acc[i] = carve(base, total, (size_t)s->rowsPad, sizeof(float));
    s->coefs[i] = carve(base, total, (size_t)s->rowsPad, sizeof(float));
    s->inner[i] = carve(base, total, (size_t)s->colsPad, sizeof(float));
  }
  s->q = carve(base, total, n * (size_t)s->cols, sizeof(float));
  s->ages = carve(base, total, (size_t)s->rowsPad, sizeof(int32_t));
  s->active = carve(base, total, list, sizeof(int32_t));
  s->activeCount = carve(base, total, n, sizeof(int32_t));
  s->phiSums = carve(base, total, n, sizeof(float));
  s->gated = carve(base, total, (size_t)s->rowsPad, sizeof(float));
}

static void initConstants(SimChip *s, const GcimHardware *hw) {
  s->stepQ = (float)(hw->query.max / (hw->query.levels - 1));
  s->stepKV = (float)(hw->kv.max / (hw->kv.levels - 1));
  s->stepOut = (float)(2.0 * hw->output.max / (hw->output.levels - 1));
  s->maxOut = (float)hw->output.max;
  s->smallOutputCodes = gcimSimSmallCodes(hw->output.levels);
  s->mid = hw->midVoltage;
  s->vdd = hw->vdd;
  s->invSat = 1.0f / hw->firstProductSaturation;
  s->invOut = 1.0f / hw->outputSaturation;
  for (int i = 0; i < 4; ++i)
    s->coef[i] = hw->cell == GCIM_CELL_NONLINEAR ? (float)hw->cellCoeffs[i] : 0.0f;
  if (hw->cell == GCIM_CELL_LINEAR)
    s->coef[1] = (float)hw->linearSlope;
  double snr = hw->noise.readNoiseSnrDb;
  double rel = snr > 0 ? pow(10.0, -snr / 20.0) : 0.0;
  s->sigmaS = (float)(rel * hw->firstProductSaturation);
  s->sigmaY = (float)(rel * hw->outputSaturation);
  float delta = (float)exp(-hw->decayLambda);
  for (int32_t age = 0; age < s->window; ++age) {
    float qk[3] = {1.0f, 1.0f, 1.0f}, v[3] = {1.0f, 1.0f, 1.0f};
    if (hw->decayEnabled) {
      gcimSimDecayPowers(delta, age, hw->bf16Decay, qk);
      gcimSimDecayPowers(delta, age, 0, v);
    }
    for (int i = 0; i < 3; ++i) {
      s->qkPow[i][s->window - 1 - age] = qk[i];
      s->vPow[i][s->window - 1 - age] = v[i];
    }
  }
}

/* Per-cell retention: tau_cell = tau * (1 + spread * N(0, 1)), kept above tau / 100; all
 * K cells (sub-tile, slot, dim), then all V cells. */
static void drawRetention(SimChip *s, const GcimHardware *hw, size_t cells) {
  for (size_t c = 0; c < 2 * cells; ++c) {
    double factor = 1.0 + hw->noise.retentionSpreadRel * gcimSimRandomNormal(s->rng);
    float d = (float)exp(-hw->decayLambda / (factor > 0.01 ? factor : 0.01));
    (c < cells ? s->kDelta : s->vDelta)[c % cells] = d;
  }
}

static const GcimChipOps simOps;

GcimChipStatus gcimChipCreateSimulator(const GcimHardware *hw, int32_t subTiles, uint64_t stream,
                                       const GcimAllocator *allocator, GcimChip **out,
                                       char *message, size_t size) {
  *out = NULL;
  if (hw->window > (1 << 28)) {
    if (message && size > 0)
      snprintf(message, size, "window %d is too long for the simulator (at most 2^28)",
               (int)hw->window);
    return GCIM_CHIP_ERROR_INVALID;
  }
  SimChip probe = {0};
  probe.rows = hw->arrayRows;
  probe.cols = hw->arrayCols;
  probe.rowsPad = (hw->arrayRows + BLOCK - 1) / BLOCK * BLOCK;
  probe.colsPad = (hw->arrayCols + BLOCK - 1) / BLOCK * BLOCK;
  probe.window = hw->window;
  size_t total = 0;
  /* Sized only for what gcimChipAllocate accepts (it checks the same limits first). */
  if (gcimHardwareValidate(hw, NULL, 0) && subTiles > 0 && subTiles <= (1 << 20) &&
      (int64_t)hw->arrayRows * hw->arrayCols <= (1 << 24))
    layout(&probe, hw, subTiles, NULL, &total);
  GcimChip *chip;
  GcimChipStatus rc =
      gcimChipAllocate(hw, subTiles, allocator, &simOps, total, &chip, message, size);
  if (rc != GCIM_CHIP_OK)
    return rc;
  SimChip *s = simOf(chip);
  *s = probe;
  layout(s, hw, subTiles, (char *)s, &total);
  s->kernel = gcimSimKernelSelect();
  s->nonzero = gcimSimNonzeroSelect();
  s->rowSums = gcimSimRowSumsSelect();
  initConstants(s, hw);
  gcimSimRandomSeed(s->rng, hw->noise.seed ^ (0xD1B54A32D192ED03ull * (stream + 1)));
  if (s->kDelta)
    drawRetention(s, hw, (size_t)subTiles * (size_t)s->rows * (size_t)s->cols);
  for (size_t i = 0; i < (size_t)subTiles * (size_t)s->rows; ++i)
    s->writeStep[i] = UNWRITTEN;
  for (int32_t c = s->rows; c < s->rowsPad; ++c)
    s->ages[c] = -1; /* padding lanes of the last block are never valid */
  *out = chip;
  return GCIM_CHIP_OK;
}

/* ---- clear, write, read-back ---- */

static GcimChipStatus simClear(GcimChip *chip, int32_t first, int32_t count) {
  SimChip *s = simOf(chip);
  for (size_t i = tileOffset(first, s->rows); i < tileOffset(first + count, s->rows); ++i)
    s->writeStep[i] = UNWRITTEN;
  for (int32_t t = first; t < first + count; ++t)
    s->runLength[t] = 0;
  return GCIM_CHIP_OK;
}

/* A DAC code's voltage, with write noise when on. */
static float storeVoltage(GcimChip *chip, SimChip *s, int32_t code) {
  float u = s->stepKV * (float)code;
  if (chip->hw.noise.writeNoiseStdV > 0)
    u = gcimSimClamp(u + (float)(chip->hw.noise.writeNoiseStdV * gcimSimRandomNormal(s->rng)), 0.0f,
                     s->vdd);
  return u;
}

GCIM_SIM_WIDE static GcimChipStatus simWrite(GcimChip *chip, int32_t first, int32_t span,
                                             int32_t slot, int32_t dims, const int32_t *k,
                                             const int32_t *v) {
  SimChip *s = simOf(chip);
  const int32_t cols = s->cols;
  for (int32_t x = 0; x < span; ++x) {
    int32_t tile = first + x, local = localDims(s, x, dims);
    const int32_t *kx = k + (size_t)x * cols, *vx = v + (size_t)x * cols;
    float *kVolt = s->kVolt + tileOffset(tile, s->rows * cols) + (size_t)slot * cols;
    float *vVolt = s->vVolt + tileOffset(tile, s->rows * cols) + (size_t)slot * cols;
    float *kCells = s->kCells + tileOffset(tile, s->rowsPad * cols) +
                    (size_t)(slot / BLOCK) * cols * BLOCK + slot % BLOCK;
    float *vCells = s->vCells + tileOffset(tile, s->colsPad * s->rows) + (size_t)slot * BLOCK;
    for (int32_t l = 0; l < local; ++l) {
      kVolt[l] = storeVoltage(chip, s, kx[l]);
      vVolt[l] = storeVoltage(chip, s, vx[l]);
      kCells[(size_t)l * BLOCK] = kVolt[l] - s->mid;
      vCells[(size_t)(l / BLOCK) * s->rows * BLOCK + l % BLOCK] = vVolt[l] - s->mid;
    }
  }
  for (int32_t x = 0; x < span; ++x) {
    int32_t tile = first + x;
    s->writeStep[tileOffset(tile, s->rows) + slot] = chip->step;
    if (slot == 0)
      s->runStart[tile] = chip->step;
    int extends =
        slot == 0 || (slot == s->runLength[tile] && chip->step == s->runStart[tile] + slot);
    s->runLength[tile] = extends ? slot + 1 : 0;
  }
  return GCIM_CHIP_OK;
}

static GcimChipStatus simReadSlot(GcimChip *chip, int32_t first, int32_t span, int32_t slot,
                                  int32_t dims, float *k, float *v, int64_t *step) {
  SimChip *s = simOf(chip);
  (void)span;
  *step = s->writeStep[tileOffset(first, s->rows) + slot];
  *step = *step == UNWRITTEN ? -1 : *step;
  for (int32_t d = 0; *step >= 0 && d < dims; ++d) {
    size_t cell =
        tileOffset(first + d / s->cols, s->rows * s->cols) + (size_t)slot * s->cols + d % s->cols;
    if (k)
      k[d] = s->kVolt[cell];
    if (v)
      v[d] = s->vVolt[cell];
  }
  return GCIM_CHIP_OK;
}

static const GcimChipOps simOps = {"simulator",
                                   NULL,
                                   simClear,
                                   simWrite,
                                   gcimChipSimFirstProduct,
                                   gcimChipSimChargeToPulse,
                                   gcimChipSimSecondProduct,
                                   gcimChipSimReadout,
                                   gcimChipSimAdderTree,
                                   simReadSlot,
                                   NULL};
