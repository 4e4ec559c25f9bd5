/* FuseAttention.c: gcim-fuse-attention, attention subgraphs and operators → gcim.attention.
 *
 * Recognises attention as exporters write it and rewrites it to one gcim.attention on
 * (batch, heads, tokens, head_dim) tensors:
 * - the decomposed form (torch's exporter and most others): MatMul(q, kᵀ), a scalar Div
 *   or Mul (also on q and kᵀ separately), an optional causal mask (Where with a bool mask
 *   either way round, or Add of a 0 / large-negative mask; Trilu- and Slice-made masks),
 *   Softmax on the last axis (kind softmax) or HardSigmoid(alpha, beta = 0) / Clip(0, 1)
 *   (kind hardsigmoid, alpha folded into scale), for hardsigmoid optionally a mask applied
 *   to the weights (Where with 0, or Mul by a 0/1 mask), optional Dropout, MatMul with v.
 *   Casts around the nonlinearity (mixed precision) are absorbed. kᵀ may
 *   be a Transpose of (B,H,T,D) or directly of (B,T,H,D) (perm 0,2,3,1); the head
 *   plumbing (Split of a fused QKV projection, Reshape, Transpose) stays in the graph;
 *   also on rank-3 (batch x heads, tokens, head_dim) tensors, as torch's
 *   nn.MultiheadAttention computes it: a batch-1 gcim.attention over batch x heads heads,
 *   between Reshapes; when Reshapes between the MatMuls view those rows as (batch, heads)
 *   (GPT-NeoX, OPT, BART, Bloom: FuseAttentionViews.c), one of that batch and heads; an Add
 *   of zeros or a Max with the lowest float between the MatMuls is absorbed; multi-query
 *   attention written by broadcasting (the MatMuls' k or v of one head for q's heads) gets
 *   that head repeated (gcimBuildHeadRepeat), as grouped-query attention with one K/V head;
 *   other broadcasts stay unfused;
 * - the operators ONNX-23 Attention, com.microsoft Attention and MultiHeadAttention,
 *   ai.gcim GainCellAttention (FuseAttentionOps.c).
 * A Concat(past, new) of K or V along the tokens (torch's KV cache) becomes
 * gcim.cache_append. A mask sets causal = 1 only after every entry was checked to be the causal
 * band (and window = its width when it is a sliding window).
 *
 * q, k and v of float16, bfloat16 or float64 are cast to float32 and the result back (a
 * float16 attention is then rounded once, at its output, not after every op).
 * Assumes: the importer's form (docs/Dialects.md), static shapes.
 * Guarantees: every rewritten subgraph computes the same values as before; ops made dead
 * are erased. What looks like attention (a Softmax, HardSigmoid or Clip next to a MatMul,
 * or an attention operator) but does not match stays as it is and gets the attribute
 * `gcim.unfused = "<reason>"`, which the report lists; with `strict=1` that is an error. */
#include "FuseAttention.h"
#include "PassUtils.h"

#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Transforms/Passes.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REASON_SIZE = 256 };

/* A matched decomposed attention. */
typedef struct Match {
  MlirOperation nonlinearity; /* softmax, hard_sigmoid or clip */
  MlirOperation valueMatMul;  /* its result becomes the attention's */
  MlirValue product;          /* the scores Q Kᵀ, as the QK MatMul makes them */
  MlirValue q, v;
  MlirValue keySource; /* K = Transpose(keySource, keyPerm) */
  int64_t keyPerm[4];
  int rank;          /* of the scores: 4, or 3 for torch's (batch x heads, q, k) */
  int qkRank, vRank; /* of the QK and the V MatMul: 3 when on (batch x heads) rows */
  int64_t lead[2];   /* (batch, heads) of the rows, as Reshapes view them (0: no view) */
  bool viewed;       /* a Reshape between the MatMuls views the rows as (batch, heads) */
  const char *kind;
  double scale;
  GcimMaskInfo mask;
  bool hasMask;
  GcimPaddingMask padding; /* the mask's padding input, when it has one */
  bool assumeUnpadded;     /* the pass's padding=unpadded */
  bool repeatK, repeatV;   /* one K (V) head broadcast over q's heads: multi-query attention */
  int64_t heads;           /* the scores' heads */
} Match;

static bool setReason(char *reason, const char *format, const char *detail) {
  snprintf(reason, REASON_SIZE, format, detail);
  return false;
}

static const char *opName(MlirOperation op, char *buf, size_t size) {
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  snprintf(buf, size, "%.*s", (int)name.length, name.data);
  return buf;
}

/* True for a Clip to the constant range [0, 1], the hardware's nonlinearity. */
static bool clipsToUnit(MlirOperation clip) {
  double lo = 0.0, hi = 0.0;
  MlirValue min = gcimOpGroupOperand(clip, 1), max = gcimOpGroupOperand(clip, 2);
  return !mlirValueIsNull(min) && !mlirValueIsNull(max) && gcimValueScalarConstant(min, &lo) &&
         gcimValueScalarConstant(max, &hi) && lo == 0.0 && hi == 1.0;
}

