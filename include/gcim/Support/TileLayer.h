/* gcim/Support/TileLayer.h: one mapped attention layer at the tile level, as one unit.
 *
 * gcim-map-attention, gcim-quantize and gcim-schedule leave each analog attention as a chain
 * of tile-level ops (docs/Dialects.md, "Tile level"): input scalers, DAC/PWM quantisers,
 * gcim.kv_write, gcim.qk_product, gcim.charge_to_pulse, gcim.pv_product, gcim.readout, the
 * ADC quantiser, gcim.adder_tree and an output scaler (scalers folded away by gcim-quantize
 * are absent). Only the chain's inputs (q, k, v before the scalers) and its output are
 * tensors of the program: every value in between stays in the chip. gcim-lower-runtime and
 * the C emitter both read the chain through this matcher. */
#ifndef GCIM_SUPPORT_TILELAYER_H
#define GCIM_SUPPORT_TILELAYER_H

#include "mlir-c/IR.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The ops of one layer's chain; scalers are null ops when absent (folded).
typedef struct GcimTileLayer {
  MlirOperation end; /* the op whose result is the layer's output */
  MlirOperation write, firstProduct, chargeToPulse, secondProduct, readout, adderTree;
  MlirOperation quantizeQ, quantizeK, quantizeV, quantizeOut;
  MlirOperation scalers[4]; /* of q, k, v and the output (a_index 0, 2, 4, 6) */
  MlirValue q, k, v;        /* the chain's inputs */
} GcimTileLayer;

/// True when `op` is a tile-level op whose results stay in the chip (every op of a chain
/// but its end): such results get no buffer and the op no statement of its own.
bool gcimTileOpStaysInChip(MlirOperation op);

/// True when `op` ends a chain (the output gcim.scaler, or the gcim.adder_tree when no
/// output scaler follows).
bool gcimTileOpEndsLayer(MlirOperation op);

/// Matches the chain that `end` ends (gcimTileOpEndsLayer) into *layer. Returns NULL on
/// success, else the reason (a static string) it is not a complete chain, e.g. one without
/// quantisers.
const char *gcimTileLayerMatch(MlirOperation end, GcimTileLayer *layer);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_TILELAYER_H */
