/* SequenceAxes.c: where the sequence axis of each graph input and output lies, for
 * PREFIX_run_tokens (step.c.in): the one axis on which the full-sequence function has the
 * compiled length T and the step function 1. */
#include "Emitter.h"

/* The axis where `run` has length `*tokens` (set by the first call) and `step` 1, every
 * other axis equal; -1 when there is no such single axis. */
static int sequenceAxis(const ValueInfo *run, const ValueInfo *step, int64_t *tokens) {
  int axis = -1;
  if (run->rank != step->rank)
    return -1;
  for (int d = 0; d < run->rank; ++d) {
    if (run->dims[d] == step->dims[d])
      continue;
    if (axis >= 0 || step->dims[d] != 1 || (*tokens > 0 && run->dims[d] != *tokens))
      return -1;
    axis = d;
    *tokens = run->dims[d];
  }
  return axis;
}

/* Writes the axes of `count` values, or checks them when `out` is NULL; false when one
 * has none. */
static bool writeAxes(const ValueInfo *run, const ValueInfo *step, size_t count, int64_t *tokens,
                      FILE *out) {
  for (size_t i = 0; i < count; ++i) {
    int axis = sequenceAxis(&run[i], &step[i], tokens);
    if (axis < 0)
      return false;
    if (out)
      fprintf(out, "%d, ", axis);
  }
  return true;
}

void gcimCEmitSequenceAxes(EmitState *state, FILE *out) {
  const EmittedFunction *run = &state->functions[0], *step = &state->functions[1];
  int64_t tokens = 0;
  bool ok = state->functionCount > 1 && run->inputCount == step->inputCount &&
            run->outputCount == step->outputCount &&
            writeAxes(run->inputs, step->inputs, run->inputCount, &tokens, NULL) &&
            writeAxes(run->outputs, step->outputs, run->outputCount, &tokens, NULL);
  fprintf(out,
          "/* The sequence axis of each graph input and output (PREFIX_run_tokens); the\n"
          " * graph has %s. */\n#define RUN_TOKENS %d\n"
          "static const int sequence_axis_in[] = {",
          ok ? "one on each" : "none (a KV cache, or an input or output without one)", ok);
  if (ok)
    writeAxes(run->inputs, step->inputs, run->inputCount, &tokens, out);
  fputs("-1};\nstatic const int sequence_axis_out[] = {", out);
  if (ok)
    writeAxes(run->outputs, step->outputs, run->outputCount, &tokens, out);
  fputs("-1};\n\n", out);
}
