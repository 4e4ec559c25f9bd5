/* StreamPositionIds.c: gcim-stream's position-id inputs. Hugging Face and optimum exports
 * take the new tokens' positions as an input, `position_ids` (integer, (batch, tokens):
 * past length + arange), that only feeds position lookups: the RoPE angles computed from
 * it, cos/sin tables or a learned position embedding gathered by it. In the step function
 * the new token's position is the step counter, so such an input is replaced by the step
 * index and is not an argument of the step function; the full-sequence function keeps it.
 *
 * The name says which input holds positions: structurally `input_ids` also only feeds a
 * table Gather, and the step function must keep the token. An input named so that feeds
 * anything else (a mask built from positions, an output) is kept as it is. */
#include "PassUtils.h"
#include "Stream.h"

#include "gcim/Support/IRHelpers.h"

#include <stdio.h>
#include <string.h>

enum { MAX_DEPTH = 48, MAX_VALUES = 512 };

/* True when `value` is computed from constants and `arg` only (no other argument). */
static bool onlyFrom(MlirValue value, MlirValue arg, int depth) {
  if (mlirValueIsABlockArgument(value))
    return mlirValueEqual(value, arg);
  MlirOperation op = gcimValueDefOp(value);
  if (mlirOperationIsNull(op) || depth > MAX_DEPTH || gcimOpIsA(op, "gcim.step_index"))
    return false;
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    if (!onlyFrom(mlirOperationGetOperand(op, i), arg, depth + 1))
      return false;
  return true;
}

