/* gcim/Runtime/Chip.h: the tile-level interface of a gain-cell attention chip.
 *
 * The operations a gain-cell chip offers on its physical sub-tiles (docs/ChipInterface.md):
 * write quantised K/V codes into a column slot, the first product of a quantised query,
 * charge-to-pulse, the second product, the readout quantiser and the digital adder tree.
 * Only digital values cross the interface (DAC, PWM and ADC codes in, ADC codes and sums
 * out); charges, pulses and voltages stay inside. Three implementations: the functional
 * simulator, a trace that records the command stream and forwards it, and a cost-only chip.
 * C99 + libm, no global state; a chip is used by one thread at a time. */
#ifndef GCIM_RUNTIME_CHIP_H
#define GCIM_RUNTIME_CHIP_H

#include "gcim/Runtime/Hardware.h"
#include "gcim/Runtime/Sim.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result of a chip call; on an error gcimChipGetError says why.
typedef enum GcimChipStatus {
  GCIM_CHIP_OK = 0,
  GCIM_CHIP_ERROR_INVALID,    /* an argument out of range (sub-tile, slot, code, size) */
  GCIM_CHIP_ERROR_MEMORY,     /* the allocator returned NULL (create only) */
  GCIM_CHIP_ERROR_IO,         /* the trace could not be written */
  GCIM_CHIP_ERROR_UNSUPPORTED /* the implementation does not offer the call */
} GcimChipStatus;

/// A chip: `subTiles` physical sub-tiles (a K and a V array of hw->arrayRows token slots by
/// hw->arrayCols dimensions each), a clock, counters; opaque.
typedef struct GcimChip GcimChip;

/// The functional simulator (docs/HardwareModel.md §2) of `subTiles` sub-tiles (at least 1, at
/// most hw->maxSubTiles when that is set, at most 2^20; arrays of at most 2^24 cells, a
/// window of at most 2^28) on a copy of *hw, validated. `stream` selects
/// its noise stream (mixed with hw->noise.seed); `allocator` may be NULL (malloc/free).
/// Every allocation happens here. On failure *out is NULL and, when `message` is not NULL,
/// a reason of at most `size` bytes is written there.
GcimChipStatus gcimChipCreateSimulator(const GcimHardware *hw, int32_t subTiles, uint64_t stream,
                                       const GcimAllocator *allocator, GcimChip **out,
                                       char *message, size_t size);

/// A cost-only chip: checks and counts every operation like the simulator, computes
/// nothing (readouts are 0). Arguments as for gcimChipCreateSimulator.
GcimChipStatus gcimChipCreateCost(const GcimHardware *hw, int32_t subTiles,
                                  const GcimAllocator *allocator, GcimChip **out, char *message,
                                  size_t size);

/// A trace: writes one line per operation to `file` (the format of docs/ChipInterface.md,
/// after a header line written here) and forwards the operation to `inner`, whose results
/// it returns. Both are borrowed and must outlive the trace; `inner` gives the hardware.
GcimChipStatus gcimChipCreateTrace(GcimChip *inner, FILE *file, const GcimAllocator *allocator,
                                   GcimChip **out, char *message, size_t size);

/// Frees the chip (not what it borrows). Accepts NULL.
void gcimChipDestroy(GcimChip *chip);

/// The chip's hardware description (borrowed), its number of sub-tiles and the number of
/// its first sub-tile (0 unless set).
const GcimHardware *gcimChipGetHardware(const GcimChip *chip);
int32_t gcimChipGetSubTileCount(const GcimChip *chip);
int32_t gcimChipGetFirstSubTile(const GcimChip *chip);

/// Numbers the sub-tiles first .. first + count - 1: the chip is that part of a larger one
/// (where a compiled program placed a head), and operations name sub-tiles by those numbers.
/// Call before any operation; a trace takes its inner chip's numbering when it is created.
/// GCIM_CHIP_ERROR_INVALID (numbering unchanged) unless 0 <= first and first + count <= 2^30.
GcimChipStatus gcimChipSetFirstSubTile(GcimChip *chip, int32_t first);

/// The reason of the last failed call (borrowed, valid until the next call), "" if none.
const char *gcimChipGetError(const GcimChip *chip);

/// Sets the clock for the operations that follow: `step` is the token step (the age of a
/// slot is the step of a read minus the step of its write; decay follows it), `ns` the
/// time in nanoseconds the trace records (the schedule's start time). Never fails.
void gcimChipSetTime(GcimChip *chip, int64_t step, double ns);

