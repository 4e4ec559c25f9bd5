/* SequenceAxes.c: where the sequence axis of each graph input and output lies, for
 * PREFIX_run_tokens (step.c.in): the one axis on which the full-sequence function has the
 * compiled length T and the step function 1. A graph input the step function does not take
 * (a padding input assumed unpadded, position ids that are its step counter) has its one
 * axis of length T; the token-by-token path checks that it holds what the step function
 * assumes, the static code padded to T pads it so that PREFIX_run's checks pass. */
#include "Emitter.h"

#include "gcim/Support/IRHelpers.h"

#include "gcim/Support/Diagnostics.h"

#include "mlir-c/BuiltinAttributes.h"

#include <stdlib.h>

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

/* The ONNX name of argument `index` of `func`, or `fallback`. */
static MlirStringRef inputName(MlirOperation func, int index, const char *fallback) {
  MlirAttribute name = gcimFuncIoAttr(func, false, index, "onnx.name");
  return !mlirAttributeIsNull(name) && mlirAttributeIsAString(name)
             ? mlirStringAttrGetValue(name)
             : mlirStringRefCreateFromCString(fallback);
}

/* The step function's input that graph input i is, by ONNX name (by position when both
 * take as many), or -1. */
static int stepInputOf(const EmitState *state, size_t i) {
  const EmittedFunction *run = &state->functions[0], *step = &state->functions[1];
  if (run->inputCount == step->inputCount)
    return (int)i;
  MlirStringRef name = inputName(run->func, run->inputs[i].index, "");
  for (size_t j = 0; j < step->inputCount; ++j)
    if (mlirStringRefEqual(name, inputName(step->func, step->inputs[j].index, "")))
      return (int)j;
  return -1;
}

/* Whether graph input i, which the step function does not take, is a padding input
 * assumed unpadded (else position ids that are its step counter). */
static bool assumesNoPadding(const EmittedFunction *run, size_t i) {
  MlirAttribute value = gcimFuncIoAttr(run->func, false, run->inputs[i].index, "gcim.no_padding");
  return !mlirAttributeIsNull(value) && mlirAttributeIsAInteger(value);
}

/* The sequence axis of graph input i that the step function does not take: its one axis of
 * `tokens`; -1 when it has none or an element type the checks cannot compare (half
 * precision; positions must be integers). */
static int unsteppedAxis(const EmittedFunction *run, size_t i, int64_t tokens) {
  const ValueInfo *input = &run->inputs[i];
  bool padding = assumesNoPadding(run, i);
  if (input->elem == GCIM_ELEM_F16 || input->elem == GCIM_ELEM_BF16 ||
      (!padding && gcimElemTypeInfo(input->elem)->isFloat))
    return -1;
  int axis = -1;
  for (int d = 0; d < input->rank; ++d)
    if (input->dims[d] == tokens) {
      if (axis >= 0)
        return -1;
      axis = d;
    }
  return axis;
}

/* The graph's sequence axes for PREFIX_run_tokens: each input's and output's, and each
 * input's step-function input (-1: not taken). */
typedef struct RunTokensAxes {
  int *in, *stepIn, *out;
  int64_t tokens;
} RunTokensAxes;

static void freeAxes(RunTokensAxes *axes) {
  free(axes->in);
  free(axes->stepIn);
  free(axes->out);
}

/* Fills `axes` (freed by freeAxes in any case); false when PREFIX_run_tokens cannot run
 * the graph. */
static bool findAxes(const EmitState *state, RunTokensAxes *axes) {
  const EmittedFunction *run = &state->functions[0], *step = &state->functions[1];
  *axes = (RunTokensAxes){calloc(run->inputCount + 1, sizeof(int)),
                          calloc(run->inputCount + 1, sizeof(int)),
                          calloc(run->outputCount + 1, sizeof(int)), 0};
  size_t stepped = 0;
  if (!axes->in || !axes->stepIn || !axes->out || state->functionCount < 2 ||
      run->inputCount == 0 || run->outputCount != step->outputCount)
    return false;
  for (size_t i = 0; i < run->outputCount; ++i)
    if ((axes->out[i] = sequenceAxis(&run->outputs[i], &step->outputs[i], &axes->tokens)) < 0)
      return false;
  for (size_t i = 0; i < run->inputCount; ++i) {
    if ((axes->stepIn[i] = stepInputOf(state, i)) < 0)
      continue;
    ++stepped;
    axes->in[i] = sequenceAxis(&run->inputs[i], &step->inputs[axes->stepIn[i]], &axes->tokens);
    if (axes->in[i] < 0)
      return false;
  }
  for (size_t i = 0; i < run->inputCount; ++i)
    if (axes->stepIn[i] < 0 &&
        (axes->tokens <= 0 || (axes->in[i] = unsteppedAxis(run, i, axes->tokens)) < 0))
      return false;
  return stepped == step->inputCount;
}

