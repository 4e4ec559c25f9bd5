/* ExpandRotary.c: rotary position embeddings (RoPE) as compositions of supported ops.
 *
 * ONNX opset-23 RotaryEmbedding and com.microsoft RotaryEmbedding (and the rotation inside
 * com.microsoft GroupQueryAttention, ExpandGqa.c) become what a torch export computes:
 * the cos and sin rows of the tokens' positions (Gather from the caches), the rotated part
 * of each head split into halves (or even/odd elements when interleaved), x1 cos - x2 sin
 * and x1 sin + x2 cos, joined again, and the unrotated rest of the head appended. The
 * input keeps its layout: (batch, tokens, heads * dim) is viewed as (batch, tokens, heads,
 * dim) and the rows broadcast over the heads; (batch, heads, tokens, dim) takes them as is.
 * Each product and sum is the one ONNX Runtime computes, so the result is the same up to
 * float32 rounding of the same operations. */
#include "Expand.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *part(GcimOnnxBuilder *b, const GcimOnnxRotary *r, const char *name) {
  const char *text = gcimOnnxExpansionPrintf(b->ex, "%s%s", r->part, name);
  b->ok = b->ok && text;
  return text ? text : "";
}

/* An int64 constant of `count` values named `<part><name>`. */
static const char *ints(GcimOnnxBuilder *b, const GcimOnnxRotary *r, const char *name,
                        int64_t *values, size_t count) {
  return gcimOnnxBuildConstantInts(b, part(b, r, name), values, count);
}

static const char *one(GcimOnnxBuilder *b, const GcimOnnxRotary *r, const char *name,
                       int64_t value) {
  return ints(b, r, name, &value, 1);
}

/* op(x, operand) named `<part><name>`, into `out` or a temporary. */
static const char *pair(GcimOnnxBuilder *b, const GcimOnnxRotary *r, const char *op,
                        const char *name, const char *x, const char *operand, const char *out) {
  const char *p = part(b, r, name), *ins[] = {x, operand};
  out = out ? out : gcimOnnxBuildTemp(b, p);
  gcimOnnxBuildNode(b, op, p, 2, ins, out);
  return out;
}

/* x[..., start:end:step] along the last axis. */
static const char *lastAxisSlice(GcimOnnxBuilder *b, const GcimOnnxRotary *r, const char *name,
                                 const char *x, int64_t start, int64_t end, int64_t step) {
  const char *p = part(b, r, name);
  const char *ins[] = {x, one(b, r, gcimOnnxExpansionPrintf(b->ex, "%s_start", name), start),
                       one(b, r, gcimOnnxExpansionPrintf(b->ex, "%s_end", name), end),
                       one(b, r, gcimOnnxExpansionPrintf(b->ex, "%s_axis", name), -1),
                       one(b, r, gcimOnnxExpansionPrintf(b->ex, "%s_step", name), step)};
  const char *out = gcimOnnxBuildTemp(b, p);
  gcimOnnxBuildNode(b, "Slice", p, 5, ins, out);
  return out;
}

/* `op` with axis -1 (Concat, Split). */
static Onnx__NodeProto *lastAxisNode(GcimOnnxBuilder *b, const char *op, const char *p,
                                     size_t count, const char *const *ins, const char *out) {
  Onnx__NodeProto *n = gcimOnnxBuildNode(b, op, p, count, ins, out);
  Onnx__AttributeProto *a =
      n ? gcimOnnxBuildAttr(b, n, "axis", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT) : NULL;
  if (a) {
    a->has_i = 1;
    a->i = -1;
  }
  return n;
}

static const char *concatLast(GcimOnnxBuilder *b, const GcimOnnxRotary *r, const char *name,
                              const char *x, const char *y, const char *out) {
  const char *p = part(b, r, name), *ins[] = {x, y};
  out = out ? out : gcimOnnxBuildTemp(b, p);
  lastAxisNode(b, "Concat", p, 2, ins, out);
  return out;
}

/* The two halves of the last axis (Split in two equal parts). */
static void halves(GcimOnnxBuilder *b, const GcimOnnxRotary *r, const char *x, const char **x1,
                   const char **x2) {
  *x1 = gcimOnnxBuildTemp(b, part(b, r, "half1"));
  *x2 = gcimOnnxBuildTemp(b, part(b, r, "half2"));
  Onnx__NodeProto *n = lastAxisNode(b, "Split", part(b, r, "halves"), 1, &x, *x1);
  char **outs = gcimOnnxExpansionOwn(b->ex, calloc(3, sizeof *outs));
  if (!n || !outs) {
    b->ok = false;
    return;
  }
  outs[0] = (char *)*x1;
  outs[1] = (char *)*x2;
  n->output = outs;
  n->n_output = 2;
}

