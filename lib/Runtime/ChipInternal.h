/* ChipInternal.h: internal to the runtime: the chip object and its implementations' table.
 *
 * Chip.c checks every argument, keeps the clock and the counters and dispatches to the
 * implementation (ChipSim.c, ChipCost.c, ChipTrace.c), which therefore only sees valid
 * operations and counts nothing itself. */
#ifndef GCIM_LIB_RUNTIME_CHIPINTERNAL_H
#define GCIM_LIB_RUNTIME_CHIPINTERNAL_H

#include "gcim/Runtime/Chip.h"

/* One implementation. Operations get valid arguments (Chip.c checked them) with sub-tiles
 * numbered from 0 within the chip (the caller's number minus chip->base); NULL entries
 * do nothing (the cost-only chip) and readSlot NULL means unsupported. */
typedef struct GcimChipOps {
  const char *name;
  void (*setTime)(GcimChip *chip);
  GcimChipStatus (*clear)(GcimChip *chip, int32_t first, int32_t count);
  GcimChipStatus (*write)(GcimChip *chip, int32_t first, int32_t span, int32_t slot, int32_t dims,
                          const int32_t *k, const int32_t *v);
  GcimChipStatus (*firstProduct)(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                 int32_t dims, const int32_t *q);
  GcimChipStatus (*chargeToPulse)(GcimChip *chip, int32_t first, int32_t groups, int32_t span);
  GcimChipStatus (*secondProduct)(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                  int32_t dims);
  /* codes may be NULL: the codes then only stay in the chip for the adder tree. */
  GcimChipStatus (*readout)(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                            int32_t dims, int32_t *codes);
  GcimChipStatus (*adderTree)(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                              int32_t dims, float *out);
  GcimChipStatus (*readSlot)(GcimChip *chip, int32_t first, int32_t span, int32_t slot,
                             int32_t dims, float *k, float *v, int64_t *step);
  void (*destroy)(GcimChip *chip); /* releases what the implementation borrowed or opened */
} GcimChipOps;

struct GcimChip {
  const GcimChipOps *ops;
  GcimHardware hw;
  GcimAllocator allocator;
  int32_t subTiles;
  int32_t base;  /* the number of the first sub-tile (gcimChipSetFirstSubTile) */
  int64_t step;  /* the clock (gcimChipSetTime) */
  int reloading; /* the write being dispatched is a kv_reload (the trace names it so) */
  double ns;
  GcimSimStats stats;
  void *impl; /* the implementation's state, 64-byte aligned, after this struct */
  char error[192];
};

/* Checks *hw and subTiles, then makes a chip with `implBytes` zeroed bytes of
 * implementation state, all in one allocation. */
GcimChipStatus gcimChipAllocate(const GcimHardware *hw, int32_t subTiles,
                                const GcimAllocator *allocator, const GcimChipOps *ops,
                                size_t implBytes, GcimChip **out, char *message, size_t size);

/* Records a printf-formatted reason in chip->error and returns `status`. */
GcimChipStatus gcimChipFail(GcimChip *chip, GcimChipStatus status, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif /* GCIM_LIB_RUNTIME_CHIPINTERNAL_H */
