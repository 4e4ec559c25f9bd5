/* FuseAttentionOps.c: gcim-fuse-attention for attention operators.
 *
 * ONNX-23 Attention, com.microsoft Attention and MultiHeadAttention, and ai.gcim
 * GainCellAttention become gcim.attention with the head plumbing made explicit (Reshape
 * and Transpose between (batch, tokens, heads*dim) and (batch, heads, tokens, dim), the
 * packed projection of com.microsoft Attention as MatMul + Add + Split, past keys and
 * values as gcim.cache_append, as fusion writes torch's Concat of past and new; grouped-query
 * K/V heads repeated, gcimBuildHeadRepeat). Inputs outside what gcim.attention expresses
 * (softcap, padding masks, rotary embeddings, ...) leave the operator as it is with a reason;
 * com.microsoft Attention's mask_index from a graph input fuses assuming no padding when
 * the pass's padding=unpadded (AttentionMaskPadding.c).
 * A GainCellAttention trained for a different hardware than the description (levels,
 * saturations, cell, decay) is an error. */
#include "FuseAttention.h"
#include "PassUtils.h"

#include "gcim/Runtime/Hardware.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Whether an op has its optional operand (result) group `index`. */
static bool operandPresent(MlirOperation op, int index) {
  return gcimOpOperandGroupSize(op, index) > 0;
}

static bool resultPresent(MlirOperation op, int index) {
  return gcimOpResultGroupSize(op, index) > 0;
}

static bool resultUsed(MlirOperation op, int index) {
  return resultPresent(op, index) && gcimValueUseCount(gcimOpGroupResult(op, index)) > 0;
}

static int leave(char *reason, size_t size, const char *text) {
  snprintf(reason, size, "%s", text);
  return 0;
}

/* (B, S, H*D) -> (B, H, S, D); 4-D values pass unchanged. */
static MlirValue splitHeads(MlirOperation before, MlirLocation loc, MlirValue x, int64_t heads) {
  int64_t dims[GCIM_MAX_RANK];
  if (gcimTensorShape(mlirValueGetType(x), dims) == 4)
    return x;
  int64_t shape[4] = {dims[0], dims[1], heads, dims[2] / heads};
  int64_t perm[4] = {0, 2, 1, 3};
  return gcimBuildTranspose(before, loc, gcimBuildReshape(before, loc, x, 4, shape), perm);
}

/* (B, H, S, D) -> (B, S, H*D). */
static MlirValue mergeHeads(MlirOperation before, MlirLocation loc, MlirValue y) {
  int64_t dims[GCIM_MAX_RANK], perm[4] = {0, 2, 1, 3};
  gcimTensorShape(mlirValueGetType(y), dims);
  int64_t shape[3] = {dims[0], dims[2], dims[1] * dims[3]};
  return gcimBuildReshape(before, loc, gcimBuildTranspose(before, loc, y, perm), 3, shape);
}

/* A 3-D value with a hidden size divisible by `heads`, or a 4-D one with `heads` heads. */
static bool headsFit(MlirValue x, int64_t heads) {
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(x), dims);
  if (heads <= 0)
    return false;
  if (rank == 3)
    return dims[2] > 0 && dims[2] % heads == 0;
  return rank == 4 && dims[1] == heads;
}

static MlirValue concatTokens(MlirOperation before, MlirLocation loc, MlirValue past, MlirValue x) {
  int64_t a[GCIM_MAX_RANK], b[GCIM_MAX_RANK];
  gcimTensorShape(mlirValueGetType(past), a);
  gcimTensorShape(mlirValueGetType(x), b);
  a[2] += b[2];
  MlirType type = gcimTensorType(4, a, mlirShapedTypeGetElementType(mlirValueGetType(x)));
  MlirValue operands[2] = {past, x};
  return mlirOperationGetResult(
      gcimBuildOp(before, "gcim.cache_append", loc, 2, operands, 1, &type, 0, NULL), 0);
}

static int64_t headDimOf(MlirValue x4) { return gcimTensorDim(mlirValueGetType(x4), 3); }

