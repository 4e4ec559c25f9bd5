/* SimExact.c: the hardsigmoid and gain-cell attention functions in float arithmetic.
 *
 * The gain-cell function is docs/HardwareModel.md section 2 with the quantisers and the decay
 * left out: scalers and clipping to the arrays' ranges, the cell response g(w) on both
 * products, the charge-to-pulse saturation and the per-sub-tile readout clip. Plain loops:
 * this is the checking path of --attention=digital, not the simulator. */
#include "gcim/Runtime/SimExact.h"

#include <math.h>

static float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

/* The cell's contribution per unit pulse at stored signed weight w. */
static float cellResponse(const GcimHardware *hw, float w) {
  if (hw->cell == GCIM_CELL_LINEAR)
    return (float)hw->linearSlope * w;
  const double *a = hw->cellCoeffs;
  return (float)(a[0] + w * (a[1] + w * (a[2] + w * a[3])));
}

/* Keys [*first, *last) that query i of tq (against tk keys) sees. */
static void visibleKeys(const GcimAttentionDesc *desc, int64_t i, int64_t tk, int64_t *first,
                        int64_t *last) {
  int64_t pos = tk - desc->queryLen + i;
  *first = 0;
  *last = tk;
  if (desc->causal)
    *last = pos + 1 < tk ? pos + 1 : tk;
  if (desc->window > 0) {
    *first = pos - desc->window + 1 > 0 ? pos - desc->window + 1 : 0;
    if (!desc->causal && pos + desc->window < *last)
      *last = pos + desc->window;
  }
  if (*last < *first)
    *last = *first;
}

static void hardsigmoidRow(const GcimAttentionDesc *desc, const float *q, const float *k,
                           const float *v, int64_t first, int64_t last, float *out) {
  int64_t dim = desc->headDim, vdim = desc->valueDim ? desc->valueDim : dim;
  for (int64_t d = 0; d < vdim; ++d)
    out[d] = 0.0f;
  for (int64_t j = first; j < last; ++j) {
    float s = 0.0f;
    for (int64_t d = 0; d < dim; ++d)
      s += q[d] * k[j * dim + d];
    float p = clampf(desc->scale * s, 0.0f, 1.0f);
    for (int64_t d = 0; d < vdim; ++d)
      out[d] += p * v[j * vdim + d];
  }
}

/* The signed weight a stored value represents: scaled, clipped to the array's range. */
static float storedWeight(const GcimHardware *hw, float a, float b, float x) {
  return clampf(a * x + b, 0.0f, (float)hw->kv.max) - hw->midVoltage;
}

float gcimSimExactCellResponse(const GcimHardware *hw, float a, float b, float x) {
  return cellResponse(hw, storedWeight(hw, a, b, x));
}

/* The response a row element stands for: computed from the projection (`sc` the scaler
 * pair), or already a response (sc NULL). */
static float responseOf(const GcimHardware *hw, const float *sc, float x) {
  return sc ? gcimSimExactCellResponse(hw, sc[0], sc[1], x) : x;
}

/* One query row over rows [first, last) of k and v, tiled by row index; kScale and vScale
 * are the scaler pairs of raw rows, or NULL for rows of responses. `scratch` holds 2 dim
 * floats (the pulses of q, one sub-tile's Y). */
static void gainCellRow(const GcimHardware *hw, int64_t dim, const float *sc, const float *kScale,
                        const float *vScale, const float *q, const float *k, const float *v,
                        int64_t first, int64_t last, float *out, float *scratch) {
  int64_t rows = hw->arrayRows;
  float outMax = (float)hw->output.max, *x = scratch, *y = scratch + dim;
  for (int64_t d = 0; d < dim; ++d) {
    x[d] = clampf(sc[0] * q[d] + sc[1], 0.0f, (float)hw->query.max);
    out[d] = 0.0f;
  }
  for (int64_t tile = first / rows * rows; tile < last; tile += rows) {
    int64_t begin = tile > first ? tile : first, end = tile + rows < last ? tile + rows : last;
    for (int64_t d = 0; d < dim; ++d)
      y[d] = 0.0f;
    for (int64_t j = begin; j < end; ++j) {
      float s = 0.0f;
      for (int64_t d = 0; d < dim; ++d)
        s += x[d] * responseOf(hw, kScale, k[j * dim + d]);
      float phi = clampf(s / hw->firstProductSaturation, 0.0f, 1.0f);
      for (int64_t d = 0; d < dim; ++d)
        y[d] += phi * responseOf(hw, vScale, v[j * dim + d]);
    }
    for (int64_t d = 0; d < dim; ++d) /* the sub-tile's readout */
      out[d] += clampf(y[d] / hw->outputSaturation, -outMax, outMax);
  }
  for (int64_t d = 0; d < dim; ++d)
    out[d] = sc[6] * out[d] + sc[7];
}

void gcimSimExactGainCellRow(const GcimHardware *hw, int64_t dim, const float *scalers,
                             const float *q, const float *keys, const float *values, int64_t first,
                             int64_t last, float *out, float *scratch) {
  gainCellRow(hw, dim, scalers, NULL, NULL, q, keys, values, first, last, out, scratch);
}

void gcimSimExactAttentionF32(GcimExactKind kind, const GcimHardware *hw,
                              const GcimAttentionDesc *desc, const float *scalers,
                              int64_t scalerRows, const float *q, const float *k,
                              int64_t kHeadStride, const float *v, int64_t vHeadStride, float *out,
                              float *scratch) {
  int64_t heads = desc->heads, kvHeads = desc->kvHeads ? desc->kvHeads : heads;
  int64_t dim = desc->headDim, vdim = desc->valueDim ? desc->valueDim : dim;
  float defaults[GCIM_SCALER_COUNT];
  for (int i = 0; i < GCIM_SCALER_COUNT; ++i)
    defaults[i] = gcimDefaultScalers[i];
  defaults[0] = desc->scale;
  for (int64_t b = 0; b < desc->batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      int64_t g = b * kvHeads + h / (heads / kvHeads);
      const float *kb = k + g * kHeadStride, *vb = v + g * vHeadStride;
      const float *sc = scalers ? scalers + GCIM_SCALER_COUNT * (h % scalerRows) : defaults;
      for (int64_t i = 0; i < desc->queryLen; ++i) {
        const float *qi = q + ((b * heads + h) * desc->queryLen + i) * dim;
        float *oi = out + ((b * heads + h) * desc->queryLen + i) * vdim;
        int64_t first, last;
        visibleKeys(desc, i, desc->keyLen, &first, &last);
        if (kind == GCIM_EXACT_HARDSIGMOID)
          hardsigmoidRow(desc, qi, kb, vb, first, last, oi);
        else
          gainCellRow(hw, dim, sc, sc + 2, sc + 4, qi, kb, vb, first, last, oi, scratch);
      }
    }
}
