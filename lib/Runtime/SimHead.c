/* SimHead.c: one gain-cell attention head, the decode-step semantics of docs/HardwareModel.md §2,
 * as a composition of the chip interface (gcim/Runtime/Chip.h) over a simulator chip that
 * holds the head's sub-tiles.
 *
 * The head does what stays digital: the scalers, the quantisers' codes (DAC for k and v,
 * PWM for q), the ring buffer of slots (slot t mod window, sub-tile group slot / arrayRows,
 * column slot % arrayRows) and the output affine. Its sub-tiles are numbered group-major:
 * token tile n, dimension tile x is sub-tile n * span + x (span = ceil(dim / arrayCols)).
 * Per token: kv_write, then over the token tiles holding a written slot qk_product,
 * charge_to_pulse, pv_product, readout, adder_tree, each at its clock. A head made from a
 * command table (gcimSimHeadCreateFromCommands: what the compiler read from the tile IR)
 * takes its input quantisers and that clock from the table; others, the hardware's. A
 * spilled one (the table's `spilled`: its sub-tiles are a spill slot other blocks use too)
 * keeps its codes in digital memory and reloads its block before each token. The
 * chip computes every float in the spec's order, so the results equal the direct formula
 * bit for bit (test/Unit/SimTest.c). */
/* No contraction of a * b + c into fused multiply-adds (see SimKernel.c). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "gcim/Runtime/Chip.h"
#include "gcim/Runtime/Sim.h"
#include "gcim/Runtime/SimCalibration.h"

#include "SimKernel.h"

#include <assert.h>
#include <string.h>

struct GcimSimHead {
  GcimChip *chip; /* holds the head's sub-tiles first .. first + subTiles - 1 */
  int ownsChip;
  GcimAllocator allocator;
  int32_t first, dim, window, rows, span, subTiles;
  float scalers[GCIM_SCALER_COUNT];
  float stepQ, stepK, stepV, maxQ, maxK, maxV;
  int smallQ, smallK, smallV;                   /* see gcimSimCode */
  double periodNs, startNs[GCIM_TILE_OP_COUNT]; /* the schedule: the clock of each op */
  int64_t steps;
  int32_t *kCodes, *vCodes, *qCodes; /* [dim] */
  float *zsum;                       /* [dim] */
  /* A spilled head's digital memory (NULL otherwise): per ring slot its K/V codes and the
   * step they were written at (-1: none), reloaded before each token. */
  int32_t *kSaved, *vSaved; /* [window * dim] */
  int64_t *savedStep;       /* [window] */
  int64_t reloads;
  int32_t queryGroup;              /* query heads that attend on the head (--gqa=share), else 1 */
  GcimSimCalibration *calibration; /* NULL, or sees every write and attend */
};

/* The head only issues valid operations; a trace that cannot write its file still
 * forwards them (the chip keeps the reason), so only I/O errors can happen. */
static void check(GcimChipStatus rc) {
  assert(rc == GCIM_CHIP_OK || rc == GCIM_CHIP_ERROR_IO);
  (void)rc;
}

static void setQuantizer(const GcimTileQuantizer *quantizer, float *step, float *max, int *small) {
  *step = (float)(quantizer->max / (quantizer->levels - 1));
  *max = (float)quantizer->max;
  *small = gcimSimSmallCodes(quantizer->levels);
}

/* The quantisers and the schedule of `commands` (not the placement or the scalers). */
static void setCommands(GcimSimHead *h, const GcimTileCommands *commands) {
  setQuantizer(&commands->q, &h->stepQ, &h->maxQ, &h->smallQ);
  setQuantizer(&commands->k, &h->stepK, &h->maxK, &h->smallK);
  setQuantizer(&commands->v, &h->stepV, &h->maxV, &h->smallV);
  h->periodNs = commands->tokenPeriodNs;
  memcpy(h->startNs, commands->startNs, sizeof h->startNs);
}

/* The clock of operation `op` of token `step`. */
static void setTime(GcimSimHead *h, int64_t step, GcimTileOp op) {
  gcimChipSetTime(h->chip, step, (double)step * h->periodNs + h->startNs[op]);
}

/* The head's state on `chip` from sub-tile `first`, checked and allocated (with digital
 * memory for its K/V when `spilled`); *out NULL on failure. */
