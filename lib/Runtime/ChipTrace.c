/* ChipTrace.c: the trace chip (gcimChipCreateTrace): one text line per operation, then the
 * operation forwarded to the chip it wraps.
 *
 * The format (docs/ChipInterface.md) is what an RTL testbench replays: a header line
 * starting with '#', then per operation its name (the tile-level op of docs/Dialects.md),
 * the clock (t = token step, ns) and its operands as key=value, codes as comma lists. The
 * readout line also records the codes the wrapped chip answered. */
#include "ChipInternal.h"

typedef struct TraceChip {
  GcimChip *inner;
  FILE *file;
  int32_t *codes; /* [subTiles * arrayCols]: readout codes the caller did not ask for */
} TraceChip;

static TraceChip *traceOf(GcimChip *chip) { return chip->impl; }

/* The operation's name, clock and block; 0 on a write error. `first` is numbered within
 * the chip (Chip.c): the line and the wrapped chip get the caller's number. */
static int beginLine(GcimChip *chip, const char *op, int32_t first) {
  return fprintf(traceOf(chip)->file, "%s t=%lld ns=%.10g tile=%d", op, (long long)chip->step,
                 chip->ns, (int)(first + chip->base)) >= 0;
}

static int printCodes(FILE *file, const char *key, const int32_t *codes, int64_t count) {
  int ok = fprintf(file, " %s=", key) >= 0;
  for (int64_t i = 0; ok && i < count; ++i)
    ok = fprintf(file, i ? ",%d" : "%d", (int)codes[i]) >= 0;
  return ok;
}

/* Ends the line; then the wrapped chip's status (its reason copied) or an I/O error. */
static GcimChipStatus endLine(GcimChip *chip, int ok, GcimChipStatus innerStatus) {
  TraceChip *t = traceOf(chip);
  ok = ok && fputc('\n', t->file) != EOF && !ferror(t->file);
  if (innerStatus != GCIM_CHIP_OK)
    return gcimChipFail(chip, innerStatus, "%s", gcimChipGetError(t->inner));
  if (!ok)
    return gcimChipFail(chip, GCIM_CHIP_ERROR_IO, "the trace could not be written");
  return GCIM_CHIP_OK;
}

static void traceSetTime(GcimChip *chip) {
  gcimChipSetTime(traceOf(chip)->inner, chip->step, chip->ns);
}

static GcimChipStatus traceClear(GcimChip *chip, int32_t first, int32_t count) {
  int ok =
      beginLine(chip, "clear", first) && fprintf(traceOf(chip)->file, " count=%d", (int)count) >= 0;
  return endLine(chip, ok, gcimChipClear(traceOf(chip)->inner, first + chip->base, count));
}

static GcimChipStatus traceWrite(GcimChip *chip, int32_t first, int32_t span, int32_t slot,
                                 int32_t dims, const int32_t *k, const int32_t *v) {
  FILE *file = traceOf(chip)->file;
  int ok = beginLine(chip, chip->reloading ? "kv_reload" : "kv_write", first) &&
           fprintf(file, " span=%d slot=%d", (int)span, (int)slot) >= 0 &&
           printCodes(file, "k", k, dims) && printCodes(file, "v", v, dims);
  GcimChip *inner = traceOf(chip)->inner;
  int32_t at = first + chip->base;
  return endLine(chip, ok,
                 chip->reloading ? gcimChipReload(inner, at, span, slot, dims, k, v)
                                 : gcimChipWrite(inner, at, span, slot, dims, k, v));
}

static int printBlock(GcimChip *chip, const char *op, int32_t first, int32_t groups, int32_t span) {
  return beginLine(chip, op, first) &&
         fprintf(traceOf(chip)->file, " groups=%d span=%d", (int)groups, (int)span) >= 0;
}

static GcimChipStatus traceFirstProduct(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                        int32_t dims, const int32_t *q) {
  int ok = printBlock(chip, "qk_product", first, groups, span) &&
           printCodes(traceOf(chip)->file, "q", q, dims);
  return endLine(
      chip, ok,
      gcimChipFirstProduct(traceOf(chip)->inner, first + chip->base, groups, span, dims, q));
}