static double defaultScale(MlirOperation op, int64_t headDim) {
  double scale;
  if (gcimOpGetFloatAttr(op, "scale", &scale) && scale != 0.0)
    return scale;
  return 1.0 / sqrt((double)headDim);
}

static void replaceResult(MlirOperation op, int index, MlirValue with) {
  if (resultPresent(op, index))
    mlirValueReplaceAllUsesOfWith(gcimOpGroupResult(op, index), with);
}

/* ONNX-23's masking: attn_mask (bool keeps, float adds), is_causal, or one query over a
 * cache. False with a reason when it is not a causal decoder mask or none. */
static bool classifyOnnxMask(MlirOperation op, MlirValue q4, MlirValue k4, bool hasPast,
                             GcimMaskInfo *info, char *why, size_t size) {
  int64_t isCausal = 0;
  gcimOpGetIntAttr(op, "is_causal", &isCausal);
  int64_t tq = gcimTensorDim(mlirValueGetType(q4), 2);
  int64_t tk = gcimTensorDim(mlirValueGetType(k4), 2);
  *info = (GcimMaskInfo){isCausal != 0, 0};
  if (operandPresent(op, 3)) {
    if (isCausal) {
      snprintf(why, size, "both is_causal and attn_mask are set");
      return false;
    }
    MlirValue mask = gcimOpGroupOperand(op, 3);
    MlirType element = mlirShapedTypeGetElementType(mlirValueGetType(mask));
    bool boolean = mlirTypeIsAInteger(element) && mlirIntegerTypeGetWidth(element) == 1;
    return gcimMaskClassify(mask, boolean ? GCIM_MASK_TRUE_KEEPS : GCIM_MASK_ADDITIVE, tq, tk, info,
                            why, size);
  }
  if (isCausal && tq != tk) {
    snprintf(why, size,
             "is_causal with more keys than queries is upper-left aligned in "
             "ONNX, which is not a causal decoder mask");
    return false;
  }
  if (hasPast && tq == 1)
    info->causal = 1; /* one query over all cached keys is the causal row */
  return true;
}

/* ONNX-23 Attention. Causal masks are upper-left aligned in ONNX, so is_causal is only
 * taken with as many keys as queries. */
static int fuseOnnxAttention(MlirOperation op, char *reason, size_t size) {
  MlirLocation loc = mlirOperationGetLocation(op);
  MlirValue q = gcimOpGroupOperand(op, 0), k = gcimOpGroupOperand(op, 1);
  MlirValue v = gcimOpGroupOperand(op, 2);
  int64_t qHeads = 0, kvHeads = 0;
  double softcap = 0.0;
  gcimOpGetFloatAttr(op, "softcap", &softcap);
  if (softcap != 0.0)
    return leave(reason, size, "softcap is not supported");
  if (resultUsed(op, 3))
    return leave(reason, size, "the qk_matmul_output result is used");
  if (gcimTensorRank(mlirValueGetType(q)) == 4) {
    qHeads = gcimTensorDim(mlirValueGetType(q), 1);
    kvHeads = gcimTensorDim(mlirValueGetType(k), 1);
  } else if (!gcimOpGetIntAttr(op, "q_num_heads", &qHeads) ||
             !gcimOpGetIntAttr(op, "kv_num_heads", &kvHeads)) {
    return leave(reason, size, "3-D inputs without q_num_heads and kv_num_heads");
  }
  if (kvHeads <= 0 || qHeads % kvHeads)
    return leave(reason, size, "the query heads are not a multiple of the kv heads");
  if (!headsFit(q, qHeads) || !headsFit(k, kvHeads) || !headsFit(v, kvHeads))
    return leave(reason, size,
                 "q, k, v are not (batch, heads, tokens, dim) or (batch, "
                 "tokens, heads*dim)");
  bool hasPast = operandPresent(op, 4) && operandPresent(op, 5);
  MlirValue q4 = splitHeads(op, loc, q, qHeads), k4 = splitHeads(op, loc, k, kvHeads);
  MlirValue v4 = splitHeads(op, loc, v, kvHeads);
  if (hasPast) {
    k4 = concatTokens(op, loc, gcimOpGroupOperand(op, 4), k4);
    v4 = concatTokens(op, loc, gcimOpGroupOperand(op, 5), v4);
  }
  MlirValue presentK = k4, presentV = v4; /* the caches hold the kv heads only */
  k4 = gcimBuildHeadRepeat(op, loc, k4, qHeads / kvHeads);
  v4 = gcimBuildHeadRepeat(op, loc, v4, qHeads / kvHeads);
  GcimMaskInfo info;
  char why[256] = "";
  bool ok = classifyOnnxMask(op, q4, k4, hasPast, &info, why, sizeof why);
  if (!ok) {
    /* Nothing but unused plumbing was built: erase it again. */
    gcimEraseDeadOps(gcimValueDefOp(q4));
    gcimEraseDeadOps(gcimValueDefOp(k4));
    gcimEraseDeadOps(gcimValueDefOp(v4));
    return leave(reason, size, why);
  }
  MlirValue y = gcimBuildAttention(op, loc, q4, k4, v4, (MlirValue){NULL}, "softmax", info.causal,
                                   info.window, defaultScale(op, headDimOf(q4)));
  if (gcimTensorRank(mlirValueGetType(q)) == 3)
    y = mergeHeads(op, loc, y);
  replaceResult(op, 0, y);
  if (hasPast) {
    replaceResult(op, 1, presentK);
    replaceResult(op, 2, presentV);
  }
  gcimEraseDeadOps(op);
  return 1;
}

