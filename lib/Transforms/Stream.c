/* Stream.c: gcim-stream, a per-token step function from a full-sequence causal graph.
 *
 * For each function with gcim.attention (all causal), adds `<name>_step`: the same graph
 * for one token. The sequence axis is tracked from the arguments (the axis of length T,
 * the attention's token count) through the graph (StreamAxis.c, StreamGather.c);
 * position-wise ops are kept with the axis shrunk to 1; position ids (a constant arange, or
 * a position_ids input that only feeds position lookups, StreamPositionIds.c) become the
 * step counter (gcim.step_index); the causal mask was absorbed into gcim.attention by
 * gcim-fuse-attention; each attention becomes gcim.attention_step, whose K/V live in the
 * hardware state of its `layer`. Graphs with a KV cache (gcim.cache_append of a past
 * argument and one new token) map their cache onto the same state: the step function
 * drops the past arguments and present results, and a constant position id equal to the
 * cached length P (the importer folds it from the past's shape) becomes the step index.
 * Anything else the importer computed from P (tagged `gcim.from_past_length`, see
 * lib/Import/Onnx/PastProbe.c) that the step function still uses would be frozen at P:
 * such a function is not streamed, and the reason names the op or input.
 * A padding input that gcim-fuse-attention assumed unpadded (gcim.no_padding) and that
 * nothing else reads is not an argument of the step function.
 *
 * The original function is kept (the full-sequence form, for whole-tensor runs) and gets
 * `gcim.step_function = "<name>_step"`. A function that cannot be streamed stays alone
 * and gets `gcim.unstreamed = "<reason>"` (an error with `strict=1`).
 *
 * Assumes: gcim-fuse-attention ran; static shapes; batch on axis 0.
 * Guarantees: the step function computes, for token t (the step index), the same values
 * as the full-sequence function at position t, given the state of tokens 0..t-1. */
#include "Stream.h"
#include "FuseAttention.h"
#include "PassUtils.h"

#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Transforms/Passes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ARGS = 512 };

/* The importer's tag of values computed from a KV cache's bound past length. */
static const char *const kFromPastLength = "gcim.from_past_length";

static MlirLogicalResult runStream(MlirOperation module, const GcimPassOptions *options);

static const GcimPassOptionInfo streamOptions[] = {
    {"strict", GCIM_PASS_OPTION_BOOL, "false",
     "true: a function with attention that cannot be streamed is an error", NULL},
};

const GcimPassInfo gcimStreamPassInfo = {
    "gcim-stream", "Derive a per-token step function from a full-sequence causal graph",
    streamOptions, sizeof streamOptions / sizeof streamOptions[0], runStream};

static MlirStringRef str(const char *text) { return mlirStringRefCreateFromCString(text); }

static MlirBlock funcBody(MlirOperation func) {
  return mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
}

typedef struct Survey {
  int attentions, caches;
  int64_t tokens;
  char reason[256];
} Survey;

/* Checks the attentions of `func`: all causal, and either all full-sequence with the same
 * T, or all over a KV cache with one new token. */
