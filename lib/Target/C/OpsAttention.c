/* OpsAttention.c: C for gcim.attention, exact (runtime kernel) or on the simulator.
 *
 * The attention mode decides (gcim/Support/AttentionMode.h, as gcim-map-attention does):
 * exact softmax runs the exact attention kernel, exact hardsigmoid and gain-cell
 * attention their float functions (gcim/Runtime/SimExact.h); attention on the gain cells
 * runs every (batch, head) pair as one sequence on a simulated head (docs/HardwareModel.md
 * §2; the heads in parallel on the state's worker pool), or, for one new query over a KV
 * cache (gcim-map-attention's gcim.mapping = "cache"), replays the cached tokens into the
 * head's arrays one per step before the new token's step; this needs self-attention or that
 * one query, one K/V head per query head (a grouped-query repeat gives that), equal head dims
 * and a constant `scales` operand when there is one. */
#include "OpEmitters.h"

#include "gcim/Runtime/Kernels/Nn.h"
#include "gcim/Support/AttentionMode.h"
#include "gcim/Support/IRHelpers.h"

#include <stdlib.h>

/* Opens a block declaring `desc`, the GcimAttentionDesc of `op` over q, k, v. */
static void emitAttentionDesc(EmitState *state, MlirOperation op, const ValueInfo *q,
                              const ValueInfo *k, const ValueInfo *v) {
  int64_t causal = 0, window = 0;
  double scale = 1.0;
  gcimOpGetIntAttr(op, "causal", &causal);
  gcimOpGetIntAttr(op, "window", &window);
  gcimOpGetFloatAttr(op, "scale", &scale);
  fprintf(state->body,
          "  {\n    const GcimAttentionDesc desc = {%lld, %lld, %lld, %lld, %lld, %lld, "
          "%lld, ",
          (long long)q->dims[0], (long long)q->dims[1], (long long)k->dims[1],
          (long long)q->dims[2], (long long)k->dims[2], (long long)q->dims[3],
          (long long)v->dims[3]);
  gcimCEmitFloatLiteral(state->body, scale);
  fprintf(state->body, ", %d, %lld};\n", causal ? 1 : 0, (long long)window);
}

static bool emitExact(EmitState *state, MlirOperation op, ValueInfo *q, ValueInfo *k, ValueInfo *v,
                      ValueInfo *y) {
  emitAttentionDesc(state, op, q, k, v);
  fprintf(state->body,
          "    gcimParallelAttentionF32(s->pool, &desc, %s, %s, %lld, %s, %lld, %s, "
          "s->scratch);\n  }\n",
          q->name, k->name, (long long)(k->dims[2] * k->dims[3]), v->name,
          (long long)(v->dims[2] * v->dims[3]), y->name);
  gcimCEmitReserveAttentionScratch(state, q->dims[0] * q->dims[1], q->dims[2], k->dims[2],
                                   q->dims[3], v->dims[3]);
  return true;
}

void gcimCEmitReserveAttentionScratch(EmitState *state, int64_t pairs, int64_t queries,
                                      int64_t keys, int64_t headDim, int64_t valueDim) {
  const GcimAttentionDesc pair = {1, 1, 1, queries, keys, headDim, valueDim, 1.0f, 0, 0};
  int64_t floats = pairs * gcimKernelAttentionScratchSize(&pair);
  if (floats > state->attentionScratch)
    state->attentionScratch = floats;
}

/* `heads` simulated heads; head i uses row i % scalerRows of the scalers. */
bool gcimCEmitAddHeadGroup(EmitState *state, int64_t heads, int64_t scalerRows, int64_t headDim,
                           int64_t window, ValueInfo *scalers, double queryScale) {
  SimHeadGroup *groups = realloc(state->headGroups, (state->headGroupCount + 1) * sizeof *groups);
  if (!groups)
    return false;
  state->headGroups = groups;
  SimHeadGroup *group = &groups[state->headGroupCount++];
  *group = (SimHeadGroup){.function = state->functionCount - 1,
                          .first = state->simHeads,
                          .count = heads,
                          .headDim = headDim,
                          .window = window,
                          .headsPerScalers = scalerRows,
                          .hasScalers = scalers != NULL,
                          .queryScale = queryScale,
                          .scalerOffset = scalers ? scalers->offset : 0};
  state->simHeads += heads;
  return true;
}

bool gcimCEmitAddAttentionHeads(EmitState *state, MlirOperation op, int64_t heads,
                                int64_t scalerRows, int64_t headDim, ValueInfo *scalers) {
  int64_t window = 0;
  double scale = 1.0;
  gcimOpGetIntAttr(op, "window", &window);
  gcimOpGetFloatAttr(op, "scale", &scale);
  if (window > state->options->hw->window)
    return gcimCEmitUnsupported(state, op,
                                "its window is longer than the hardware's (use "
                                "--attention=digital)");
  return gcimCEmitAddHeadGroup(state, heads, scalerRows, headDim, window, scalers, scale);
}

static bool emitSimulated(EmitState *state, MlirOperation op, ValueInfo *q, ValueInfo *k,
                          ValueInfo *v, ValueInfo *y, ValueInfo *scalers) {
  int64_t batch = q->dims[0], heads = q->dims[1], tokens = q->dims[2], dim = q->dims[3];
  int64_t keys = k->dims[2];
  bool cached = tokens == 1 && keys > 1; /* one new token over its KV cache */
  if (k->dims[1] != heads || (keys != tokens && !cached) || v->dims[3] != dim)
    return gcimCEmitUnsupported(state, op,
                                "the gain cells need self-attention with as many "
                                "queries as keys or one query over a KV cache, one K/V "
                                "head per query head and equal q/k/v head dims");
  int64_t first = state->simHeads;
  if (!gcimCEmitAddAttentionHeads(state, op, heads, heads, dim, scalers))
    return false;
  if (cached)
    fprintf(state->body,
            "  gcimSimHeadsRunCached(HEAD_POOL, s->heads + %lld, %lld, %lld, %lld, %lld, %s, %s, "
            "%s, %s);\n",
            (long long)first, (long long)heads, (long long)batch, (long long)(keys - 1),
            (long long)dim, q->name, k->name, v->name, y->name);
  else
    gcimCEmitSimHeadsRun(state, first, heads, batch, tokens, dim, q, k, v, y);
  return true;
}

