/* SimHead.c: one gain-cell attention head, the decode-step semantics of hardware-model.md §2.
 *
 * Speed comes from the identity of §2: the decay depends only on the slot, so each product
 * is a constant term plus three matrix-vector products over w, w^2 and w^3, which are
 * computed once at write time. The K side keeps them transposed (dimension-major) so the
 * per-slot sums run in the spec's order, d = 0, 1, ..., and vectorise over slots; the V side
 * keeps them slot-major and sums slots in order. Every float operation therefore happens in
 * the order the spec's formula states it, so this equals the direct formula bit for bit
 * (test/Unit/SimTest.c checks it). Zero queries and zero pulses are skipped: adding the +-0
 * they contribute cannot change a sum that starts at +0.
 *
 * With a per-cell retention spread the decay depends on the cell, the identity does not
 * apply, and a slower per-cell path is used. */
#include "gcim/Runtime/Sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct GcimSimHead {
  GcimHardware hw;
  GcimAllocator allocator;
  void *block; /* the one allocation */
  int32_t dim, window, stride, colTiles;
  float scalers[GCIM_SCALER_COUNT];
  float coef[4]; /* a0..a3 as float32; linear: 0, slope, 0, 0 */
  float stepQ, stepKV, stepOut, maxQ, maxKV, maxOut, mid, vdd, invSat, invOut;
  float sigmaS, sigmaY; /* read noise std of S_j and Y_n (0 = off) */
  int64_t steps;
  int64_t *writeStep; /* [window]; -1 = unwritten */
  float *kVolt, *vVolt; /* [window][dim] stored voltages */
  float *kW[3];         /* [dim][stride]: w, w^2, w^3 of the K cells */
  float *vW[3];         /* [window][dim]: w, w^2, w^3 of the V cells */
  float *qkPow, *vPow;  /* [window][3]: delta^(i*age), i = 1..3, QK and V path */
  float *kDelta, *vDelta; /* [window][dim] per-cell decay base, or NULL */
  float *q, *phi, *acc[3], *inner[3], *zsum;
  uint64_t rng[4];
  GcimSimStats stats;
};