static void survey(MlirOperation func, Survey *s) {
  memset(s, 0, sizeof *s);
  s->tokens = -1;
  MlirBlock body = funcBody(func);
  if (mlirBlockIsNull(body))
    return; /* a declaration (func.func private without a body): nothing to stream */
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    if (!gcimOpIsA(op, "gcim.attention"))
      continue;
    int64_t causal = 0;
    gcimOpGetIntAttr(op, "causal", &causal);
    MlirType q = mlirValueGetType(mlirOperationGetOperand(op, 0));
    MlirType k = mlirValueGetType(mlirOperationGetOperand(op, 1));
    int64_t tq = gcimSafeDim(q, 2), tk = gcimSafeDim(k, 2);
    bool cached = gcimReadsCache(mlirOperationGetOperand(op, 1), NULL);
    s->attentions++;
    s->caches += cached;
    if (!causal && !s->reason[0])
      snprintf(s->reason, sizeof s->reason, "an attention is not causal");
    else if (cached && tq != 1 && !s->reason[0])
      snprintf(s->reason, sizeof s->reason,
               "a KV-cache graph with %lld new tokens (one is streamable)", (long long)tq);
    else if (!cached && tq != tk && !s->reason[0])
      snprintf(s->reason, sizeof s->reason,
               "an attention has %lld queries but %lld keys without a KV cache", (long long)tq,
               (long long)tk);
    if (tq < 0 && !s->reason[0])
      snprintf(s->reason, sizeof s->reason, "the sequence length is dynamic");
    if (s->tokens >= 0 && tq != s->tokens && !s->reason[0])
      snprintf(s->reason, sizeof s->reason, "attentions disagree on the sequence length");
    s->tokens = tq;
  }
  if (s->caches && s->caches != s->attentions && !s->reason[0])
    snprintf(s->reason, sizeof s->reason, "only some attentions have a KV cache");
  /* A KV-cache graph was imported for one cached length P: a CumSum over P + 1 positions
   * (OPT's position ids counted along its all-ones mask) holds P's value, not the step's.
   * (A past of dynamic length is checked more generally, checkPastLength; this also
   * catches the ones a static past bakes into the file.) */
  for (MlirOperation op = mlirBlockGetFirstOperation(body);
       s->caches && !s->reason[0] && !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op))
    if (gcimOpIsA(op, "onnx.cum_sum"))
      snprintf(s->reason, sizeof s->reason,
               "a KV-cache graph sums along positions (CumSum, as OPT counts its position ids "
               "along the mask), which the step function cannot follow");
}

/* The head-repeat chain from `first` to `last` (an attention operand) retyped for the one
 * new token: the tokens axis (3 of rank-5 values, 2 of rank-4 ones) gets length 1, Expand
 * and Reshape shapes follow, and each result gets its sequence axis, so that
 * gcimStreamOp leaves the chain as it is. */
static bool retypeRepeat(GcimStreamState *s, MlirOperation first, MlirValue last) {
  for (MlirOperation op = first; !mlirOperationIsNull(op);) {
    MlirValue result = mlirOperationGetResult(op, 0);
    MlirType type = mlirValueGetType(result);
    int64_t dims[GCIM_MAX_RANK];
    int rank = gcimTensorShape(type, dims), axis = rank == 5 ? 3 : 2;
    if (rank != 4 && rank != 5)
      return false;
    dims[axis] = 1;
    mlirValueSetType(result, gcimTensorType(rank, dims, mlirShapedTypeGetElementType(type)));
    if (gcimOpIsA(op, "onnx.expand") || gcimOpIsA(op, "onnx.reshape"))
      mlirOperationSetOperand(op, 1,
                              gcimBuildI64Constant(op, mlirOperationGetLocation(op), dims, rank));
    mlirOperationRemoveDiscardableAttributeByName(op, str(kFromPastLength)); /* one token now */
    if (!gcimAxisSet(&s->axes, result, axis))
      return false;
    if (mlirValueEqual(result, last))
      return true;
    op = gcimValueSingleUser(result);
  }
  return false;
}

