/* RowKernelsBench.c: CPU time per call of the runtime's kernels between the matrix products,
 * on GPT-2-small shapes (decode: one token; prefill: 512 tokens).
 *
 * Not a test. Each figure is the median of RUNS timed runs (default 5), each repeating the
 * call for at least 0.1 s of the process's CPU time (clock()), in microseconds per call.
 * Built with the project (its -O3) as gcim-row-kernels-bench; to time the runtime as a
 * generated folder's Makefile builds it, link it against that folder's library instead:
 *   cc -std=c99 -O2 -Iout/runtime/include -Ilib/Runtime bench/kernels/RowKernelsBench.c \
 *      bench/kernels/AttendRowBefore.c out/libmodel.a -lpthread -lm -o row-bench
 * Usage: gcim-row-kernels-bench [runs]
 *        gcim-row-kernels-bench --pairs [pairs]: the decode step's attention before issue
 *        16's vector exp (AttendRowBefore.c) and now, interleaved (ABBA), each side timed as
 *        one run above; prints every pair's ratio now / before and their median. */
#include "gcim/Runtime/Kernels.h"

#include "AttendRowBefore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { WIDTH = 768, HIDDEN = 3072, HEADS = 12, HEAD_DIM = 64, CONTEXT = 1024, PREFILL = 512 };
enum { VOCAB = 50257 };

static double cpuNow(void) { return (double)clock() / CLOCKS_PER_SEC; }