/* The nonlinearity's kind and the factor it applies to the scores. */
static bool matchNonlinearity(MlirOperation op, Match *m, char *reason) {
  m->nonlinearity = op;
  m->scale = 1.0;
  if (gcimOpIsA(op, "onnx.softmax")) {
    int64_t axis = -1;
    int64_t rank = gcimTensorRank(mlirValueGetType(mlirOperationGetOperand(op, 0)));
    gcimOpGetIntAttr(op, "axis", &axis);
    if (axis != -1 && axis != rank - 1)
      return setReason(reason, "softmax is not over the last (key) axis%s", "");
    m->kind = "softmax";
    return true;
  }
  m->kind = "hardsigmoid";
  if (gcimOpIsA(op, "onnx.hard_sigmoid")) {
    double alpha = 0.2, beta = 0.5;
    gcimOpGetFloatAttr(op, "alpha", &alpha);
    gcimOpGetFloatAttr(op, "beta", &beta);
    if (beta != 0.0)
      return setReason(reason,
                       "hardsigmoid with a non-zero beta is not the hardware's "
                       "charge-to-pulse%s",
                       "");
    m->scale = alpha;
    return true;
  }
  if (!clipsToUnit(op))
    return setReason(reason, "clip is not to [0, 1]%s", "");
  return true;
}

static bool isZero(MlirValue value) {
  double c;
  return gcimValueScalarConstant(value, &c) && c == 0.0;
}

/* Classifies the mask into *info: a constant one, else one made from a padding input,
 * which is fused (assuming no padding) only with padding=unpadded. `notConstant`, when not
 * NULL, is the reason for a mask that is neither. */
static bool classifyMask(Match *m, MlirValue mask, GcimMaskMode mode, MlirValue scores,
                         const char *notConstant, GcimMaskInfo *info, char *reason) {
  char why[REASON_SIZE];
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(scores), dims);
  int64_t tq = rank >= 2 ? dims[rank - 2] : -1, tk = rank >= 2 ? dims[rank - 1] : -1;
  if (!notConstant && gcimMaskClassify(mask, mode, tq, tk, info, why, sizeof why))
    return true;
  if (!m->assumeUnpadded) {
    /* Kept exact whatever its pattern: the input is only named, as evaluating a padding
     * mask's entries costs tens of milliseconds per layer at a thousand tokens. */
    MlirValue input = gcimMaskPaddingInput(mask, rank >= 2 ? dims[0] : -1, tk);
    if (mlirValueIsNull(input)) {
      snprintf(reason, REASON_SIZE, "%s", notConstant ? notConstant : why);
      return false;
    }
    char name[48]; /* the reason fits REASON_SIZE */
    gcimMaskInputName(input, name, sizeof name);
    snprintf(reason, REASON_SIZE,
             "the mask depends on input '%s', a run-time mask: kept exact as the model's "
             "ops; padding=unpadded (gcim-compile --padding-mask=unpadded) fuses a padding "
             "mask, checked at run time",
             name);
    return false;
  }
  GcimPaddingMask padding;
  int padded = gcimMaskClassifyPadding(mask, mode, rank >= 2 ? dims[0] : -1, tq, tk, &padding,
                                       reason, REASON_SIZE);
  if (padded < 0)
    return false;
  if (padded == 0) {
    snprintf(reason, REASON_SIZE, "%s", notConstant ? notConstant : why);
    return false;
  }
  char name[48]; /* the reason fits REASON_SIZE */
  gcimMaskInputName(padding.input, name, sizeof name);
  if (!mlirValueIsNull(m->padding.input))
    return setReason(reason, "the scores are masked by two padding inputs (one is '%s')", name);
  m->padding = padding;
  *info = padding.info;
  return true;
}

/* Records a mask of the scores: with one already there, their intersection (Hugging Face's
 * GPT-2 applies the causal mask with Where, then adds the padding mask). Causal bands of
 * the same alignment intersect to the narrower band; a full mask changes nothing. */
static void addMask(Match *m, GcimMaskInfo info) {
  if (m->hasMask) {
    int64_t a = m->mask.window, b = info.window;
    info.window = a == 0 ? b : (b == 0 || a < b ? a : b);
    info.causal = info.causal || m->mask.causal;
  }
  m->mask = info;
  m->hasMask = true;
}

/* A Reshape between the two MatMuls: a view of the (batch x heads) rows
 * (FuseAttentionViews.c), every view splitting them into the same (batch, heads). */
static bool recordView(Match *m, MlirOperation reshape, char *reason) {
  int64_t lead[2] = {0, 0};
  if (!gcimIsHeadsView(reshape, lead))
    return setReason(reason,
                     "a Reshape between the MatMuls does more than split or merge the (batch x "
                     "heads) rows of the %s",
                     "scores");
  if (lead[0] == 0)
    return true;
  if (m->viewed && (m->lead[0] != lead[0] || m->lead[1] != lead[1]))
    return setReason(reason, "Reshapes split the (batch x heads) rows of the %s two ways",
                     "scores");
  m->lead[0] = lead[0];
  m->lead[1] = lead[1];
  m->viewed = true;
  return true;
}

/* A mask applied to the attention weights of a hardsigmoid (clip(x)·mask equals masking x
 * with -inf first): Where(mask, w, 0), Where(mask, 0, w) or Mul(w, mask). Returns the
 * masked weights, or `weights` itself when there is no such op. */
