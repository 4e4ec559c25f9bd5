/* Chip.c: the chip interface (gcim/Runtime/Chip.h): argument checks, clock, counters and
 * dispatch to an implementation (ChipInternal.h).
 *
 * Counting here, once, from the operations alone keeps every implementation's counters
 * equal: they follow the cost model of docs/HardwareModel.md §3 per array touched. */
#include "ChipInternal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MAX_SUB_TILES = 1 << 20, MAX_SUB_TILES_NUMBERED = 1 << 30 };

static void setMessage(char *message, size_t size, const char *text) {
  if (message && size > 0) {
    strncpy(message, text, size - 1);
    message[size - 1] = '\0';
  }
}

GcimChipStatus gcimChipAllocate(const GcimHardware *hw, int32_t subTiles,
                                const GcimAllocator *allocator, const GcimChipOps *ops,
                                size_t implBytes, GcimChip **out, char *message, size_t size) {
  *out = NULL;
  char reason[160] = "";
  if (!gcimHardwareValidate(hw, reason, sizeof reason)) {
    setMessage(message, size, reason);
    return GCIM_CHIP_ERROR_INVALID;
  }
  if (subTiles < 1 || subTiles > MAX_SUB_TILES ||
      (hw->maxSubTiles > 0 && subTiles > hw->maxSubTiles)) {
    snprintf(reason, sizeof reason, "a chip of %d sub-tiles is not possible (1 .. %d)",
             (int)subTiles, hw->maxSubTiles > 0 ? (int)hw->maxSubTiles : MAX_SUB_TILES);
    setMessage(message, size, reason);
    return GCIM_CHIP_ERROR_INVALID;
  }
  if ((int64_t)hw->arrayRows * hw->arrayCols > (1 << 24)) {
    snprintf(reason, sizeof reason, "arrays of %d x %d cells are too large (at most 2^24)",
             (int)hw->arrayRows, (int)hw->arrayCols);
    setMessage(message, size, reason);
    return GCIM_CHIP_ERROR_INVALID;
  }
  GcimAllocator a = gcimAllocatorOrDefault(allocator);
  size_t head = (sizeof(GcimChip) + 63) & ~(size_t)63;
  void *block = a.alloc(a.ud, head + 64 + implBytes);
  if (!block) {
    setMessage(message, size, "out of memory");
    return GCIM_CHIP_ERROR_MEMORY;
  }
  GcimChip *chip = block;
  memset(chip, 0, sizeof *chip);
  chip->ops = ops;
  chip->hw = *hw;
  chip->allocator = a;
  chip->subTiles = subTiles;
  char *impl = (char *)block + head;
  chip->impl = impl + (64 - (uintptr_t)impl % 64) % 64;
  memset(chip->impl, 0, implBytes);
  *out = chip;
  return GCIM_CHIP_OK;
}

GcimChipStatus gcimChipFail(GcimChip *chip, GcimChipStatus status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(chip->error, sizeof chip->error, format, args);
  va_end(args);
  return status;
}

void gcimChipDestroy(GcimChip *chip) {
  if (!chip)
    return;
  if (chip->ops->destroy)
    chip->ops->destroy(chip);
  GcimAllocator a = chip->allocator;
  a.free(a.ud, chip);
}

const GcimHardware *gcimChipGetHardware(const GcimChip *chip) { return &chip->hw; }

int32_t gcimChipGetSubTileCount(const GcimChip *chip) { return chip->subTiles; }

int32_t gcimChipGetFirstSubTile(const GcimChip *chip) { return chip->base; }

GcimChipStatus gcimChipSetFirstSubTile(GcimChip *chip, int32_t first) {
  chip->error[0] = '\0';
  if (first < 0 || (int64_t)first + chip->subTiles > MAX_SUB_TILES_NUMBERED)
    return gcimChipFail(chip, GCIM_CHIP_ERROR_INVALID,
                        "a chip of %d sub-tiles cannot start at sub-tile %d", (int)chip->subTiles,
                        (int)first);
  chip->base = first;
  return GCIM_CHIP_OK;
}

const char *gcimChipGetError(const GcimChip *chip) { return chip->error; }

void gcimChipSetTime(GcimChip *chip, int64_t step, double ns) {
  chip->step = step;
  chip->ns = ns;
  if (chip->ops->setTime)
    chip->ops->setTime(chip);
}