/* The cos or sin rows of the tokens, shaped to broadcast over the heads:
 * (B, S, half) -> (B, S, 1, half) for (B, S, H, D), (B, 1, S, half) for (B, H, S, D). */
static const char *rows(GcimOnnxBuilder *b, const GcimOnnxRotary *r, const char *cache,
                        const char *name) {
  const char *table = cache;
  if (r->positions)
    table = pair(b, r, "Gather", name, cache, r->positions, NULL);
  return pair(b, r, "Unsqueeze", gcimOnnxExpansionPrintf(b->ex, "%s_heads", name), table,
              one(b, r, gcimOnnxExpansionPrintf(b->ex, "%s_axis", name), r->rank == 4 ? 1 : 2),
              NULL);
}

const char *gcimOnnxBuildRotary(GcimOnnxBuilder *b, const GcimOnnxRotary *r) {
  const char *cos = rows(b, r, r->cos, "cos"), *sin = rows(b, r, r->sin, "sin");
  const char *x = r->x;
  if (r->rank == 3) { /* (B, S, H*D) -> (B, S, H, D) */
    int64_t shape[4] = {0, 0, r->heads > 0 ? r->heads : -1, r->heads > 0 ? -1 : r->headDim};
    x = pair(b, r, "Reshape", "split_heads", x, ints(b, r, "head_shape", shape, 4), NULL);
  }
  const char *rotated = x, *kept = NULL;
  if (r->rotaryDim > 0) {
    rotated = lastAxisSlice(b, r, "rotated", x, 0, r->rotaryDim, 1);
    kept = lastAxisSlice(b, r, "kept", x, r->rotaryDim, INT64_MAX, 1);
  }
  const char *x1, *x2;
  if (r->interleaved) {
    x1 = lastAxisSlice(b, r, "even", rotated, 0, INT64_MAX, 2);
    x2 = lastAxisSlice(b, r, "odd", rotated, 1, INT64_MAX, 2);
  } else {
    halves(b, r, rotated, &x1, &x2);
  }
  const char *real =
      gcimOnnxBuildBinary(b, "Sub", part(b, r, "real"),
                          gcimOnnxBuildBinary(b, "Mul", part(b, r, "x1_cos"), x1, cos, NULL),
                          gcimOnnxBuildBinary(b, "Mul", part(b, r, "x2_sin"), x2, sin, NULL), NULL);
  const char *imag =
      gcimOnnxBuildBinary(b, "Add", part(b, r, "imag"),
                          gcimOnnxBuildBinary(b, "Mul", part(b, r, "x1_sin"), x1, sin, NULL),
                          gcimOnnxBuildBinary(b, "Mul", part(b, r, "x2_cos"), x2, cos, NULL), NULL);
  const char *out = r->rank == 3 || kept ? NULL : r->out, *y;
  if (r->interleaved) { /* the pairs (real, imag) back into even and odd places */
    const char *axis = one(b, r, "pair_axis", -1);
    const char *pairs =
        concatLast(b, r, "pairs", pair(b, r, "Unsqueeze", "real_pair", real, axis, NULL),
                   pair(b, r, "Unsqueeze", "imag_pair", imag, axis, NULL), NULL);
    int64_t shape[4] = {0, 0, 0, -1};
    y = pair(b, r, "Reshape", "interleave", pairs, ints(b, r, "pair_shape", shape, 4), out);
  } else {
    y = concatLast(b, r, "joined", real, imag, out);
  }
  if (kept)
    y = concatLast(b, r, "with_kept", y, kept, r->rank == 3 ? NULL : r->out);
  if (r->rank == 3) {
    int64_t shape[3] = {0, 0, -1};
    y = pair(b, r, "Reshape", "merge_heads", y, ints(b, r, "hidden_shape", shape, 3), r->out);
  }
  return y;
}

const char *gcimOnnxBuildScalarInt(GcimOnnxBuilder *b, const char *name, int64_t value) {
  const char *out = gcimOnnxBuildTemp(b, name);
  Onnx__AttributeProto *a =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Constant", name, 0, NULL, out), "value_int",
                        ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  if (a) {
    a->has_i = 1;
    a->i = value;
  }
  return out;
}

const char *gcimOnnxBuildDim(GcimOnnxBuilder *b, const char *name, const char *x, int64_t axis) {
  const char *shape =
      gcimOnnxBuildUnary(b, "Shape", gcimOnnxExpansionPrintf(b->ex, "%s_shape", name), x);
  return gcimOnnxBuildBinary(
      b, "Gather", name, shape,
      gcimOnnxBuildScalarInt(b, gcimOnnxExpansionPrintf(b->ex, "%s_axis", name), axis), NULL);
}

