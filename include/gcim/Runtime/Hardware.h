/* gcim/Runtime/Hardware.h: the hardware description shared by passes, report and simulator.
 *
 * Every parameter of the gain-cell hardware model (docs/HardwareModel.md, the
 * specification) with the paper's values as defaults. The compiler's passes,
 * its cost report and the simulator all read this one struct, so they never disagree.
 * C99, no MLIR. */
#ifndef GCIM_RUNTIME_HARDWARE_H
#define GCIM_RUNTIME_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The gain cell's response to a stored signed weight w = u - mid.
typedef enum GcimCellModel {
  GCIM_CELL_NONLINEAR = 0, /* g(w) = a0 + a1 w + a2 w^2 + a3 w^3 (the default) */
  GCIM_CELL_LINEAR = 1     /* g(w) = linearSlope * w */
} GcimCellModel;

/// A uniform quantiser: `levels` values; step = max / (levels - 1) computed in double and
/// rounded to float32 (so 0.9 / 7 is the reference's step, not 0.9f / 7). Symmetric
/// quantisers cover [-max, max] with step 2 max / (levels - 1).
typedef struct GcimQuantizer {
  int32_t levels;
  double max;
} GcimQuantizer;

/// Energy per operation, in picojoules, and latency, in nanoseconds.
typedef struct GcimCostTable {
  double firstProductPerArrayPJ;  /* q.K on one 64x64 K array + charge-to-pulse: 70 */
  double secondProductPerArrayPJ; /* phi.V on one 64x64 V array: 43.75 */
  double digitalPerHeadTokenPJ;   /* control and routing per head and token: 4000 */
  double dacPerValuePJ;           /* one K or V value written: 330 / 128 */
  double headTokenLatencyNs;      /* one head's attention for one token: 65 */
} GcimCostTable;

/// Seeded, deterministic non-idealities beyond the reference model; all off by default.
typedef struct GcimNoise {
  uint64_t seed;
  double readNoiseSnrDb;     /* additive read noise at this SNR; 0 = off */
  double writeNoiseStdV;     /* std of stored voltages, volts; 0 = off */
  double retentionSpreadRel; /* relative std of tau per cell; 0 = off */
} GcimNoise;

/// The most chips a floorplan may have: far beyond any model's layers (gcim-schedule never
/// uses more chips than analog layers), and small enough that per-chip tables stay small.
enum { GCIM_MAX_CHIPS = 4096 };

/// How the sub-tiles are laid out and what surrounds them (docs/HardwareModel.md section 6):
/// what gcim-schedule places the heads on. A zero value means "absent" (a description
/// written before floorplans, such as a generated program's, has all of them 0): chips 0 is
/// one chip, subTilesPerPeriphery 0 gives every head its own periphery, a bandwidth of 0
/// means there is no such link or memory.
typedef struct GcimFloorplan {
  int32_t chips;                /* chips, each with maxSubTiles sub-tiles: 1 (at most
                                   GCIM_MAX_CHIPS) */
  int32_t subTilesPerPeriphery; /* sub-tiles sharing one periphery unit (readout/ADC
                                   bank, charge-to-pulse, adder tree, DACs): 0 = one
                                   unit per head */
  double linkBytesPerNs;        /* inter-chip link bandwidth: 64 (64 GB/s) */
  double linkPJPerByte;         /* inter-chip link energy: 10 */
  double spillBytesPerNs;       /* digital memory K/V spill to: 128 (128 GB/s) */
  double spillPJPerByte;        /* its energy per byte moved: 20 */
  double subTileAreaMm2;        /* two 64x64 arrays of 1 um^2 cells: 0.008192 */
  double peripheryAreaMm2;      /* one periphery unit with control: 0.368928 */
} GcimFloorplan;

/// The hardware description. Initialise with gcimHardwareInitDefault.
typedef struct GcimHardware {
  int32_t arrayRows;    /* tokens per array (sub-tile): 64 */
  int32_t arrayCols;    /* head dimensions per array: 64 */
  int32_t window;       /* sliding window M in tokens: 1024 */
  int32_t maxSubTiles;  /* physical sub-tiles per chip; 0 = unlimited */
  float vdd;            /* 0.9 V */
  float midVoltage;     /* stored voltage of weight 0: 0.45 V */
  GcimQuantizer query;  /* 16 levels on [0, 1] */
  GcimQuantizer kv;     /* 8 levels on [0, 0.9] */
  GcimQuantizer output; /* 32 levels on [-1, 1] (symmetric) */
  GcimCellModel cell;
  double cellCoeffs[4];         /* a0..a3 of the nonlinear cell */
  double linearSlope;           /* 19.3 */
  int32_t decayEnabled;         /* 1 */
  double decayLambda;           /* 1.6e-4 per token */
  int32_t bf16Decay;            /* round QK-path decay powers to bfloat16: 0 */
  float firstProductSaturation; /* S_sat: 80 */
  float outputSaturation;       /* readout scale: 40 */
  double pulseMaxNs;            /* T_max: 15 */
  GcimCostTable cost;
  GcimNoise noise;
  GcimFloorplan floorplan; /* last: initialisers written before it leave it 0 (absent) */
} GcimHardware;

/// Per-head scalers, in the order a_q b_q a_k b_k a_v b_v a_o b_o.
enum { GCIM_SCALER_COUNT = 8 };

/// The paper's initial scalers: a = 1, b_q = 0, b_k = b_v = 0.45, b_o = 0.
extern const float gcimDefaultScalers[GCIM_SCALER_COUNT];

/// Fills *hw with the paper's hardware (docs/HardwareModel.md §2 and §3). Never fails.
void gcimHardwareInitDefault(GcimHardware *hw);

/// Checks every field of *hw (levels >= 2, positive sizes and ranges, non-negative window,
/// rates and noise, finite numbers). Returns 1 when valid; otherwise returns 0 and, when
/// `message` is not NULL, writes a NUL-terminated reason (at most `size` bytes) naming the
/// field, e.g. "kv.levels must be >= 2 (got 1)". Never allocates.
int gcimHardwareValidate(const GcimHardware *hw, char *message, size_t size);

/// Checks that a program compiled for *compiled (whose heads use `subTiles` sub-tiles) may
/// run on *given: *given must be valid and may differ only in what needs no recompiling
/// (noise and variation, the cost table, pulseMaxNs, the floorplan, and maxSubTiles when
/// it is 0 or its chips hold at least `subTiles`); geometry, window, quantisers, cell, decay and
/// saturations shape the mapping and the weights and must be equal. Returns 1 when it may;
/// otherwise 0 and, when `message` is not NULL, a NUL-terminated reason naming the field (at most
/// `size` bytes).
int gcimHardwareCheckRuntime(const GcimHardware *compiled, const GcimHardware *given,
                             int64_t subTiles, char *message, size_t size);

/// Chips of the floorplan: floorplan.chips, at least 1.
int32_t gcimHardwareChips(const GcimHardware *hw);

/// Sub-tiles one head of dimension `headDim` occupies: ceil(window / arrayRows) *
/// ceil(headDim / arrayCols).
int64_t gcimHardwareSubTilesPerHead(const GcimHardware *hw, int64_t headDim);

/// Energy of one head for one token, in picojoules, with `headDim` (the cost model of
/// docs/HardwareModel.md §3, analog parts scaled with the sub-tiles in use).
double gcimHardwareHeadTokenEnergyPJ(const GcimHardware *hw, int64_t headDim);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_HARDWARE_H */
