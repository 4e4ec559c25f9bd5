/* gcim/Runtime/SimExact.h: the gain cells' attention functions computed exactly.
 *
 * What --attention=digital computes for attention that is not softmax: the function the
 * hardware approximates, in float arithmetic, without its quantisers and decay (so a
 * GainCellAttention model can be checked against its own float function, and a window
 * longer than the hardware's is no longer a limit). C99 + libm. */
#ifndef GCIM_RUNTIME_SIMEXACT_H
#define GCIM_RUNTIME_SIMEXACT_H

#include "gcim/Runtime/Hardware.h"
#include "gcim/Runtime/Kernels/Nn.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The attention function of an analog kind.
typedef enum GcimExactKind {
  GCIM_EXACT_HARDSIGMOID = 0, /* p_j = clip(scale q.k_j, 0, 1); out = sum_j p_j v_j */
  GCIM_EXACT_GAINCELL = 1     /* docs/HardwareModel.md section 2 without quantisers and decay */
} GcimExactKind;

/// Attention of `kind` over the keys each query sees (desc's causal and window, as
/// gcimKernelAttentionF32; kvHeads grouping included). q (B, H, Tq, D); k and v hold each
/// (batch, kv head) block `kHeadStride` and `vHeadStride` floats apart (Tk rows of D and Dv);
/// out (B, H, Tq, Dv). GAINCELL uses `hw`'s cell, ranges and saturations, needs D == Dv,
/// and per head the scalers row h % scalerRows of `scalers` (8 floats each; NULL: the
/// default scalers with a_q = desc->scale); its readout clips per block of hw->arrayRows
/// keys by absolute position, as the reference model tiles a prefill. `scratch` holds
/// 2 D floats (unused by HARDSIGMOID). No overlap. Never fails.
void gcimSimExactAttentionF32(GcimExactKind kind, const GcimHardware *hw,
                              const GcimAttentionDesc *desc, const float *scalers,
                              int64_t scalerRows, const float *q, const float *k,
                              int64_t kHeadStride, const float *v, int64_t vHeadStride, float *out,
                              float *scratch);

/// The response g(w) of a cell storing projection x through the scaler pair (a, b):
/// w = clip(a x + b, 0, hw->kv.max) - hw->midVoltage, g hw's cell (no quantiser, no decay).
float gcimSimExactCellResponse(const GcimHardware *hw, float a, float b, float x);

/// The gain-cell function of one query q (dim floats, before its scaler) over rows
/// [first, last) of `keys` and `values`, rows of dim cell responses (gcimSimExactCellResponse
/// of the stored projections), the readout clipping per block of hw->arrayRows rows by row
/// index: what gcimSimExactAttentionF32 computes for one query, on stored responses. `scalers`
/// 8 floats (a_q, b_q and a_o, b_o are used); out dim floats; `scratch` 2 dim floats.
void gcimSimExactGainCellRow(const GcimHardware *hw, int64_t dim, const float *scalers,
                             const float *q, const float *keys, const float *values, int64_t first,
                             int64_t last, float *out, float *scratch);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_SIMEXACT_H */