static MlirValue peelPostMask(Match *m, MlirValue weights, char *reason, bool *failed) {
  MlirOperation user = gcimValueSingleUser(weights);
  if (mlirOperationIsNull(user) || strcmp(m->kind, "hardsigmoid") != 0 ||
      (!gcimOpIsA(user, "onnx.where") && !gcimOpIsA(user, "onnx.mul")))
    return weights;
  MlirValue mask = mlirOperationGetOperand(user, 0);
  GcimMaskMode mode = GCIM_MASK_MULTIPLY;
  if (gcimOpIsA(user, "onnx.where")) {
    MlirValue x = mlirOperationGetOperand(user, 1), y = mlirOperationGetOperand(user, 2);
    if (mlirValueEqual(x, weights) && isZero(y))
      mode = GCIM_MASK_TRUE_KEEPS;
    else if (mlirValueEqual(y, weights) && isZero(x))
      mode = GCIM_MASK_TRUE_MASKS;
    else
      return weights;
  } else if (mlirValueEqual(mask, weights)) {
    mask = mlirOperationGetOperand(user, 1);
  }
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(weights), dims);
  GcimMaskInfo info;
  if (rank != m->rank || !classifyMask(m, mask, mode, weights, NULL, &info, reason)) {
    *failed = true;
    return weights;
  }
  addMask(m, info);
  return mlirOperationGetResult(user, 0);
}

/* The MatMul with V after the nonlinearity (a post-nonlinearity mask, Casts (mixed
 * precision: absorbed), an inference Dropout and views of the rows may sit between). */
static bool matchValueMatMul(Match *m, char *reason) {
  bool failed = false;
  MlirValue probs = peelPostMask(m, mlirOperationGetResult(m->nonlinearity, 0), reason, &failed);
  if (failed)
    return false;
  MlirOperation user = gcimValueSingleUser(probs);
  for (int steps = 0; steps < 4 && !mlirOperationIsNull(user); ++steps) {
    bool dropout = gcimOpIsA(user, "onnx.dropout") &&
                   (mlirOperationGetNumResults(user) == 1 ||
                    gcimValueUseCount(mlirOperationGetResult(user, 1)) == 0);
    if (gcimOpIsA(user, "onnx.reshape") && !recordView(m, user, reason))
      return false;
    if (!dropout && !gcimOpIsA(user, "onnx.cast") && !gcimOpIsA(user, "onnx.reshape"))
      break;
    probs = mlirOperationGetResult(user, 0);
    user = gcimValueSingleUser(probs);
  }
  if (!mlirOperationIsNull(user) && gcimOpIsA(user, "onnx.where"))
    return setReason(reason,
                     "the attention weights are masked again after the %s (a Where, as "
                     "DeBERTa's XSoftmax zeroes them), which gcim.attention does not take",
                     m->kind);
  if (mlirOperationIsNull(user) || !gcimOpIsA(user, "onnx.mat_mul") ||
      !mlirValueEqual(mlirOperationGetOperand(user, 0), probs))
    return setReason(reason, "the attention weights are not only multiplied by V%s", "");
  m->valueMatMul = user;
  m->v = mlirOperationGetOperand(user, 1);
  m->vRank = (int)gcimTensorRank(mlirValueGetType(probs));
  if (gcimTensorRank(mlirValueGetType(m->v)) != m->vRank)
    return setReason(reason, "V is not a tensor of the weights' rank, %s",
                     m->vRank == 4 ? "(batch, heads, tokens, head_dim)"
                                   : "(batch x heads, tokens, head_dim)");
  return true;
}

/* A scalar-constant Mul or Div on `value` (single use): multiplies *scale and returns
 * the other operand, or a null value. */
static MlirValue peelScalar(MlirValue value, double *scale) {
  MlirOperation op;
  double c;
  if (gcimValueUseCount(value) != 1)
    return (MlirValue){NULL};
  if (gcimValueIsOp(value, "onnx.div", &op) &&
      gcimValueScalarConstant(mlirOperationGetOperand(op, 1), &c) && c != 0.0) {
    *scale /= c;
    return mlirOperationGetOperand(op, 0);
  }
  if (gcimValueIsOp(value, "onnx.mul", &op))
    for (int side = 0; side < 2; ++side)
      if (gcimValueScalarConstant(mlirOperationGetOperand(op, side), &c)) {
        *scale *= c;
        return mlirOperationGetOperand(op, 1 - side);
      }
  return (MlirValue){NULL};
}

/* Ops that leave the scores' result as it is: Add of a zero constant (GPT-NeoX's baddbmm
 * onto zeros) and Max with the lowest float32 (OPT's clamp of its masked scores: it changes
 * only -inf, whose weight is 0 either way), neither broadcasting the scores. Returns the
 * scores, or a null value. */
static MlirValue peelNoOp(MlirValue value) {
  MlirOperation op;
  double c;
  bool add = gcimValueIsOp(value, "onnx.add", &op);
  if (gcimValueUseCount(value) != 1 ||
      (!add && !(gcimValueIsOp(value, "onnx.max", &op) && mlirOperationGetNumOperands(op) == 2)))
    return (MlirValue){NULL};
  for (int side = 0; side < 2; ++side) {
    MlirValue x = mlirOperationGetOperand(op, side);
    if (mlirTypeEqual(mlirValueGetType(x), mlirValueGetType(value)) &&
        gcimValueScalarConstant(mlirOperationGetOperand(op, 1 - side), &c) &&
        (add ? c == 0.0 : c <= -FLT_MAX))
      return x;
  }
  return (MlirValue){NULL};
}

