/* bench-sim.c: head-steps per second of the simulator (window 1024, d 64, nonlinear cell
 * with decay, one core). Fills the window first, then times write + attend steps.
 * Usage: bench-sim [steps] [runs]; prints each run and the median in us per head-step. */
#define _POSIX_C_SOURCE 200809L
#include "gcim/Runtime/Sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CPU time of this process: on a shared machine, time slices given to others do not
 * count (wall time is printed too). */
static double cpuTime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double wallTime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compareDoubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int steps = argc > 1 ? atoi(argv[1]) : 20000, runs = argc > 2 ? atoi(argv[2]) : 7;
  enum { D = 64, POOL = 4096 };
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  GcimSimHead *head;
  if (steps < 1 || runs < 1 || runs > 100 ||
      gcimSimHeadCreate(&hw, D, NULL, 0, NULL, &head) != GCIM_SIM_OK)
    return 1;
  /* Random projections (roughly normal), reused cyclically. */
  float *x = malloc(sizeof(float) * 3 * POOL * D), out[D];
  unsigned long long s = 88172645463325252ull;
  for (int i = 0; i < 3 * POOL * D; ++i) {
    double sum = 0;
    for (int j = 0; j < 4; ++j) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      sum += (double)(s >> 11) * 0x1.0p-53 - 0.5;
    }
    x[i] = (float)(sum * 1.7);
  }
  float *q = x, *k = x + POOL * D, *v = x + 2 * POOL * D;
  for (int t = 0; t < 1024; ++t)
    gcimSimHeadStep(head, q + (t % POOL) * D, k + (t % POOL) * D, v + (t % POOL) * D, out);
  double times[100], walls[100], check = 0;
  for (int r = 0; r < runs; ++r) {
    double start = cpuTime(), wallStart = wallTime();
    for (int t = 0; t < steps; ++t) {
      int i = (t * 7 + r) % POOL;
      gcimSimHeadStep(head, q + i * D, k + i * D, v + i * D, out);
      check += out[t % D];
    }
    times[r] = (cpuTime() - start) / steps * 1e6;
    walls[r] = (wallTime() - wallStart) / steps * 1e6;
    printf("run %d: %.2f us CPU (%.2f us wall) per head-step\n", r, times[r], walls[r]);
  }
  qsort(times, (size_t)runs, sizeof times[0], compareDoubles);
  qsort(walls, (size_t)runs, sizeof walls[0], compareDoubles);
  printf("median: %.2f us CPU per head-step (%.0f head-steps/s; 144 heads: %.2f ms per "
         "token); median wall %.2f us [checksum %g]\n",
         times[runs / 2], 1e6 / times[runs / 2], 144 * times[runs / 2] / 1000, walls[runs / 2],
         check);
  gcimSimHeadDestroy(head);
  free(x);
  return 0;
}