/* A group is `span` consecutive sub-tiles that hold the same token slots and consecutive
 * hw->arrayCols-wide slices of a head's dimensions (span = ceil(dims / arrayCols)); their K
 * columns share charge lines, so the first product sums over all `dims`. A block is
 * `groups` consecutive groups from sub-tile `first` (group g starts at first + g * span):
 * the token tiles of a head. Codes are int32: DAC codes 0 .. kv.levels - 1, PWM codes
 * 0 .. query.levels - 1, signed ADC codes of magnitude at most output.levels / 2. `dims`
 * is 1 .. span * arrayCols and leaves no sub-tile of a group empty. */

/// Marks every slot of sub-tiles first .. first + count - 1 unwritten (a new sequence).
GcimChipStatus gcimChipClear(GcimChip *chip, int32_t first, int32_t count);

/// kv_write: stores k and v (dims DAC codes each, not NULL) as the voltages of column
/// `slot` (0 .. arrayRows - 1) of the group at `first`, written at the current step.
GcimChipStatus gcimChipWrite(GcimChip *chip, int32_t first, int32_t span, int32_t slot,
                             int32_t dims, const int32_t *k, const int32_t *v);

/// qk_product: the query (dims PWM codes, not NULL) drives the K arrays of the block; each
/// valid slot (written, 0 <= age < window) integrates its charge; other slots hold none.
GcimChipStatus gcimChipFirstProduct(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                    int32_t dims, const int32_t *q);

/// charge_to_pulse: each slot's charge becomes its pulse clip(S / S_sat, 0, 1) on the V
/// arrays of the block.
GcimChipStatus gcimChipChargeToPulse(GcimChip *chip, int32_t first, int32_t groups, int32_t span);

/// pv_product: the pulses drive the V arrays of the block; each sub-tile integrates the
/// outputs of its dimensions (dims in all).
GcimChipStatus gcimChipSecondProduct(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                     int32_t dims);

/// readout: the output quantiser of every sub-tile of the block; `codes` (groups * dims
/// int32, group-major) receives the ADC codes, or may be NULL (they stay in the chip).
GcimChipStatus gcimChipReadout(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                               int32_t dims, int32_t *codes);

/// adder_tree: out[d] = the float32 sum over the groups, in order, of the output step times
/// the last readout code of dimension d (dims floats, not NULL): a head's sum over its token
/// tiles, before the output scaler. groups = 0 gives zeros and still counts the head-token.
GcimChipStatus gcimChipAdderTree(GcimChip *chip, int32_t first, int32_t groups, int32_t span,
                                 int32_t dims, float *out);

/// kv_reload: restores column `slot` of the group from digital memory, as gcimChipWrite
/// stores it but as written at the current step, which the caller sets to the column's
/// original step first (gcimChipSetTime), so its age, decay and validity are those of the
/// original write. Not counted as a kv_write: the schedule prices reloads (a spilled block's
/// K/V moved back, docs/HardwareModel.md section 6). The trace records `kv_reload` lines.
GcimChipStatus gcimChipReload(GcimChip *chip, int32_t first, int32_t span, int32_t slot,
                              int32_t dims, const int32_t *k, const int32_t *v);

/// Debug read-back: the stored voltages of column `slot` of the group (k and v: dims floats
/// each, either may be NULL) and the step it was written at (-1: unwritten) in *step.
/// Simulator only; the others return GCIM_CHIP_ERROR_UNSUPPORTED.
GcimChipStatus gcimChipReadSlot(GcimChip *chip, int32_t first, int32_t span, int32_t slot,
                                int32_t dims, float *k, float *v, int64_t *step);

/// A head (gcim/Runtime/Sim.h) on sub-tiles first .. first + n - 1 of `chip`, n =
/// gcimHardwareSubTilesPerHead(gcimChipGetHardware(chip), headDim), numbered as in
/// docs/ChipInterface.md. The chip is borrowed (it must outlive the head); a reset clears
/// only these sub-tiles; gcimSimHeadGetStats gives the chip's counters. On a trace whose
/// file fails the head still computes (check the file or gcimChipGetError). Otherwise as
/// gcimSimHeadCreate: GCIM_SIM_ERROR_INVALID when the head does not fit, *out NULL then.
GcimSimStatus gcimSimHeadCreateOnChip(GcimChip *chip, int32_t first, int32_t headDim,
                                      const float *scalers, const GcimAllocator *allocator,
                                      GcimSimHead **out);

/// The tile operations of a head's token, in the order they run (docs/ChipInterface.md).
typedef enum GcimTileOp {
  GCIM_TILE_KV_WRITE,
  GCIM_TILE_QK_PRODUCT,
  GCIM_TILE_CHARGE_TO_PULSE,
  GCIM_TILE_PV_PRODUCT,
  GCIM_TILE_READOUT,
  GCIM_TILE_ADDER_TREE,
  GCIM_TILE_OP_COUNT
} GcimTileOp;

