/* KernelsDispatchFallbackTest.c: the kernel files with a kernel per instruction set of their
 * own (GELU, the decode attention row, the products on narrow weights) built without the
 * run-time dispatch (-DGCIM_KERNEL_PLAIN_C), linked with the runtime's float32 matrix kernel,
 * which has it: gcimKernelsIsaBest() then names a set these files lack, and their public
 * entries must run their portable kernel (memcmp with it) instead of calling NULL. Exits 77
 * (ctest: not run) on a processor where the matrix kernel's best set is the portable one. */
#include "KernelsMatMulIsa.h"
#include "KernelsMatMulQuantIsa.h"

#include "gcim/Runtime/Kernels/Elementwise.h"
#include "gcim/Runtime/Kernels/MatMulQuant.h"
#include "gcim/Runtime/Kernels/Nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void expectSame(const float *got, const float *want, int64_t count, const char *what) {
  if (memcmp(got, want, sizeof(float) * (size_t)count) != 0) {
    ++failures;
    printf("FAIL %s: not the portable kernel's bits\n", what);
  }
}

static float pseudoRandom(int64_t i) { return (float)((i * 7919) % 2001 - 1000) / 250.0f; }

int main(void) {
  if (gcimKernelsIsaBest() == GCIM_ISA_BASE) {
    printf("NOT RUN: the matrix kernel's best set here is the portable one\n");
    return 77;
  }
  enum { COUNT = 1003, KEYS = 77, D = 64, K = 96, N = 70 };
  float x[COUNT], y[COUNT], want[COUNT];
  for (int64_t i = 0; i < COUNT; ++i)
    x[i] = pseudoRandom(i);
  gcimKernelUnaryF32(GCIM_UNARY_GELU_TANH, x, y, COUNT);
  gcimKernelsGeluTanhKernel(GCIM_ISA_BASE)(x, want, COUNT);
  expectSame(y, want, COUNT, "GELU (tanh)");

  /* One decode query against KEYS keys: the attention row. */
  float *q = x, *k = x + D, *v = x + 2 * D, out[D], wantOut[D], scratch[KEYS];
  GcimAttentionDesc desc = {.batch = 1,
                            .heads = 1,
                            .queryLen = 1,
                            .keyLen = KEYS,
                            .headDim = D,
                            .scale = 0.125f,
                            .causal = 1};
  float *keys = malloc(sizeof(float) * KEYS * D), *values = malloc(sizeof(float) * KEYS * D);
  for (int64_t i = 0; i < KEYS * D; ++i) {
    keys[i] = k[i % (COUNT - 2 * D)];
    values[i] = v[(3 * i) % (COUNT - 2 * D)];
  }
  gcimKernelAttentionF32(&desc, q, keys, values, out, scratch);
  gcimKernelsAttendRowKernel(GCIM_ISA_BASE)(q, keys, values, wantOut, 0, KEYS, D, D, 0.125f,
                                            scratch);
  expectSame(out, wantOut, D, "attention row");

  /* One row times an int8 weight: the decode-step kernel on narrow weights. */
  int8_t *codes = malloc(K * N);
  float scales[N], row[N], wantRow[N];
  for (int64_t i = 0; i < K * N; ++i)
    codes[i] = (int8_t)((i * 37) % 255 - 127);
  for (int64_t j = 0; j < N; ++j)
    scales[j] = 0.01f + 0.001f * (float)j;
  void *packed = malloc((size_t)gcimKernelPackedCodesBytes(GCIM_PACKED_Q8, K, N));
  gcimKernelPackCodes(GCIM_PACKED_Q8, codes, K, N, packed);
  GcimPackedWeight w = {GCIM_PACKED_Q8, packed, scales, NULL, K, N, K};
  gcimKernelMatMulPackedWeightF32(x, &w, NULL, row, 1);
  GcimQuantRow r = {.format = GCIM_PACKED_Q8,
                    .a = x,
                    .codes = packed,
                    .scales = scales,
                    .scaleStride = N,
                    .y = wantRow,
                    .n = N,
                    .k = K,
                    .block = K};
  gcimKernelsQuantRowBase(&r);
  expectSame(row, wantRow, N, "int8 decode row");

  free(keys);
  free(values);
  free(codes);
  free(packed);
  printf("%s: %d failures\n", failures ? "FAIL" : "PASS", failures);
  return failures ? 1 : 0;
}