const char *gcimOnnxBuildPositions(GcimOnnxBuilder *b, const char *name, const char *first,
                                   const char *count, const char *offset) {
  const char *end = gcimOnnxBuildBinary(b, "Add", gcimOnnxExpansionPrintf(b->ex, "%s_end", name),
                                        first, count, NULL);
  const char *ins[] = {
      first, end, gcimOnnxBuildScalarInt(b, gcimOnnxExpansionPrintf(b->ex, "%s_step", name), 1)};
  const char *range = gcimOnnxBuildTemp(b, gcimOnnxExpansionPrintf(b->ex, "%s_range", name));
  gcimOnnxBuildNode(b, "Range", gcimOnnxExpansionPrintf(b->ex, "%s_range", name), 3, ins, range);
  if (offset)
    range = gcimOnnxBuildBinary(b, "Add", gcimOnnxExpansionPrintf(b->ex, "%s_offset", name), range,
                                offset, NULL);
  int64_t zero = 0;
  const char *axes =
      gcimOnnxBuildConstantInts(b, gcimOnnxExpansionPrintf(b->ex, "%s_batch", name), &zero, 1);
  return gcimOnnxBuildBinary(b, "Unsqueeze", name, range, axes, NULL);
}

/* ONNX RotaryEmbedding (X, cos_cache, sin_cache, position_ids) and com.microsoft
 * RotaryEmbedding (input, position_ids, cos_cache, sin_cache; position_ids of shape (1)
 * is the first token's position). */
int gcimOnnxExpandRotary(GcimOnnxBuilder *b, bool contrib) {
  const Onnx__NodeProto *node = b->node;
  Importer *im = b->im;
  const char *x = gcimOnnxBuildInput(node, 0);
  const char *positions = gcimOnnxBuildInput(node, contrib ? 1 : 3);
  GcimOnnxRotary r = {.x = x,
                      .cos = gcimOnnxBuildInput(node, contrib ? 2 : 1),
                      .sin = gcimOnnxBuildInput(node, contrib ? 3 : 2),
                      .positions = positions,
                      .heads = gcimOnnxNodeIntAttr(node, "num_heads", 0),
                      .rotaryDim = gcimOnnxNodeIntAttr(node, "rotary_embedding_dim", 0),
                      .interleaved = gcimOnnxNodeIntAttr(node, "interleaved", 0) != 0,
                      .part = "",
                      .out = gcimOnnxBuildOutput(node, 0)};
  if (!x || !r.cos || !r.sin || !r.out || (contrib && !positions)) {
    gcimOnnxImportError(im, "needs the input, %scos_cache and sin_cache, and an output",
                        contrib ? "position_ids, " : "");
    return -1;
  }
  if (contrib && (gcimOnnxNodeIntAttr(node, "is_packed_batching", 0) ||
                  gcimOnnxNodeFloatAttr(node, "scale", 1.0f) != 1.0f)) {
    gcimOnnxImportError(im, "is_packed_batching and a scale other than 1 are not supported");
    return -1;
  }
  GcimOnnxRankCache **ranks = gcimOnnxExpansionRanks(b->ex);
  r.rank = gcimOnnxValueRank(ranks, im->graph, x);
  if (r.rank != 3 && r.rank != 4) {
    gcimOnnxImportError(im,
                        r.rank < 0 ? "the rank of input '%s' is not known before import: declare "
                                     "its shape in value_info"
                                   : "input '%s' must be 3-D or 4-D",
                        x);
    return -1;
  }
  int64_t cacheDims[GCIM_MAX_RANK];
  if (r.rank == 3 && r.heads <= 0) {
    /* The head size is the whole rotated width: twice the caches' last dimension. */
    int cacheRank = gcimOnnxDeclaredShape(im->graph, r.cos, cacheDims);
    if (r.rotaryDim > 0 || cacheRank < 1 || cacheDims[cacheRank - 1] <= 0) {
      gcimOnnxImportError(im, "a 3-D input needs num_heads (or a cos_cache of known shape and "
                              "no rotary_embedding_dim)");
      return -1;
    }
    r.headDim = 2 * cacheDims[cacheRank - 1];
  }
  int positionsRank = contrib ? gcimOnnxValueRank(ranks, im->graph, positions) : 2;
  if (positionsRank == 1)
    r.positions =
        gcimOnnxBuildPositions(b, "positions", gcimOnnxBuildScalarInt(b, "first_position", 0),
                               gcimOnnxBuildDim(b, "tokens", x, r.rank == 3 ? 1 : 2), positions);
  else if (positionsRank != 2) {
    gcimOnnxImportError(im, "position_ids must be declared of shape (1) or (batch, tokens)");
    return -1;
  }
  gcimOnnxBuildRotary(b, &r);
  return b->ok ? 1 : -1;
}
