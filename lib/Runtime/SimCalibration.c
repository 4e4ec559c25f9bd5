/* SimCalibration.c: the adaptation algorithm of docs/HardwareModel.md §4 on simulated heads
 * (gcim/Runtime/SimCalibration.h). Moments are sums in double; the scaled values are
 * computed as the head computes them (float a*x, then +b). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "gcim/Runtime/SimCalibration.h"

#include <math.h>
#include <string.h>

struct GcimSimCalibration {
  GcimAllocator allocator;
  int32_t dim, window;
  float referenceScale; /* 0: the hardware's output */
  double sum[GCIM_SCALER_KINDS], squares[GCIM_SCALER_KINDS];
  int64_t values[GCIM_SCALER_KINDS];
  float *keys, *vals; /* [window][dim]: the unscaled inputs, slot step mod window */
  double *weights;    /* [window] */
};

GcimSimStatus gcimSimCalibrationCreate(int32_t dim, int32_t window, const GcimAllocator *allocator,
                                       GcimSimCalibration **out) {
  *out = NULL;
  if (dim < 1 || window < 1)
    return GCIM_SIM_ERROR_INVALID;
  GcimAllocator a = gcimAllocatorOrDefault(allocator);
  size_t cells = (size_t)dim * (size_t)window;
  GcimSimCalibration *c =
      a.alloc(a.ud, sizeof *c + 2 * cells * sizeof(float) + (size_t)window * sizeof(double));
  if (!c)
    return GCIM_SIM_ERROR_MEMORY;
  memset(c, 0, sizeof *c);
  c->allocator = a;
  c->dim = dim;
  c->window = window;
  c->weights = (double *)(c + 1);
  c->keys = (float *)(c->weights + window);
  c->vals = c->keys + cells;
  *out = c;
  return GCIM_SIM_OK;
}

void gcimSimCalibrationDestroy(GcimSimCalibration *calibration) {
  if (calibration)
    calibration->allocator.free(calibration->allocator.ud, calibration);
}

void gcimSimCalibrationSetReference(GcimSimCalibration *calibration, float scale) {
  calibration->referenceScale = scale;
}

void gcimSimCalibrationClear(GcimSimCalibration *calibration) {
  memset(calibration->sum, 0, sizeof calibration->sum);
  memset(calibration->squares, 0, sizeof calibration->squares);
  memset(calibration->values, 0, sizeof calibration->values);
}

void gcimSimCalibrationGetMoments(const GcimSimCalibration *calibration, GcimScalerMoments *out) {
  for (int kind = 0; kind < GCIM_SCALER_KINDS; ++kind) {
    double n = (double)calibration->values[kind];
    double mean = n > 0 ? calibration->sum[kind] / n : 0.0;
    double variance = n > 0 ? calibration->squares[kind] / n - mean * mean : 0.0;
    out->mean[kind] = mean;
    out->std[kind] = variance > 0 ? sqrt(variance) : 0.0;
  }
}

/* Adds a*x+b (as the head computes it) of `dim` values to the moments of `kind`. */
static void addScaled(GcimSimCalibration *c, int kind, const float *x, float a, float b) {
  double sum = 0.0, squares = 0.0;
  for (int32_t d = 0; d < c->dim; ++d) {
    float scaled = a * x[d];
    scaled = scaled + b;
    sum += scaled;
    squares += (double)scaled * scaled;
  }
  c->sum[kind] += sum;
  c->squares[kind] += squares;
  c->values[kind] += c->dim;
}

void gcimSimCalibrationObserveWrite(GcimSimCalibration *calibration, const float *scalers,
                                    const float *k, const float *v, int64_t steps) {
  GcimSimCalibration *c = calibration;
  addScaled(c, GCIM_SCALER_K, k, scalers[2], scalers[3]);
  addScaled(c, GCIM_SCALER_V, v, scalers[4], scalers[5]);
  size_t slot = (size_t)((steps - 1) % c->window) * (size_t)c->dim;
  memcpy(c->keys + slot, k, (size_t)c->dim * sizeof *k);
  memcpy(c->vals + slot, v, (size_t)c->dim * sizeof *v);
}

/* Causal softmax attention over the `valid` stored slots, into out. */
static void softmaxAttention(GcimSimCalibration *c, const float *q, int32_t valid, float *out) {
  double best = -HUGE_VAL, total = 0.0;
  for (int32_t j = 0; j < valid; ++j) {
    const float *key = c->keys + (size_t)j * (size_t)c->dim;
    double dot = 0.0;
    for (int32_t d = 0; d < c->dim; ++d)
      dot += (double)q[d] * key[d];
    c->weights[j] = c->referenceScale * dot;
    best = c->weights[j] > best ? c->weights[j] : best;
  }
  for (int32_t j = 0; j < valid; ++j)
    total += c->weights[j] = exp(c->weights[j] - best);
  for (int32_t d = 0; d < c->dim; ++d) {
    double y = 0.0;
    for (int32_t j = 0; j < valid; ++j)
      y += c->weights[j] * c->vals[(size_t)j * (size_t)c->dim + (size_t)d];
    out[d] = (float)(y / total);
  }
}

