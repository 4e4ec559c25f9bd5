/* MapAttention.c: gcim-map-attention, attention heads onto gain-cell sub-tiles.
 *
 * Each gcim.attention (full sequence) and gcim.attention_step (streamed) becomes,
 * when it is mapped (see below), the tile-level ops of docs/HardwareModel.md section 2:
 * per-head scalers for q, k, v; gcim.kv_write of k, v into ring slots; gcim.qk_product
 * (the first analog product); gcim.charge_to_pulse; gcim.pv_product (the second);
 * gcim.readout per sub-tile; gcim.adder_tree over the token sub-tiles; the output scaler.
 * Each head takes ceil(window/64) sub-tiles along the tokens and ceil(d/64) along the
 * head dimension, where the window is fitted to the model's context when that is shorter
 * (MapAttentionContext.c: what a step function's position tables allow, or a lone
 * full-sequence function's tokens; the kv_write's `gcim.context`). The attentions are
 * numbered in program order (`layer`), which names their K/V state.
 *
 * Grouped-query attention (K and V a head repeat of fewer K/V heads) is mapped as the `gqa`
 * option says (docs/HardwareModel.md section 7): `replicate` (the default) gives each query
 * head its own K/V arrays; `share` one array pair per K/V head that the group's query heads
 * read in turn. The kv_write says which (`gcim.gqa`, `gcim.kv_group`: query heads per
 * array pair) and, under share, the products carry `gcim.kv_group` too.
 *
 * Which attention is mapped is the `attention` mode's (gcim/Support/AttentionMode.h):
 * `auto` (the default) maps GainCellAttention (kind gaincell) only and keeps other
 * attention exact (gcim.mapping = "digital", gcim.digital_reason saying why); `analog`
 * maps every attention; `digital` none. Semantics are never changed silently: softmax and
 * hardsigmoid attention mapped to the hardware get its semantics, and the kv_write
 * carries `gcim.warning` saying accuracy will change (so does unbounded causal attention
 * limited to the hardware window). Attention the hardware cannot hold is an error: a window
 * longer than the hardware's, cross-attention (keys and values projected from another
 * hidden state than the queries, MapAttentionSources.c, whatever the lengths; without such
 * a trace, queries and keys in different numbers), non-causal attention over more keys than
 * the window, full-sequence causal attention longer than the window or with a KV cache
 * (stream it first; once gcim-stream made a step function, such an attention of the
 * full-sequence function is left to run through the step function, marked gcim.mapping =
 * "step"; one over a KV cache, marked "cache", is replayed on heads of its own: the past
 * tokens written one per step, then the new one written and read, so it must add one token
 * and, unless it has a window of its own, its past and that token must fit the hardware's).
 *
 * Assumes: gcim.attention as gcim-verify accepts it; static shapes.
 * Guarantees: every mapped head has exactly one kv_write before its two products; the
 * scalers come from the `scales` operand or the hardware's defaults (a_q multiplied by
 * the attention's `scale`). */
#include "FuseAttention.h"
#include "MapAttentionContext.h"
#include "MapAttentionSources.h"
#include "PassUtils.h"

#include "gcim/Runtime/Hardware.h"
#include "gcim/Support/AttentionMode.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Transforms/Passes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct MapOptions {
  GcimAttentionMode mode;
  const GcimHardware *hw;
  bool share; /* --gqa=share: a grouped-query layer's query heads take turns on one array */
} MapOptions;

typedef struct Head {
  MlirOperation op;
  MlirLocation loc;
  MlirContext ctx;
  MlirValue q, k, v, scales;
  int64_t batch, heads, tq, tk, dim, vdim;
  int64_t layer, window, tokenTiles, dimTiles;
  int64_t modelWindow; /* the window the model's mask showed; 0: none (window is mapped's) */
  int64_t context;     /* the model's tokens when known (the window is fitted to them); else 0 */
  int64_t kvGroup;     /* query heads per K/V head (the K/V head repeat's factor); 1 without */
  int causal, streamed, share;
  bool foreign; /* k or v read no hidden state q reads (MapAttentionSources.c) */
  double scale;
  MlirStringRef kind;
  const char *warning;
} Head;

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