static GcimSimStatus createHead(GcimChip *chip, int32_t first, int32_t headDim,
                                const float *scalers, int spilled, const GcimAllocator *allocator,
                                GcimSimHead **out) {
  const GcimHardware *hw = gcimChipGetHardware(chip);
  int64_t subTiles = gcimHardwareSubTilesPerHead(hw, headDim);
  int32_t base = gcimChipGetFirstSubTile(chip);
  if (first < base || first + subTiles > (int64_t)base + gcimChipGetSubTileCount(chip))
    return GCIM_SIM_ERROR_INVALID;
  GcimAllocator a = gcimAllocatorOrDefault(allocator);
  size_t dim = (size_t)headDim, window = spilled ? (size_t)hw->window : 0;
  size_t bytes = sizeof(GcimSimHead) + dim * (3 * sizeof(int32_t) + sizeof(float));
  size_t savedAt = (bytes + 7) & ~(size_t)7; /* the steps, 8-byte aligned, then the codes */
  if (spilled)
    bytes = savedAt + window * (sizeof(int64_t) + 2 * dim * sizeof(int32_t));
  GcimSimHead *h = a.alloc(a.ud, bytes);
  if (!h)
    return GCIM_SIM_ERROR_MEMORY;
  memset(h, 0, sizeof *h);
  h->chip = chip;
  h->allocator = a;
  h->first = first;
  h->dim = headDim;
  h->window = hw->window;
  h->rows = hw->arrayRows;
  h->span = (headDim + hw->arrayCols - 1) / hw->arrayCols;
  h->subTiles = (int32_t)subTiles;
  h->queryGroup = 1;
  /* The hardware's quantisers and one head-token latency per token, until commands say
   * otherwise (gcimSimHeadCreateFromCommands). */
  GcimTileCommands defaults = {first,
                               {0},
                               {hw->query.levels, hw->query.max},
                               {hw->kv.levels, hw->kv.max},
                               {hw->kv.levels, hw->kv.max},
                               (float)hw->cost.headTokenLatencyNs,
                               {0},
                               0,
                               0};
  setCommands(h, &defaults);
  h->kCodes = (int32_t *)(h + 1);
  h->vCodes = h->kCodes + dim;
  h->qCodes = h->vCodes + dim;
  h->zsum = (float *)(h->qCodes + dim);
  if (spilled) {
    h->savedStep = (int64_t *)((char *)h + savedAt);
    h->kSaved = (int32_t *)(h->savedStep + window);
    h->vSaved = h->kSaved + window * dim;
  }
  gcimSimHeadSetScalers(h, scalers ? scalers : gcimDefaultScalers);
  gcimSimHeadReset(h);
  *out = h;
  return GCIM_SIM_OK;
}

/* The head's dimension and sub-tiles fit the simulator and the description. */
static int headFits(const GcimHardware *hw, int32_t headDim) {
  if (!gcimHardwareValidate(hw, NULL, 0) || headDim < 1 || headDim > (1 << 24) ||
      hw->window > (1 << 28))
    return 0;
  int64_t subTiles = gcimHardwareSubTilesPerHead(hw, headDim);
  return !(hw->maxSubTiles > 0 && subTiles > hw->maxSubTiles) && subTiles <= (1 << 20);
}

GcimSimStatus gcimSimHeadCreate(const GcimHardware *hw, int32_t headDim, const float *scalers,
                                uint64_t stream, const GcimAllocator *allocator,
                                GcimSimHead **out) {
  *out = NULL;
  if (!headFits(hw, headDim))
    return GCIM_SIM_ERROR_INVALID;
  GcimChip *chip;
  GcimChipStatus rc = gcimChipCreateSimulator(hw, (int32_t)gcimHardwareSubTilesPerHead(hw, headDim),
                                              stream, allocator, &chip, NULL, 0);
  if (rc != GCIM_CHIP_OK)
    return rc == GCIM_CHIP_ERROR_MEMORY ? GCIM_SIM_ERROR_MEMORY : GCIM_SIM_ERROR_INVALID;
  GcimSimStatus status = createHead(chip, 0, headDim, scalers, 0, allocator, out);
  if (status != GCIM_SIM_OK)
    gcimChipDestroy(chip);
  else
    (*out)->ownsChip = 1;
  return status;
}

GcimSimStatus gcimSimHeadCreateOnChip(GcimChip *chip, int32_t first, int32_t headDim,
                                      const float *scalers, const GcimAllocator *allocator,
                                      GcimSimHead **out) {
  *out = NULL;
  if (!headFits(gcimChipGetHardware(chip), headDim))
    return GCIM_SIM_ERROR_INVALID;
  return createHead(chip, first, headDim, scalers, 0, allocator, out);
}

