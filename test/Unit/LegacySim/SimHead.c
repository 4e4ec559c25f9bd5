/* SimHead.c: one gain-cell attention head, the decode-step semantics of docs/HardwareModel.md §2.
 *
 * Speed comes from the identity of §2: the decay depends only on the slot, so each product
 * is a constant term plus three matrix-vector products over w, w^2 and w^3. Each cell's w is
 * stored at write time, in blocks laid out in the order the kernel (SimKernel.c) reads them;
 * the kernel forms w^2 = w * w and w^3 = w^2 * w in registers and sums each lane in the
 * spec's order (dimensions d = 0, 1, ... for S_j, slots in order for Y_n). Every float
 * operation therefore happens as the spec's formula states it, so this equals the direct
 * formula bit for bit (test/Unit/SimTest.c checks it). Zero queries and zero pulses are
 * skipped: adding the +-0 they contribute cannot change a sum that starts at +0.
 *
 * With a per-cell retention spread the decay depends on the cell, the identity does not
 * apply, and a slower per-cell path is used. */
/* No contraction of a * b + c into fused multiply-adds: GCC never contracts in the ISO C
 * mode the generated Makefile uses, and clang would where the target has FMAs, so the
 * same source would round differently per compiler (docs/GeneratedC.md, reproducibility). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "gcim/Runtime/Sim.h"

#include "SimHeadState.h"
#include "SimKernel.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- float32 arithmetic of the reference ---- */

static float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

/* Round half to even (the default rounding mode), inline: adding and removing 2^23 leaves
 * the nearest integer when floats are evaluated in float precision. */
static float roundHalfEven(float x) {
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
  const float big = 8388608.0f, a = fabsf(x), r = (a + big) - big;
  return copysignf(a < big ? r : a, x); /* |x| >= 2^23 is an integer already (or NaN) */
#else
  return nearbyintf(x);
#endif
}

/* Q(x): step * round_half_even(x / step), all in float32. */
static float quantize(float x, float step) { return step * roundHalfEven(x / step); }

/* Round to bfloat16, nearest even. */
static float bf16(float x) {
  uint32_t bits;
  memcpy(&bits, &x, sizeof bits);
  bits = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
  memcpy(&x, &bits, sizeof x);
  return x;
}

/* P1 = delta^age (float32 pow), P2 = P1 * P1, P3 = P2 * P1; optionally each in bfloat16. */
static void decayPowers(float delta, int64_t age, int roundBf16, float out[3]) {
  float p1 = powf(delta, (float)age);
  if (roundBf16) {
    p1 = bf16(p1);
    out[0] = p1;
    out[1] = bf16(p1 * p1);
    out[2] = bf16(out[1] * p1);
  } else {
    out[0] = p1;
    out[1] = p1 * p1;
    out[2] = out[1] * p1;
  }
}

/* The cell holding w of slot s, dimension d (see the layout in GcimSimHead). */
static float *kAt(const GcimSimHead *h, int32_t s, int32_t d) {
  return h->kCells + ((size_t)(s / BLOCK) * (size_t)h->dim + (size_t)d) * BLOCK +
         (size_t)(s % BLOCK);
}

static float *vAt(const GcimSimHead *h, int32_t s, int32_t d) {
  return h->vCells + ((size_t)(d / BLOCK) * (size_t)h->window + (size_t)s) * BLOCK +
         (size_t)(d % BLOCK);
}

/* w^(i+1) as repeated float32 products: w, w * w, (w * w) * w. */
static float cellPower(float w, int i) {
  float w2 = w * w;
  return i == 0 ? w : i == 1 ? w2 : w2 * w;
}

/* ---- create, destroy, reset ---- */

/* Carves `count` elements of `size` bytes, 64-byte aligned, from *cursor (NULL = sizing). */
static void *carve(char **cursor, size_t *total, size_t count, size_t size) {
  size_t bytes = (count * size + 63) & ~(size_t)63;
  void *p = *cursor ? *cursor + *total : NULL;
  *total += bytes;
  return p;
}