/* Whether `value` is a MatMul, possibly scaled by constants, viewed or already masked (the
 * scores' side of a mask: Hugging Face's GPT-2 adds its padding mask to causally masked
 * scores). */
static bool isScaledProduct(MlirValue value) {
  double scale = 1.0;
  int64_t lead[2];
  for (int steps = 0; steps < 6; ++steps) {
    MlirOperation where, reshape;
    if (gcimValueIsOp(value, "onnx.mat_mul", NULL))
      return true;
    MlirValue next = peelScalar(value, &scale);
    if (mlirValueIsNull(next) && gcimValueIsOp(value, "onnx.where", &where))
      next =
          mlirOperationGetOperand(where, gcimIsMaskFill(mlirOperationGetOperand(where, 2)) ? 1 : 2);
    if (mlirValueIsNull(next) && gcimValueIsOp(value, "onnx.reshape", &reshape) &&
        gcimIsHeadsView(reshape, lead))
      next = mlirOperationGetOperand(reshape, 0);
    if (mlirValueIsNull(next))
      return false;
    value = next;
  }
  return false;
}

/* The reason for a term added to the scores that is no mask, when it is shaped as a bias
 * per head (Bloom's ALiBi, T5's relative position bias). Not for a function argument, nor for a
 * padding input's term that was not evaluated (padding=exact), whose reasons say more. */
static void explainBias(const Match *m, MlirValue bias, MlirValue scores, char *reason) {
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(scores), dims);
  if (mlirValueIsABlockArgument(bias) || rank < 2)
    return;
  if (!m->assumeUnpadded && !mlirValueIsNull(gcimMaskPaddingInput(bias, dims[0], dims[rank - 1])))
    return;
  gcimExplainHeadBias(bias, scores, reason, REASON_SIZE);
}

/* A mask op on `value`: returns the scores it masks (and records the mask), or null. */
static MlirValue peelMask(MlirValue value, Match *m, char *reason, bool *failed) {
  MlirOperation op;
  MlirValue scores = {NULL}, mask = {NULL};
  GcimMaskMode mode = GCIM_MASK_ADDITIVE;
  if (gcimValueUseCount(value) != 1)
    return scores;
  if (gcimValueIsOp(value, "onnx.where", &op)) {
    mask = mlirOperationGetOperand(op, 0);
    if (gcimIsMaskFill(mlirOperationGetOperand(op, 2))) {
      scores = mlirOperationGetOperand(op, 1);
      mode = GCIM_MASK_TRUE_KEEPS;
    } else if (gcimIsMaskFill(mlirOperationGetOperand(op, 1))) {
      scores = mlirOperationGetOperand(op, 2);
      mode = GCIM_MASK_TRUE_MASKS;
    } else {
      *failed = !setReason(reason,
                           "the Where before the %s does not fill with a large "
                           "negative constant",
                           m->kind);
      return scores;
    }
  } else if (gcimValueIsOp(value, "onnx.add", &op)) {
    MlirValue a = mlirOperationGetOperand(op, 0), b = mlirOperationGetOperand(op, 1);
    int64_t probe[GCIM_MAX_RANK] = {0};
    double ignored;
    char why[160];
    /* The mask is the side that evaluates; when neither does, the side that is not the
     * product Q K^T, so that the reason is about the mask. */
    bool maskIsB = gcimMaskEval(b, probe, &ignored, NULL, 0) ||
                   (!gcimMaskEval(a, probe, &ignored, NULL, 0) && isScaledProduct(a));
    scores = maskIsB ? a : b;
    mask = maskIsB ? b : a;
    if (!gcimMaskEval(mask, probe, &ignored, why, sizeof why)) {
      char notConstant[REASON_SIZE];
      snprintf(notConstant, sizeof notConstant,
               "the mask added to the scores is not a constant: %s", why);
      GcimMaskInfo info;
      if (!classifyMask(m, mask, mode, value, notConstant, &info, reason)) {
        explainBias(m, mask, value, reason);
        *failed = true;
        return (MlirValue){NULL};
      }
      addMask(m, info);
      return scores;
    }
  } else {
    return scores;
  }
  GcimMaskInfo info;
  if (!classifyMask(m, mask, mode, value, NULL, &info, reason)) {
    if (mode == GCIM_MASK_ADDITIVE)
      explainBias(m, mask, value, reason);
    *failed = true;
    return (MlirValue){NULL};
  }
  addMask(m, info);
  return scores;
}