/* Ops that compute positions or their features (angles, cos/sin, reshaped ids). */
static bool isPositionArithmetic(MlirOperation op) {
  static const char *const names[] = {
      "onnx.cast",   "onnx.unsqueeze", "onnx.squeeze", "onnx.reshape",  "onnx.flatten",
      "onnx.expand", "onnx.transpose", "onnx.concat",  "onnx.identity", "onnx.add",
      "onnx.sub",    "onnx.mul",       "onnx.div",     "onnx.neg",      "onnx.cos",
      "onnx.sin",    "onnx.mat_mul"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
    if (gcimOpIsA(op, names[i]))
      return true;
  return false;
}

/* Positions used as a shape or axes (Reshape's, Expand's, Unsqueeze's, Squeeze's second
 * operand) are not a position lookup. */
static bool isShapeOperand(MlirOperation op, MlirOpOperand use) {
  return mlirOpOperandGetOperandNumber(use) > 0 &&
         (gcimOpIsA(op, "onnx.reshape") || gcimOpIsA(op, "onnx.expand") ||
          gcimOpIsA(op, "onnx.unsqueeze") || gcimOpIsA(op, "onnx.squeeze"));
}

/* Where a value computed from position ids may meet the activations: added to the token
 * embeddings (a learned position embedding) or multiplied into q and k (RoPE). */
static bool isPositionSink(MlirOperation op, MlirValue used) {
  MlirType element = mlirShapedTypeGetElementType(mlirValueGetType(used));
  return (gcimOpIsA(op, "onnx.add") || gcimOpIsA(op, "onnx.sub") || gcimOpIsA(op, "onnx.mul")) &&
         mlirTypeIsAFloat(element);
}

/* True when every use of `arg`, and of what is computed from it, is a position lookup:
 * a Gather of a constant table by it, arithmetic on it, and at the end an elementwise
 * combination of a float position feature with other values. */
static bool onlyFeedsPositions(MlirValue arg) {
  MlirValue values[MAX_VALUES];
  int count = 0;
  values[count++] = arg;
  for (int next = 0; next < count; ++next) {
    for (MlirOpOperand use = mlirValueGetFirstUse(values[next]); !mlirOpOperandIsNull(use);
         use = mlirOpOperandGetNextUse(use)) {
      MlirOperation user = mlirOpOperandGetOwner(use);
      bool lookup = gcimOpIsA(user, "onnx.gather") && mlirOpOperandGetOperandNumber(use) == 1;
      if (!lookup && (!isPositionArithmetic(user) || isShapeOperand(user, use)))
        return false;
      bool computed = mlirOperationGetNumResults(user) == 1;
      for (intptr_t i = 0; computed && i < mlirOperationGetNumOperands(user); ++i)
        computed = onlyFrom(mlirOperationGetOperand(user, i), arg, 0);
      if (!computed && (lookup || !isPositionSink(user, values[next])))
        return false;
      if (!computed)
        continue;
      MlirValue result = mlirOperationGetResult(user, 0);
      bool seen = false;
      for (int i = 0; i < count && !seen; ++i)
        seen = mlirValueEqual(values[i], result);
      if (!seen && count == MAX_VALUES)
        return false;
      if (!seen)
        values[count++] = result;
    }
  }
  return true;
}

/* Argument i is the new tokens' positions: an integer (batch, tokens) or (tokens) input
 * named for positions, of the function's token count, that only feeds position lookups. */
static bool isPositionInput(GcimStreamState *s, intptr_t i) {
  MlirValue arg = mlirBlockGetArgument(s->body, i);
  MlirType type = mlirValueGetType(arg);
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(type, dims);
  MlirAttribute name = gcimFuncIoAttr(s->func, false, i, "onnx.name");
  if ((rank != 1 && rank != 2) || dims[rank - 1] != s->tokens || mlirAttributeIsNull(name) ||
      !mlirAttributeIsAString(name))
    return false;
  MlirType element = mlirShapedTypeGetElementType(type);
  MlirStringRef text = mlirStringAttrGetValue(name);
  char copy[128];
  snprintf(copy, sizeof copy, "%.*s", (int)text.length, text.data);
  if (!strstr(copy, "position") || !mlirTypeIsAInteger(element) ||
      (mlirIntegerTypeGetWidth(element) != 64 && mlirIntegerTypeGetWidth(element) != 32))
    return false;
  return onlyFeedsPositions(arg);
}

/* The step index in the shape and type of position input `arg` for one token. */
static MlirValue stepPositions(GcimStreamState *s, MlirValue arg) {
  MlirValue step = gcimStreamStepIndex(s);
  MlirOperation before = mlirOperationGetNextInBlock(gcimValueDefOp(step));
  MlirLocation loc = mlirOperationGetLocation(s->func);
  MlirType type = mlirValueGetType(arg);
  MlirType element = mlirShapedTypeGetElementType(type);
  int64_t dims[GCIM_MAX_RANK], ones[GCIM_MAX_RANK] = {1, 1};
  int rank = gcimTensorShape(type, dims);
  dims[rank - 1] = 1;
  MlirValue value = gcimBuildReshape(before, loc, step, rank, ones);
  if (mlirIntegerTypeGetWidth(element) != 64) {
    MlirType narrow = gcimTensorType(rank, ones, element);
    MlirNamedAttribute to = gcimNamedInt(mlirOperationGetContext(s->func), "to", 6); /* INT32 */
    value = mlirOperationGetResult(
        gcimBuildOp(before, "onnx.cast", loc, 1, &value, 1, &narrow, 1, &to), 0);
  }
  if (rank == 2 && dims[0] != 1) { /* each batch row is at the same position */
    MlirValue operands[2] = {value, gcimBuildI64Constant(before, loc, dims, rank)};
    MlirType batched = gcimTensorType(rank, dims, element);
    value = mlirOperationGetResult(
        gcimBuildOp(before, "onnx.expand", loc, 2, operands, 1, &batched, 0, NULL), 0);
  }
  return value;
}

bool gcimStreamPositionInputs(GcimStreamState *s, bool *dropArg) {
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(s->body); ++i) {
    if (dropArg[i] || !isPositionInput(s, i))
      continue;
    MlirValue arg = mlirBlockGetArgument(s->body, i);
    MlirValue step = stepPositions(s, arg);
    /* A full-sequence graph shrinks what is computed from it along its tokens axis; a
     * KV-cache graph's values are one token already. */
    if (s->tokens > 1 &&
        !gcimAxisSet(&s->axes, step, (int)gcimTensorRank(mlirValueGetType(arg)) - 1))
      return false;
    mlirValueReplaceAllUsesOfWith(arg, step);
    dropArg[i] = true;
  }
  return true;
}