static void readHead(MlirOperation op, int64_t layer, Head *h) {
  memset(h, 0, sizeof *h);
  h->op = op;
  h->loc = mlirOperationGetLocation(op);
  h->ctx = mlirOperationGetContext(op);
  h->q = mlirOperationGetOperand(op, 0);
  h->k = mlirOperationGetOperand(op, 1);
  h->v = mlirOperationGetOperand(op, 2);
  if (mlirOperationGetNumOperands(op) > 3)
    h->scales = mlirOperationGetOperand(op, 3);
  MlirType q = mlirValueGetType(h->q), k = mlirValueGetType(h->k);
  h->batch = gcimSafeDim(q, 0);
  h->heads = gcimSafeDim(q, 1);
  h->tq = gcimSafeDim(q, 2);
  h->dim = gcimSafeDim(q, 3);
  h->tk = gcimSafeDim(k, 2);
  h->vdim = gcimSafeDim(mlirValueGetType(h->v), 3);
  h->streamed = gcimOpIsA(op, "gcim.attention_step");
  int64_t causal = 1, window = 0;
  gcimOpGetIntAttr(op, "causal", &causal);
  gcimOpGetIntAttr(op, "window", &window);
  gcimOpGetIntAttr(op, "layer", &layer);
  h->causal = h->streamed || causal != 0;
  h->window = h->modelWindow = window;
  h->layer = layer;
  h->scale = 1.0;
  gcimOpGetFloatAttr(op, "scale", &h->scale);
  gcimOpGetStringAttr(op, "kind", &h->kind);
}

/* The K/V heads of `value` when it is transformers' repeat_kv of them (Unsqueeze at 2,
 * Expand, Reshape: query head h reads K/V head h / group); else 0. */
static int64_t repeatedKvHeads(MlirValue value) {
  MlirOperation first = gcimHeadRepeatFirst(value);
  if (mlirOperationIsNull(first) || !gcimOpIsA(first, "onnx.unsqueeze"))
    return 0; /* a Tile interleaves the heads (h reads h mod kv_heads): kept replicated */
  return gcimSafeDim(mlirValueGetType(mlirOperationGetOperand(first, 0)), 1);
}

/* Query heads per K/V head when K and V are both repeat_kv of the same K/V heads; else 1. */
static int64_t kvGroupOf(const Head *h) {
  int64_t kvHeads = repeatedKvHeads(h->k);
  if (kvHeads <= 0 || kvHeads != repeatedKvHeads(h->v) || h->heads <= kvHeads ||
      h->heads % kvHeads != 0)
    return 1;
  return h->heads / kvHeads;
}

/* A graph input concatenated into `k` on the way from it (a KV cache gcim-fuse-attention
 * did not take for one, as GPT-BigCode's past key_value holding k and v), else null. */
static MlirValue concatenatedInput(MlirValue k) {
  for (int steps = 0; steps < 12; ++steps) {
    MlirOperation def = gcimValueDefOp(k);
    if (mlirOperationIsNull(def) || mlirOperationGetNumOperands(def) == 0)
      break;
    if (gcimOpIsA(def, "onnx.concat")) {
      for (intptr_t i = 0; i < mlirOperationGetNumOperands(def); ++i)
        if (mlirValueIsABlockArgument(mlirOperationGetOperand(def, i)))
          return mlirOperationGetOperand(def, i);
      break;
    }
    k = mlirOperationGetOperand(def, 0);
  }
  return (MlirValue){NULL};
}

/* Queries over keys that are not theirs: a cache gcim did not take for one, or another
 * sequence's keys. */
static bool foreignKeysError(const Head *h) {
  MlirValue past = concatenatedInput(mlirOperationGetOperand(h->op, 1));
  if (!mlirValueIsNull(past)) {
    char name[64];
    gcimMaskInputName(past, name, sizeof name);
    gcimEmitError(h->loc,
                  "attention of %lld queries over %lld keys that include input '%s', a KV "
                  "cache gcim does not take for one (it takes past K and V of their own, "
                  "concatenated to the new k and v along the tokens), does not run on the "
                  "gain cells; use --attention=digital or --attention=auto",
                  (long long)h->tq, (long long)h->tk, name);
    return false;
  }
  gcimEmitError(h->loc,
                "attention of %lld queries over %lld keys of another sequence "
                "(cross-attention) does not run on the gain cells, which hold the keys of "
                "the tokens they answer; use --attention=digital or --attention=auto",
                (long long)h->tq, (long long)h->tk);
  return false;
}