/* Walks from the nonlinearity's input through scales and masks to the QK MatMul. */
static bool matchScores(Match *m, char *reason) {
  MlirValue x = mlirOperationGetOperand(m->nonlinearity, 0);
  for (int steps = 0; steps < 8; ++steps) {
    MlirOperation def = gcimValueDefOp(x);
    char name[64];
    if (!mlirOperationIsNull(def) && gcimOpIsA(def, "onnx.mat_mul")) {
      if (gcimValueUseCount(x) != 1)
        return setReason(reason, "the scores have users besides the %s", m->kind);
      m->product = x;
      m->qkRank = (int)gcimTensorRank(mlirValueGetType(x));
      MlirValue q = mlirOperationGetOperand(def, 0), kt = mlirOperationGetOperand(def, 1);
      MlirValue peeled = peelScalar(q, &m->scale);
      m->q = mlirValueIsNull(peeled) ? q : peeled;
      peeled = peelScalar(kt, &m->scale);
      m->keySource = mlirValueIsNull(peeled) ? kt : peeled;
      return true;
    }
    if (!mlirOperationIsNull(def) && gcimOpIsA(def, "onnx.reshape") && gcimValueUseCount(x) == 1) {
      if (!recordView(m, def, reason))
        return false;
      x = mlirOperationGetOperand(def, 0);
      continue;
    }
    MlirValue next = peelScalar(x, &m->scale);
    MlirOperation cast;
    if (mlirValueIsNull(next) && gcimValueUseCount(x) == 1 && gcimValueIsOp(x, "onnx.cast", &cast))
      next = mlirOperationGetOperand(cast, 0); /* mixed precision: absorbed */
    if (mlirValueIsNull(next)) {
      /* A zero added is a mask when it is the causal band (one query over every key); else
       * it changes nothing. */
      bool failed = false;
      next = peelMask(x, m, reason, &failed);
      if (mlirValueIsNull(next))
        next = peelNoOp(x);
      if (failed && mlirValueIsNull(next))
        return false;
    }
    if (mlirValueIsNull(next) && !mlirOperationIsNull(def) && gcimOpIsA(def, "onnx.tanh"))
      return setReason(reason,
                       "the scores are soft-capped (a Tanh between the MatMuls, as Gemma-2's "
                       "attention logit soft-capping), which gcim.attention does not take%s",
                       "");
    if (mlirValueIsNull(next))
      return setReason(reason, "the scores come from '%s', not from a MatMul of q and k",
                       mlirOperationIsNull(def) ? "an argument" : opName(def, name, sizeof name));
    x = next;
  }
  return setReason(reason, "too many ops between the QK MatMul and the %s", m->kind);
}

/* The (batch, heads) of the rows: the views', else the rank-4 scores', else (rank 3) the
 * view of the output that splits its rows (BART's and CLIP's unmasked bmm), else (as
 * torch's nn.MultiheadAttention) one batch of batch x heads heads. The product, the scores
 * and the output must all have those rows (a mask may broadcast them). */
static bool settleHeads(Match *m, char *reason) {
  MlirValue scores = mlirOperationGetOperand(m->nonlinearity, 0);
  int64_t dims[GCIM_MAX_RANK], lead[2] = {0, 0};
  MlirOperation outputView = gcimValueSingleUser(mlirOperationGetResult(m->valueMatMul, 0));
  if (!m->viewed && m->rank == 3 && !mlirOperationIsNull(outputView) &&
      gcimOpIsA(outputView, "onnx.reshape") && gcimIsHeadsView(outputView, lead) && lead[0]) {
    m->lead[0] = lead[0];
    m->lead[1] = lead[1];
    m->viewed = true;
  }
  if (!m->viewed) {
    gcimTensorShape(mlirValueGetType(scores), dims);
    m->lead[0] = m->rank == 4 ? dims[0] : 1;
    m->lead[1] = m->rank == 4 ? dims[1] : dims[0];
  }
  MlirValue parts[3] = {m->product, scores, mlirOperationGetResult(m->valueMatMul, 0)};
  for (int i = 0; i < 3; ++i) {
    int rank = gcimTensorShape(mlirValueGetType(parts[i]), dims);
    bool same = rank == 4 ? dims[0] == m->lead[0] && dims[1] == m->lead[1]
                          : rank == 3 && dims[0] == m->lead[0] * m->lead[1];
    if (!same)
      return setReason(reason,
                       "the QK product, the scores and the output do not have the same "
                       "(batch, heads) rows%s",
                       "");
  }
  m->heads = m->lead[1];
  return true;
}

/* K (batch, heads, tokens, dim) = Transpose(source, perm) with kᵀ = the MatMul's rhs (rank 3:
 * K (batch x heads, tokens, dim)). */
static bool matchKey(Match *m, char *reason) {
  int64_t swap4[4] = {0, 1, 3, 2}, swap3[3] = {0, 2, 1}, inner[GCIM_MAX_RANK];
  const int64_t *swap = m->qkRank == 4 ? swap4 : swap3;
  MlirValue kt = m->keySource;
  MlirOperation transpose;
  for (int i = 0; i < m->qkRank; ++i)
    m->keyPerm[i] = swap[i];
  if (gcimTensorRank(mlirValueGetType(kt)) != m->qkRank ||
      gcimTensorRank(mlirValueGetType(m->q)) != m->qkRank)
    return setReason(reason, "q or the transposed k does not have the scores' rank%s", "");
  /* q, k and v (of their product's rank, checked above and in matchValueMatMul) of every
   * batch and head (rank 3: batch x heads row), else the model's ops: a unit axis where the
   * product has more rows is a broadcast (dynamic extents are not). The
   * one exception is multi-query attention: k or v with one head for q's heads, repeated
   * to them when rewritten (as grouped-query attention with one K/V head). */
  MlirValue out = mlirOperationGetResult(m->valueMatMul, 0);
  MlirValue operands[3] = {m->q, kt, m->v}, products[3] = {m->product, m->product, out};
  bool *repeats[3] = {NULL, &m->repeatK, &m->repeatV};
  for (int i = 0; i < 3; ++i) {
    MlirType product = mlirValueGetType(products[i]);
    int rank = (int)gcimTensorRank(product);
    for (int axis = 0; axis < rank - 2; ++axis) {
      if (gcimTensorDim(mlirValueGetType(operands[i]), axis) != 1 ||
          gcimTensorDim(product, axis) <= 1)
        continue;
      if (rank == 3)
        return setReason(reason, "q, k or v is broadcast over the %s", "batch x heads rows");
      if (axis == 0)
        return setReason(reason, "q, k or v is broadcast over the %s", "batch");
      if (i == 0)
        return setReason(reason, "q is broadcast over the heads of k and v%s", "");
      *repeats[i] = true;
    }
  }
  if (gcimValueIsOp(kt, "onnx.transpose", &transpose) &&
      gcimOpGetI64Array(transpose, "perm", inner, GCIM_MAX_RANK) == m->qkRank) {
    m->keySource = mlirOperationGetOperand(transpose, 0);
    for (int i = 0; i < m->qkRank; ++i)
      m->keyPerm[i] = inner[swap[i]];
    MlirValue peeled = peelScalar(m->keySource, &m->scale);
    if (!mlirValueIsNull(peeled))
      m->keySource = peeled;
  }
  return true;
}