/* x + bias[offset : offset + count] (bias 1-D). */
static MlirValue addBiasSlice(MlirOperation before, MlirLocation loc, MlirValue x, MlirValue bias,
                              int64_t offset, int64_t count) {
  int64_t starts[1] = {offset}, ends[1] = {offset + count}, axes[1] = {0};
  MlirValue operands[4] = {bias, gcimBuildI64Constant(before, loc, starts, 1),
                           gcimBuildI64Constant(before, loc, ends, 1),
                           gcimBuildI64Constant(before, loc, axes, 1)};
  MlirType element = mlirShapedTypeGetElementType(mlirValueGetType(bias));
  MlirType sliceType = gcimTensorType(1, &count, element);
  static const int32_t segments[5] = {1, 1, 1, 1, 0}; /* data starts ends axes [steps] */
  MlirNamedAttribute sizes =
      gcimSegmentSizesAttr(mlirLocationGetContext(loc), "operandSegmentSizes", segments, 5);
  MlirValue slice = mlirOperationGetResult(
      gcimBuildOp(before, "onnx.slice", loc, 4, operands, 1, &sliceType, 1, &sizes), 0);
  MlirValue addOperands[2] = {x, slice};
  MlirType type = mlirValueGetType(x);
  return mlirOperationGetResult(
      gcimBuildOp(before, "onnx.add", loc, 2, addOperands, 1, &type, 0, NULL), 0);
}

/* com.microsoft Attention's mask_index made from a graph input as ONNX Runtime's fusion
 * writes it (the attention_mask, possibly through a Cast): key lengths (batch), whose "no
 * padding" is all `keys`, or a 0/1 mask (batch, keys), no padding all 1. With `unpadded`
 * the input's argument records the assumption (checked at run time) and 1 is returned;
 * else 0 with the reason. */
static int maskIndexPadding(MlirOperation op, bool unpadded, int64_t keys, int causal, char *reason,
                            size_t size) {
  MlirValue mask = gcimOpGroupOperand(op, 3);
  MlirOperation def;
  while (gcimValueIsOp(mask, "onnx.cast", &def) || gcimValueIsOp(mask, "onnx.identity", &def))
    mask = mlirOperationGetOperand(def, 0);
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(mask), dims);
  MlirOperation parent = mlirValueIsABlockArgument(mask)
                             ? mlirBlockGetParentOperation(mlirBlockArgumentGetOwner(mask))
                             : (MlirOperation){NULL};
  if (mlirOperationIsNull(parent) || !gcimOpIsA(parent, "func.func") ||
      !(rank == 1 || (rank == 2 && dims[1] == keys)))
    return leave(reason, size,
                 ("its mask_index input is not supported (compile the model from before ONNX "
                  "Runtime's attention fusion)"));
  char name[128];
  gcimMaskInputName(mask, name, sizeof name);
  if (!unpadded) {
    snprintf(reason, size,
             "its mask_index is input '%s', a padding mask: fused only assuming no padding "
             "(padding=unpadded, gcim-compile --padding-mask=unpadded)",
             name);
    return 0;
  }
  GcimPaddingMask padding = {mask, rank == 1 ? (double)keys : 1.0, {causal, 0}};
  if (!gcimMarkNoPadding(&padding, mlirOperationGetLocation(op)))
    return leave(reason, size, "out of memory");
  return 1;
}

