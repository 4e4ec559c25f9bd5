/* ExpandGqa.c: com.microsoft GroupQueryAttention, as ONNX Runtime's model builder writes
 * it, as the opset-23 Attention that gcim-fuse-attention fuses.
 *
 * query (batch, tokens, heads * dim), or packed with the keys and values (batch, tokens,
 * (heads + 2 kv heads) * dim), split per head; key and value (batch, tokens, kv heads *
 * dim); past_key/past_value (batch, kv heads, past, dim) become Attention's past inputs and
 * present_key/present_value its present outputs (the past concatenated with the new
 * tokens). With do_rotary, the query and the keys are rotated (ExpandRotary.c) at
 * positions past .. past + tokens - 1, which is what ONNX Runtime derives from seqlens_k
 * when no sequence is padded. The mask is built from the same positions: query i (at
 * position past + i) keeps keys j <= past + i, and with local_window_size w only the w
 * latest, j > past + i - w (as ONNX Runtime does); it folds to a constant that the
 * fusion classifies (causal, with a window of w keys).
 *
 * Every sequence is taken at full length, past + tokens, which is what batch 1 passes; a
 * seqlens_k declared for a larger batch is refused, and seqlens_k must be past + tokens - 1
 * (checked at import when it is an initializer, else by the generated program, which then
 * fails naming the node); total_sequence_length is not read.
 * Padded batches, a past buffer shared with the present (seqlens_k shorter than the
 * past), softcap, smooth_softmax, attention_bias, position_ids and head_sink are not
 * supported. */
#include "Expand.h"
#include "ExpandQuant.h"

#include <stdlib.h>
#include <string.h>

static const char *tmp(GcimOnnxBuilder *b, const char *name) { return gcimOnnxBuildTemp(b, name); }

static const char *ints(GcimOnnxBuilder *b, const char *name, int64_t *values, size_t count) {
  return gcimOnnxBuildConstantInts(b, name, values, count);
}

/* The packed query split into query, key and value, each (batch, tokens, heads * dim). */
static void unpack(GcimOnnxBuilder *b, const char *packed, int64_t heads, int64_t kvHeads,
                   const char **q, const char **k, const char **v) {
  int64_t perHead[4] = {0, 0, heads + 2 * kvHeads, -1}, sizes[3] = {heads, kvHeads, kvHeads};
  int64_t merged[3] = {0, 0, -1};
  const char *split = gcimOnnxBuildBinary(b, "Reshape", "packed_heads", packed,
                                          ints(b, "packed_shape", perHead, 4), NULL);
  const char *ins[] = {split, ints(b, "packed_sizes", sizes, 3)};
  const char *parts[3] = {tmp(b, "q_heads"), tmp(b, "k_heads"), tmp(b, "v_heads")};
  Onnx__NodeProto *n = gcimOnnxBuildNode(b, "Split", "unpack", 2, ins, parts[0]);
  Onnx__AttributeProto *axis =
      n ? gcimOnnxBuildAttr(b, n, "axis", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT) : NULL;
  char **outs = gcimOnnxExpansionOwn(b->ex, calloc(4, sizeof *outs));
  if (!axis || !outs) {
    b->ok = false;
    return;
  }
  axis->has_i = 1;
  axis->i = 2;
  for (int i = 0; i < 3; ++i)
    outs[i] = (char *)parts[i];
  n->output = outs;
  n->n_output = 3;
  const char *shape = ints(b, "unpacked_shape", merged, 3);
  *q = gcimOnnxBuildBinary(b, "Reshape", "q", parts[0], shape, NULL);
  *k = gcimOnnxBuildBinary(b, "Reshape", "k", parts[1], shape, NULL);
  *v = gcimOnnxBuildBinary(b, "Reshape", "v", parts[2], shape, NULL);
}

/* keep[i][j] = j <= past + i (and j > past + i - window): (tokens, past + tokens) bool,
 * from positions that fold to constants (Range from 0, offset by the past). */
static const char *mask(GcimOnnxBuilder *b, const char *past, const char *tokens, int64_t window) {
  const char *zero = gcimOnnxBuildScalarInt(b, "zero", 0);
  const char *row = gcimOnnxBuildPositions(b, "query_positions", zero, tokens, past);
  const char *column = tmp(b, "query_column"); /* (1, tokens) -> (tokens, 1) */
  gcimOnnxBuildNode(b, "Transpose", "query_column", 1, &row, column);
  const char *total = gcimOnnxBuildBinary(b, "Add", "total_length", past, tokens, NULL);
  const char *keys = gcimOnnxBuildPositions(b, "key_positions", zero, total, NULL);
  const char *keep = gcimOnnxBuildBinary(b, "LessOrEqual", "causal", keys, column, NULL);
  if (window < 0)
    return keep;
  const char *lowest = gcimOnnxBuildBinary(b, "Sub", "window_start", column,
                                           gcimOnnxBuildScalarInt(b, "window", window), NULL);
  return gcimOnnxBuildBinary(b, "And", "in_window", keep,
                             gcimOnnxBuildBinary(b, "Greater", "after_start", keys, lowest, NULL),
                             NULL);
}