/* The operands are (batch, heads, tokens, head_dim) with known heads and head dims, and a
 * full-sequence attention knows its tokens. */
static bool checkShapes(const Head *h) {
  for (int i = 0; i < 3; ++i)
    if (gcimTensorRank(mlirValueGetType(mlirOperationGetOperand(h->op, i))) != 4) {
      gcimEmitError(h->loc, "attention operands must be (batch, heads, tokens, head_dim) "
                            "tensors (see gcim-verify)");
      return false;
    }
  if (h->heads <= 0 || h->dim <= 0 || h->vdim <= 0) {
    gcimEmitError(h->loc, "attention with a dynamic number of heads or head dim cannot be "
                          "mapped; use --attention=digital");
    return false;
  }
  if (!h->streamed && (h->tq < 0 || h->tk < 0)) {
    gcimEmitError(h->loc, "full-sequence attention over a dynamic number of tokens cannot be "
                          "checked against the hardware window; bind the shapes or use "
                          "--attention=digital");
    return false;
  }
  /* The arrays hold the keys of the tokens whose queries they answer (the emitter's tile
   * layer needs it): a decoder's cross-attention over an encoder's output does not fit,
   * also when the two are equally long. Without a trace, lengths tell what they can. */
  if (!h->streamed && (h->foreign || (!h->causal && h->tq != h->tk)))
    return foreignKeysError(h);
  return true;
}

/* A KV-cache graph adds one new token per step (gcim-stream streams only those). */
static bool newTokensError(const Head *h) {
  gcimEmitError(h->loc,
                "attention over a KV cache with %lld new tokens (%lld keys): the gain cells "
                "take one new token per step; export a one-token KV-cache step or use "
                "--attention=digital",
                (long long)h->tq, (long long)h->tk);
  return false;
}

/* A KV-cache attention gcim-stream did not stream: the error says why, from its function's
 * gcim.unstreamed, since the user cannot stream it otherwise. */
static bool unstreamedCacheError(const Head *h) {
  MlirOperation func = mlirOperationGetParentOperation(h->op);
  while (!mlirOperationIsNull(func) && !gcimOpIsA(func, "func.func"))
    func = mlirOperationGetParentOperation(func);
  MlirStringRef why = {"", 0};
  bool known = !mlirOperationIsNull(func) && gcimOpGetStringAttr(func, "gcim.unstreamed", &why);
  gcimEmitError(h->loc,
                "full-sequence attention with a KV cache (%lld queries, %lld keys) must be "
                "streamed first (gcim-stream)%s%.*s%s",
                (long long)h->tq, (long long)h->tk, known ? ", which did not stream it: " : "",
                (int)why.length, why.data, known ? "; use --attention=digital" : "");
  return false;
}

/* The full-sequence form of a streamed KV-cache graph (docs/HardwareModel.md section 2, "A
 * KV-cache graph"): its heads replay the past tokens into the arrays, one per step, then
 * write and read the new one, so the past and the new token must fit the head's window
 * `mapped` unless the attention has a window of its own (the ring then keeps the model's). */
static bool checkCacheReplay(const Head *h, int64_t mapped) {
  if (!checkShapes(h))
    return false;
  if (h->tq != 1)
    return newTokensError(h);
  if (h->window == 0 && h->tk > mapped) {
    gcimEmitError(h->loc,
                  "attention over a KV cache of %lld past tokens: with the new token that "
                  "exceeds the hardware window of %lld tokens, whose oldest would be "
                  "overwritten; export a shorter past or use --attention=digital",
                  (long long)(h->tk - h->tq), (long long)mapped);
    return false;
  }
  return true;
}

/* The head's window (its own, else the hardware's `m`) holds what it attends; *mapped gets
 * that window. */