/* A KV cache as torch writes it, Concat(past, new) along the tokens of (B,H,T,D) values,
 * becomes gcim.cache_append (which every user, the present output included, then reads).
 * A Cast to the type it has (GPT-J's `k.float()` of a float32 cache) is dropped first. */
static MlirValue cacheAppend(MlirValue value) {
  MlirOperation concat, cast;
  int64_t axis = 0;
  if (gcimValueIsOp(value, "onnx.cast", &cast) &&
      mlirTypeEqual(mlirValueGetType(value), mlirValueGetType(mlirOperationGetOperand(cast, 0))) &&
      gcimValueIsOp(mlirOperationGetOperand(cast, 0), "onnx.concat", &concat)) {
    mlirValueReplaceAllUsesOfWith(value, mlirOperationGetOperand(cast, 0));
    mlirOperationDestroy(cast);
    value = mlirOperationGetResult(concat, 0);
  }
  if (!gcimValueIsOp(value, "onnx.concat", &concat) || mlirOperationGetNumOperands(concat) != 2 ||
      gcimTensorRank(mlirValueGetType(value)) != 4 || !gcimOpGetIntAttr(concat, "axis", &axis) ||
      (axis != 2 && axis != -2))
    return value;
  MlirValue operands[2] = {mlirOperationGetOperand(concat, 0), mlirOperationGetOperand(concat, 1)};
  MlirType type = mlirValueGetType(value);
  MlirOperation append = gcimBuildOp(concat, "gcim.cache_append", mlirOperationGetLocation(concat),
                                     2, operands, 1, &type, 0, NULL);
  MlirValue result = mlirOperationGetResult(append, 0);
  mlirValueReplaceAllUsesOfWith(value, result);
  gcimEraseDeadOps(concat);
  return result;
}

MlirOperation gcimHeadRepeatFirst(MlirValue value) {
  MlirOperation reshape, expand, unsqueeze, tile;
  if (gcimValueIsOp(value, "onnx.tile", &tile))
    return tile;
  if (gcimValueIsOp(value, "onnx.reshape", &reshape) &&
      gcimValueIsOp(mlirOperationGetOperand(reshape, 0), "onnx.expand", &expand) &&
      gcimValueIsOp(mlirOperationGetOperand(expand, 0), "onnx.unsqueeze", &unsqueeze))
    return unsqueeze;
  return (MlirOperation){NULL};
}

bool gcimReadsCache(MlirValue value, MlirOperation *append) {
  MlirOperation first = gcimHeadRepeatFirst(value);
  return gcimValueIsOp(mlirOperationIsNull(first) ? value : mlirOperationGetOperand(first, 0),
                       "gcim.cache_append", append);
}

/* A KV cache under a grouped-query head repeat: the Concat below the repeat becomes
 * gcim.cache_append, the repeat stays (gcim-stream repeats the new token's heads). */
static MlirValue cacheAppendUnderRepeat(MlirValue value) {
  MlirOperation first = gcimHeadRepeatFirst(value);
  if (!mlirOperationIsNull(first))
    cacheAppend(mlirOperationGetOperand(first, 0));
  return mlirOperationIsNull(first) ? cacheAppend(value) : value;
}

static bool isIdentityPerm(const int64_t *perm) {
  return perm[0] == 0 && perm[1] == 1 && perm[2] == 2 && perm[3] == 3;
}

/* K of rank-3 rows as a (batch, heads) source and its rank-4 permutation. When the source's
 * first axis is the rows, it is split; for one batch any source gets a unit batch in
 * front; otherwise the rank-3 Transpose is built first. A Transpose of the model's that
 * made the source is composed in. */
