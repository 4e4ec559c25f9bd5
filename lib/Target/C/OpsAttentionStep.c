/* OpsAttentionStep.c: C for the step function's ops: gcim.attention_step (one token
 * against the K/V state of its layer, kept across PREFIX_step calls) and gcim.step_index.
 *
 * Exact steps (softmax, and the float functions of hardsigmoid and gain-cell attention)
 * keep K and V in the state's cache block, holding as many tokens as the step function's
 * positions allow (its position table), else as the full-sequence graph's attention;
 * steps on the gain cells write the token into the simulated heads' ring slots (t mod
 * window) before attending, so they run for any number of tokens where the model's
 * attention past the compiled sequence is known (below), else as many as exact steps.
 * PREFIX_reset forgets both. PREFIX_step refuses a position past the capacity before any
 * kernel runs. */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinTypes.h"

#include <stdlib.h>

/* The exact step: append k, v at position s->step of the layer's cache, then attend the
 * query over positions 0..step (the kernel applies the window), heads in parallel. */
static bool emitExactStep(EmitState *state, MlirOperation op, const AttentionValues *a) {
  ValueInfo *q = a->q, *k = a->k, *v = a->v, *y = a->y;
  int64_t window = 0;
  double scale = 1.0;
  gcimOpGetIntAttr(op, "window", &window);
  gcimOpGetFloatAttr(op, "scale", &scale);
  int64_t batch = q->dims[0], heads = q->dims[1], kvHeads = k->dims[1];
  int64_t dim = k->dims[3], valueDim = v->dims[3];
  int64_t capacity = state->stepLimit > 0 ? state->stepLimit : state->contextCapacity;
  if (capacity <= 0)
    return gcimCEmitUnsupported(state, op, "the full-sequence graph gives no context length");
  KvCache *caches = realloc(state->caches, (state->cacheCount + 1) * sizeof *caches);
  if (!caches)
    return false;
  state->caches = caches;
  KvCache cache = {state->cacheFloats, batch, kvHeads, capacity, dim, valueDim};
  caches[state->cacheCount++] = cache;
  long long keys = (long long)cache.offset;
  long long values = keys + (long long)(batch * kvHeads * capacity * dim);
  state->cacheFloats = values + batch * kvHeads * capacity * valueDim;
  gcimCEmitReserveAttentionScratch(state, batch * heads, 1, capacity, dim, valueDim);
  fprintf(state->body, /* PREFIX_step refused positions past the capacity on entry */
          "  for (int64_t bh = 0; bh < %lld; ++bh) {\n"
          "    float *keys = s->cache + %lld + bh * %lld, *values = s->cache + %lld + bh * %lld;\n"
          "    memcpy(keys + s->step * %lld, %s + bh * %lld, %lld);\n"
          "    memcpy(values + s->step * %lld, %s + bh * %lld, %lld);\n  }\n",
          (long long)(batch * kvHeads), keys, (long long)(capacity * dim), values,
          (long long)(capacity * valueDim), (long long)dim, k->name, (long long)dim,
          (long long)(dim * 4), (long long)valueDim, v->name, (long long)valueDim,
          (long long)(valueDim * 4));
  fprintf(state->body,
          "  {\n    const GcimAttentionDesc desc = {%lld, %lld, %lld, 1, s->step + 1, %lld, "
          "%lld, ",
          (long long)batch, (long long)heads, (long long)kvHeads, (long long)dim,
          (long long)valueDim);
  gcimCEmitFloatLiteral(state->body, scale);
  fprintf(state->body, ", 1, %lld};\n", (long long)window);
  if (!a->softmax) {
    char keyText[64], valueText[64];
    snprintf(keyText, sizeof keyText, "s->cache + %lld", keys);
    snprintf(valueText, sizeof valueText, "s->cache + %lld", values);
    fputs("  ", state->body);
    gcimCEmitExactAnalogCall(state, a, "desc", keyText, (long long)(capacity * dim), valueText,
                             (long long)(capacity * valueDim));
    fputs("  }\n", state->body);
    return true;
  }
  fprintf(state->body,
          "    gcimParallelAttentionF32(s->pool, &desc, %s, s->cache + %lld, %lld,\n"
          "                             s->cache + %lld, %lld, %s, s->scratch);\n  }\n",
          q->name, keys, (long long)(capacity * dim), values, (long long)(capacity * valueDim),
          y->name);
  return true;
}