static bool checkWindow(const Head *h, int64_t m, int64_t *mapped) {
  if (h->window > m) {
    gcimEmitError(h->loc,
                  "attention window of %lld tokens exceeds the hardware window of "
                  "%lld tokens; use --attention=digital",
                  (long long)h->window, (long long)m);
    return false;
  }
  *mapped = h->window > 0 ? h->window : m;
  if (!h->causal && h->tk > *mapped) {
    gcimEmitError(h->loc,
                  "non-causal attention over %lld tokens does not fit the hardware "
                  "window of %lld tokens; use --attention=digital",
                  (long long)h->tk, (long long)*mapped);
    return false;
  }
  if (h->causal && !h->streamed && h->tq != h->tk && h->tq != 1)
    return newTokensError(h);
  /* One query over keys that no gcim.cache_append made (the fusion calls a lone query
   * causal, its row being all keys) is a decoder step's cross-attention, not a cache. */
  if (h->causal && !h->streamed && h->tq != h->tk)
    return gcimReadsCache(mlirOperationGetOperand(h->op, 1), NULL) ? unstreamedCacheError(h)
                                                                   : foreignKeysError(h);
  if (h->causal && !h->streamed && h->tk > *mapped) {
    gcimEmitError(h->loc,
                  "full-sequence causal attention over %lld tokens exceeds the window "
                  "of %lld tokens; stream it first (gcim-stream) or use "
                  "--attention=digital",
                  (long long)h->tk, (long long)*mapped);
    return false;
  }
  return true;
}

/* Whether the hardware can hold the head; sets the mapped window (fitted to the model's
 * context), its tiles and the warning. */
static bool checkCapacity(Head *h, const GcimHardware *hw) {
  int64_t mapped;
  if (!checkShapes(h) || !checkWindow(h, hw->window, &mapped))
    return false;
  if (!gcimStringRefEquals(h->kind, "gaincell"))
    h->warning = "attention that is not GainCellAttention runs on the gain cells with the "
                 "hardware's semantics (--attention=analog): accuracy will change unless "
                 "the model was hardware-adapted";
  else if (h->window == 0 && h->causal)
    h->warning = "unbounded causal attention limited to the hardware window";
  /* No head needs more slots than the model has tokens, nor fewer than it attends now. */
  int64_t needed = !h->streamed && h->tk > h->context ? h->tk : h->context;
  if (h->context > 0 && needed < mapped)
    mapped = needed;
  h->window = mapped;
  h->tokenTiles = ceilDiv(mapped, hw->arrayRows);
  h->dimTiles = ceilDiv(h->dim > h->vdim ? h->dim : h->vdim, hw->arrayCols);
  return true;
}

/* The (heads, 8) scalers: the operand, or the defaults with a_q = scale. */
static MlirValue scalersFor(Head *h) {
  if (!mlirValueIsNull(h->scales))
    return h->scales;
  int64_t count = h->heads * GCIM_SCALER_COUNT;
  float *values = malloc((size_t)count * sizeof *values);
  if (!values)
    return (MlirValue){NULL};
  for (int64_t i = 0; i < count; ++i)
    values[i] = gcimDefaultScalers[i % GCIM_SCALER_COUNT];
  for (int64_t i = 0; i < h->heads; ++i)
    values[i * GCIM_SCALER_COUNT] = (float)h->scale;
  int64_t dims[2] = {h->heads, GCIM_SCALER_COUNT};
  MlirType type = gcimTensorType(2, dims, mlirF32TypeGet(h->ctx));
  MlirNamedAttribute value =
      mlirNamedAttributeGet(mlirIdentifierGet(h->ctx, mlirStringRefCreateFromCString("value")),
                            mlirDenseElementsAttrFloatGet(type, count, values));
  free(values);
  return mlirOperationGetResult(
      gcimBuildOp(h->op, "onnx.constant", h->loc, 0, NULL, 1, &type, 1, &value), 0);
}

static MlirValue buildScaler(Head *h, MlirValue x, MlirValue scales, int index) {
  MlirNamedAttribute attrs[2] = {gcimNamedInt(h->ctx, "a_index", index),
                                 gcimNamedInt(h->ctx, "b_index", index + 1)};
  MlirValue operands[2] = {x, scales};
  MlirType type = mlirValueGetType(x);
  return mlirOperationGetResult(
      gcimBuildOp(h->op, "gcim.scaler", h->loc, 2, operands, 1, &type, 2, attrs), 0);
}