/* KV cache: attention reads the new k, v; returns the past arguments to drop. */
static bool unhookCaches(GcimStreamState *s, bool *dropArg, char *reason, size_t size) {
  for (MlirOperation op = mlirBlockGetFirstOperation(s->body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    if (!gcimOpIsA(op, "gcim.attention"))
      continue;
    for (intptr_t i = 1; i <= 2; ++i) {
      MlirOperation append;
      if (!gcimReadsCache(mlirOperationGetOperand(op, i), &append))
        continue;
      MlirOperation repeat = gcimHeadRepeatFirst(mlirOperationGetOperand(op, i));
      MlirValue past = mlirOperationGetOperand(append, 0);
      if (!mlirValueIsABlockArgument(past)) {
        snprintf(reason, size, "a KV cache whose past is not a function argument");
        return false;
      }
      dropArg[mlirBlockArgumentGetArgNumber(past)] = true;
      s->pastLength = gcimSafeDim(mlirValueGetType(past), 2);
      /* The new token's K/V (its heads repeated as the graph repeats the cache's: each
       * query head's state holds its group's K/V) */
      mlirOperationSetOperand(mlirOperationIsNull(repeat) ? op : repeat,
                              mlirOperationIsNull(repeat) ? i : 0,
                              mlirOperationGetOperand(append, 1));
      if (!mlirOperationIsNull(repeat) &&
          !retypeRepeat(s, repeat, mlirOperationGetOperand(op, i))) {
        snprintf(reason, size,
                 "a grouped-query head repeat of the KV cache is not "
                 "Unsqueeze-Expand-Reshape or Tile of rank-4 values");
        return false;
      }
    }
  }
  return true;
}

/* Removes return operands that are cache_append results (the present outputs). */
static void dropPresent(MlirBlock body, bool *dropResult, intptr_t *resultCount) {
  MlirOperation ret = mlirBlockGetTerminator(body);
  intptr_t n = mlirOperationGetNumOperands(ret), kept = 0;
  MlirValue operands[MAX_ARGS];
  for (intptr_t i = 0; i < n && i < MAX_ARGS; ++i) {
    MlirValue v = mlirOperationGetOperand(ret, i);
    dropResult[i] = gcimValueIsOp(v, "gcim.cache_append", NULL);
    if (!dropResult[i])
      operands[kept++] = v;
  }
  mlirOperationSetOperands(ret, kept, operands);
  *resultCount = n;
}

static MlirAttribute filterArray(MlirContext ctx, MlirAttribute array, const bool *drop) {
  if (mlirAttributeIsNull(array) || !mlirAttributeIsAArray(array))
    return array;
  MlirAttribute kept[MAX_ARGS];
  intptr_t n = mlirArrayAttrGetNumElements(array), count = 0;
  for (intptr_t i = 0; i < n && i < MAX_ARGS; ++i)
    if (!drop[i])
      kept[count++] = mlirArrayAttrGetElement(array, i);
  return mlirArrayAttrGet(ctx, count, kept);
}

/* function_type from the block's arguments and the return's operands; argument and
 * result attributes without the dropped entries. */
static void updateSignature(MlirOperation func, const bool *dropArg, const bool *dropResult) {
  MlirContext ctx = mlirOperationGetContext(func);
  MlirBlock body = funcBody(func);
  MlirOperation ret = mlirBlockGetTerminator(body);
  MlirType inputs[MAX_ARGS], results[MAX_ARGS];
  intptr_t nIn = mlirBlockGetNumArguments(body), nOut = mlirOperationGetNumOperands(ret);
  for (intptr_t i = 0; i < nIn; ++i)
    inputs[i] = mlirValueGetType(mlirBlockGetArgument(body, i));
  for (intptr_t i = 0; i < nOut; ++i)
    results[i] = mlirValueGetType(mlirOperationGetOperand(ret, i));
  mlirOperationSetInherentAttributeByName(
      func, str("function_type"),
      mlirTypeAttrGet(mlirFunctionTypeGet(ctx, nIn, inputs, nOut, results)));
  MlirAttribute argAttrs = mlirOperationGetInherentAttributeByName(func, str("arg_attrs"));
  MlirAttribute resAttrs = mlirOperationGetInherentAttributeByName(func, str("res_attrs"));
  if (!mlirAttributeIsNull(argAttrs))
    mlirOperationSetInherentAttributeByName(func, str("arg_attrs"),
                                            filterArray(ctx, argAttrs, dropArg));
  if (!mlirAttributeIsNull(resAttrs))
    mlirOperationSetInherentAttributeByName(func, str("res_attrs"),
                                            filterArray(ctx, resAttrs, dropResult));
}

/* Marks the padding inputs that gcim-fuse-attention assumed unpadded (gcim.no_padding) and
 * that nothing reads any more: a step is one token of an unpadded sequence, so the step
 * function does not take them (the full-sequence function checks them at run time). */
static void dropPaddingInputs(GcimStreamState *s, bool *dropArg) {
  MlirAttribute all =
      mlirOperationGetAttributeByName(s->func, mlirStringRefCreateFromCString("arg_attrs"));
  if (mlirAttributeIsNull(all) || !mlirAttributeIsAArray(all))
    return;
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(s->body); ++i) {
    MlirAttribute dict = i < mlirArrayAttrGetNumElements(all) ? mlirArrayAttrGetElement(all, i)
                                                              : (MlirAttribute){NULL};
    if (!mlirAttributeIsNull(dict) && mlirAttributeIsADictionary(dict) &&
        !mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(dict, str("gcim.no_padding"))) &&
        gcimValueUseCount(mlirBlockGetArgument(s->body, i)) == 0)
      dropArg[i] = true;
  }
}