/* com.microsoft Attention: the packed QKV projection becomes MatMul + Add + Split. */
static int fuseMsAttention(MlirOperation op, bool unpadded, char *reason, size_t size) {
  MlirLocation loc = mlirOperationGetLocation(op);
  MlirContext ctx = mlirLocationGetContext(loc);
  int64_t heads = 0, unidirectional = 0, rotary = 0, in[GCIM_MAX_RANK], w[GCIM_MAX_RANK];
  int64_t sizes[3];
  gcimOpGetIntAttr(op, "num_heads", &heads);
  gcimOpGetIntAttr(op, "unidirectional", &unidirectional);
  gcimOpGetIntAttr(op, "do_rotary", &rotary);
  static const char *const unsupportedInputs[] = {
      "its past input is not supported", "its attention_bias input is not supported",
      "its past_sequence_length input is not supported"};
  for (int i = 4; i < 7; ++i)
    if (operandPresent(op, i))
      return leave(reason, size, unsupportedInputs[i - 4]);
  if (rotary)
    return leave(reason, size, "rotary embeddings (do_rotary) are not supported");
  if (resultUsed(op, 1))
    return leave(reason, size, "the present result is used");
  MlirValue input = gcimOpGroupOperand(op, 0), weights = gcimOpGroupOperand(op, 1);
  if (gcimTensorShape(mlirValueGetType(input), in) != 3 ||
      gcimTensorShape(mlirValueGetType(weights), w) != 2 || w[1] % 3 != 0 || heads <= 0 ||
      (w[1] / 3) % heads != 0)
    return leave(reason, size,
                 "input is not (batch, tokens, hidden) with weights "
                 "(hidden, 3 * heads * dim)");
  if (gcimOpGetI64Array(op, "qkv_hidden_sizes", sizes, 3) == 3 &&
      (sizes[0] != sizes[1] || sizes[1] != sizes[2]))
    return leave(reason, size, "unequal qkv_hidden_sizes are not supported");
  if (operandPresent(op, 3) &&
      maskIndexPadding(op, unpadded, in[1], unidirectional != 0, reason, size) == 0)
    return 0;
  int64_t hidden = w[1] / 3, qkvDims[3] = {in[0], in[1], w[1]};
  MlirType element = mlirShapedTypeGetElementType(mlirValueGetType(input));
  MlirType qkvType = gcimTensorType(3, qkvDims, element);
  MlirValue mm[2] = {input, weights};
  MlirValue qkv =
      mlirOperationGetResult(gcimBuildOp(op, "onnx.mat_mul", loc, 2, mm, 1, &qkvType, 0, NULL), 0);
  if (operandPresent(op, 2))
    qkv = addBiasSlice(op, loc, qkv, gcimOpGroupOperand(op, 2), 0, w[1]);
  int64_t parts[3] = {hidden, hidden, hidden}, partDims[3] = {in[0], in[1], hidden};
  MlirValue splitOperands[2] = {qkv, gcimBuildI64Constant(op, loc, parts, 3)};
  MlirType partType = gcimTensorType(3, partDims, element);
  MlirType partTypes[3] = {partType, partType, partType};
  MlirNamedAttribute splitAttrs[2] = {gcimNamedInt(ctx, "axis", 2),
                                      gcimVariadicSegmentsAttr(ctx, "resultSegmentSizes", 3)};
  MlirOperation split =
      gcimBuildOp(op, "onnx.split", loc, 2, splitOperands, 3, partTypes, 2, splitAttrs);
  MlirValue q4 = splitHeads(op, loc, gcimOpGroupResult(split, 0), heads);
  MlirValue k4 = splitHeads(op, loc, gcimOpGroupResult(split, 1), heads);
  MlirValue v4 = splitHeads(op, loc, gcimOpGroupResult(split, 2), heads);
  MlirValue y = gcimBuildAttention(op, loc, q4, k4, v4, (MlirValue){NULL}, "softmax",
                                   unidirectional != 0, 0, defaultScale(op, hidden / heads));
  replaceResult(op, 0, mergeHeads(op, loc, y));
  gcimEraseDeadOps(op);
  return 1;
}