static void layout(GcimSimHead *h, char *base, size_t *total) {
  size_t window = (size_t)h->window, dim = (size_t)h->dim, stride = (size_t)h->stride;
  size_t vstride = (size_t)h->vstride;
  size_t list = (size_t)h->hw.arrayRows > dim ? (size_t)h->hw.arrayRows : dim;
  int cellDecay = h->hw.decayEnabled && h->hw.noise.retentionSpreadRel > 0;
  char *cursor = base;
  *total = 0;
  h->writeStep = carve(&cursor, total, window, sizeof(int64_t));
  h->kVolt = carve(&cursor, total, window * dim, sizeof(float));
  h->vVolt = carve(&cursor, total, window * dim, sizeof(float));
  for (int i = 0; i < 3; ++i) {
    h->acc[i] = carve(&cursor, total, stride, sizeof(float));
    h->inner[i] = carve(&cursor, total, vstride, sizeof(float));
    h->coefs[i] = carve(&cursor, total, stride, sizeof(float));
  }
  h->kCells = carve(&cursor, total, stride * dim, sizeof(float));
  h->vCells = carve(&cursor, total, vstride * window, sizeof(float));
  for (int i = 0; i < 3; ++i) {
    h->qkPow[i] = carve(&cursor, total, window, sizeof(float));
    h->vPow[i] = carve(&cursor, total, window, sizeof(float));
  }
  h->kDelta = cellDecay ? carve(&cursor, total, window * dim, sizeof(float)) : NULL;
  h->vDelta = cellDecay ? carve(&cursor, total, window * dim, sizeof(float)) : NULL;
  h->q = carve(&cursor, total, dim, sizeof(float));
  h->phi = carve(&cursor, total, stride, sizeof(float));
  h->zsum = carve(&cursor, total, dim, sizeof(float));
  h->active = carve(&cursor, total, list, sizeof(int32_t));
}

/* Constants derived from the description, the decay tables and per-cell spreads. */
static void initConstants(GcimSimHead *h, uint64_t stream) {
  const GcimHardware *hw = &h->hw;
  h->stepQ = (float)(hw->query.max / (hw->query.levels - 1));
  h->stepKV = (float)(hw->kv.max / (hw->kv.levels - 1));
  h->stepOut = (float)(2.0 * hw->output.max / (hw->output.levels - 1));
  h->maxQ = (float)hw->query.max;
  h->maxKV = (float)hw->kv.max;
  h->maxOut = (float)hw->output.max;
  h->mid = hw->midVoltage;
  h->vdd = hw->vdd;
  h->invSat = 1.0f / hw->firstProductSaturation;
  h->invOut = 1.0f / hw->outputSaturation;
  for (int i = 0; i < 4; ++i)
    h->coef[i] = hw->cell == GCIM_CELL_NONLINEAR ? (float)hw->cellCoeffs[i] : 0.0f;
  if (hw->cell == GCIM_CELL_LINEAR)
    h->coef[1] = (float)hw->linearSlope;
  double snr = hw->noise.readNoiseSnrDb;
  double rel = snr > 0 ? pow(10.0, -snr / 20.0) : 0.0;
  h->sigmaS = (float)(rel * hw->firstProductSaturation);
  h->sigmaY = (float)(rel * hw->outputSaturation);
  float delta = (float)exp(-hw->decayLambda);
  for (int32_t age = 0; age < h->window; ++age) {
    float qk[3] = {1.0f, 1.0f, 1.0f}, v[3] = {1.0f, 1.0f, 1.0f};
    if (hw->decayEnabled) {
      decayPowers(delta, age, hw->bf16Decay, qk);
      decayPowers(delta, age, 0, v);
    }
    for (int i = 0; i < 3; ++i) {
      h->qkPow[i][h->window - 1 - age] = qk[i];
      h->vPow[i][h->window - 1 - age] = v[i];
    }
  }
  gcimSimRandomSeed(h->rng, hw->noise.seed ^ (0xD1B54A32D192ED03ull * (stream + 1)));
  if (h->kDelta) {
    /* Per-cell retention: tau_cell = tau * (1 + spread * N(0, 1)), kept above tau / 100. */
    size_t cells = (size_t)h->window * (size_t)h->dim;
    for (size_t c = 0; c < 2 * cells; ++c) {
      double factor = 1.0 + hw->noise.retentionSpreadRel * gcimSimRandomNormal(h->rng);
      float d = (float)exp(-hw->decayLambda / (factor > 0.01 ? factor : 0.01));
      (c < cells ? h->kDelta : h->vDelta)[c % cells] = d;
    }
  }
}

