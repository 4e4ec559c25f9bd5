/* step-check.c: checks a generated model's PREFIX_step against PREFIX_run. Built against
 * an output folder compiled with `--name model` from a causal language model with one
 * int64 input (1, T) and logits (1, T, V) as first output: runs the T tokens at once, then
 * one by one after a reset, and prints the largest difference of each step's logits from
 * the matching row of the full run. Exit status 1 if a row differs by more than TOLERANCE
 * relative to max(1, |logit|), 2 on a setup error. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: step-check WEIGHTS TOLERANCE\n");
    return 2;
  }
  double tolerance = atof(argv[2]);
  const model_tensor_info *in = model_input_info(0), *out = model_output_info(0);
  const model_tensor_info *stepOut = model_output_info(model_STEP_OUTPUT);
  int64_t tokens = in->dims[1], vocab = stepOut->count;
  char error[256];
  model_state *s = model_create(argv[1], NULL, error, sizeof error);
  if (!s || model_NUM_INPUTS != 1 || model_STEP_NUM_INPUTS != 1 || in->rank != 2) {
    fprintf(stderr, "step-check: %s\n", s ? "not a (1, T) token model" : error);
    return 2;
  }
  int64_t *ids = malloc((size_t)tokens * sizeof *ids);
  void *fullOut[model_NUM_OUTPUTS + 1], *stepOuts[model_STEP_NUM_OUTPUTS + 1];
  for (int i = 0; i < model_NUM_OUTPUTS; ++i)
    fullOut[i] = malloc((size_t)model_output_info(i)->count * 8 + 8);
  for (int i = 0; i < model_STEP_NUM_OUTPUTS; ++i)
    stepOuts[i] = malloc((size_t)model_output_info(model_STEP_OUTPUT + i)->count * 8 + 8);
  for (int64_t t = 0; t < tokens; ++t)
    ids[t] = (7 * t + 3) % vocab;
  const void *fullIn[1] = {ids};
  if (model_run_io(s, fullIn, fullOut) != 0) {
    fprintf(stderr, "step-check: run: %s\n", model_error(s));
    return 2;
  }
  const float *full = fullOut[0];
  double worst = 0;
  int failed = 0;
  model_reset(s);
  for (int64_t t = 0; t < tokens; ++t) {
    const void *stepIn[1] = {&ids[t]};
    if (model_step_io(s, stepIn, stepOuts) != 0) {
      fprintf(stderr, "step-check: step %lld: %s\n", (long long)t, model_error(s));
      return 2;
    }
    const float *logits = stepOuts[0], *row = full + t * vocab;
    double rowWorst = 0;
    for (int64_t v = 0; v < vocab; ++v) {
      double diff = fabs((double)logits[v] - row[v]) / fmax(1.0, fabs(row[v]));
      rowWorst = diff > rowWorst ? diff : rowWorst;
    }
    failed |= rowWorst > tolerance;
    worst = rowWorst > worst ? rowWorst : worst;
  }
  printf("step-check: %lld steps, largest relative difference from the full run %.3g "
         "(tolerance %g): %s\n",
         (long long)tokens, worst, tolerance, failed ? "FAIL" : "ok");
  (void)out;
  model_destroy(s);
  return failed;
}