static int refuse(GcimOnnxBuilder *b, const char *why) {
  gcimOnnxImportError(b->im, "%s", why);
  return -1;
}

static void setInt(GcimOnnxBuilder *b, Onnx__NodeProto *n, const char *name, int64_t value) {
  Onnx__AttributeProto *a =
      n ? gcimOnnxBuildAttr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT) : NULL;
  if (a) {
    a->has_i = 1;
    a->i = value;
  }
}

/* seqlens_k, the index of each sequence's last key, must be past + tokens - 1 (one
 * unpadded sequence). An initializer is compared here with the declared lengths (an import
 * error when they differ); otherwise the query is gathered along its batch of 1 at index
 * 2 * (seqlens_k - (past + tokens - 1)), in range only when they agree, so that the
 * generated program checks it every run. Returns the query to use. */
static const char *checkSeqlens(GcimOnnxBuilder *b, const char *seqlens, const char *query,
                                const char *pastKey, const char *past, const char *tokens) {
  int64_t q[GCIM_MAX_RANK], pk[GCIM_MAX_RANK];
  const Onnx__GraphProto *g = b->im->graph;
  bool known = gcimOnnxDeclaredShape(g, query, q) == 3 && q[1] >= 0 &&
               (!pastKey || (gcimOnnxDeclaredShape(g, pastKey, pk) == 4 && pk[2] >= 0));
  TypeInfo type;
  ConstData *lengths = known ? gcimOnnxQuantInitializer(b, seqlens, &type) : NULL;
  if (lengths) {
    int64_t last = (pastKey ? pk[2] : 0) + q[1] - 1;
    for (int64_t i = 0; i < lengths->count; ++i)
      if (gcimOnnxConstGetInt(lengths, i) != last) {
        gcimOnnxImportError(b->im,
                            "seqlens_k is %lld but the sequence's last key is %lld (past %lld "
                            "+ tokens %lld - 1): padded sequences and a past buffer shared "
                            "with the present are not supported",
                            (long long)gcimOnnxConstGetInt(lengths, i), (long long)last,
                            (long long)(pastKey ? pk[2] : 0), (long long)q[1]);
        b->ok = false;
      }
    gcimOnnxConstDestroy(lengths);
    return query;
  }
  if (!b->ok)
    return query;
  if (gcimOnnxDeclaredShape(g, query, q) == 3 && q[0] > 1) {
    gcimOnnxImportError(b->im, "seqlens_k for a batch of more than one sequence, which may "
                               "be padded: only batch 1 (positions from the past length) is "
                               "supported");
    b->ok = false;
    return query;
  }
  const char *wide = gcimOnnxBuildTemp(b, "seqlens_k_int64");
  setInt(b, gcimOnnxBuildNode(b, "Cast", "seqlens_k_int64", 1, &seqlens, wide), "to",
         ONNX__TENSOR_PROTO__DATA_TYPE__INT64);
  const char *total = gcimOnnxBuildBinary(b, "Add", "seqlens_k_total", past, tokens, NULL);
  const char *expected = gcimOnnxBuildBinary(b, "Sub", "seqlens_k_expected", total,
                                             gcimOnnxBuildScalarInt(b, "seqlens_k_one", 1), NULL);
  const char *diff = gcimOnnxBuildBinary(b, "Sub", "seqlens_k_diff", wide, expected, NULL);
  const char *index = gcimOnnxBuildBinary(b, "Mul", "seqlens_k_index", diff,
                                          gcimOnnxBuildScalarInt(b, "seqlens_k_two", 2), NULL);
  return gcimOnnxBuildBinary(b, "Gather", "seqlens_k_check", query, index, NULL);
}