GcimSimStatus gcimSimHeadCreate(const GcimHardware *hw, int32_t headDim, const float *scalers,
                                uint64_t stream, const GcimAllocator *allocator,
                                GcimSimHead **out) {
  *out = NULL;
  /* Sizes stay far from int32 overflow once padded to blocks. */
  if (!gcimHardwareValidate(hw, NULL, 0) || headDim < 1 || headDim > (1 << 24) ||
      hw->window > (1 << 28))
    return GCIM_SIM_ERROR_INVALID;
  if (hw->maxSubTiles > 0 && gcimHardwareSubTilesPerHead(hw, headDim) > hw->maxSubTiles)
    return GCIM_SIM_ERROR_INVALID;
  GcimAllocator a = gcimAllocatorOrDefault(allocator);
  GcimSimHead probe = {0};
  probe.hw = *hw;
  probe.dim = headDim;
  probe.window = hw->window;
  probe.stride = (hw->window + BLOCK - 1) / BLOCK * BLOCK;
  probe.vstride = (headDim + BLOCK - 1) / BLOCK * BLOCK;
  size_t total;
  layout(&probe, NULL, &total);
  GcimSimHead *h = a.alloc(a.ud, sizeof *h);
  if (!h)
    return GCIM_SIM_ERROR_MEMORY;
  *h = probe;
  h->allocator = a;
  h->block = a.alloc(a.ud, total + 64);
  if (!h->block) {
    a.free(a.ud, h);
    return GCIM_SIM_ERROR_MEMORY;
  }
  char *base = (char *)h->block + (64 - (uintptr_t)h->block % 64) % 64;
  memset(base, 0, total);
  layout(h, base, &total);
  h->colTiles = (headDim + hw->arrayCols - 1) / hw->arrayCols;
  h->kernel = gcimSimKernelSelect();
  initConstants(h, stream);
  gcimSimHeadSetScalers(h, scalers ? scalers : gcimDefaultScalers);
  gcimSimHeadReset(h);
  *out = h;
  return GCIM_SIM_OK;
}

void gcimSimHeadDestroy(GcimSimHead *head) {
  if (!head)
    return;
  GcimAllocator a = head->allocator;
  a.free(a.ud, head->block);
  a.free(a.ud, head);
}

void gcimSimHeadReset(GcimSimHead *head) {
  head->steps = 0;
  for (int32_t s = 0; s < head->window; ++s)
    head->writeStep[s] = -1;
}

void gcimSimHeadSetScalers(GcimSimHead *head, const float *scalers) {
  memcpy(head->scalers, scalers, sizeof head->scalers);
}

/* ---- write ---- */

/* The stored voltage of one K or V value: scaler, clip, 3-bit DAC, optional write noise. */
static float storeVoltage(GcimSimHead *h, float x, float a, float b) {
  float scaled = a * x;
  scaled = scaled + b;
  float u = quantize(clampf(scaled, 0.0f, h->maxKV), h->stepKV);
  if (h->hw.noise.writeNoiseStdV > 0)
    u = clampf(u + (float)(h->hw.noise.writeNoiseStdV * gcimSimRandomNormal(h->rng)), 0.0f, h->vdd);
  return u;
}