static GcimChipStatus traceChargeToPulse(GcimChip *chip, int32_t first, int32_t groups,
                                         int32_t span) {
  int ok = printBlock(chip, "charge_to_pulse", first, groups, span);
  return endLine(chip, ok,
                 gcimChipChargeToPulse(traceOf(chip)->inner, first + chip->base, groups, span));
}

static GcimChipStatus traceSecondProduct(GcimChip *chip, int32_t first, int32_t groups,
                                         int32_t span, int32_t dims) {
  int ok = printBlock(chip, "pv_product", first, groups, span) &&
           fprintf(traceOf(chip)->file, " dims=%d", (int)dims) >= 0;
  return endLine(
      chip, ok,
      gcimChipSecondProduct(traceOf(chip)->inner, first + chip->base, groups, span, dims));
}

static GcimChipStatus traceReadout(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                   int32_t dims, int32_t *codes) {
  codes = codes ? codes : traceOf(chip)->codes;
  GcimChipStatus rc =
      gcimChipReadout(traceOf(chip)->inner, first + chip->base, groups, span, dims, codes);
  int ok = printBlock(chip, "readout", first, groups, span) &&
           fprintf(traceOf(chip)->file, " dims=%d", (int)dims) >= 0 &&
           printCodes(traceOf(chip)->file, "z", codes, (int64_t)groups * dims);
  return endLine(chip, ok, rc);
}

static GcimChipStatus traceAdderTree(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                     int32_t dims, float *out) {
  int ok = printBlock(chip, "adder_tree", first, groups, span) &&
           fprintf(traceOf(chip)->file, " dims=%d", (int)dims) >= 0;
  return endLine(
      chip, ok,
      gcimChipAdderTree(traceOf(chip)->inner, first + chip->base, groups, span, dims, out));
}

static GcimChipStatus traceReadSlot(GcimChip *chip, int32_t first, int32_t span, int32_t slot,
                                    int32_t dims, float *k, float *v, int64_t *step) {
  GcimChipStatus rc =
      gcimChipReadSlot(traceOf(chip)->inner, first + chip->base, span, slot, dims, k, v, step);
  if (rc != GCIM_CHIP_OK)
    return gcimChipFail(chip, rc, "%s", gcimChipGetError(traceOf(chip)->inner));
  return GCIM_CHIP_OK;
}

static const GcimChipOps traceOps = {"trace",
                                     traceSetTime,
                                     traceClear,
                                     traceWrite,
                                     traceFirstProduct,
                                     traceChargeToPulse,
                                     traceSecondProduct,
                                     traceReadout,
                                     traceAdderTree,
                                     traceReadSlot,
                                     NULL};

GcimChipStatus gcimChipCreateTrace(GcimChip *inner, FILE *file, const GcimAllocator *allocator,
                                   GcimChip **out, char *message, size_t size) {
  const GcimHardware *hw = gcimChipGetHardware(inner);
  size_t codes = (size_t)inner->subTiles * (size_t)hw->arrayCols * sizeof(int32_t);
  GcimChipStatus rc = gcimChipAllocate(hw, inner->subTiles, allocator, &traceOps,
                                       sizeof(TraceChip) + codes, out, message, size);
  if (rc != GCIM_CHIP_OK)
    return rc;
  TraceChip *t = traceOf(*out);
  t->codes = (int32_t *)(t + 1);
  t->inner = inner;
  t->file = file;
  (*out)->base = inner->base;
  (*out)->step = inner->step;
  (*out)->ns = inner->ns;
  if (fprintf(file,
              "# gcim chip trace 1: sub_tiles=%d array_rows=%d array_cols=%d window=%d "
              "kv_levels=%d query_levels=%d output_levels=%d first_sub_tile=%d\n",
              (int)inner->subTiles, (int)hw->arrayRows, (int)hw->arrayCols, (int)hw->window,
              (int)hw->kv.levels, (int)hw->query.levels, (int)hw->output.levels,
              (int)inner->base) < 0) {
    gcimChipDestroy(*out);
    *out = NULL;
    if (message && size > 0)
      snprintf(message, size, "the trace could not be written");
    return GCIM_CHIP_ERROR_IO;
  }
  return GCIM_CHIP_OK;
}