/* The sequence axis of each argument: the first axis after the batch of length T (for
 * rank-4 arguments, (batch, heads, tokens, dim), axis 2 when it has length T). */
static bool seedArguments(GcimStreamState *s, const bool *dropArg) {
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(s->body); ++i) {
    MlirValue arg = mlirBlockGetArgument(s->body, i);
    int64_t dims[GCIM_MAX_RANK];
    MlirType type = mlirValueGetType(arg);
    int rank = gcimTensorShape(type, dims);
    if (dropArg[i] || rank < 2)
      continue;
    int first = rank == 4 && dims[2] == s->tokens ? 2 : 1;
    for (int d = first; d < rank; ++d)
      if (dims[d] == s->tokens) {
        dims[d] = 1;
        mlirBlockArgumentSetType(arg,
                                 gcimTensorType(rank, dims, mlirShapedTypeGetElementType(type)));
        if (!gcimAxisSet(&s->axes, arg, d))
          return false;
        break;
      }
  }
  return true;
}

/* The ONNX data type `to` of a Cast to `element` (f32, f64, i32; 0 for i64, which the step
 * index is already, and for the others). */
static int64_t castTarget(MlirType element) {
  if (mlirTypeIsAF32(element))
    return 1;
  if (mlirTypeIsAF64(element))
    return 11;
  return mlirTypeIsAInteger(element) && mlirIntegerTypeGetWidth(element) == 32 ? 6 : 0;
}

/* The offsets `value - past` of a constant that is the past length (times its slope,
 * folded into `past`) plus constants, as a constant of its own type; null for element
 * types other than i64, i32, f32 and f64. */
static MlirAttribute offsetsFromPast(MlirAttribute value, double past) {
  MlirType type = mlirAttributeGetType(value), element = mlirShapedTypeGetElementType(type);
  int64_t count = mlirElementsAttrGetNumElements(value);
  bool i64 = mlirTypeIsAInteger(element) && mlirIntegerTypeGetWidth(element) == 64;
  if (!i64 && castTarget(element) == 0)
    return mlirAttributeGetNull();
  double *offsets = malloc((size_t)(count > 0 ? count : 1) * sizeof *offsets);
  int64_t *ints = malloc((size_t)(count > 0 ? count : 1) * sizeof *ints);
  int32_t *narrow = malloc((size_t)(count > 0 ? count : 1) * sizeof *narrow);
  float *floats = malloc((size_t)(count > 0 ? count : 1) * sizeof *floats);
  MlirAttribute result = mlirAttributeGetNull();
  bool read = offsets && ints && narrow && floats;
  for (int64_t i = 0; read && i < count; ++i) {
    read = gcimElementsGet(value, i, &offsets[i]);
    offsets[i] -= past;
    ints[i] = (int64_t)offsets[i];
    narrow[i] = (int32_t)offsets[i];
    floats[i] = (float)offsets[i];
  }
  if (read && i64)
    result = mlirDenseElementsAttrInt64Get(type, count, ints);
  else if (read && mlirTypeIsAF64(element))
    result = mlirDenseElementsAttrDoubleGet(type, count, offsets);
  else if (read && mlirTypeIsAF32(element))
    result = mlirDenseElementsAttrFloatGet(type, count, floats);
  else if (read)
    result = mlirDenseElementsAttrInt32Get(type, count, narrow);
  free(offsets);
  free(ints);
  free(narrow);
  free(floats);
  return result;
}