void gcimSimHeadWrite(GcimSimHead *head, const float *k, const float *v) {
  GcimSimHead *h = head;
  int32_t slot = (int32_t)(h->steps % h->window), dim = h->dim;
  const float *sc = h->scalers;
  float *kVolt = h->kVolt + (size_t)slot * dim, *vVolt = h->vVolt + (size_t)slot * dim;
  for (int32_t d = 0; d < dim; ++d) {
    float uk = storeVoltage(h, k[d], sc[2], sc[3]);
    float uv = storeVoltage(h, v[d], sc[4], sc[5]);
    float wk = uk - h->mid, wv = uv - h->mid;
    float *kt = kAt(h, slot, d), *vs = vAt(h, slot, d);
    kVolt[d] = uk;
    vVolt[d] = uv;
    kt[0] = wk;
    vs[0] = wv;
  }
  h->writeStep[slot] = h->steps++;
  h->stats.tokens += 1;
  h->stats.arrayWrites += 2 * h->colTiles;
  h->stats.dacPJ += 2.0 * dim * h->hw.cost.dacPerValuePJ;
}

/* ---- attend ---- */

static void blockKernel(const GcimSimHead *h, int one, int32_t count, const int32_t *index,
                        size_t stride, const float *c1, const float *c2, const float *c3,
                        const float *rows, float *o1, float *o2, float *o3) {
  h->kernel(one, count, index, stride, c1, c2, c3, rows, o1, o2, o3);
}

/* The slots [0, n) fall into two runs of falling age: [0, cur] with age cur - s and
 * (cur, n) with age cur - s + window (cur = the slot written last). In both, the reversed
 * power tables are read at s + offset[run]. */
static void slotRuns(const GcimSimHead *h, int32_t n, int32_t end[2], int32_t offset[2]) {
  int32_t cur = (int32_t)((h->steps - 1) % h->window);
  end[0] = cur + 1 < n ? cur + 1 : n;
  end[1] = n;
  offset[0] = h->window - 1 - cur;
  offset[1] = -cur - 1;
}

/* phi_j for the first n slots from the precomputed powers (slot-wise decay). */
static void firstProductFast(GcimSimHead *h, int32_t n, float sumQ) {
  int32_t count = 0;
  for (int32_t d = 0; d < h->dim; ++d) {
    h->active[count] = d;
    count += h->q[d] != 0.0f;
  }
  /* Only a1 for the linear cell; otherwise all three. */
  int one = h->coef[2] == 0.0f && h->coef[3] == 0.0f;
  for (int32_t s0 = 0; s0 < n; s0 += BLOCK)
    blockKernel(h, one, count, h->active, BLOCK, h->q, h->q, h->q, kAt(h, s0, 0), h->acc[0] + s0,
                h->acc[1] + s0, h->acc[2] + s0);
  /* A zero coefficient's term adds (0 * p) * 0 = +0 (its sums are 0): no change. */
  const float c0 = h->coef[0] * sumQ, a1 = h->coef[1], a2 = h->coef[2], a3 = h->coef[3];
  const float *acc1 = h->acc[0], *acc2 = h->acc[1], *acc3 = h->acc[2];
  const float *p1 = h->qkPow[0], *p2 = h->qkPow[1], *p3 = h->qkPow[2];
  float *phi = h->phi;
  int32_t end[2], offset[2];
  slotRuns(h, n, end, offset);
  for (int run = 0, s = 0; run < 2; ++run)
    for (int32_t o = offset[run]; s < end[run]; ++s) {
      float S = c0;
      S = S + (a1 * p1[s + o]) * acc1[s];
      S = S + (a2 * p2[s + o]) * acc2[s];
      S = S + (a3 * p3[s + o]) * acc3[s];
      phi[s] = S;
    }
  if (h->sigmaS > 0)
    for (int32_t s = 0; s < n; ++s)
      phi[s] += h->sigmaS * (float)gcimSimRandomNormal(h->rng);
  for (int32_t s = 0; s < n; ++s)
    phi[s] = clampf(phi[s] * h->invSat, 0.0f, 1.0f);
}

