/* LegacySim.h: the simulator as it was before the chip interface, as an oracle.
 *
 * SimHead.c, SimKernel.c and SimKernel.h of this folder are verbatim copies of
 * lib/Runtime at commit 23b7ff9, when gcimSimHead computed everything itself; compiled with
 * LegacyRename.h they export these names. ChipTest.c checks that the head over the chip
 * interface gives the same bits, noise included. */
#ifndef GCIM_TEST_UNIT_LEGACYSIM_H
#define GCIM_TEST_UNIT_LEGACYSIM_H

#include "gcim/Runtime/Sim.h"

typedef struct LegacySimHead LegacySimHead;

GcimSimStatus legacySimHeadCreate(const GcimHardware *hw, int32_t headDim, const float *scalers,
                                  uint64_t stream, const GcimAllocator *allocator,
                                  LegacySimHead **out);
void legacySimHeadDestroy(LegacySimHead *head);
void legacySimHeadReset(LegacySimHead *head);
void legacySimHeadSetScalers(LegacySimHead *head, const float *scalers);
void legacySimHeadStep(LegacySimHead *head, const float *q, const float *k, const float *v,
                       float *out);
int64_t legacySimHeadGetSlot(const LegacySimHead *head, int32_t slot, float *k, float *v);
void legacySimHeadGetStats(const LegacySimHead *head, GcimSimStats *stats);

#endif /* GCIM_TEST_UNIT_LEGACYSIM_H */
