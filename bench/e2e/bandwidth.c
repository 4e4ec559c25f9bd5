/* bandwidth.c: this machine's memory read bandwidth, for the physical limit of decode (a
 * memory-bound step reads every weight once). Not a test.
 *
 *   bandwidth [MB] [RUNS] [THREADS]   sums a MB-megabyte buffer (as 32-bit words, four streams)
 * (default 512, far beyond the caches) RUNS times (default 9) with THREADS POSIX threads (default
 * 1), each over its own slice; prints every run and the median GB/s. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct Slice {
  const float *data;
  size_t count;
  float sum;
} Slice;

/* Sums the slice as four interleaved sequential streams (its quarters), 16 integer lanes
 * each: several streams keep more cache-line fills in flight than one, as a matrix-vector
 * product over packed panels does. */
static void *readSlice(void *arg) {
  Slice *s = arg;
  const uint32_t *restrict data = (const uint32_t *)s->data;
  size_t quarter = s->count / 4 / 16 * 16;
  uint32_t acc[4][16] = {{0}};
  for (size_t i = 0; i < quarter; i += 16)
    for (int q = 0; q < 4; ++q)
      for (int l = 0; l < 16; ++l)
        acc[q][l] += data[q * quarter + i + l];
  uint32_t sum = 0;
  for (size_t i = 4 * quarter; i < s->count; ++i)
    sum += data[i];
  for (int q = 0; q < 4; ++q)
    for (int l = 0; l < 16; ++l)
      sum += acc[q][l];
  s->sum = (float)sum;
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