/* com.microsoft MultiHeadAttention with separate query, key and value. */
static int fuseMsMultiHeadAttention(MlirOperation op, char *reason, size_t size) {
  MlirLocation loc = mlirOperationGetLocation(op);
  int64_t heads = 0, unidirectional = 0;
  gcimOpGetIntAttr(op, "num_heads", &heads);
  gcimOpGetIntAttr(op, "unidirectional", &unidirectional);
  if (!operandPresent(op, 1) || !operandPresent(op, 2))
    return leave(reason, size, "packed QKV (no key or value input) is not supported");
  if (operandPresent(op, 4) || operandPresent(op, 5))
    return leave(reason, size, "key_padding_mask and attention_bias are not supported");
  MlirValue q = gcimOpGroupOperand(op, 0), k = gcimOpGroupOperand(op, 1);
  MlirValue v = gcimOpGroupOperand(op, 2);
  if (gcimTensorRank(mlirValueGetType(q)) != 3 || !headsFit(q, heads) || !headsFit(k, heads) ||
      !headsFit(v, heads))
    return leave(reason, size,
                 "query is not (batch, tokens, heads * dim) or key/value "
                 "do not have num_heads heads");
  bool hasBias = operandPresent(op, 3);
  if (hasBias &&
      (gcimTensorRank(mlirValueGetType(k)) != 3 || gcimTensorRank(mlirValueGetType(v)) != 3))
    return leave(reason, size, "a bias with 4-D key or value is not supported");
  bool hasPast = operandPresent(op, 6) && operandPresent(op, 7);
  int64_t hidden = gcimTensorDim(mlirValueGetType(q), 2);
  if (hasBias) {
    MlirValue bias = gcimOpGroupOperand(op, 3);
    int64_t vHidden = gcimTensorDim(mlirValueGetType(v), 2);
    q = addBiasSlice(op, loc, q, bias, 0, hidden);
    k = addBiasSlice(op, loc, k, bias, hidden, hidden);
    v = addBiasSlice(op, loc, v, bias, 2 * hidden, vHidden);
  }
  MlirValue q4 = splitHeads(op, loc, q, heads), k4 = splitHeads(op, loc, k, heads);
  MlirValue v4 = splitHeads(op, loc, v, heads);
  if (hasPast) {
    k4 = concatTokens(op, loc, gcimOpGroupOperand(op, 6), k4);
    v4 = concatTokens(op, loc, gcimOpGroupOperand(op, 7), v4);
  }
  int64_t tq = gcimTensorDim(mlirValueGetType(q4), 2);
  int causal = unidirectional != 0 || (hasPast && tq == 1);
  MlirValue y = gcimBuildAttention(op, loc, q4, k4, v4, (MlirValue){NULL}, "softmax", causal, 0,
                                   defaultScale(op, hidden / heads));
  replaceResult(op, 0, mergeHeads(op, loc, y));
  if (hasPast) {
    replaceResult(op, 1, k4);
    replaceResult(op, 2, v4);
  }
  gcimEraseDeadOps(op);
  return 1;
}