/* `x op value`, built before `before`: the constant `value` and the result of its type. */
static MlirValue withConstant(MlirOperation before, MlirLocation loc, const char *op, MlirValue x,
                              MlirAttribute value) {
  MlirContext ctx = mlirLocationGetContext(loc);
  MlirType type = mlirAttributeGetType(value);
  MlirNamedAttribute valueAttr = mlirNamedAttributeGet(mlirIdentifierGet(ctx, str("value")), value);
  MlirValue operands[2] = {
      x, mlirOperationGetResult(
             gcimBuildOp(before, "onnx.constant", loc, 0, NULL, 1, &type, 1, &valueAttr), 0)};
  return mlirOperationGetResult(gcimBuildOp(before, op, loc, 2, operands, 1, &type, 0, NULL), 0);
}

/* A constant the importer found to be the past length plus constants (tagged "position":
 * a position P + i, a Slice's bounds P and P + 1; with `gcim.past_slope` s, s * P plus
 * constants) becomes the step index (each step's past length), times s, plus the same
 * constants; false when its element type is not one of the offsets'. */
static bool followPosition(GcimStreamState *s, MlirOperation constant) {
  MlirAttribute value = mlirOperationGetAttributeByName(constant, str("value"));
  MlirAttribute slopeAttr = mlirOperationGetAttributeByName(constant, str("gcim.past_slope"));
  double slope = !mlirAttributeIsNull(slopeAttr) && mlirAttributeIsAFloat(slopeAttr)
                     ? mlirFloatAttrGetValueDouble(slopeAttr)
                     : 1.0;
  MlirAttribute offsets = mlirAttributeIsNull(value) || !mlirAttributeIsADenseElements(value)
                              ? mlirAttributeGetNull()
                              : offsetsFromPast(value, slope * (double)s->pastLength);
  if (mlirAttributeIsNull(offsets))
    return false;
  MlirContext ctx = mlirOperationGetContext(constant);
  MlirLocation loc = mlirOperationGetLocation(constant);
  MlirType type = mlirAttributeGetType(offsets), element = mlirShapedTypeGetElementType(type);
  if (slope != 1.0 && !mlirTypeIsAF32(element))
    return false; /* left tagged: refused */
  int64_t ones[GCIM_MAX_RANK];
  int rank = (int)gcimTensorRank(type);
  for (int d = 0; d < rank; ++d)
    ones[d] = 1;
  MlirValue step = gcimStreamStepIndex(s); /* of shape (1) */
  if (rank != 1)
    step = gcimBuildReshape(constant, loc, step, rank, ones);
  if (castTarget(element) != 0) {
    MlirNamedAttribute to = gcimNamedInt(ctx, "to", castTarget(element));
    MlirType cast = gcimTensorType(rank, ones, element);
    step = mlirOperationGetResult(
        gcimBuildOp(constant, "onnx.cast", loc, 1, &step, 1, &cast, 1, &to), 0);
  }
  if (slope != 1.0) {
    float factor = (float)slope;
    step = withConstant(
        constant, loc, "onnx.mul", step,
        mlirDenseElementsAttrFloatGet(gcimTensorType(rank, ones, element), 1, &factor));
  }
  double first;
  bool zero =
      mlirDenseElementsAttrIsSplat(offsets) && gcimElementsGet(offsets, 0, &first) && first == 0.0;
  if (!zero) /* the position itself needs no add */
    step = withConstant(constant, loc, "onnx.add", step, offsets);
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(constant, 0), step);
  mlirOperationDestroy(constant);
  return true;
}

static bool isTaggedPosition(MlirOperation op) {
  MlirAttribute tag = mlirOperationGetAttributeByName(op, str(kFromPastLength));
  return gcimOpIsA(op, "onnx.constant") && !mlirAttributeIsNull(tag) &&
         mlirAttributeIsAString(tag) &&
         gcimStringRefEquals(mlirStringAttrGetValue(tag), "position");
}

/* KV-cache graphs: what the importer computed from the bound past length (tagged by
 * PastProbe.c) and the step function still uses would stay frozen at that length, but
 * for the past length plus constants, which follows the step. */