static MlirValue buildUnary(Head *h, const char *name, MlirValue x, int64_t last, bool collapse,
                            intptr_t nAttrs, const MlirNamedAttribute *attrs) {
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(x), dims);
  if (collapse) {
    dims[3] = dims[4];
    rank = 4;
  } else if (last > 0) {
    dims[rank - 1] = last;
  }
  MlirType type = gcimTensorType(rank, dims, mlirF32TypeGet(h->ctx));
  return mlirOperationGetResult(gcimBuildOp(h->op, name, h->loc, 1, &x, 1, &type, nAttrs, attrs),
                                0);
}

static void buildTileOps(Head *h, const GcimHardware *hw) {
  MlirValue scales = scalersFor(h);
  MlirValue q = buildScaler(h, h->q, scales, 0), k = buildScaler(h, h->k, scales, 2);
  MlirValue v = buildScaler(h, h->v, scales, 4);
  MlirValue kv[2] = {k, v};
  MlirNamedAttribute write[11] = {gcimNamedInt(h->ctx, "layer", h->layer),
                                  gcimNamedInt(h->ctx, "window", h->window),
                                  gcimNamedInt(h->ctx, "token_tiles", h->tokenTiles),
                                  gcimNamedInt(h->ctx, "dim_tiles", h->dimTiles),
                                  gcimNamedInt(h->ctx, "streamed", h->streamed)};
  intptr_t writeCount = 5;
  char kind[32];
  snprintf(kind, sizeof kind, "%.*s", (int)h->kind.length, h->kind.data);
  write[writeCount++] = gcimNamedString(h->ctx, "gcim.kind", kind);
  if (h->warning)
    write[writeCount++] = gcimNamedString(h->ctx, "gcim.warning", h->warning);
  if (h->context > 0)
    write[writeCount++] = gcimNamedInt(h->ctx, "gcim.context", h->context);
  if (h->modelWindow > 0) /* the C emitter's step capacity: the ring follows the model */
    write[writeCount++] = gcimNamedInt(h->ctx, "gcim.model_window", h->modelWindow);
  if (h->kvGroup > 1) { /* docs/HardwareModel.md section 7: the GQA decision */
    write[writeCount++] = gcimNamedString(h->ctx, "gcim.gqa", h->share ? "share" : "replicate");
    write[writeCount++] = gcimNamedInt(h->ctx, "gcim.kv_group", h->share ? h->kvGroup : 1);
  }
  gcimBuildOp(h->op, "gcim.kv_write", h->loc, 2, kv, 0, NULL, writeCount, write);
  int64_t dims[5] = {h->batch, h->heads, h->tq, h->tokenTiles, hw->arrayRows};
  MlirType chargeType = gcimTensorType(5, dims, mlirF32TypeGet(h->ctx));
  MlirNamedAttribute product[5] = {gcimNamedInt(h->ctx, "layer", h->layer),
                                   gcimNamedInt(h->ctx, "causal", h->causal),
                                   gcimNamedInt(h->ctx, "token_tiles", h->tokenTiles),
                                   gcimNamedInt(h->ctx, "dim_tiles", h->dimTiles),
                                   gcimNamedInt(h->ctx, "gcim.kv_group", h->kvGroup)};
  intptr_t productCount = h->share && h->kvGroup > 1 ? 5 : 4; /* turns on a shared array */
  MlirValue s = mlirOperationGetResult(
      gcimBuildOp(h->op, "gcim.qk_product", h->loc, 1, &q, 1, &chargeType, productCount, product),
      0);
  MlirNamedAttribute first = gcimNamedF32(h->ctx, "saturation", hw->firstProductSaturation);
  MlirValue phi = buildUnary(h, "gcim.charge_to_pulse", s, 0, false, 1, &first);
  MlirNamedAttribute second[4] = {product[0], product[2], product[3], product[4]};
  MlirValue y = buildUnary(h, "gcim.pv_product", phi, h->vdim, false, productCount - 1, second);
  MlirNamedAttribute readout = gcimNamedF32(h->ctx, "saturation", hw->outputSaturation);
  MlirValue z = buildUnary(h, "gcim.readout", y, 0, false, 1, &readout);
  MlirValue sum = buildUnary(h, "gcim.adder_tree", z, 0, true, 0, NULL);
  MlirValue out = buildScaler(h, sum, scales, 6);
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(h->op, 0), out);
  gcimEraseDeadOps(h->op);
}

static bool isAttention(MlirOperation op) {
  return gcimOpIsA(op, "gcim.attention") || gcimOpIsA(op, "gcim.attention_step");
}