/* The GainCellAttention attributes must describe the hardware the model will run on. */
static bool checkGainCellHardware(MlirOperation op, const GcimHardware *hw) {
  struct {
    const char *name;
    double expected;
  } ints[] = {{"q_levels", hw->query.levels},
              {"kv_levels", hw->kv.levels},
              {"out_levels", hw->output.levels}};
  struct {
    const char *name;
    double expected;
  } floats[] = {{"first_product_saturation", hw->firstProductSaturation},
                {"output_saturation", hw->outputSaturation},
                {"decay", hw->decayEnabled ? hw->decayLambda : 0.0}};
  MlirLocation loc = mlirOperationGetLocation(op);
  for (size_t i = 0; i < 3; ++i) {
    int64_t value;
    if (gcimOpGetIntAttr(op, ints[i].name, &value) && value != (int64_t)ints[i].expected) {
      gcimEmitError(loc,
                    "'GainCellAttention' was trained for %s %lld but the hardware has "
                    "%lld",
                    ints[i].name, (long long)value, (long long)ints[i].expected);
      return false;
    }
  }
  for (size_t i = 0; i < 3; ++i) {
    double value;
    if (gcimOpGetFloatAttr(op, floats[i].name, &value) &&
        fabs(value - floats[i].expected) > 1e-6 * fabs(floats[i].expected) + 1e-12) {
      gcimEmitError(loc,
                    "'GainCellAttention' was trained for %s %g but the hardware has "
                    "%g",
                    floats[i].name, value, floats[i].expected);
      return false;
    }
  }
  MlirStringRef cell;
  const char *expected = hw->cell == GCIM_CELL_LINEAR ? "linear" : "nonlinear";
  if (gcimOpGetStringAttr(op, "cell", &cell) && !gcimStringRefEquals(cell, expected)) {
    gcimEmitError(loc,
                  "'GainCellAttention' was trained for the %.*s cell but the hardware "
                  "has the %s cell",
                  (int)cell.length, cell.data, expected);
    return false;
  }
  return true;
}

static int fuseGainCellAttention(MlirOperation op, const GcimHardware *hw, char *reason,
                                 size_t size) {
  MlirLocation loc = mlirOperationGetLocation(op);
  int64_t heads = 0, window = 0;
  gcimOpGetIntAttr(op, "num_heads", &heads);
  gcimOpGetIntAttr(op, "window", &window);
  MlirValue q = gcimOpGroupOperand(op, 0), k = gcimOpGroupOperand(op, 1);
  MlirValue v = gcimOpGroupOperand(op, 2);
  if (!headsFit(q, heads) || !headsFit(k, heads) || !headsFit(v, heads) ||
      gcimTensorRank(mlirValueGetType(q)) != gcimTensorRank(mlirValueGetType(k)))
    return leave(reason, size,
                 "q, k, v are not (batch, tokens, heads * dim) or (batch, "
                 "heads, tokens, dim) with num_heads heads");
  if (!checkGainCellHardware(op, hw))
    return -1;
  MlirValue scales = gcimOpGroupOperand(op, 3); /* null when absent */
  MlirValue q4 = splitHeads(op, loc, q, heads), k4 = splitHeads(op, loc, k, heads);
  MlirValue v4 = splitHeads(op, loc, v, heads);
  MlirValue y =
      gcimBuildAttention(op, loc, q4, k4, v4, scales, "gaincell", 1, window < 0 ? 0 : window, 1.0);
  if (gcimTensorRank(mlirValueGetType(q)) == 3)
    y = mergeHeads(op, loc, y);
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(op, 0), y);
  gcimEraseDeadOps(op);
  return 1;
}

int gcimFuseAttentionOperator(MlirOperation op, const GcimHardware *hw, bool unpadded, char *reason,
                              size_t reasonSize) {
  if (gcimOpIsA(op, "onnx.attention"))
    return fuseOnnxAttention(op, reason, reasonSize);
  if (gcimOpIsA(op, "onnx.ms_attention"))
    return fuseMsAttention(op, unpadded, reason, reasonSize);
  if (gcimOpIsA(op, "onnx.ms_multi_head_attention"))
    return fuseMsMultiHeadAttention(op, reason, reasonSize);
  return fuseGainCellAttention(op, hw, reason, reasonSize);
}