/* The first graph input the step function does not take (a padding input assumed
 * unpadded, position ids that are the step counter), or NULL. */
static const ValueInfo *inputNotStepped(const EmitState *state) {
  const EmittedFunction *run = &state->functions[0];
  for (size_t i = 0; state->functionCount > 1 && i < run->inputCount; ++i)
    if (stepInputOf(state, i) < 0)
      return &run->inputs[i];
  return NULL;
}

/* Appends " --input-shape NAME=DIMS" for each graph input with a run-time axis, at its
 * compiled shape; returns how many. */
static int appendBindings(const EmittedFunction *run, char *text, size_t size) {
  size_t used = 0;
  int count = 0;
  for (size_t i = 0; i < run->inputCount && used < size; ++i) {
    const ValueInfo *input = &run->inputs[i];
    if (mlirAttributeIsNull(gcimFuncIoAttr(run->func, false, input->index, "gcim.run_time_axes")))
      continue;
    ++count;
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
  char why[640], bindings[1024] = "";
  const ValueInfo *missing = inputNotStepped(state);
  MlirAttribute unstreamed = mlirOperationGetAttributeByName(
      state->functions[0].func, mlirStringRefCreateFromCString("gcim.unstreamed"));
  if (state->functionCount < 2 && !mlirAttributeIsNull(unstreamed) &&
      mlirAttributeIsAString(unstreamed)) {
    MlirStringRef reason = mlirStringAttrGetValue(unstreamed);
    snprintf(why, sizeof why, "gcim-stream made no step function: %.*s", (int)reason.length,
             reason.data);
  } else if (state->functionCount < 2)
    snprintf(why, sizeof why,
             "gcim-stream made no step function (it streams graphs whose "
             "attention is causal, docs/Passes.md)");
  else if (missing) {
    MlirStringRef name = inputName(state->functions[0].func, missing->index, "NAME");
    bool padding = !mlirAttributeIsNull(
        gcimFuncIoAttr(state->functions[0].func, false, missing->index, "gcim.no_padding"));
    snprintf(why, sizeof why,
             "its step function does not take input '%.*s' (%s) and the program cannot check "
             "it there: %s",
             (int)name.length, name.data,
             padding ? "a padding input assumed unpadded" : "positions: the step counter",
             padding ? "it has no single axis of the tokens' length, or half-precision elements"
                     : "it has no single axis of the tokens' length, or non-integer elements");
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
  const EmittedFunction *run = &state->functions[0];
  RunTokensAxes found;
  bool canRun = findAxes(state, &found), ok = true;
  for (size_t i = 0; i < run->inputCount && ok; ++i) {
    MlirAttribute axes =
        gcimFuncIoAttr(run->func, false, run->inputs[i].index, "gcim.run_time_axes");
    if (mlirAttributeIsNull(axes) || !mlirAttributeIsADenseI64Array(axes))
      continue;
    for (intptr_t a = 0; a < mlirDenseArrayGetNumElements(axes) && ok; ++a) {
      int64_t axis = mlirDenseI64ArrayGetElement(axes, a);
      if (canRun && found.in[i] == axis)
        continue;
      refuseRunTimeAxis(state, &run->inputs[i], axis);
      ok = false;
    }
  }
  freeAxes(&found);
  return ok;
}

/* Elements before and after `axis` of a value, one token on it. */
static void aroundAxis(const ValueInfo *value, int axis, long long *outer, long long *inner) {
  *outer = *inner = 1;
  for (int d = 0; d < value->rank; ++d)
    if (d != axis)
      *(d < axis ? outer : inner) *= value->dims[d];
}

/* checkUnstepped (empty when `axes` is NULL): on the token-by-token path, a padding input must hold
 * its no-padding value (PREFIX_run's check and message) and position ids must count the tokens from
 * 0 (the step counter), or the step function would compute something else. */
static void writeChecks(const EmitState *state, const RunTokensAxes *axes, FILE *out) {
  const EmittedFunction *run = &state->functions[0];
  fprintf(out,
          "/* The token-by-token path's check of the graph inputs the step function does not\n"
          " * take: a padding input holds no padding, position ids count the tokens from 0\n"
          " * (its step counter). */\n"
          "static int checkUnstepped(%s_state *s, int64_t n, const void *const *inputs) {\n"
          "  (void)s;\n  (void)n;\n  (void)inputs;\n",
          state->options->prefix);
  for (size_t i = 0; axes && i < run->inputCount; ++i) {
    if (axes->stepIn[i] >= 0)
      continue;
    const ValueInfo *input = &run->inputs[i];
    const char *type = gcimCEmitElemCType(input->elem);
    long long outer, inner;
    aroundAxis(input, axes->in[i], &outer, &inner);
    fprintf(out, "  {\n    const %s *%s = inputs[%zu];\n", type, input->name, i);
    if (assumesNoPadding(run, i)) {
      char count[48];
      snprintf(count, sizeof count, "%lld * n", outer * inner);
      gcimCEmitPaddingCheck(run, i, input->name, count, out);
      fputs("  }\n", out);
      continue;
    }
    fprintf(out,
            "    for (int64_t o = 0; o < %lld; ++o)\n"
            "      for (int64_t t = 0; t < n; ++t)\n"
            "        for (int64_t k = 0; k < %lld; ++k) {\n"
            "          int64_t e = (o * n + t) * %lld + k;\n"
            "          if (%s[e] != t) {\n"
            "            snprintf(s->error, sizeof s->error, \"input '%%s' holds %%lld at "
            "element %%lld, but %%lld tokens go one at a time through the step function, "
            "whose positions are its step counter (0, 1, ...): other positions run only at "
            "the compiled %lld tokens%s\",\n                     ",
            outer, inner, inner, input->name, (long long)axes->tokens,
            state->simHeads ? "" : " or from half of them on");
    gcimCEmitNameLiteral(gcimFuncIoAttr(run->func, false, input->index, "onnx.name"), "input", out);
    fprintf(out,
            ", (long long)%s[e], (long long)e, (long long)n);\n"
            "            return -1;\n          }\n        }\n  }\n",
            input->name);
  }
  fputs("  return 0;\n}\n\n", out);
}

/* padUnstepped (empty when `axes` is NULL): the static code padded to T takes a padding input's
 * positions past n with its no-padding value and position ids continuing from the last, so that
 * PREFIX_run's checks pass and the first n positions are computed as given. */
static void writePadding(const EmitState *state, const RunTokensAxes *axes, FILE *out) {
  const EmittedFunction *run = &state->functions[0];
  fputs("/* Pads the graph inputs the step function does not take from n positions to\n"
        " * `length` for the static code: no padding, positions continuing. */\n"
        "static void padUnstepped(int64_t n, int64_t length, void *const *inputs) {\n"
        "  (void)n;\n  (void)length;\n  (void)inputs;\n",
        out);
  for (size_t i = 0; axes && i < run->inputCount; ++i) {
    if (axes->stepIn[i] >= 0)
      continue;
    const ValueInfo *input = &run->inputs[i];
    const char *type = gcimCEmitElemCType(input->elem);
    long long outer, inner;
    aroundAxis(input, axes->in[i], &outer, &inner);
    fprintf(out,
            "  {\n    %s *%s = inputs[%zu];\n"
            "    for (int64_t o = 0; o < %lld; ++o)\n"
            "      for (int64_t t = n; t < length; ++t)\n"
            "        for (int64_t k = 0; k < %lld; ++k)\n",
            type, input->name, i, outer, inner);
    if (assumesNoPadding(run, i))
      fprintf(out, "          %s[(o * length + t) * %lld + k] = (%s)%lld;\n  }\n", input->name,
              inner, type,
              (long long)mlirIntegerAttrGetValueInt(
                  gcimFuncIoAttr(run->func, false, input->index, "gcim.no_padding")));
    else
      fprintf(out,
              "          %s[(o * length + t) * %lld + k] =\n"
              "              (%s)(%s[(o * length + n - 1) * %lld + k] + (t - n + 1));\n  }\n",
              input->name, inner, type, input->name, inner);
  }
  fputs("}\n\n", out);
}

static void writeList(const char *name, const int *values, size_t count, FILE *out) {
  fprintf(out, "static const int %s[] = {", name);
  for (size_t i = 0; i < count; ++i)
    fprintf(out, "%d, ", values[i]);
  fputs("-1};\n", out);
}

void gcimCEmitSequenceAxes(EmitState *state, FILE *out) {
  const EmittedFunction *run = &state->functions[0];
  RunTokensAxes axes;
  bool ok = findAxes(state, &axes);
  fprintf(out,
          "/* The sequence axis of each graph input and output (PREFIX_run_tokens), and the\n"
          " * step function's input each graph input is (-1: one it does not take); the\n"
          " * graph has %s. */\n#define RUN_TOKENS %d\n",
          ok ? "one on each" : "none (a KV cache, or an input or output without one)", ok);
  writeList("sequence_axis_in", axes.in, ok ? run->inputCount : 0, out);
  writeList("sequence_axis_out", axes.out, ok ? run->outputCount : 0, out);
  writeList("step_input_of", axes.stepIn, ok ? run->inputCount : 0, out);
  fputc('\n', out);
  writeChecks(state, ok ? &axes : NULL, out);
  writePadding(state, ok ? &axes : NULL, out);
  freeAxes(&axes);
}