static int compareDoubles(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

// Operands of every kernel: big enough for the largest call, filled with values in [-2, 2).
typedef struct Buffers {
  float *x, *y, *z, *q, *k, *v, *out, *scratch, *scale, *bias;
} Buffers;

typedef enum Kernel {
  GELU_DECODE,
  GELU_PREFILL,
  LAYER_NORM_DECODE,
  LAYER_NORM_PREFILL,
  ADD_DECODE,
  ADD_PREFILL,
  ATTENTION_DECODE,
  ATTENTION_DECODE_BEFORE,
  ATTENTION_PREFILL,
  ARG_MAX,
  KERNELS
} Kernel;

static const char *const kernelNames[KERNELS] = {"GELU (tanh), 1 x 3072",
                                                 "GELU (tanh), 512 x 3072",
                                                 "LayerNorm, 1 x 768",
                                                 "LayerNorm, 512 x 768",
                                                 "Add, 1 x 768",
                                                 "Add, 512 x 768",
                                                 "attention, 12 heads, 1 query x 1024 keys",
                                                 "  the same before issue 16's vector exp",
                                                 "attention, 12 heads, 512 x 512, causal",
                                                 "arg-max of 50257 logits"};

static void call(Kernel kernel, const Buffers *b) {
  int64_t tokens = kernel == GELU_PREFILL || kernel == LAYER_NORM_PREFILL ||
                           kernel == ADD_PREFILL || kernel == ATTENTION_PREFILL
                       ? PREFILL
                       : 1;
  const int64_t dims[3] = {1, tokens, WIDTH};
  GcimAttentionDesc desc = {.batch = 1,
                            .heads = HEADS,
                            .queryLen = tokens,
                            .keyLen = kernel == ATTENTION_DECODE ? CONTEXT : tokens,
                            .headDim = HEAD_DIM,
                            .scale = 0.125f,
                            .causal = 1};
  switch (kernel) {
  case GELU_DECODE:
  case GELU_PREFILL:
    gcimKernelUnaryF32(GCIM_UNARY_GELU_TANH, b->x, b->y, tokens * HIDDEN);
    break;
  case LAYER_NORM_DECODE:
  case LAYER_NORM_PREFILL:
    gcimKernelLayerNormF32(b->x, dims, 3, -1, b->scale, b->bias, 1e-5f, b->y, NULL, NULL);
    break;
  case ADD_DECODE:
  case ADD_PREFILL:
    gcimKernelBinaryF32(GCIM_BINARY_ADD, b->x, dims, 3, b->z, dims, 3, b->y, dims, 3);
    break;
  case ATTENTION_DECODE:
  case ATTENTION_PREFILL:
    gcimKernelAttentionF32(&desc, b->q, b->k, b->v, b->out, b->scratch);
    break;
  case ATTENTION_DECODE_BEFORE:
    desc.keyLen = CONTEXT;
    benchAttendDecodeBefore(&desc, b->q, b->k, b->v, b->out, b->scratch);
    break;
  case ARG_MAX:
    if (gcimKernelFirstMaxF32(b->x, VOCAB) < 0)
      abort();
    break;
  case KERNELS:
    break;
  }
}

static float *filled(int64_t count) {
  float *p = malloc(sizeof(float) * (size_t)count);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  for (int64_t i = 0; i < count; ++i)
    p[i] = 4.0f * (float)rand() / (float)RAND_MAX - 2.0f;
  return p;
}

// CPU microseconds per call of `kernel`, over at least 0.1 s of CPU time.
static double microsPerCall(Kernel kernel, const Buffers *b) {
  int64_t reps = 0;
  double start = cpuNow(), elapsed;
  do {
    call(kernel, b);
    ++reps;
    elapsed = cpuNow() - start;
  } while (elapsed < 0.1);
  return elapsed / (double)reps * 1e6;
}

static double median(double *x, int count) {
  qsort(x, (size_t)count, sizeof(double), compareDoubles);
  return count % 2 ? x[count / 2] : 0.5 * (x[count / 2 - 1] + x[count / 2]);
}

// Decode attention before and now in `pairs` interleaved pairs (even pairs before first).
static void decodeAttentionPairs(int pairs, const Buffers *b, double *before, double *now,
                                 double *ratios) {
  call(ATTENTION_DECODE_BEFORE, b); /* warm-up */
  call(ATTENTION_DECODE, b);
  for (int i = 0; i < pairs; ++i) {
    if (i % 2 == 0) {
      before[i] = microsPerCall(ATTENTION_DECODE_BEFORE, b);
      now[i] = microsPerCall(ATTENTION_DECODE, b);
    } else {
      now[i] = microsPerCall(ATTENTION_DECODE, b);
      before[i] = microsPerCall(ATTENTION_DECODE_BEFORE, b);
    }
    ratios[i] = now[i] / before[i];
    printf("pair %2d: before %9.2f us, now %9.2f us, ratio %.3f\n", i + 1, before[i], now[i],
           ratios[i]);
  }
  double lo = ratios[0], hi = ratios[0];
  for (int i = 1; i < pairs; ++i) {
    lo = ratios[i] < lo ? ratios[i] : lo;
    hi = ratios[i] > hi ? ratios[i] : hi;
  }
  double ratio = median(ratios, pairs), mb = median(before, pairs), mn = median(now, pairs);
  printf("decode attention (12 heads, 1 query x 1024 keys, d 64): median before %.2f us, now "
         "%.2f us; median ratio now / before %.3f (%.3f .. %.3f, %d pairs)\n",
         mb, mn, ratio, lo, hi, pairs);
}

int main(int argc, char **argv) {
  int pairMode = argc > 1 && strcmp(argv[1], "--pairs") == 0;
  int runs = argc > 1 + pairMode ? atoi(argv[1 + pairMode]) : pairMode ? 9 : 5;
  if (runs < 1)
    runs = pairMode ? 9 : 5;
  srand(1);
  const int64_t big = PREFILL * HIDDEN > VOCAB ? PREFILL * HIDDEN : VOCAB;
  const int64_t cache = HEADS * CONTEXT * HEAD_DIM;
  Buffers b = {filled(big),   filled(big),   filled(big),     filled(cache), filled(cache),
               filled(cache), filled(cache), filled(CONTEXT), filled(WIDTH), filled(WIDTH)};
  double *micros = malloc(sizeof(double) * (size_t)runs * 3);
  if (!micros) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  if (pairMode)
    decodeAttentionPairs(runs, &b, micros, micros + runs, micros + 2 * runs);
  for (int kernel = 0; !pairMode && kernel < KERNELS; ++kernel) {
    call((Kernel)kernel, &b); /* warm-up */
    for (int r = 0; r < runs; ++r)
      micros[r] = microsPerCall((Kernel)kernel, &b);
    qsort(micros, (size_t)runs, sizeof(double), compareDoubles);
    printf("%-42s median %10.2f us per call (min %.2f, max %.2f)\n", kernelNames[kernel],
           micros[runs / 2], micros[0], micros[runs - 1]);
  }
  free(micros);
  float *all[] = {b.x, b.y, b.z, b.q, b.k, b.v, b.out, b.scratch, b.scale, b.bias};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
    free(all[i]);
  return 0;
}