/// A digital input quantiser of a head (the DAC codes of k or v, the PWM codes of q):
/// x becomes round_half_even(clip(x, 0, max) / step), step = max / (levels - 1). `levels`
/// is the converter's (hw kv or query levels); `max` may differ from the hardware's max
/// (the chip still turns code c into c times its own step).
typedef struct GcimTileQuantizer {
  int32_t levels;
  double max;
} GcimTileQuantizer;

/// One head's command table, as the compiler's scheduled tile IR gives it: where its
/// sub-tiles start, its scalers, its input quantisers and its schedule (operation o of token
/// t runs at t * tokenPeriodNs + startNs[o], the time gcimChipSetTime gets); the hardware
/// chip of the floorplan it is on (`gcim.chip`; sub-tiles are numbered across chips, chip c
/// from c x maxSubTiles) and whether its block is spilled: it then shares a spill slot
/// with other blocks, keeps its K/V codes in digital memory and reloads them into its
/// sub-tiles before each token (gcimChipReload at their original steps).
typedef struct GcimTileCommands {
  int32_t firstSubTile;
  float scalers[GCIM_SCALER_COUNT];
  GcimTileQuantizer q, k, v;
  double tokenPeriodNs;
  double startNs[GCIM_TILE_OP_COUNT];
  int32_t chip;    /* last: initialisers written before it leave it 0 */
  int32_t spilled; /* 1: reloaded before each token */
} GcimTileCommands;

/// A head (as gcimSimHeadCreateOnChip, at commands->firstSubTile) that runs `commands`.
/// GCIM_SIM_ERROR_INVALID when the head does not fit or a quantiser's levels are not the
/// chip's converters' or its max is not positive.
GcimSimStatus gcimSimHeadCreateFromCommands(GcimChip *chip, int32_t headDim,
                                            const GcimTileCommands *commands,
                                            const GcimAllocator *allocator, GcimSimHead **out);

/// Block reloads the head has done (a spilled head reloads before each token; 0 otherwise).
int64_t gcimSimHeadGetReloads(const GcimSimHead *head);

/// One layer's schedule as a compiled program executes it (its kv_write's gcim.* attributes,
/// docs/HardwareModel.md section 6), for gcimTileScheduleSummarize.
typedef struct GcimTileLayerSchedule {
  int32_t heads;         /* per sequence */
  int32_t rounds;        /* gcim.periphery_rounds: turns of its resident heads */
  int32_t spilledRounds; /* turns of one spilled block's heads */
  int32_t scheduled;     /* a spill slot, periphery rounds > 1 or a link transfer */
  int64_t reloadBytes;   /* one head's reload: its K/V codes (a byte per cell), its new k, v */
  int64_t reloadCells;   /* cells one head's reload writes again (DACs) */
  int64_t transferBytes; /* gcim.transfer_bytes: per sequence-token, from the previous chip */
  double spillBytesPerNs, spillPJPerByte, linkBytesPerNs, linkPJPerByte; /* the floorplan's */
} GcimTileLayerSchedule;

/// Adds what the schedule did to `count` heads' run to *stats: head i, on a chip of its own
/// (as a compiled program makes them), is of layer layers[headLayer[i]]. A head that reloaded is
/// spilled; a layer's resident heads take `rounds` turns per token, each spilled block its reload
/// then `spilledRounds` turns; a layer's sequence-tokens (its heads' adder trees / heads) each
/// cross its link once (a layer with transferBytes starts the next chip). elapsedNs is the
/// pipelined time (docs/HardwareModel.md section 6, rule 5): the longest of a chip's busy
/// time, a link's and one head's (one sequence's) path through every layer and link.
/// stats->schedule.scheduled is set when any layer's `scheduled` is.
void gcimTileScheduleSummarize(const GcimHardware *hw, GcimSimHead *const *heads,
                               const int32_t *headLayer, int64_t count,
                               const GcimTileLayerSchedule *layers, int64_t layerCount,
                               GcimSimSummary *stats);

/// Makes the head issue its operations to `chip` from now on (borrowed), for example a trace
/// created over the chip it used: the new chip must number the same sub-tiles over the same
/// state. Not for heads made by gcimSimHeadCreate (they own their chip).
void gcimSimHeadSetChip(GcimSimHead *head, GcimChip *chip);

/// The counters of the operations so far (docs/HardwareModel.md §3; GcimSimStats of Sim.h:
/// `tokens` counts writes, `attends` adder trees) and zeroing them.
void gcimChipGetStats(const GcimChip *chip, GcimSimStats *stats);
void gcimChipClearStats(GcimChip *chip);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_CHIP_H */
