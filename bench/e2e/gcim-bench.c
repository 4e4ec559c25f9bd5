/* gcim-bench.c: times a generated GPT-2-style model (built with `--name model`, one int64
 * input (1, T), logits first output). Not a test.
 *
 *   gcim-bench decode WEIGHTS RUNS P1 [P2 ...]   PREFIX_step: feeds tokens one by one and
 *       times the RUNS steps that end a P-token context (positions P-RUNS .. P-1), for each
 *       P (ascending, at most the model's context capacity)
 *   gcim-bench prefill WEIGHTS RUNS               PREFIX_run on the full (1, T) input
 *
 * GCIM_THREADS (default 1) sets the model's worker threads (model_set_threads). Prints one
 * line per timed call (wall and process CPU milliseconds, all threads) and the medians. */
#define _POSIX_C_SOURCE 200809L
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double nowMs(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compareDoubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, compareDoubles);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void *allocOutputs(void **outs, int first, int count) {
  for (int i = 0; i < count; ++i) {
    outs[i] = malloc((size_t)model_output_info(first + i)->count * 8 + 8);
    if (!outs[i])
      return NULL;
  }
  return outs;
}

int main(int argc, char **argv) {
  if (argc < 4 || (strcmp(argv[1], "decode") != 0 && strcmp(argv[1], "prefill") != 0) ||
      (strcmp(argv[1], "decode") == 0 && argc < 5)) {
    fprintf(stderr, "usage: gcim-bench decode WEIGHTS RUNS P1 [P2 ...] | "
                    "prefill WEIGHTS RUNS\n");
    return 2;
  }
  int runs = atoi(argv[3]);
  char error[256];
  model_state *s = model_create(argv[2], NULL, error, sizeof error);
  if (!s || runs < 1 || runs > 1000) {
    fprintf(stderr, "gcim-bench: %s\n", s ? "bad RUNS" : error);
    return 2;
  }
  const char *threads = getenv("GCIM_THREADS");
  if (model_set_threads(s, threads ? atoi(threads) : 1) != 0) {
    fprintf(stderr, "gcim-bench: %s\n", model_error(s));
    return 2;
  }
  const model_tensor_info *in = model_input_info(0);
  int64_t tokens = in->dims[1], vocab = model_output_info(0)->dims[2];
  double *wall = malloc(sizeof(double) * (size_t)runs);
  double *cpu = malloc(sizeof(double) * (size_t)runs);
  if (strcmp(argv[1], "prefill") == 0) {
    int64_t *ids = malloc((size_t)tokens * sizeof *ids);
    void *outs[model_NUM_OUTPUTS + 1];
    if (!ids || !allocOutputs(outs, 0, model_NUM_OUTPUTS))
      return 2;
    for (int64_t t = 0; t < tokens; ++t)
      ids[t] = (7 * t + 3) % vocab;
    const void *ins[1] = {ids};
    model_run_io(s, ins, outs); /* warm-up: page in the weights */
    for (int r = 0; r < runs; ++r) {
      double w0 = nowMs(CLOCK_MONOTONIC), c0 = nowMs(CLOCK_PROCESS_CPUTIME_ID);
      if (model_run_io(s, ins, outs) != 0) {
        fprintf(stderr, "gcim-bench: %s\n", model_error(s));
        return 2;
      }
      wall[r] = nowMs(CLOCK_MONOTONIC) - w0;
      cpu[r] = nowMs(CLOCK_PROCESS_CPUTIME_ID) - c0;
      printf("prefill T=%lld run %d: wall %.3f ms, cpu %.3f ms\n", (long long)tokens, r, wall[r],
             cpu[r]);
    }
    double mw = median(wall, runs), mc = median(cpu, runs);
    printf("RESULT prefill T=%lld median wall %.3f ms cpu %.3f ms\n", (long long)tokens, mw, mc);
    return 0;
  }
#ifdef model_STEPPABLE
  void *outs[model_STEP_NUM_OUTPUTS + 1];
  if (model_STEP_NUM_INPUTS != 1 || !allocOutputs(outs, model_STEP_OUTPUT, model_STEP_NUM_OUTPUTS))
    return 2;
  int64_t position = 0;
  for (int a = 4; a < argc; ++a) {
    int64_t target = atoll(argv[a]);
    if (target < position + runs || target > tokens) {
      fprintf(stderr, "gcim-bench: bad position %lld\n", (long long)target);
      return 2;
    }
    for (; position < target; ++position) {
      int64_t id = (7 * position + 3) % vocab;
      const void *ins[1] = {&id};
      int r = (int)(position - (target - runs));
      double w0 = nowMs(CLOCK_MONOTONIC), c0 = nowMs(CLOCK_PROCESS_CPUTIME_ID);
      if (model_step_io(s, ins, outs) != 0) {
        fprintf(stderr, "gcim-bench: %s\n", model_error(s));
        return 2;
      }
      if (r >= 0) {
        wall[r] = nowMs(CLOCK_MONOTONIC) - w0;
        cpu[r] = nowMs(CLOCK_PROCESS_CPUTIME_ID) - c0;
        printf("decode position %lld: wall %.3f ms, cpu %.3f ms\n", (long long)position, wall[r],
               cpu[r]);
      }
    }
    double mw = median(wall, runs), mc = median(cpu, runs);
    printf("RESULT decode P=%lld median wall %.3f ms cpu %.3f ms\n", (long long)target, mw, mc);
    fflush(stdout);
  }
  model_destroy(s);
  return 0;
#else
  fprintf(stderr, "gcim-bench: the model has no step function\n");
  return 2;
#endif
}