/* S_j with a decay base per cell (retention spread): sum_d q[d] * (w^i * delta_cell^(i age)). */
static void firstProductPerCell(GcimSimHead *h, int32_t n, float sumQ) {
  int64_t now = h->steps - 1;
  for (int32_t s = 0; s < n; ++s) {
    float dots[3] = {0.0f, 0.0f, 0.0f};
    for (int32_t d = 0; d < h->dim; ++d) {
      float p[3];
      decayPowers(h->kDelta[(size_t)s * h->dim + d], now - h->writeStep[s], h->hw.bf16Decay, p);
      for (int i = 0; i < 3; ++i)
        dots[i] += h->q[d] * (cellPower(*kAt(h, s, d), i) * p[i]);
    }
    float S = h->coef[0] * sumQ;
    for (int i = 0; i < 3; ++i)
      if (h->coef[i + 1] != 0.0f)
        S = S + h->coef[i + 1] * dots[i];
    if (h->sigmaS > 0)
      S += h->sigmaS * (float)gcimSimRandomNormal(h->rng);
    h->phi[s] = clampf(S * h->invSat, 0.0f, 1.0f);
  }
}

/* inner_i with a decay base per cell (retention spread), slot by slot. */
static void innerPerCell(GcimSimHead *h) {
  int64_t now = h->steps - 1;
  for (int i = 0; i < 3; ++i)
    memset(h->inner[i], 0, (size_t)h->vstride * sizeof(float));
  for (int32_t j = 0; j < h->activeCount; ++j) {
    int32_t s = h->active[j];
    float phi = h->phi[s];
    for (int32_t d = 0; d < h->dim; ++d) {
      float p[3];
      decayPowers(h->vDelta[(size_t)s * h->dim + d], now - h->writeStep[s], 0, p);
      for (int i = 0; i < 3; ++i)
        h->inner[i][d] += (phi * p[i]) * cellPower(*vAt(h, s, d), i);
    }
  }
}

/* c_i[s] = phi_s * delta^(i age_s) for the first n slots (slot-wise decay). */
static void secondProductCoefficients(GcimSimHead *h, int32_t n) {
  const float *restrict phi = h->phi, *restrict p1 = h->vPow[0], *restrict p2 = h->vPow[1],
                        *restrict p3 = h->vPow[2];
  float *restrict c1 = h->coefs[0], *restrict c2 = h->coefs[1], *restrict c3 = h->coefs[2];
  int32_t end[2], offset[2];
  slotRuns(h, n, end, offset);
  for (int run = 0, s = 0; run < 2; ++run)
    for (int32_t o = offset[run]; s < end[run]; ++s) {
      c1[s] = phi[s] * p1[s + o];
      c2[s] = phi[s] * p2[s + o];
      c3[s] = phi[s] * p3[s + o];
    }
}

/* Y_n of the slots [begin, end) of one sub-tile, quantised and added to zsum. */
static void secondProduct(GcimSimHead *h, int32_t begin, int32_t end) {
  float phiSum = 0.0f;
  int32_t count = 0;
  for (int32_t s = begin; s < end; ++s) {
    phiSum += h->phi[s];
    h->active[count] = s;
    count += h->phi[s] != 0.0f;
  }
  h->activeCount = count;
  if (h->vDelta) {
    innerPerCell(h);
  } else {
    int one = h->coef[2] == 0.0f && h->coef[3] == 0.0f;
    for (int32_t d0 = 0; d0 < h->dim; d0 += BLOCK)
      blockKernel(h, one, count, h->active, BLOCK, h->coefs[0], h->coefs[1], h->coefs[2],
                  vAt(h, 0, d0), h->inner[0] + d0, h->inner[1] + d0, h->inner[2] + d0);
  }
  const float y0 = h->coef[0] * phiSum, a1 = h->coef[1], a2 = h->coef[2], a3 = h->coef[3];
  float *Y = h->inner[0];
  const float *in2 = h->inner[1], *in3 = h->inner[2];
  for (int32_t d = 0; d < h->dim; ++d) {
    float y = y0;
    y = y + a1 * Y[d];
    y = y + a2 * in2[d];
    Y[d] = y + a3 * in3[d];
  }
  if (h->sigmaY > 0)
    for (int32_t d = 0; d < h->dim; ++d)
      Y[d] += h->sigmaY * (float)gcimSimRandomNormal(h->rng);
  const float inv = h->invOut, top = h->maxOut, step = h->stepOut;
  const float *restrict y = Y;
  float *restrict zsum = h->zsum;
  for (int32_t d = 0; d < h->dim; ++d)
    zsum[d] += quantize(clampf(y[d] * inv, -top, top), step);
}

