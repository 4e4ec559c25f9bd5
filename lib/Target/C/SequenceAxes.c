/* SequenceAxes.c: where the sequence axis of each graph input and output lies, for
 * PREFIX_run_tokens (step.c.in): the one axis on which the full-sequence function has the
 * compiled length T and the step function 1. */
#include "Emitter.h"

#include "gcim/Support/IRHelpers.h"

#include "gcim/Support/Diagnostics.h"

#include "mlir-c/BuiltinAttributes.h"

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

/* Whether every graph input and output has a sequence axis (PREFIX_run_tokens can run). */
static bool hasSequenceAxes(const EmitState *state) {
  const EmittedFunction *run = &state->functions[0], *step = &state->functions[1];
  int64_t tokens = 0;
  return state->functionCount > 1 && run->inputCount > 0 && run->inputCount == step->inputCount &&
         run->outputCount == step->outputCount &&
         writeAxes(run->inputs, step->inputs, run->inputCount, &tokens, NULL) &&
         writeAxes(run->outputs, step->outputs, run->outputCount, &tokens, NULL);
}

/* The ONNX name of argument `index` of `func`, or `fallback`. */
static MlirStringRef inputName(MlirOperation func, int index, const char *fallback) {
  MlirAttribute name = gcimFuncIoAttr(func, false, index, "onnx.name");
  return !mlirAttributeIsNull(name) && mlirAttributeIsAString(name)
             ? mlirStringAttrGetValue(name)
             : mlirStringRefCreateFromCString(fallback);
}

/* The first graph input the step function does not take (a padding input assumed
 * unpadded, position ids that are the step counter), or NULL. */
static const ValueInfo *inputNotStepped(const EmitState *state) {
  const EmittedFunction *run = &state->functions[0], *step = &state->functions[1];
  for (size_t i = 0; state->functionCount > 1 && i < run->inputCount; ++i) {
    MlirStringRef name = inputName(run->func, run->inputs[i].index, "");
    bool stepped = false;
    for (size_t j = 0; j < step->inputCount && !stepped; ++j)
      stepped = mlirStringRefEqual(name, inputName(step->func, step->inputs[j].index, ""));
    if (!stepped)
      return &run->inputs[i];
  }
  return NULL;
}

/* Appends " --input-shape NAME=DIMS" for each graph input with a run-time axis, at its
 * compiled shape; returns how many. */
static int appendBindings(const EmittedFunction *run, char *text, size_t size) {
  size_t used = 0;
  int count = 0;
  for (size_t i = 0; i < run->inputCount && used < size; ++i, ++count) {
    const ValueInfo *input = &run->inputs[i];
    if (mlirAttributeIsNull(gcimFuncIoAttr(run->func, false, input->index, "gcim.run_time_axes"))) {
      --count;
      continue;
    }
    MlirStringRef name = inputName(run->func, input->index, "NAME");
    used += (size_t)snprintf(text + used, size - used, " --input-shape %.*s=", (int)name.length,
                             name.data);
    for (int d = 0; d < input->rank && used < size; ++d)
      used += (size_t)snprintf(text + used, size - used, "%s%lld", d ? "x" : "",
                               (long long)input->dims[d]);
  }
  return count;
}

/* Refuses input i's run-time axis `axis`: the program runs only the compiled length. */
static void refuseRunTimeAxis(const EmitState *state, const ValueInfo *input, int64_t axis) {
  char why[192], bindings[1024] = "";
  const ValueInfo *missing = inputNotStepped(state);
  if (state->functionCount < 2)
    snprintf(why, sizeof why,
             "gcim-stream made no step function (it streams graphs whose "
             "attention is causal, docs/Passes.md)");
  else if (missing) {
    MlirStringRef name = inputName(state->functions[0].func, missing->index, "NAME");
    bool padding = !mlirAttributeIsNull(
        gcimFuncIoAttr(state->functions[0].func, false, missing->index, "gcim.no_padding"));
    snprintf(why, sizeof why, "its step function does not take input '%.*s' (%s)", (int)name.length,
             name.data,
             padding ? "a padding input assumed unpadded: a step is one token of an unpadded "
                       "sequence"
                     : "positions: the step counter is the new token's");
  } else
    snprintf(why, sizeof why, "its step function does not take that axis one token at a time");
  int count = appendBindings(&state->functions[0], bindings, sizeof bindings);
  gcimEmitError(mlirValueGetLocation(input->value),
                "axis %lld of this input has a run-time length (bounded by --max or the "
                "model's positions), but the program can run only the compiled %lld: %s; "
                "bind %s with%s",
                (long long)axis, (long long)input->dims[axis], why,
                count > 1 ? "the lengths" : "the length", bindings);
}

bool gcimCEmitCheckRunTimeAxes(EmitState *state) {
  const EmittedFunction *run = &state->functions[0], *step = &state->functions[1];
  bool canRun = hasSequenceAxes(state);
  for (size_t i = 0; i < run->inputCount; ++i) {
    MlirAttribute axes =
        gcimFuncIoAttr(run->func, false, run->inputs[i].index, "gcim.run_time_axes");
    if (mlirAttributeIsNull(axes) || !mlirAttributeIsADenseI64Array(axes))
      continue;
    for (intptr_t a = 0; a < mlirDenseArrayGetNumElements(axes); ++a) {
      int64_t tokens = 0, axis = mlirDenseI64ArrayGetElement(axes, a);
      if (canRun && sequenceAxis(&run->inputs[i], &step->inputs[i], &tokens) == axis)
        continue;
      refuseRunTimeAxis(state, &run->inputs[i], axis);
      return false;
    }
  }
  return true;
}

void gcimCEmitSequenceAxes(EmitState *state, FILE *out) {
  const EmittedFunction *run = &state->functions[0], *step = &state->functions[1];
  int64_t tokens = 0;
  bool ok = hasSequenceAxes(state);
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