/* ---- random numbers: xoshiro256** seeded by splitmix64, Box-Muller normals ---- */

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t nextRandom(uint64_t s[4]) {
  uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

static double normal(uint64_t s[4]) {
  double u1 = ((double)(nextRandom(s) >> 11) + 1.0) * 0x1.0p-53; /* (0, 1] */
  double u2 = (double)(nextRandom(s) >> 11) * 0x1.0p-53;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- float32 arithmetic of the reference ---- */

static float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

/* Q(x): step * round_half_even(x / step), all in float32. */
static float quantize(float x, float step) { return step * nearbyintf(x / step); }

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

/* ---- create, destroy, reset ---- */

static void *defaultAlloc(void *ud, size_t size) {
  (void)ud;
  return malloc(size);
}

static void defaultFree(void *ud, void *ptr) {
  (void)ud;
  free(ptr);
}

/* Carves `count` elements of `size` bytes, 64-byte aligned, from *cursor (NULL = sizing). */
static void *carve(char **cursor, size_t *total, size_t count, size_t size) {
  size_t bytes = (count * size + 63) & ~(size_t)63;
  void *p = *cursor ? *cursor + *total : NULL;
  *total += bytes;
  return p;
}

static void layout(GcimSimHead *h, char *base, size_t *total) {
  size_t window = (size_t)h->window, dim = (size_t)h->dim, stride = (size_t)h->stride;
  int cellDecay = h->hw.decayEnabled && h->hw.noise.retentionSpreadRel > 0;
  char *cursor = base;
  *total = 0;
  h->writeStep = carve(&cursor, total, window, sizeof(int64_t));
  h->kVolt = carve(&cursor, total, window * dim, sizeof(float));
  h->vVolt = carve(&cursor, total, window * dim, sizeof(float));
  for (int i = 0; i < 3; ++i) {
    h->kW[i] = carve(&cursor, total, dim * stride, sizeof(float));
    h->vW[i] = carve(&cursor, total, window * dim, sizeof(float));
    h->acc[i] = carve(&cursor, total, stride, sizeof(float));
    h->inner[i] = carve(&cursor, total, dim, sizeof(float));
  }
  h->qkPow = carve(&cursor, total, window * 3, sizeof(float));
  h->vPow = carve(&cursor, total, window * 3, sizeof(float));
  h->kDelta = cellDecay ? carve(&cursor, total, window * dim, sizeof(float)) : NULL;
  h->vDelta = cellDecay ? carve(&cursor, total, window * dim, sizeof(float)) : NULL;
  h->q = carve(&cursor, total, dim, sizeof(float));
  h->phi = carve(&cursor, total, stride, sizeof(float));
  h->zsum = carve(&cursor, total, dim, sizeof(float));
}

/* Constants derived from the description, the decay tables and per-cell spreads. */
static void initConstants(GcimSimHead *h) {
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
    float *qk = h->qkPow + 3 * age, *v = h->vPow + 3 * age;
    if (!hw->decayEnabled) {
      qk[0] = qk[1] = qk[2] = v[0] = v[1] = v[2] = 1.0f;
      continue;
    }
    decayPowers(delta, age, hw->bf16Decay, qk);
    decayPowers(delta, age, 0, v);
  }
  uint64_t seed = hw->noise.seed ^ (0xD1B54A32D192ED03ull * (h->rng[0] + 1));
  for (int i = 0; i < 4; ++i)
    h->rng[i] = splitmix64(&seed);
  if (h->kDelta) {
    /* Per-cell retention: tau_cell = tau * (1 + spread * N(0, 1)), kept above tau / 100. */
    size_t cells = (size_t)h->window * (size_t)h->dim;
    for (size_t c = 0; c < 2 * cells; ++c) {
      double factor = 1.0 + hw->noise.retentionSpreadRel * normal(h->rng);
      float d = (float)exp(-hw->decayLambda / (factor > 0.01 ? factor : 0.01));
      (c < cells ? h->kDelta : h->vDelta)[c % cells] = d;
    }
  }
}

GcimSimStatus gcimSimHeadCreate(const GcimHardware *hw, int32_t headDim,
                                const float *scalers, uint64_t stream,
                                const GcimAllocator *allocator, GcimSimHead **out) {
  *out = NULL;
  if (!gcimHardwareValidate(hw, NULL, 0) || headDim < 1)
    return GCIM_SIM_ERROR_INVALID;
  if (hw->maxSubTiles > 0 && gcimHardwareSubTilesPerHead(hw, headDim) > hw->maxSubTiles)
    return GCIM_SIM_ERROR_INVALID;
  GcimAllocator a = allocator ? *allocator : (GcimAllocator){defaultAlloc, defaultFree, NULL};
  GcimSimHead probe = {0};
  probe.hw = *hw;
  probe.dim = headDim;
  probe.window = hw->window;
  probe.stride = (hw->window + 15) & ~15;
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
  h->rng[0] = stream;
  initConstants(h);
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
    u = clampf(u + (float)(h->hw.noise.writeNoiseStdV * normal(h->rng)), 0.0f, h->vdd);
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
    size_t kt = (size_t)d * h->stride + slot, vs = (size_t)slot * dim + d;
    kVolt[d] = uk;
    vVolt[d] = uv;
    h->kW[0][kt] = wk;
    h->kW[1][kt] = wk * wk;
    h->kW[2][kt] = h->kW[1][kt] * wk;
    h->vW[0][vs] = wv;
    h->vW[1][vs] = wv * wv;
    h->vW[2][vs] = h->vW[1][vs] * wv;
  }
  h->writeStep[slot] = h->steps++;
  h->stats.tokens += 1;
  h->stats.arrayWrites += 2 * h->colTiles;
  h->stats.dacPJ += 2.0 * dim * h->hw.cost.dacPerValuePJ;
}

/* ---- attend ---- */

/* S_j for the first n slots from the precomputed dot products (slot-wise decay). */
static void firstProductFast(GcimSimHead *h, int32_t n, float sumQ) {
  for (int i = 0; i < 3; ++i) {
    if (h->coef[i + 1] == 0.0f)
      continue;
    float *restrict acc = h->acc[i];
    memset(acc, 0, (size_t)n * sizeof *acc);
    for (int32_t d = 0; d < h->dim; ++d) {
      float qd = h->q[d];
      if (qd == 0.0f)
        continue;
      const float *restrict row = h->kW[i] + (size_t)d * h->stride;
      for (int32_t s = 0; s < n; ++s)
        acc[s] += qd * row[s];
    }
  }
  int64_t now = h->steps - 1;
  for (int32_t s = 0; s < n; ++s) {
    const float *p = h->qkPow + 3 * (now - h->writeStep[s]);
    float S = h->coef[0] * sumQ;
    for (int i = 0; i < 3; ++i)
      if (h->coef[i + 1] != 0.0f)
        S = S + (h->coef[i + 1] * p[i]) * h->acc[i][s];
    if (h->sigmaS > 0)
      S += h->sigmaS * (float)normal(h->rng);
    h->phi[s] = clampf(S * h->invSat, 0.0f, 1.0f);
  }
}