void gcimChipGetStats(const GcimChip *chip, GcimSimStats *stats) { *stats = chip->stats; }

void gcimChipClearStats(GcimChip *chip) { memset(&chip->stats, 0, sizeof chip->stats); }

/* ---- argument checks ---- */

/* groups * span sub-tiles from `first` exist, and `dims` fills every sub-tile of a group. */
static GcimChipStatus checkBlock(GcimChip *chip, const char *op, int32_t first, int32_t groups,
                                 int32_t span, int32_t dims) {
  chip->error[0] = '\0';
  int64_t cols = chip->hw.arrayCols;
  if (first < chip->base || groups < 0 || span < 1 ||
      (int64_t)first + (int64_t)groups * span > (int64_t)chip->base + chip->subTiles) {
    if (chip->base == 0)
      return gcimChipFail(chip, GCIM_CHIP_ERROR_INVALID,
                          "%s: sub-tiles %d + %d x %d are out of range (the chip has %d)", op,
                          (int)first, (int)groups, (int)span, (int)chip->subTiles);
    return gcimChipFail(chip, GCIM_CHIP_ERROR_INVALID,
                        "%s: sub-tiles %d + %d x %d are out of range (the chip has %d .. %d)", op,
                        (int)first, (int)groups, (int)span, (int)chip->base,
                        (int)(chip->base + chip->subTiles - 1));
  }
  if (dims < 1 || dims > span * cols || dims <= (span - 1) * cols)
    return gcimChipFail(chip, GCIM_CHIP_ERROR_INVALID,
                        "%s: %d dimensions do not fit a group of %d sub-tiles of %d", op, (int)dims,
                        (int)span, (int)cols);
  return GCIM_CHIP_OK;
}

static GcimChipStatus checkCodes(GcimChip *chip, const char *op, const char *what,
                                 const int32_t *codes, int32_t dims, int32_t levels) {
  for (int32_t d = 0; d < dims; ++d)
    if (codes[d] < 0 || codes[d] >= levels)
      return gcimChipFail(chip, GCIM_CHIP_ERROR_INVALID,
                          "%s: %s code %d of dimension %d is out of range 0 .. %d", op, what,
                          (int)codes[d], (int)d, (int)levels - 1);
  return GCIM_CHIP_OK;
}

/* ---- operations ---- */

GcimChipStatus gcimChipClear(GcimChip *chip, int32_t first, int32_t count) {
  GcimChipStatus rc = checkBlock(chip, "clear", first, count, 1, 1);
  if (rc != GCIM_CHIP_OK || !chip->ops->clear)
    return rc;
  return chip->ops->clear(chip, first - chip->base, count);
}

GcimChipStatus gcimChipWrite(GcimChip *chip, int32_t first, int32_t span, int32_t slot,
                             int32_t dims, const int32_t *k, const int32_t *v) {
  GcimChipStatus rc = checkBlock(chip, "kv_write", first, 1, span, dims);
  if (rc == GCIM_CHIP_OK && (slot < 0 || slot >= chip->hw.arrayRows))
    rc = gcimChipFail(chip, GCIM_CHIP_ERROR_INVALID, "kv_write: slot %d is out of range 0 .. %d",
                      (int)slot, (int)chip->hw.arrayRows - 1);
  if (rc == GCIM_CHIP_OK)
    rc = checkCodes(chip, "kv_write", "k", k, dims, chip->hw.kv.levels);
  if (rc == GCIM_CHIP_OK)
    rc = checkCodes(chip, "kv_write", "v", v, dims, chip->hw.kv.levels);
  if (rc == GCIM_CHIP_OK && chip->ops->write)
    rc = chip->ops->write(chip, first - chip->base, span, slot, dims, k, v);
  if (rc != GCIM_CHIP_OK)
    return rc;
  chip->stats.tokens += 1;
  chip->stats.arrayWrites += 2 * span;
  chip->stats.dacPJ += 2.0 * dims * chip->hw.cost.dacPerValuePJ;
  return GCIM_CHIP_OK;
}

GcimChipStatus gcimChipReload(GcimChip *chip, int32_t first, int32_t span, int32_t slot,
                              int32_t dims, const int32_t *k, const int32_t *v) {
  GcimSimStats counted = chip->stats; /* a reload is the schedule's to price */
  chip->reloading = 1;
  GcimChipStatus rc = gcimChipWrite(chip, first, span, slot, dims, k, v);
  chip->reloading = 0;
  chip->stats = counted;
  return rc;
}