static bool checkPastLength(GcimStreamState *s, const bool *dropArg) {
  for (MlirOperation op = mlirBlockGetFirstOperation(s->body), next; !mlirOperationIsNull(op);
       op = next) {
    next = mlirOperationGetNextInBlock(op);
    if (isTaggedPosition(op))
      followPosition(s, op);
  }
  MlirAttribute all = mlirOperationGetAttributeByName(s->func, str("arg_attrs"));
  for (intptr_t i = 0; !mlirAttributeIsNull(all) && mlirAttributeIsAArray(all) &&
                       i < mlirArrayAttrGetNumElements(all);
       ++i) {
    MlirAttribute dict = mlirArrayAttrGetElement(all, i);
    if (dropArg[i] || !mlirAttributeIsADictionary(dict) ||
        mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(dict, str(kFromPastLength))))
      continue;
    MlirAttribute name = mlirDictionaryAttrGetElementByName(dict, str("onnx.name"));
    MlirStringRef text = !mlirAttributeIsNull(name) && mlirAttributeIsAString(name)
                             ? mlirStringAttrGetValue(name)
                             : str("?");
    snprintf(s->reason, sizeof s->reason,
             "input '%.*s' is sized by the cached length %lld, which the step function, "
             "serving every length, cannot take",
             (int)text.length, text.data, (long long)s->pastLength);
    return false;
  }
  /* Named by the first op computing on such a value, else by the first such constant. */
  MlirOperation frozen = {NULL};
  for (MlirOperation op = mlirBlockGetFirstOperation(s->body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    if (mlirAttributeIsNull(mlirOperationGetAttributeByName(op, str(kFromPastLength))))
      continue;
    if (mlirOperationIsNull(frozen) || !gcimOpIsA(op, "onnx.constant"))
      frozen = op;
    if (!gcimOpIsA(op, "onnx.constant"))
      break;
  }
  if (mlirOperationIsNull(frozen))
    return true;
  char why[160];
  snprintf(why, sizeof why,
           "holds what the import computed from the cached length %lld, which the step "
           "function, serving every length, cannot follow",
           (long long)s->pastLength);
  return gcimStreamFail(s, frozen, why);
}

/* Erases ops the rewrite left without users (old shape constants, cache appends). */
static void sweepDeadOps(MlirBlock body) {
  bool changed = true;
  while (changed) {
    changed = false;
    MlirOperation last = mlirBlockGetTerminator(body);
    for (MlirOperation op = mlirBlockGetFirstOperation(body);
         !mlirOperationIsNull(op) && !mlirOperationEqual(op, last);) {
      MlirOperation next = mlirOperationGetNextInBlock(op);
      bool dead = mlirOperationGetNumResults(op) > 0 && mlirOperationGetNumRegions(op) == 0;
      for (intptr_t i = 0; dead && i < mlirOperationGetNumResults(op); ++i)
        dead = gcimValueUseCount(mlirOperationGetResult(op, i)) == 0;
      if (dead) {
        mlirOperationDestroy(op);
        changed = true;
      }
      op = next;
    }
  }
}

/* A float the importer computed from the bound sequence length (tagged by its probe, as
 * dynamic NTK rope scaling's base) would keep that length's value at every step. */
static bool checkRunLength(GcimStreamState *s) {
  for (MlirOperation op = mlirBlockGetFirstOperation(s->body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op))
    if (!mlirAttributeIsNull(mlirOperationGetAttributeByName(op, str("gcim.from_run_length")))) {
      char why[200];
      snprintf(why, sizeof why,
               "holds what the import computed from the sequence length %lld (as dynamic NTK "
               "rope scaling its base), which the step function, serving every length, "
               "cannot follow",
               (long long)s->tokens);
      return gcimStreamFail(s, op, why);
    }
  return true;
}