/* S_j with a decay base per cell (retention spread): sum_d q[d] * (w^i * delta_cell^(i age)). */
static void firstProductPerCell(GcimSimHead *h, int32_t n, float sumQ) {
  int64_t now = h->steps - 1;
  for (int32_t s = 0; s < n; ++s) {
    float dots[3] = {0.0f, 0.0f, 0.0f};
    for (int32_t d = 0; d < h->dim; ++d) {
      float p[3];
      decayPowers(h->kDelta[(size_t)s * h->dim + d], now - h->writeStep[s], h->hw.bf16Decay,
                  p);
      for (int i = 0; i < 3; ++i)
        dots[i] += h->q[d] * (h->kW[i][(size_t)d * h->stride + s] * p[i]);
    }
    float S = h->coef[0] * sumQ;
    for (int i = 0; i < 3; ++i)
      if (h->coef[i + 1] != 0.0f)
        S = S + h->coef[i + 1] * dots[i];
    if (h->sigmaS > 0)
      S += h->sigmaS * (float)normal(h->rng);
    h->phi[s] = clampf(S * h->invSat, 0.0f, 1.0f);
  }
}

/* Y_n of the slots [begin, end) of one sub-tile, quantised and added to zsum. */
static void secondProduct(GcimSimHead *h, int32_t begin, int32_t end) {
  int32_t dim = h->dim;
  int64_t now = h->steps - 1;
  float phiSum = 0.0f;
  for (int i = 0; i < 3; ++i)
    memset(h->inner[i], 0, (size_t)dim * sizeof(float));
  float *restrict in0 = h->inner[0], *restrict in1 = h->inner[1], *restrict in2 = h->inner[2];
  for (int32_t s = begin; s < end; ++s) {
    float phi = h->phi[s];
    phiSum += phi;
    if (phi == 0.0f)
      continue;
    size_t row = (size_t)s * dim;
    const float *restrict w1 = h->vW[0] + row, *restrict w2 = h->vW[1] + row,
                          *restrict w3 = h->vW[2] + row;
    if (h->vDelta) {
      for (int32_t d = 0; d < dim; ++d) {
        float p[3];
        decayPowers(h->vDelta[row + d], now - h->writeStep[s], 0, p);
        in0[d] += (phi * p[0]) * w1[d];
        in1[d] += (phi * p[1]) * w2[d];
        in2[d] += (phi * p[2]) * w3[d];
      }
      continue;
    }
    const float *p = h->vPow + 3 * (now - h->writeStep[s]);
    float c1 = phi * p[0], c2 = phi * p[1], c3 = phi * p[2];
    for (int32_t d = 0; d < dim; ++d)
      in0[d] += c1 * w1[d];
    if (h->coef[2] != 0.0f || h->coef[3] != 0.0f)
      for (int32_t d = 0; d < dim; ++d) {
        in1[d] += c2 * w2[d];
        in2[d] += c3 * w3[d];
      }
  }
  for (int32_t d = 0; d < dim; ++d) {
    float Y = h->coef[0] * phiSum;
    for (int i = 0; i < 3; ++i)
      if (h->coef[i + 1] != 0.0f)
        Y = Y + h->coef[i + 1] * h->inner[i][d];
    if (h->sigmaY > 0)
      Y += h->sigmaY * (float)normal(h->rng);
    h->zsum[d] += quantize(clampf(Y * h->invOut, -h->maxOut, h->maxOut), h->stepOut);
  }
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

void gcimSimHeadRunSequence(GcimSimHead *head, int64_t tokens, const float *q,
                            const float *k, const float *v, float *out) {
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

void gcimSimHeadGetStats(const GcimSimHead *head, GcimSimStats *stats) {
  *stats = head->stats;
}

void gcimSimHeadClearStats(GcimSimHead *head) { memset(&head->stats, 0, sizeof head->stats); }

void gcimSimStatsAccumulate(GcimSimStats *total, const GcimSimStats *part) {
  total->tokens += part->tokens;
  total->attends += part->attends;
  total->arrayReads += part->arrayReads;
  total->arrayWrites += part->arrayWrites;
  total->firstProductPJ += part->firstProductPJ;
  total->secondProductPJ += part->secondProductPJ;
  total->digitalPJ += part->digitalPJ;
  total->dacPJ += part->dacPJ;
  total->latencyNs += part->latencyNs;
}

double gcimSimStatsEnergyPJ(const GcimSimStats *stats) {
  return stats->firstProductPJ + stats->secondProductPJ + stats->digitalPJ + stats->dacPJ;
}