void gcimCEmitSimHeadsStep(EmitState *state, int64_t first, int64_t count, int64_t dim,
                           const ValueInfo *q, const ValueInfo *k, const ValueInfo *v,
                           const ValueInfo *y) {
  fprintf(state->body,
          "  gcimSimHeadsStep(HEAD_POOL, s->heads + %lld, %lld, %lld, %s, %s, %s, %s);\n",
          (long long)first, (long long)count, (long long)dim, q->name, k->name, v->name, y->name);
  fprintf(state->body, /* PREFIX_set_layer_error: the outputs against the exact function */
          "  if (s->layer_error)\n    gcimSimCompareStep(s->layer_error, HEAD_POOL, %lld, %lld, "
          "%lld, %s, %s, %s, %s);\n",
          (long long)first, (long long)count, (long long)dim, q->name, k->name, v->name, y->name);
}

void gcimCEmitSimHeadsRun(EmitState *state, int64_t first, int64_t heads, int64_t batch,
                          int64_t tokens, int64_t dim, const ValueInfo *q, const ValueInfo *k,
                          const ValueInfo *v, const ValueInfo *y) {
  fprintf(state->body,
          "  gcimSimHeadsRunSequences(HEAD_POOL, s->heads + %lld, %lld, %lld, %lld, %lld, %s, "
          "%s, %s, %s);\n",
          (long long)first, (long long)heads, (long long)batch, (long long)tokens, (long long)dim,
          q->name, k->name, v->name, y->name);
}

bool gcimCEmitReadAttention(EmitState *state, MlirOperation op, AttentionValues *values) {
  values->q = gcimCEmitOperand(state, op, 0);
  values->k = gcimCEmitOperand(state, op, 1);
  values->v = gcimCEmitOperand(state, op, 2);
  values->scalers = mlirOperationGetNumOperands(op) > 3
                        ? gcimCEmitLookup(state, mlirOperationGetOperand(op, 3))
                        : NULL;
  values->y = gcimCEmitResult(state, op, 0);
  if (values->q->elem != GCIM_ELEM_F32 || values->k->elem != GCIM_ELEM_F32 ||
      values->v->elem != GCIM_ELEM_F32)
    return gcimCEmitUnsupported(state, op, "only float32 is supported");
  MlirStringRef kind = {"softmax", 7};
  gcimOpGetStringAttr(op, "kind", &kind);
  values->softmax = gcimStringRefEquals(kind, "softmax");
  values->gaincell = gcimStringRefEquals(kind, "gaincell");
  values->exact = !gcimAttentionModeMapsKind(state->options->attention, kind.data, kind.length);
  if (values->scalers && values->scalers->storage != STORAGE_WEIGHT)
    return gcimCEmitUnsupported(state, op, "its per-head scales must be constants");
  if (values->exact && values->scalers) /* the float function reads them */
    gcimCEmitRef(state, values->scalers);
  return true;
}

void gcimCEmitExactAnalogCall(EmitState *state, const AttentionValues *a, const char *desc,
                              const char *keys, long long kStride, const char *values,
                              long long vStride) {
  int64_t dim = a->q->dims[3];
  if (2 * dim > state->attentionScratch)
    state->attentionScratch = 2 * dim;
  fprintf(state->body,
          "  gcimSimExactAttentionF32(%s, &s->hw, &%s, %s, %lld, %s, %s, %lld, %s, %lld, %s, "
          "s->scratch);\n",
          a->gaincell ? "GCIM_EXACT_GAINCELL" : "GCIM_EXACT_HARDSIGMOID", desc,
          a->scalers ? a->scalers->name : "NULL", (long long)(a->scalers ? a->scalers->dims[0] : 1),
          a->q->name, keys, kStride, values, vStride, a->y->name);
}

/* The float function of hardsigmoid or gain-cell attention, for the whole sequence. */
static bool emitExactAnalog(EmitState *state, MlirOperation op, const AttentionValues *a) {
  if (a->gaincell && a->v->dims[3] != a->q->dims[3])
    return gcimCEmitUnsupported(state, op, "gain-cell attention needs equal q/k/v head dims");
  const ValueInfo *q = a->q, *k = a->k, *v = a->v;
  emitAttentionDesc(state, op, q, k, v);
  fputs("  ", state->body);
  gcimCEmitExactAnalogCall(state, a, "desc", k->name, (long long)(k->dims[2] * k->dims[3]), v->name,
                           (long long)(v->dims[2] * v->dims[3]));
  fputs("  }\n", state->body);
  return true;
}

bool gcimCEmitAttention(EmitState *state, MlirOperation op) {
  AttentionValues a;
  if (!gcimCEmitReadAttention(state, op, &a))
    return false;
  if (a.k->dims[2] > state->contextCapacity) /* PREFIX_step holds as many tokens */
    state->contextCapacity = a.k->dims[2];
  if (a.exact)
    return a.softmax ? emitExact(state, op, a.q, a.k, a.v, a.y) : emitExactAnalog(state, op, &a);
  return emitSimulated(state, op, a.q, a.k, a.v, a.y, a.scalers);
}