GcimSimStatus gcimSimHeadCreateFromCommands(GcimChip *chip, int32_t headDim,
                                            const GcimTileCommands *commands,
                                            const GcimAllocator *allocator, GcimSimHead **out) {
  *out = NULL;
  const GcimHardware *hw = gcimChipGetHardware(chip);
  const GcimTileQuantizer *inputs[3] = {&commands->q, &commands->k, &commands->v};
  for (int i = 0; i < 3; ++i)
    if (inputs[i]->levels != (i ? hw->kv.levels : hw->query.levels) || !(inputs[i]->max > 0.0))
      return GCIM_SIM_ERROR_INVALID;
  if (!headFits(hw, headDim))
    return GCIM_SIM_ERROR_INVALID;
  GcimSimStatus status = createHead(chip, commands->firstSubTile, headDim, commands->scalers,
                                    commands->spilled != 0, allocator, out);
  if (status == GCIM_SIM_OK)
    setCommands(*out, commands);
  return status;
}

void gcimSimHeadSetChip(GcimSimHead *head, GcimChip *chip) {
  assert(!head->ownsChip);
  head->chip = chip;
}

void gcimSimHeadDestroy(GcimSimHead *head) {
  if (!head)
    return;
  if (head->ownsChip)
    gcimChipDestroy(head->chip);
  GcimAllocator a = head->allocator;
  a.free(a.ud, head);
}

void gcimSimHeadReset(GcimSimHead *head) {
  head->steps = 0;
  for (int32_t slot = 0; head->savedStep && slot < head->window; ++slot)
    head->savedStep[slot] = -1;
  check(gcimChipClear(head->chip, head->first, head->subTiles));
  gcimChipSetTime(head->chip, 0, 0.0);
}

void gcimSimHeadSetScalers(GcimSimHead *head, const float *scalers) {
  memcpy(head->scalers, scalers, sizeof head->scalers);
}

void gcimSimHeadGetScalers(const GcimSimHead *head, float *scalers) {
  memcpy(scalers, head->scalers, sizeof head->scalers);
}

int32_t gcimSimHeadGetWindow(const GcimSimHead *head) { return head->window; }

void gcimSimHeadSetQueryGroup(GcimSimHead *head, int32_t group) {
  head->queryGroup = group > 1 ? group : 1;
}

int32_t gcimSimHeadGetQueryGroup(const GcimSimHead *head) { return head->queryGroup; }

void gcimSimHeadSetCalibration(GcimSimHead *head, GcimSimCalibration *calibration) {
  head->calibration = calibration;
}

/* The code of a*x + b clipped to [0, max] (float32: a*x, then +b). */
static int32_t scaledCode(float x, float a, float b, float max, float step, int small) {
  float scaled = a * x;
  scaled = scaled + b;
  return gcimSimCode(scaled, 0.0f, max, step, small);
}

/* scaledCode of x[0 .. n) into codes, in loops of their own (one per rounding, see
 * gcimSimCode) so that they vectorise: the same operations per element. */
GCIM_SIM_WIDE static void scaledCodes(int32_t n, const float *restrict x, float a, float b,
                                      float max, float step, int small, int32_t *restrict codes) {
  if (small)
    for (int32_t i = 0; i < n; ++i)
      codes[i] = scaledCode(x[i], a, b, max, step, 1);
  else
    for (int32_t i = 0; i < n; ++i)
      codes[i] = scaledCode(x[i], a, b, max, step, 0);
}

/* A spilled head's block back from digital memory into its (shared) sub-tiles: cleared,
 * then every saved column at the step it was first written, so ages and decay are a
 * resident block's. */
static void reload(GcimSimHead *h) {
  double now = (double)h->steps * h->periodNs + h->startNs[GCIM_TILE_KV_WRITE];
  gcimChipSetTime(h->chip, h->steps, now);
  check(gcimChipClear(h->chip, h->first, h->subTiles));
  for (int32_t slot = 0; slot < h->window; ++slot) {
    int64_t step = h->savedStep[slot];
    if (step < 0)
      continue;
    gcimChipSetTime(h->chip, step, now); /* its age as written; the trace's time is now */
    size_t at = (size_t)slot * (size_t)h->dim;
    check(gcimChipReload(h->chip, h->first + slot / h->rows * h->span, h->span, slot % h->rows,
                         h->dim, h->kSaved + at, h->vSaved + at));
  }
  h->reloads += 1;
}