static void keyToHeads(Match *m, MlirOperation anchor, MlirLocation loc) {
  int64_t perm[4] = {0, 1, 2, 3}, inner[GCIM_MAX_RANK], dims[GCIM_MAX_RANK + 1] = {1};
  if (m->keyPerm[0] == 0 || m->lead[0] == 1) {
    for (int i = 0; i < 3; ++i)
      perm[i + 1] = m->keyPerm[i] + 1;
    if (m->keyPerm[0] == 0) {
      m->keySource = gcimHeadsFromRows(anchor, loc, m->keySource, m->lead);
    } else {
      gcimTensorShape(mlirValueGetType(m->keySource), dims + 1);
      m->keySource = gcimBuildReshape(anchor, loc, m->keySource, 4, dims);
    }
  } else {
    m->keySource = gcimHeadsFromRows(
        anchor, loc, gcimBuildTranspose(anchor, loc, m->keySource, m->keyPerm), m->lead);
  }
  MlirOperation transpose;
  if (gcimValueIsOp(m->keySource, "onnx.transpose", &transpose) &&
      gcimOpGetI64Array(transpose, "perm", inner, GCIM_MAX_RANK) == 4) {
    m->keySource = mlirOperationGetOperand(transpose, 0);
    for (int i = 0; i < 4; ++i)
      perm[i] = inner[perm[i]];
  }
  for (int i = 0; i < 4; ++i)
    m->keyPerm[i] = perm[i];
}

/* The attention's result for the V MatMul's: rank-3 rows get back the view the model makes
 * of them (its Reshape to (batch, heads, tokens, dim) is replaced), else a Reshape. */
static void replaceOutput(MlirOperation anchor, MlirLocation loc, MlirValue out) {
  MlirValue result = mlirOperationGetResult(anchor, 0);
  int64_t dims[GCIM_MAX_RANK];
  if (gcimTensorShape(mlirValueGetType(result), dims) == 3) {
    MlirOperation view = gcimValueSingleUser(result);
    if (!mlirOperationIsNull(view) && gcimOpIsA(view, "onnx.reshape") &&
        mlirTypeEqual(mlirValueGetType(mlirOperationGetResult(view, 0)), mlirValueGetType(out))) {
      mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(view, 0), out);
      gcimEraseDeadOps(view);
      return;
    }
    out = gcimBuildReshape(anchor, loc, out, 3, dims);
  }
  mlirValueReplaceAllUsesOfWith(result, out);
  gcimEraseDeadOps(anchor);
}

static MlirValue rewriteMatch(Match *m) {
  MlirOperation anchor = m->valueMatMul;
  MlirLocation loc = mlirOperationGetLocation(anchor);
  /* Attention on (batch x heads, tokens, dim) rows (torch's nn.MultiheadAttention, or
   * viewed as (batch, heads) by the model) is attention on (batch, heads): the rows are
   * independent heads. */
  m->q = gcimHeadsFromRows(anchor, loc, m->q, m->lead);
  if (m->qkRank == 3)
    keyToHeads(m, anchor, loc);
  m->v = gcimHeadsFromRows(anchor, loc, m->v, m->lead);
  if (m->rank == 4 || m->viewed) {
    if (isIdentityPerm(m->keyPerm))
      m->keySource = cacheAppendUnderRepeat(m->keySource);
    m->v = cacheAppendUnderRepeat(m->v);
  }
  /* One query over the cache its k and v were appended to sees every key without a mask
   * (OPT's step drops it at one token): the causal row, as for ONNX-23's Attention. */
  if (!m->hasMask && gcimTensorDim(mlirValueGetType(m->q), 2) == 1 && gcimReadsCache(m->v, NULL))
    m->mask.causal = 1;
  MlirValue k = gcimBuildTranspose(anchor, loc, m->keySource, m->keyPerm);
  if (m->repeatK)
    k = gcimBuildHeadRepeat(anchor, loc, k, m->heads);
  if (m->repeatV)
    m->v = gcimBuildHeadRepeat(anchor, loc, m->v, m->heads);
  MlirValue out = gcimBuildAttention(anchor, loc, m->q, k, m->v, (MlirValue){NULL}, m->kind,
                                     m->mask.causal, m->mask.window, m->scale);
  replaceOutput(anchor, loc, out);
  return out;
}

/* A product with a constant operand (possibly transposed): weights, as a classifier's or
 * a language model's head before its Softmax, which q kᵀ is not. */
static bool hasConstantOperand(MlirOperation matmul) {
  for (int side = 0; side < 2; ++side) {
    MlirOperation def = gcimValueDefOp(mlirOperationGetOperand(matmul, side));
    if (!mlirOperationIsNull(def) && gcimOpIsA(def, "onnx.transpose"))
      def = gcimValueDefOp(mlirOperationGetOperand(def, 0));
    if (!mlirOperationIsNull(def) && gcimOpIsA(def, "onnx.constant"))
      return true;
  }
  return false;
}

/* True for ops that look like attention: a nonlinearity before a MatMul, or after a
 * MatMul of two computed values. Another Clip than to [0, 1] only before a MatMul: one after
 * a projection (MPT's clip_qkv, a ReLU6) is not. */
