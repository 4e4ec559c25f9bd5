/* step-check.c: checks a generated model's PREFIX_step against PREFIX_run. Built against
 * an output folder compiled with `--name model` from a causal language model whose step
 * function takes one int64 token and returns float logits (V) as first output.
 *
 *   step-check WEIGHTS TOLERANCE
 *     for a model with one int64 input (1, T) and logits (1, T, V) as first output: runs
 *     the T tokens at once, then one by one after a reset, and prints the largest
 *     difference of each step's logits from the matching row of the full run. Exit status
 *     1 if a row differs by more than TOLERANCE relative to max(1, |logit|).
 *   step-check WEIGHTS --dump T1,T2,... OUT
 *     for any such model (also one whose run takes a K/V cache): steps the tokens after a
 *     reset and writes each step's logits to OUT as raw float32 (tokens x V), for the test
 *     to compare with a run it sets up itself.
 *
 * Exit status 2 on a setup error. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compareWithRun(model_state *s, double tolerance) {
  const model_tensor_info *in = model_input_info(0);
  int64_t tokens = in->dims[1], vocab = model_output_info(model_STEP_OUTPUT)->count;
  if (model_NUM_INPUTS != 1 || in->rank != 2) {
    fprintf(stderr, "step-check: not a (1, T) token model\n");
    return 2;
  }
  int rc = 2;
  int64_t *ids = malloc((size_t)tokens * sizeof *ids);
  void *fullOut[model_NUM_OUTPUTS + 1] = {0}, *stepOuts[model_STEP_NUM_OUTPUTS + 1] = {0};
  for (int i = 0; i < model_NUM_OUTPUTS; ++i)
    fullOut[i] = malloc((size_t)model_output_info(i)->count * 8 + 8);
  for (int i = 0; i < model_STEP_NUM_OUTPUTS; ++i)
    stepOuts[i] = malloc((size_t)model_output_info(model_STEP_OUTPUT + i)->count * 8 + 8);
  for (int i = 0; i < model_NUM_OUTPUTS; ++i)
    if (!fullOut[i])
      goto cleanup;
  for (int i = 0; i < model_STEP_NUM_OUTPUTS; ++i)
    if (!stepOuts[i])
      goto cleanup;
  if (!ids)
    goto cleanup;
  for (int64_t t = 0; t < tokens; ++t)
    ids[t] = (7 * t + 3) % vocab;
  const void *fullIn[1] = {ids};
  if (model_run_io(s, fullIn, fullOut) != 0) {
    fprintf(stderr, "step-check: run: %s\n", model_error(s));
    goto cleanup;
  }
  const float *full = fullOut[0];
  double worst = 0;
  int failed = 0;
  model_reset(s);
  for (int64_t t = 0; t < tokens; ++t) {
    const void *stepIn[1] = {&ids[t]};
    if (model_step_io(s, stepIn, stepOuts) != 0) {
      fprintf(stderr, "step-check: step %lld: %s\n", (long long)t, model_error(s));
      goto cleanup;
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
  rc = failed;
cleanup:
  free(ids);
  for (int i = 0; i < model_NUM_OUTPUTS; ++i)
    free(fullOut[i]);
  for (int i = 0; i < model_STEP_NUM_OUTPUTS; ++i)
    free(stepOuts[i]);
  return rc;
}

static int dumpSteps(model_state *s, const char *tokens, const char *path) {
  int64_t vocab = model_output_info(model_STEP_OUTPUT)->count;
  int rc = 2;
  void *stepOuts[model_STEP_NUM_OUTPUTS + 1] = {0};
  for (int i = 0; i < model_STEP_NUM_OUTPUTS; ++i)
    stepOuts[i] = malloc((size_t)model_output_info(model_STEP_OUTPUT + i)->count * 8 + 8);
  FILE *f = fopen(path, "wb");
  if (!f)
    fprintf(stderr, "step-check: cannot write '%s'\n", path);
  for (int i = 0; i < model_STEP_NUM_OUTPUTS; ++i)
    if (!stepOuts[i])
      goto cleanup;
  model_reset(s);
  for (const char *p = tokens; f && *p;) {
    char *end;
    int64_t id = strtoll(p, &end, 10);
    if (end == p || (*end && *end != ',')) {
      fprintf(stderr, "step-check: bad token list '%s'\n", tokens);
      goto cleanup;
    }
    p = *end ? end + 1 : end;
    const void *stepIn[1] = {&id};
    if (model_step_io(s, stepIn, stepOuts) != 0) {
      fprintf(stderr, "step-check: step %lld: %s\n", (long long)model_position(s), model_error(s));
      goto cleanup;
    }
    if (fwrite(stepOuts[0], sizeof(float), (size_t)vocab, f) != (size_t)vocab) {
      fprintf(stderr, "step-check: cannot write '%s'\n", path);
      goto cleanup;
    }
  }
  rc = f ? 0 : 2;
cleanup:
  if (f && fclose(f) != 0)
    rc = 2;
  for (int i = 0; i < model_STEP_NUM_OUTPUTS; ++i)
    free(stepOuts[i]);
  return rc;
}

int main(int argc, char **argv) {
  int dump = argc == 5 && strcmp(argv[2], "--dump") == 0;
  if (argc != 3 && !dump) {
    fprintf(stderr, "usage: step-check WEIGHTS TOLERANCE\n"
                    "       step-check WEIGHTS --dump T1,T2,... OUT\n");
    return 2;
  }
  char error[256];
  model_state *s = model_create(argv[1], NULL, error, sizeof error);
  if (!s || model_STEP_NUM_INPUTS != 1) {
    fprintf(stderr, "step-check: %s\n", s ? "the step function takes more than a token" : error);
    return 2;
  }
  int status = dump ? dumpSteps(s, argv[3], argv[4]) : compareWithRun(s, atof(argv[2]));
  model_destroy(s);
  return status;
}