GcimChipStatus gcimChipFirstProduct(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                    int32_t dims, const int32_t *q) {
  GcimChipStatus rc = checkBlock(chip, "qk_product", first, groups, span, dims);
  if (rc == GCIM_CHIP_OK)
    rc = checkCodes(chip, "qk_product", "q", q, dims, chip->hw.query.levels);
  if (rc == GCIM_CHIP_OK && chip->ops->firstProduct)
    rc = chip->ops->firstProduct(chip, first - chip->base, groups, span, dims, q);
  if (rc != GCIM_CHIP_OK)
    return rc;
  int64_t arrays = (int64_t)groups * span;
  chip->stats.arrayReads += arrays;
  chip->stats.firstProductPJ += (double)arrays * chip->hw.cost.firstProductPerArrayPJ;
  return GCIM_CHIP_OK;
}

GcimChipStatus gcimChipChargeToPulse(GcimChip *chip, int32_t first, int32_t groups, int32_t span) {
  /* The smallest dims a group of `span` takes: only the sub-tiles are checked. */
  int32_t dims = 1 + (span - 1) * chip->hw.arrayCols;
  GcimChipStatus rc = checkBlock(chip, "charge_to_pulse", first, groups, span, dims);
  if (rc == GCIM_CHIP_OK && chip->ops->chargeToPulse)
    rc = chip->ops->chargeToPulse(chip, first - chip->base, groups, span);
  return rc;
}

GcimChipStatus gcimChipSecondProduct(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                     int32_t dims) {
  GcimChipStatus rc = checkBlock(chip, "pv_product", first, groups, span, dims);
  if (rc == GCIM_CHIP_OK && chip->ops->secondProduct)
    rc = chip->ops->secondProduct(chip, first - chip->base, groups, span, dims);
  if (rc != GCIM_CHIP_OK)
    return rc;
  int64_t arrays = (int64_t)groups * span;
  chip->stats.arrayReads += arrays;
  chip->stats.secondProductPJ += (double)arrays * chip->hw.cost.secondProductPerArrayPJ;
  return GCIM_CHIP_OK;
}

GcimChipStatus gcimChipReadout(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                               int32_t dims, int32_t *codes) {
  GcimChipStatus rc = checkBlock(chip, "readout", first, groups, span, dims);
  if (rc != GCIM_CHIP_OK)
    return rc;
  if (chip->ops->readout)
    return chip->ops->readout(chip, first - chip->base, groups, span, dims, codes);
  if (codes)
    memset(codes, 0, (size_t)groups * (size_t)dims * sizeof *codes);
  return GCIM_CHIP_OK;
}

GcimChipStatus gcimChipAdderTree(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                 int32_t dims, float *out) {
  GcimChipStatus rc = checkBlock(chip, "adder_tree", first, groups, span, dims);
  if (rc == GCIM_CHIP_OK) {
    if (chip->ops->adderTree)
      rc = chip->ops->adderTree(chip, first - chip->base, groups, span, dims, out);
    else
      memset(out, 0, (size_t)dims * sizeof *out);
  }
  if (rc != GCIM_CHIP_OK)
    return rc;
  chip->stats.attends += 1;
  chip->stats.digitalPJ += chip->hw.cost.digitalPerHeadTokenPJ;
  chip->stats.latencyNs += chip->hw.cost.headTokenLatencyNs;
  return GCIM_CHIP_OK;
}

GcimChipStatus gcimChipReadSlot(GcimChip *chip, int32_t first, int32_t span, int32_t slot,
                                int32_t dims, float *k, float *v, int64_t *step) {
  GcimChipStatus rc = checkBlock(chip, "read_slot", first, 1, span, dims);
  if (rc == GCIM_CHIP_OK && (slot < 0 || slot >= chip->hw.arrayRows))
    rc = gcimChipFail(chip, GCIM_CHIP_ERROR_INVALID, "read_slot: slot %d is out of range",
                      (int)slot);
  if (rc != GCIM_CHIP_OK)
    return rc;
  if (!chip->ops->readSlot)
    return gcimChipFail(chip, GCIM_CHIP_ERROR_UNSUPPORTED,
                        "read_slot: the %s chip keeps no voltages", chip->ops->name);
  return chip->ops->readSlot(chip, first - chip->base, span, slot, dims, k, v, step);
}