static bool looksLikeAttention(MlirOperation op) {
  if (!gcimOpIsA(op, "onnx.softmax") && !gcimOpIsA(op, "onnx.hard_sigmoid") &&
      !gcimOpIsA(op, "onnx.clip"))
    return false;
  MlirOperation user = gcimValueSingleUser(mlirOperationGetResult(op, 0));
  /* A Where after the softmax: DeBERTa's XSoftmax zeroing the masked weights again. */
  for (int steps = 0; steps < 3 && !mlirOperationIsNull(user) &&
                      (gcimOpIsA(user, "onnx.cast") || gcimOpIsA(user, "onnx.reshape") ||
                       gcimOpIsA(user, "onnx.where"));
       ++steps)
    user = gcimValueSingleUser(mlirOperationGetResult(user, 0));
  if (!mlirOperationIsNull(user) &&
      (gcimOpIsA(user, "onnx.mat_mul") || gcimOpIsA(user, "onnx.dropout")))
    return true;
  if (gcimOpIsA(op, "onnx.clip") && !clipsToUnit(op))
    return false;
  MlirValue x = mlirOperationGetOperand(op, 0);
  double ignored = 1.0;
  for (int steps = 0; steps < 4; ++steps) {
    MlirValue next = peelScalar(x, &ignored);
    MlirOperation def = gcimValueDefOp(mlirValueIsNull(next) ? x : next);
    if (mlirOperationIsNull(def))
      return false;
    if (gcimOpIsA(def, "onnx.mat_mul"))
      return !hasConstantOperand(def);
    bool passThrough = gcimOpIsA(def, "onnx.where") || gcimOpIsA(def, "onnx.add") ||
                       gcimOpIsA(def, "onnx.cast") || gcimOpIsA(def, "onnx.reshape") ||
                       gcimOpIsA(def, "onnx.max");
    if (!passThrough && mlirValueIsNull(next))
      return false;
    x = mlirValueIsNull(next) ? mlirOperationGetOperand(def, gcimOpIsA(def, "onnx.where")) : next;
  }
  return false;
}

static bool isAttentionOperator(MlirOperation op) {
  return gcimOpIsA(op, "onnx.attention") || gcimOpIsA(op, "onnx.ms_attention") ||
         gcimOpIsA(op, "onnx.ms_multi_head_attention") ||
         gcimOpIsA(op, "onnx.gcim_gain_cell_attention");
}

static bool isCandidate(MlirOperation op) {
  return isAttentionOperator(op) || looksLikeAttention(op);
}

static int fuseDecomposed(MlirOperation op, bool assumeUnpadded, char *reason) {
  Match m;
  memset(&m, 0, sizeof m);
  m.mask = (GcimMaskInfo){0, 0};
  m.assumeUnpadded = assumeUnpadded;
  m.rank = (int)gcimTensorRank(mlirValueGetType(mlirOperationGetOperand(op, 0)));
  if (m.rank != 3 && m.rank != 4)
    return setReason(reason,
                     "the scores are not a rank-4 (batch, heads, q, k) or rank-3 "
                     "(batch x heads, q, k) tensor%s",
                     "");
  if (!matchNonlinearity(op, &m, reason) || !matchValueMatMul(&m, reason) ||
      !matchScores(&m, reason) || !settleHeads(&m, reason) || !matchKey(&m, reason))
    return 0;
  if (!m.hasMask && strcmp(m.kind, "softmax") != 0)
    m.mask = (GcimMaskInfo){0, 0};
  if (!mlirValueIsNull(m.padding.input) &&
      !gcimMarkNoPadding(&m.padding, mlirOperationGetLocation(op)))
    return setReason(reason, "out of memory%s", "");
  rewriteMatch(&m);
  return 1;
}

static MlirLogicalResult runFuseAttention(MlirOperation module, const GcimPassOptions *options);

static const char *const paddingModes[] = {"exact", "unpadded", NULL};

static const GcimPassOptionInfo fuseOptions[] = {
    {"strict", GCIM_PASS_OPTION_BOOL, "false",
     "true: attention-like subgraphs that do not match are errors", NULL},
    {"padding", GCIM_PASS_OPTION_ENUM, "exact",
     "a mask made from a padding input (batch, keys): exact (left as the model's ops) or "
     "unpadded (fused assuming no padding; the input's argument gets gcim.no_padding, which "
     "the generated program checks)",
     paddingModes},
};

const GcimPassInfo gcimFuseAttentionPassInfo = {
    "gcim-fuse-attention",
    "Recognise attention subgraphs and operators and rewrite them to gcim.attention", fuseOptions,
    sizeof fuseOptions / sizeof fuseOptions[0], runFuseAttention};

static MlirLogicalResult runFuseAttention(MlirOperation module, const GcimPassOptions *options) {
  bool strict = gcimPassOptionsGetBool(options, &gcimFuseAttentionPassInfo, "strict");
  bool unpadded =
      strcmp(gcimPassOptionsGet(options, &gcimFuseAttentionPassInfo, "padding"), "unpadded") == 0;
  /* GainCellAttention operators must match the compilation's hardware. */
  const GcimHardware *hw = options->hw;
  MlirOperation *candidates = NULL;
  size_t count = 0;
  bool ok = gcimCollectOps(module, MlirWalkPostOrder, isCandidate, &candidates, &count);
  for (size_t i = 0; ok && i < count; ++i) {
    MlirOperation op = candidates[i];
    char reason[REASON_SIZE] = "";
    int fused = isAttentionOperator(op)
                    ? gcimFuseAttentionOperator(op, hw, unpadded, reason, sizeof reason)
                    : fuseDecomposed(op, unpadded, reason);
    if (fused < 0) {
      ok = false;
    } else if (fused == 0) {
      if (strict) {
        gcimEmitError(mlirOperationGetLocation(op), "attention not fused: %s", reason);
        ok = false;
      } else {
        gcimOpSetString(op, "gcim.unfused", reason);
      }
    }
  }
  free(candidates);
  return ok ? mlirLogicalResultSuccess() : mlirLogicalResultFailure();
}