void gcimSimHeadAttend(GcimSimHead *head, const float *q, float *out) {
  GcimSimHead *h = head;
  int32_t dim = h->dim, rows = h->hw.arrayRows;
  int32_t n = h->steps < h->window ? (int32_t)h->steps : h->window;
  float sumQ = 0.0f;
  for (int32_t d = 0; d < dim; ++d) {
    float scaled = h->scalers[0] * q[d];
    scaled = scaled + h->scalers[1];
    h->q[d] = quantize(clampf(scaled, 0.0f, h->maxQ), h->stepQ);
    sumQ += h->q[d];
    h->zsum[d] = 0.0f;
  }
  if (n > 0) {
    if (h->kDelta)
      firstProductPerCell(h, n, sumQ);
    else
      firstProductFast(h, n, sumQ);
    if (!h->vDelta)
      secondProductCoefficients(h, n);
    for (int32_t begin = 0; begin < n; begin += rows)
      secondProduct(h, begin, begin + rows < n ? begin + rows : n);
  }
  for (int32_t d = 0; d < dim; ++d) {
    float y = h->scalers[6] * h->zsum[d];
    out[d] = y + h->scalers[7];
  }
  int64_t arrays = (int64_t)((n + rows - 1) / rows) * h->colTiles;
  h->stats.attends += 1;
  h->stats.arrayReads += 2 * arrays;
  h->stats.firstProductPJ += (double)arrays * h->hw.cost.firstProductPerArrayPJ;
  h->stats.secondProductPJ += (double)arrays * h->hw.cost.secondProductPerArrayPJ;
  h->stats.digitalPJ += h->hw.cost.digitalPerHeadTokenPJ;
  h->stats.latencyNs += h->hw.cost.headTokenLatencyNs;
}

void gcimSimHeadStep(GcimSimHead *head, const float *q, const float *k, const float *v,
                     float *out) {
  gcimSimHeadWrite(head, k, v);
  gcimSimHeadAttend(head, q, out);
}

void gcimSimHeadRunSequence(GcimSimHead *head, int64_t tokens, const float *q, const float *k,
                            const float *v, float *out) {
  size_t dim = (size_t)head->dim;
  for (int64_t t = 0; t < tokens; ++t)
    gcimSimHeadStep(head, q + t * dim, k + t * dim, v + t * dim, out + t * dim);
}

/* ---- getters ---- */

int32_t gcimSimHeadGetDim(const GcimSimHead *head) { return head->dim; }

int64_t gcimSimHeadGetStep(const GcimSimHead *head) { return head->steps; }

int64_t gcimSimHeadGetSlot(const GcimSimHead *head, int32_t slot, float *k, float *v) {
  if (slot < 0 || slot >= head->window || head->writeStep[slot] < 0)
    return -1;
  size_t bytes = (size_t)head->dim * sizeof(float);
  if (k)
    memcpy(k, head->kVolt + (size_t)slot * head->dim, bytes);
  if (v)
    memcpy(v, head->vVolt + (size_t)slot * head->dim, bytes);
  return head->writeStep[slot];
}

void gcimSimHeadGetStats(const GcimSimHead *head, GcimSimStats *stats) { *stats = head->stats; }

void gcimSimHeadClearStats(GcimSimHead *head) { memset(&head->stats, 0, sizeof head->stats); }