void gcimSimCalibrationObserveAttend(GcimSimCalibration *calibration, const float *scalers,
                                     const float *q, float *out, int64_t steps) {
  GcimSimCalibration *c = calibration;
  addScaled(c, GCIM_SCALER_Q, q, scalers[0], scalers[1]);
  int32_t valid = steps < c->window ? (int32_t)steps : c->window;
  if (c->referenceScale != 0.0f && valid > 0)
    softmaxAttention(c, q, valid, out);
  addScaled(c, GCIM_SCALER_OUT, out, 1.0f, 0.0f);
}

double gcimSimCalibrationAlpha(int iteration) {
  double alpha = 1.0 - 0.9 * iteration / 50.0;
  return alpha > 0.1 ? alpha : 0.1;
}

double gcimSimCalibrationMismatch(const GcimScalerMoments *moments,
                                  const GcimScalerMoments *target) {
  double worst = 0.0;
  for (int kind = 0; kind < GCIM_SCALER_KINDS; ++kind) {
    double mean = fabs(moments->mean[kind] - target->mean[kind]);
    double std = fabs(moments->std[kind] - target->std[kind]);
    worst = mean > worst ? mean : worst;
    worst = std > worst ? std : worst;
  }
  return worst;
}

void gcimSimCalibrationUpdate(float *scalers, const GcimScalerMoments *moments,
                              const GcimScalerMoments *target, double alpha, double tolerance) {
  for (int kind = 0; kind < GCIM_SCALER_KINDS; ++kind) {
    double a = scalers[2 * kind], b = scalers[2 * kind + 1];
    double sd = moments->std[kind], sdTarget = target->std[kind];
    double mu = moments->mean[kind], muTarget = target->mean[kind];
    if (fabs(sd - sdTarget) > tolerance && sd > 0)
      scalers[2 * kind] = (float)(alpha * a * sdTarget / sd + (1 - alpha) * a);
    if (fabs(mu - muTarget) > tolerance)
      scalers[2 * kind + 1] = (float)(alpha * (b + muTarget - mu) + (1 - alpha) * b);
  }
}

/* Every head's collector detached and freed. */
static void detach(GcimSimHead *const *heads, GcimSimCalibration **collectors, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    gcimSimHeadSetCalibration(heads[i], NULL);
    gcimSimCalibrationDestroy(collectors[i]);
  }
}

/* Runs the program once with cleared collectors and reads every head's moments. */
static int measure(GcimSimCalibration **collectors, int64_t count, GcimSimCalibrationRunFn run,
                   void *context, GcimScalerMoments *moments) {
  for (int64_t i = 0; i < count; ++i)
    gcimSimCalibrationClear(collectors[i]);
  if (run(context) != 0)
    return -1;
  for (int64_t i = 0; i < count; ++i)
    gcimSimCalibrationGetMoments(collectors[i], &moments[i]);
  return 0;
}