static bool buildStep(GcimStreamState *s, const Survey *survey) {
  bool dropArg[MAX_ARGS] = {false}, dropResult[MAX_ARGS] = {false};
  intptr_t results = 0;
  if (mlirBlockGetNumArguments(s->body) > MAX_ARGS ||
      mlirOperationGetNumOperands(mlirBlockGetTerminator(s->body)) > MAX_ARGS) {
    snprintf(s->reason, sizeof s->reason, "more than %d arguments or results", MAX_ARGS);
    return false;
  }
  if (!checkRunLength(s))
    return false;
  if (survey->caches && !unhookCaches(s, dropArg, s->reason, sizeof s->reason))
    return false;
  if (survey->caches)
    dropPresent(s->body, dropResult, &results);
  dropPaddingInputs(s, dropArg);
  if (!gcimStreamPositionInputs(s, dropArg) || !seedArguments(s, dropArg))
    return false;
  for (MlirOperation op = mlirBlockGetFirstOperation(s->body); !mlirOperationIsNull(op);) {
    MlirOperation next = mlirOperationGetNextInBlock(op);
    if (!gcimStreamOp(s, op))
      return false;
    op = next;
  }
  sweepDeadOps(s->body);
  if (survey->caches && !checkPastLength(s, dropArg))
    return false;
  for (intptr_t i = mlirBlockGetNumArguments(s->body) - 1; i >= 0; --i)
    if (dropArg[i])
      mlirBlockEraseArgument(s->body, (unsigned)i);
  updateSignature(s->func, dropArg, dropResult);
  return true;
}

static bool streamFunction(MlirOperation func, bool strict) {
  Survey info;
  survey(func, &info);
  if (info.attentions == 0)
    return true;
  MlirStringRef name =
      mlirStringAttrGetValue(mlirOperationGetInherentAttributeByName(func, str("sym_name")));
  char stepName[256];
  snprintf(stepName, sizeof stepName, "%.*s_step", (int)name.length, name.data);
  GcimStreamState s;
  memset(&s, 0, sizeof s);
  s.pastLength = -1;
  snprintf(s.reason, sizeof s.reason, "%s", info.reason);
  if (!info.reason[0]) {
    s.func = mlirOperationClone(func);
    s.body = funcBody(s.func);
    s.tokens = info.caches ? 1 : info.tokens;
    mlirBlockInsertOwnedOperationAfter(mlirOperationGetBlock(func), func, s.func);
    mlirOperationSetInherentAttributeByName(
        s.func, str("sym_name"), mlirStringAttrGet(mlirOperationGetContext(func), str(stepName)));
    if (!buildStep(&s, &info)) {
      mlirOperationDestroy(s.func);
      s.func = (MlirOperation){NULL};
    }
    gcimAxisMapClear(&s.axes);
  }
  if (mlirOperationIsNull(s.func)) {
    if (strict) {
      gcimEmitError(mlirOperationGetLocation(func), "cannot stream '%.*s': %s", (int)name.length,
                    name.data, s.reason);
      return false;
    }
    gcimOpSetString(func, "gcim.unstreamed", s.reason);
    return true;
  }
  gcimOpSetString(func, "gcim.step_function", stepName);
  return true;
}

static MlirLogicalResult runStream(MlirOperation module, const GcimPassOptions *options) {
  bool strict = atoi(gcimPassOptionsGet(options, &gcimStreamPassInfo, "strict")) != 0;
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(module, 0));
  MlirOperation last = {NULL};
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op))
    last = op;
  bool ok = true;
  // The step functions streaming inserts (after their source) are not visited: the next op
  // is read before streaming, and the walk ends at the module's original last op.
  for (MlirOperation op = mlirBlockGetFirstOperation(body), next; !mlirOperationIsNull(op);
       op = next) {
    next = mlirOperationEqual(op, last) ? (MlirOperation){NULL} : mlirOperationGetNextInBlock(op);
    MlirAttribute done = mlirOperationGetAttributeByName(op, str("gcim.step_function"));
    if (gcimOpIsA(op, "func.func") && mlirAttributeIsNull(done))
      ok = streamFunction(op, strict) && ok;
  }
  return ok ? mlirLogicalResultSuccess() : mlirLogicalResultFailure();
}