static MlirLogicalResult runMapAttention(MlirOperation module, const GcimPassOptions *options);

static const char *const attentionModes[] = {"auto", "analog", "digital", NULL};
static const char *const gqaModes[] = {"replicate", "share", NULL};

static const GcimPassOptionInfo mapOptions[] = {
    {"attention", GCIM_PASS_OPTION_ENUM, "auto",
     "auto: GainCellAttention on the gain cells, other attention exact; analog: every "
     "attention on the gain cells; digital: every attention exact",
     attentionModes},
    {"gqa", GCIM_PASS_OPTION_ENUM, "replicate",
     "grouped-query attention: replicate (each query head its own K/V arrays, heads in "
     "parallel) or share (one K/V array pair per K/V head, its query heads in turn)",
     gqaModes},
};

const GcimPassInfo gcimMapAttentionPassInfo = {
    "gcim-map-attention", "Map attention heads onto gain-cell sub-tiles as tile-level ops",
    mapOptions, sizeof mapOptions / sizeof mapOptions[0], runMapAttention};

/* True when the function holding `op` has a step function (gcim-stream ran): its
 * full-sequence attentions longer than the window run through that step function. */
static bool hasStepFunction(MlirOperation op) {
  MlirOperation func = mlirOperationGetParentOperation(op);
  return !mlirOperationIsNull(func) &&
         !mlirAttributeIsNull(mlirOperationGetAttributeByName(
             func, mlirStringRefCreateFromCString("gcim.step_function")));
}

static MlirLogicalResult runMapAttention(MlirOperation module, const GcimPassOptions *options) {
  MapOptions map = {GCIM_ATTENTION_AUTO, options->hw, false};
  map.share = strcmp(gcimPassOptionsGet(options, &gcimMapAttentionPassInfo, "gqa"), "share") == 0;
  gcimAttentionModeParse(gcimPassOptionsGet(options, &gcimMapAttentionPassInfo, "attention"),
                         &map.mode); /* checked when the pass was made */
  MlirOperation *attentions = NULL;
  size_t count = 0;
  bool ok = gcimCollectOps(module, MlirWalkPreOrder, isAttention, &attentions, &count);
  MlirBlock block = {NULL};
  int64_t order = 0;
  for (size_t i = 0; ok && i < count; ++i) {
    Head head;
    /* Full-sequence attentions are numbered in program order within their function, the
     * numbering gcim-stream gives the step function's. */
    MlirBlock parent = mlirOperationGetBlock(attentions[i]);
    order = mlirBlockEqual(parent, block) ? order + 1 : 0;
    block = parent;
    readHead(attentions[i], order, &head);
    head.context = gcimAttentionContext(head.op);
    int64_t mapped = head.window > 0 ? head.window : map.hw->window;
    bool analog = gcimAttentionModeMapsKind(map.mode, head.kind.data, head.kind.length);
    head.foreign = analog && !head.streamed && gcimAttentionKeySource(head.op) == GCIM_KEYS_FOREIGN;
    if (analog && !head.foreign && !head.streamed && head.causal &&
        (head.tk > mapped || head.tq != head.tk) && hasStepFunction(head.op)) {
      bool cache = head.tq != head.tk; /* replayed on its own heads, else token by token */
      if (cache && !checkCacheReplay(&head, mapped)) {
        ok = false;
        continue;
      }
      gcimOpSetString(head.op, "gcim.mapping", cache ? "cache" : "step");
      gcimOpSetInt(head.op, "gcim.layer", head.layer);
      continue;
    }
    if (!analog) {
      gcimOpSetString(head.op, "gcim.mapping", "digital");
      gcimOpSetInt(head.op, "gcim.layer", head.layer);
      if (map.mode == GCIM_ATTENTION_AUTO) /* the driver says so in one line */
        gcimOpSetString(head.op, "gcim.digital_reason", "not hardware-trained");
      continue;
    }
    if (!checkCapacity(&head, map.hw)) {
      ok = false;
      continue;
    }
    head.kvGroup = kvGroupOf(&head);
    head.share = map.share;
    buildTileOps(&head, map.hw);
  }
  free(attentions);
  return ok ? mlirLogicalResultSuccess() : mlirLogicalResultFailure();
}