GcimSimStatus gcimSimCalibrate(GcimSimHead *const *heads, int64_t count,
                               GcimSimCalibrationRunFn run, void *context, int maxIterations,
                               double tolerance, GcimScalerMoments *targets,
                               GcimSimCalibrationResult *result) {
  memset(result, 0, sizeof *result);
  result->tolerance = tolerance;
  if (maxIterations > GCIM_CALIBRATION_MAX_ITERATIONS)
    maxIterations = GCIM_CALIBRATION_MAX_ITERATIONS;
  GcimAllocator a = gcimAllocatorOrDefault(NULL);
  size_t bytes = (size_t)count * (sizeof(GcimSimCalibration *) + sizeof(GcimScalerMoments) +
                                  GCIM_SCALER_COUNT * 2 * sizeof(float));
  GcimSimCalibration **collectors = a.alloc(a.ud, bytes + 1);
  if (!collectors)
    return GCIM_SIM_ERROR_MEMORY;
  memset(collectors, 0, bytes);
  GcimScalerMoments *moments = (GcimScalerMoments *)(collectors + count);
  float *first = (float *)(moments + count), *scalers = first + count * GCIM_SCALER_COUNT;
  GcimSimStatus status = GCIM_SIM_OK;
  for (int64_t i = 0; i < count && status == GCIM_SIM_OK; ++i) {
    gcimSimHeadGetScalers(heads[i], first + i * GCIM_SCALER_COUNT);
    status = gcimSimCalibrationCreate(gcimSimHeadGetDim(heads[i]), gcimSimHeadGetWindow(heads[i]),
                                      NULL, &collectors[i]);
    if (status == GCIM_SIM_OK) {
      gcimSimCalibrationSetReference(collectors[i], first[i * GCIM_SCALER_COUNT]);
      gcimSimHeadSetCalibration(heads[i], collectors[i]);
    }
  }
  memcpy(scalers, first, (size_t)count * GCIM_SCALER_COUNT * sizeof *scalers);
  if (status == GCIM_SIM_OK && measure(collectors, count, run, context, targets) != 0)
    status = GCIM_SIM_ERROR_INVALID;
  for (int64_t i = 0; i < count && status == GCIM_SIM_OK; ++i)
    gcimSimCalibrationSetReference(collectors[i], 0.0f);
  for (int it = 0; status == GCIM_SIM_OK; ++it) {
    if (measure(collectors, count, run, context, moments) != 0) {
      status = GCIM_SIM_ERROR_INVALID;
      break;
    }
    double worst = 0.0;
    for (int64_t i = 0; i < count; ++i) {
      double mismatch = gcimSimCalibrationMismatch(&moments[i], &targets[i]);
      worst = mismatch > worst ? mismatch : worst;
    }
    result->history[result->historyCount++] = worst;
    result->converged = worst <= tolerance;
    if (result->converged || it == maxIterations)
      break;
    for (int64_t i = 0; i < count; ++i) {
      float *head = scalers + i * GCIM_SCALER_COUNT;
      gcimSimCalibrationUpdate(head, &moments[i], &targets[i], gcimSimCalibrationAlpha(it),
                               tolerance);
      gcimSimHeadSetScalers(heads[i], head);
    }
    result->iterations += 1;
  }
  if (status != GCIM_SIM_OK)
    for (int64_t i = 0; i < count; ++i)
      gcimSimHeadSetScalers(heads[i], first + i * GCIM_SCALER_COUNT);
  detach(heads, collectors, count);
  a.free(a.ud, collectors);
  return status;
}

static const char *const kindNames[GCIM_SCALER_KINDS] = {"q", "k", "v", "out"};

/* "[x, y, z, w]" of the four kinds' values. */
static void writeKinds(FILE *out, const double *values) {
  fputc('[', out);
  for (int kind = 0; kind < GCIM_SCALER_KINDS; ++kind)
    fprintf(out, "%.17g%s", values[kind], kind + 1 < GCIM_SCALER_KINDS ? ", " : "]");
}

/* One head's object: its scalers and targets. */
static void writeHead(FILE *out, GcimSimHead *head, int64_t index,
                      const GcimScalerMoments *target) {
  float sc[GCIM_SCALER_COUNT];
  gcimSimHeadGetScalers(head, sc);
  fprintf(out, "        {\"head\": %lld", (long long)index);
  for (int kind = 0; kind < GCIM_SCALER_KINDS; ++kind)
    fprintf(out, ", \"a_%s\": %.9g, \"b_%s\": %.9g", kindNames[kind], sc[2 * kind], kindNames[kind],
            sc[2 * kind + 1]);
  fputs(",\n         \"target_mean\": ", out);
  writeKinds(out, target->mean);
  fputs(", \"target_std\": ", out);
  writeKinds(out, target->std);
  fputc('}', out);
}

int gcimSimCalibrationWriteJson(GcimSimHead *const *heads, const int32_t *layers, int64_t count,
                                const GcimScalerMoments *targets,
                                const GcimSimCalibrationResult *result, int64_t tokens, FILE *out) {
  fprintf(out,
          "{\n  \"gcim_calibration\": 1,\n  \"reference\": \"softmax\",\n  \"tokens\": %lld,\n"
          "  \"tolerance\": %.17g,\n  \"iterations\": %d,\n  \"converged\": %s,\n"
          "  \"mismatch\": [",
          (long long)tokens, result->tolerance, result->iterations,
          result->converged ? "true" : "false");
  for (int i = 0; i < result->historyCount; ++i)
    fprintf(out, "%s%.17g", i ? ", " : "", result->history[i]);
  fputs("],\n  \"layers\": [", out);
  /* Only heads that ran: a program's full-sequence function has heads of its own that
   * the step function, which calibration streams through, does not use. */
  int32_t lastLayer = count > 0 ? layers[count - 1] : -1, written = 0;
  for (int32_t layer = 0; layer <= lastLayer; ++layer) {
    int64_t index = 0;
    for (int64_t i = 0; i < count; ++i) {
      GcimSimStats stats;
      gcimSimHeadGetStats(heads[i], &stats);
      if (layers[i] != layer || stats.attends == 0)
        continue;
      if (index == 0) {
        fprintf(out, "%s\n    {\"layer\": %d, \"heads\": [", written ? "," : "", (int)written);
        written += 1;
      }
      fputs(index ? ",\n" : "\n", out);
      writeHead(out, heads[i], index++, &targets[i]);
    }
    if (index > 0)
      fputs("]}", out);
  }
  fputs("\n  ]\n}\n", out);
  return ferror(out) ? -1 : 0;
}
