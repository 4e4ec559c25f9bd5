/* Header.c: writes PREFIX.h, the generated code's documented API, from header.h.in and, for a
 * model with a step function, step.h.in. */
#include "Emitter.h"

#include "gcim/Version.h"

#include <ctype.h>

extern const char gcimHeaderTemplate[];
extern const char gcimStepHeaderTemplate[];

/* `, const T *i0, ..., T *o0, ...` of a function's inputs and outputs. */
void gcimCEmitParameters(const EmittedFunction *fn, FILE *out) {
  for (size_t i = 0; i < fn->inputCount; ++i)
    fprintf(out, ", const %s *%s", gcimCEmitElemCType(fn->inputs[i].elem), fn->inputs[i].name);
  for (size_t o = 0; o < fn->outputCount; ++o)
    fprintf(out, ", %s *o%zu", gcimCEmitElemCType(fn->outputs[o].elem), o);
}

/* header.h.in, with step.h.in's constants and declarations at its markers when the model
 * has a step function. */
void gcimCEmitHeader(EmitState *state, FILE *out) {
  const char *p = state->options->prefix;
  char guard[128], counts[4][24];
  size_t i = 0;
  for (; p[i] && i + 3 < sizeof guard; ++i)
    guard[i] = (char)toupper((unsigned char)p[i]);
  snprintf(guard + i, sizeof guard - i, "_H");
  bool hasStep = state->functionCount > 1;
  const EmittedFunction *run = &state->functions[0], *step = &state->functions[hasStep ? 1 : 0];
  snprintf(counts[0], sizeof counts[0], "%zu", run->inputCount);
  snprintf(counts[1], sizeof counts[1], "%zu", run->outputCount);
  snprintf(counts[2], sizeof counts[2], "%zu", step->inputCount);
  snprintf(counts[3], sizeof counts[3], "%zu", step->outputCount);
  char capacity[24];
  snprintf(capacity, sizeof capacity, "%lld",
           (long long)(hasStep ? gcimCEmitStepCapacity(state) : -1));
  const GcimCTemplateValue values[] = {
      {.name = "GUARD", .value = guard},
      {.name = "GCIM_VERSION", .value = GCIM_VERSION},
      {.name = "SOURCE", .value = state->options->sourceName},
      {.name = "NUM_INPUTS", .value = counts[0]},
      {.name = "NUM_OUTPUTS", .value = counts[1]},
      {.name = "RUN_PARAMETERS", .parameters = run},
      {.name = "STEP_NUM_INPUTS", .value = counts[2]},
      {.name = "STEP_NUM_OUTPUTS", .value = counts[3]},
      {.name = "STEP_PARAMETERS", .parameters = step},
      {.name = "CAPACITY", .value = capacity},
  };
  size_t count = sizeof values / sizeof values[0];
  const char *rest = gcimCEmitTemplateUntil(state, gcimHeaderTemplate, "/* @STEP_CONSTANTS@ */\n",
                                            values, count, out);
  const char *stepRest = NULL;
  if (hasStep)
    stepRest = gcimCEmitTemplateUntil(state, gcimStepHeaderTemplate, "/* @DECLARATIONS@ */\n",
                                      values, count, out);
  if (rest)
    rest = gcimCEmitTemplateUntil(state, rest, "/* @STEP_DECLARATIONS@ */\n", values, count, out);
  if (stepRest)
    gcimCEmitTemplateUntil(state, stepRest, NULL, values, count, out);
  if (rest)
    gcimCEmitTemplateUntil(state, rest, NULL, values, count, out);
}