void gcimSimHeadWrite(GcimSimHead *head, const float *k, const float *v) {
  GcimSimHead *h = head;
  if (h->savedStep)
    reload(h);
  const float *sc = h->scalers;
  scaledCodes(h->dim, k, sc[2], sc[3], h->maxK, h->stepK, h->smallK, h->kCodes);
  scaledCodes(h->dim, v, sc[4], sc[5], h->maxV, h->stepV, h->smallV, h->vCodes);
  int32_t slot = (int32_t)(h->steps % h->window);
  setTime(h, h->steps, GCIM_TILE_KV_WRITE);
  check(gcimChipWrite(h->chip, h->first + slot / h->rows * h->span, h->span, slot % h->rows, h->dim,
                      h->kCodes, h->vCodes));
  if (h->savedStep) {
    h->savedStep[slot] = h->steps;
    memcpy(h->kSaved + (size_t)slot * (size_t)h->dim, h->kCodes, (size_t)h->dim * sizeof(int32_t));
    memcpy(h->vSaved + (size_t)slot * (size_t)h->dim, h->vCodes, (size_t)h->dim * sizeof(int32_t));
  }
  h->steps += 1;
  if (h->calibration)
    gcimSimCalibrationObserveWrite(h->calibration, sc, k, v, h->steps);
}

void gcimSimHeadAttend(GcimSimHead *head, const float *q, float *out) {
  GcimSimHead *h = head;
  int32_t n = h->steps < h->window ? (int32_t)h->steps : h->window;
  int32_t groups = (n + h->rows - 1) / h->rows, dim = h->dim, span = h->span;
  scaledCodes(dim, q, h->scalers[0], h->scalers[1], h->maxQ, h->stepQ, h->smallQ, h->qCodes);
  int64_t step = h->steps > 0 ? h->steps - 1 : 0; /* as of the last write */
  if (groups > 0) {
    setTime(h, step, GCIM_TILE_QK_PRODUCT);
    check(gcimChipFirstProduct(h->chip, h->first, groups, span, dim, h->qCodes));
    setTime(h, step, GCIM_TILE_CHARGE_TO_PULSE);
    check(gcimChipChargeToPulse(h->chip, h->first, groups, span));
    setTime(h, step, GCIM_TILE_PV_PRODUCT);
    check(gcimChipSecondProduct(h->chip, h->first, groups, span, dim));
    setTime(h, step, GCIM_TILE_READOUT);
    check(gcimChipReadout(h->chip, h->first, groups, span, dim, NULL));
  }
  setTime(h, step, GCIM_TILE_ADDER_TREE);
  check(gcimChipAdderTree(h->chip, h->first, groups, span, dim, h->zsum));
  for (int32_t d = 0; d < dim; ++d) {
    float y = h->scalers[6] * h->zsum[d];
    out[d] = y + h->scalers[7];
  }
  if (h->calibration)
    gcimSimCalibrationObserveAttend(h->calibration, h->scalers, q, out, h->steps);
}

void gcimSimHeadStep(GcimSimHead *head, const float *q, const float *k, const float *v,
                     float *out) {
  gcimSimHeadWrite(head, k, v);
  gcimSimHeadAttend(head, q, out);
}

void gcimSimHeadRunSequence(GcimSimHead *head, int64_t tokens, const float *q, const float *k,
                            const float *v, float *out) {
  size_t dim = (size_t)head->dim;
  for (int64_t t = 0; t < tokens; ++t)
    gcimSimHeadStep(head, q + t * dim, k + t * dim, v + t * dim, out + t * dim);
}

/* ---- getters ---- */

int32_t gcimSimHeadGetDim(const GcimSimHead *head) { return head->dim; }

int64_t gcimSimHeadGetStep(const GcimSimHead *head) { return head->steps; }

const GcimHardware *gcimSimHeadGetHardware(const GcimSimHead *head) {
  return gcimChipGetHardware(head->chip);
}

int64_t gcimSimHeadGetReloads(const GcimSimHead *head) { return head->reloads; }

int64_t gcimSimHeadGetSlot(const GcimSimHead *head, int32_t slot, float *k, float *v) {
  int64_t step = -1;
  if (slot < 0 || slot >= head->window ||
      gcimChipReadSlot(head->chip, head->first + slot / head->rows * head->span, head->span,
                       slot % head->rows, head->dim, k, v, &step) != GCIM_CHIP_OK)
    return -1;
  return step;
}

void gcimSimHeadGetStats(const GcimSimHead *head, GcimSimStats *stats) {
  gcimChipGetStats(head->chip, stats);
}

void gcimSimHeadClearStats(GcimSimHead *head) {
  gcimChipClearStats(head->chip);
  head->reloads = 0;
}

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