/* The analog step: one gcimSimHeadStep per (batch, head), on heads kept across calls, in
 * parallel on the state's worker pool. */
static bool emitSimulatedStep(EmitState *state, MlirOperation op, ValueInfo *q, ValueInfo *k,
                              ValueInfo *v, ValueInfo *y, ValueInfo *scalers) {
  int64_t batch = q->dims[0], heads = q->dims[1], dim = q->dims[3];
  if (k->dims[1] != heads || v->dims[3] != dim)
    return gcimCEmitUnsupported(state, op,
                                "the gain cells need one K/V head per query head and "
                                "equal q/k/v head dims");
  int64_t first = state->simHeads;
  if (!gcimCEmitAddAttentionHeads(state, op, batch * heads, heads, dim, scalers))
    return false;
  gcimCEmitSimHeadsStep(state, first, batch * heads, dim, q, k, v, y);
  return true;
}

bool gcimCEmitAttentionStep(EmitState *state, MlirOperation op) {
  AttentionValues a;
  if (!gcimCEmitReadAttention(state, op, &a))
    return false;
  if (a.exact)
    return emitExactStep(state, op, &a);
  int64_t window = 0;
  gcimOpGetIntAttr(op, "window", &window);
  return gcimCEmitBoundSimulatedStep(state, op, a.gaincell, window) &&
         emitSimulatedStep(state, op, a.q, a.k, a.v, a.y, a.scalers);
}

bool gcimCEmitStepIndex(EmitState *state, MlirOperation op) {
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  fprintf(state->body, "  %s[0] = s->step;\n", y->name);
  return true;
}

/* Whether `value` is computed from gcim.step_index (a position derived from it). */
static bool fromStepIndex(MlirValue value, int depth) {
  if (!mlirValueIsAOpResult(value) || depth > 16)
    return false;
  MlirOperation op = mlirOpResultGetOwner(value);
  if (gcimOpIsA(op, "gcim.step_index"))
    return true;
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    if (fromStepIndex(mlirOperationGetOperand(op, i), depth + 1))
      return true;
  return false;
}

int64_t gcimCEmitStepPositionLimit(MlirOperation stepFunction) {
  int64_t limit = 0;
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(stepFunction, 0));
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    int64_t axis = 0;
    if (!gcimOpIsA(op, "onnx.gather") || !fromStepIndex(mlirOperationGetOperand(op, 1), 0))
      continue;
    gcimOpGetIntAttr(op, "axis", &axis);
    MlirType data = mlirValueGetType(mlirOperationGetOperand(op, 0));
    int64_t rank = mlirShapedTypeGetRank(data), rows;
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank || (rows = mlirShapedTypeGetDimSize(data, axis)) <= 0)
      continue;
    if (limit == 0 || rows < limit)
      limit = rows;
  }
  return limit;
}

/* The ring of a gain-cell step attends past the compiled sequence T as the model does when
 * the model's mask showed its window (the ring keeps that many tokens) or the attention is
 * GainCellAttention, trained on the hardware's own window. A plain causal mask of T keys
 * looks the same for any window >= T (a Mistral export of 4 tokens, window 4), so for
 * other steps past T is unverified and the step takes T tokens, as an exact one does. */
bool gcimCEmitBoundSimulatedStep(EmitState *state, MlirOperation op, bool gaincell,
                                 int64_t modelWindow) {
  if (gaincell || modelWindow > 0 || state->stepLimit > 0)
    return true;
  if (state->contextCapacity <= 0)
    return gcimCEmitUnsupported(state, op, "the full-sequence graph gives no context length");
  state->simStepUnverified = true;
  return true;
}

int64_t gcimCEmitStepCapacity(const EmitState *state) {
  if (state->stepLimit > 0)
    return state->stepLimit;
  return state->cacheCount || state->simStepUnverified ? state->contextCapacity : -1;
}
