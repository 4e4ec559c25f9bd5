/* bandwidth.c: this machine's memory read bandwidth, for the physical limit of decode (a
 * memory-bound step reads every weight once). Not a test.
 *
 *   bandwidth [MB] [RUNS] [THREADS]   reads a MB-megabyte buffer (default 512, far beyond the
 * caches) RUNS times (default 9) with THREADS POSIX threads (default 1), each over its own
 * slice; prints every run and the median GB/s.
 *
 * The read pattern is the decode step's: the runtime's packed 1 x N product streams panels of
 * 32 floats per row, four strips a quarter of the matrix apart in flight at once. On the
 * 2-vCPU AMD EPYC guest this reaches about 29 GB/s on one thread where one sequential stream
 * (or four streams of plain 64-byte reads) reached 19 to 23 GB/s, and decode itself read its
 * weights at about 28 GB/s: a probe slower than the code it bounds is no bound. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { STRIP_WIDTH = 32, STRIP_ROWS = 768 }; /* a GPT-2-small panel: 768 rows of 32 floats */

typedef struct Slice {
  const float *data;
  size_t count;
  float sum;
} Slice;

/* Sums the slice strip by strip, four strips a quarter of the slice apart per pass (one
 * accumulator row per strip, so the loop vectorises and nothing waits on a long sum). */
static void *readSlice(void *arg) {
  Slice *s = arg;
  const size_t strip = (size_t)STRIP_WIDTH * STRIP_ROWS, quarter = s->count / strip / 4;
  float acc[4][STRIP_WIDTH] = {{0}};
  for (size_t q = 0; q < quarter; ++q) {
    const float *restrict b[4];
    for (int k = 0; k < 4; ++k)
      b[k] = s->data + (k * quarter + q) * strip;
    for (size_t p = 0; p < STRIP_ROWS; ++p)
      for (int k = 0; k < 4; ++k)
        for (int l = 0; l < STRIP_WIDTH; ++l)
          acc[k][l] += b[k][p * STRIP_WIDTH + l];
  }
  float sum = 0;
  for (size_t i = 4 * quarter * strip; i < s->count; ++i)
    sum += s->data[i];
  for (int k = 0; k < 4; ++k)
    for (int l = 0; l < STRIP_WIDTH; ++l)
      sum += acc[k][l];
  s->sum = sum;
  return NULL;
}

static int compareDoubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 512;
  int runs = argc > 2 ? atoi(argv[2]) : 9, threads = argc > 3 ? atoi(argv[3]) : 1;
  if (mb < 1 || runs < 1 || runs > 100 || threads < 1 || threads > 64)
    return 2;
  size_t count = mb * 1024 * 1024 / sizeof(float);
  float *data = malloc(count * sizeof *data);
  double gbs[100];
  if (!data)
    return 2;
  for (size_t i = 0; i < count; ++i)
    data[i] = (float)(i % 7);
  float total = 0;
  for (int r = 0; r < runs; ++r) {
    Slice slices[64];
    pthread_t ids[64];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int t = 0; t < threads; ++t) {
      slices[t] = (Slice){data + count / threads * t, count / threads, 0};
      pthread_create(&ids[t], NULL, readSlice, &slices[t]);
    }
    for (int t = 0; t < threads; ++t) {
      pthread_join(ids[t], NULL);
      total += slices[t].sum;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    gbs[r] = count / threads * threads * sizeof(float) / s / 1e9;
    printf("run %d: %.2f GB/s\n", r, gbs[r]);
  }
  qsort(gbs, (size_t)runs, sizeof gbs[0], compareDoubles);
  printf("RESULT read bandwidth %zu MB, %d thread(s): median %.2f GB/s (checksum %g)\n", mb,
         threads, gbs[runs / 2], (double)total);
  free(data);
  return 0;
}