int gcimOnnxExpandGroupQueryAttention(GcimOnnxBuilder *b) {
  const Onnx__NodeProto *node = b->node;
  int64_t heads = gcimOnnxNodeIntAttr(node, "num_heads", 0);
  int64_t kvHeads = gcimOnnxNodeIntAttr(node, "kv_num_heads", 0);
  int64_t window = gcimOnnxNodeIntAttr(node, "local_window_size", -1);
  float scale = gcimOnnxNodeFloatAttr(node, "scale", 0.0f);
  const char *query = gcimOnnxBuildInput(node, 0), *key = gcimOnnxBuildInput(node, 1);
  const char *value = gcimOnnxBuildInput(node, 2), *pastKey = gcimOnnxBuildInput(node, 3);
  const char *pastValue = gcimOnnxBuildInput(node, 4);
  const char *cosCache = gcimOnnxBuildInput(node, 7), *sinCache = gcimOnnxBuildInput(node, 8);
  bool rotary = gcimOnnxNodeIntAttr(node, "do_rotary", 0) != 0;
  if (window == 0 || window < -1)
    return refuse(b, "local_window_size must be -1 (no window) or positive");
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads)
    return refuse(b, "num_heads and kv_num_heads must be positive, num_heads a multiple of "
                     "kv_num_heads");
  if (!query || !gcimOnnxBuildOutput(node, 0) || (!key != !value) || (!pastKey != !pastValue))
    return refuse(b, "needs query, key and value (or a packed query), and both past inputs "
                     "or neither");
  if (gcimOnnxNodeFloatAttr(node, "softcap", 0.0f) != 0.0f ||
      gcimOnnxNodeIntAttr(node, "smooth_softmax", 0) || gcimOnnxNodeIntAttr(node, "qk_output", 0))
    return refuse(b, "softcap, smooth_softmax and qk_output are not supported");
  for (size_t i = 9; i < node->n_input; ++i)
    if (gcimOnnxBuildInput(node, i))
      return refuse(b, "position_ids, attention_bias and head_sink are not supported: "
                       "positions are taken from the past length (no padding)");
  int64_t lengths[GCIM_MAX_RANK];
  const char *seqlens = gcimOnnxBuildInput(node, 5);
  if (seqlens && gcimOnnxDeclaredShape(b->im->graph, seqlens, lengths) == 1 && lengths[0] != 1)
    return refuse(b, "seqlens_k is declared for a batch of more than one sequence, which may "
                     "be padded: only batch 1 (positions from the past length) is supported");
  if (rotary && (!cosCache || !sinCache))
    return refuse(b, "do_rotary needs cos_cache and sin_cache");
  if (gcimOnnxBuildOutput(node, 3))
    return refuse(b, "the output_qk result is not supported");
  const char *tokens = gcimOnnxBuildDim(b, "tokens", query, 1);
  const char *past =
      pastKey ? gcimOnnxBuildDim(b, "past", pastKey, 2) : gcimOnnxBuildScalarInt(b, "no_past", 0);
  if (seqlens)
    query = checkSeqlens(b, seqlens, query, pastKey, past, tokens);
  if (!b->ok)
    return -1;
  const char *q = query, *k = key, *v = value;
  if (!key)
    unpack(b, query, heads, kvHeads, &q, &k, &v);
  if (rotary) {
    const char *positions = gcimOnnxBuildPositions(b, "positions", past, tokens, NULL);
    GcimOnnxRotary r = {.cos = cosCache,
                        .sin = sinCache,
                        .positions = positions,
                        .rank = 3,
                        .interleaved = gcimOnnxNodeIntAttr(node, "rotary_interleaved", 0) != 0};
    r.x = q, r.heads = heads, r.part = "q_rotary/";
    q = gcimOnnxBuildRotary(b, &r);
    r.x = k, r.heads = kvHeads, r.part = "k_rotary/";
    k = gcimOnnxBuildRotary(b, &r);
  }
  const char *ins[] = {
      q, k, v, mask(b, past, tokens, window), pastKey ? pastKey : "", pastValue ? pastValue : ""};
  Onnx__NodeProto *n =
      gcimOnnxBuildNode(b, "Attention", "attention", pastKey ? 6 : 4, ins, node->output[0]);
  char **outs = gcimOnnxExpansionOwn(b->ex, calloc(4, sizeof *outs));
  if (!n || !outs)
    return -1;
  outs[0] = node->output[0];
  for (size_t i = 1; i < 3; ++i)
    outs[i] = (char *)(gcimOnnxBuildOutput(node, i) ? gcimOnnxBuildOutput(node, i) : "");
  n->output = outs;
  n->n_output = gcimOnnxBuildOutput(node, 2) ? 3 : gcimOnnxBuildOutput(node, 1) ? 2 : 1;
  setInt(b, n, "q_num_heads", heads);
  setInt(b, n, "kv_num_heads", kvHeads);
  Onnx__AttributeProto *s =
      scale != 0.0f ? gcimOnnxBuildAttr(b, n, "scale", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT)
                    : NULL;
  if (s) {
    s->has_f = 1;
    s->f = scale;
  }
  return b->ok ? 1 : -1;
}
