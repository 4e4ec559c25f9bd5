/* ChipCost.c: the cost-only chip (gcimChipCreateCost): Chip.c checks and counts every
 * operation exactly as for the simulator; this implementation computes nothing, so a whole
 * model's counters, energy and latency come at the price of the argument checks. */
#include "ChipInternal.h"

/* Every operation left NULL: Chip.c then only checks, counts and returns zero readouts. */
static const GcimChipOps costOps = {"cost-only", NULL, NULL, NULL, NULL, NULL,
                                    NULL,        NULL, NULL, NULL, NULL};

GcimChipStatus gcimChipCreateCost(const GcimHardware *hw, int32_t subTiles,
                                  const GcimAllocator *allocator, GcimChip **out, char *message,
                                  size_t size) {
  return gcimChipAllocate(hw, subTiles, allocator, &costOps, 0, out, message, size);
}
