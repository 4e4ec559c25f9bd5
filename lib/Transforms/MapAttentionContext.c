/* MapAttentionContext.c: the model's context, which gcim-map-attention fits windows to.
 *
 * A step function (gcim-stream) indexes its position tables with the step counter
 * (gcim.step_index, possibly reshaped or cast), so it can run no further than the shortest
 * table it gathers from at that index (GPT-2's learned positions: n_positions). A full-sequence
 * function that has a step function shares its K/V state with it, so it gets the step function's
 * context; one without holds exactly its tokens. Anything else (a step function gathering nothing
 * at the step, a KV cache, dynamic shapes) is unknown: 0. */
#include "MapAttentionContext.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include <stdbool.h>
#include <stddef.h>

static MlirOperation parentFunction(MlirOperation op) {
  MlirOperation func = mlirOperationGetParentOperation(op);
  while (!mlirOperationIsNull(func) && !gcimOpIsA(func, "func.func"))
    func = mlirOperationGetParentOperation(func);
  return func;
}

/* True when `value` is the step index, reshaped or cast (GPT-2's position ids). */
static bool isStepIndex(MlirValue value) {
  static const char *const reshapes[] = {"onnx.reshape", "onnx.unsqueeze", "onnx.squeeze",
                                         "onnx.cast",    "onnx.expand",    "onnx.identity"};
  for (;;) {
    if (!mlirValueIsAOpResult(value))
      return false;
    MlirOperation op = mlirOpResultGetOwner(value);
    if (gcimOpIsA(op, "gcim.step_index"))
      return true;
    bool reshape = false;
    for (size_t i = 0; i < sizeof reshapes / sizeof reshapes[0]; ++i)
      reshape = reshape || gcimOpIsA(op, reshapes[i]);
    if (!reshape || mlirOperationGetNumOperands(op) < 1)
      return false;
    value = mlirOperationGetOperand(op, 0);
  }
}

/* The shortest axis a gather at the step index reads from in `func`; 0 when none does. */
static int64_t stepFunctionContext(MlirOperation func) {
  int64_t context = 0;
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  for (MlirOperation op = mlirBlockIsNull(body) ? (MlirOperation){NULL}
                                                : mlirBlockGetFirstOperation(body);
       !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    if (!gcimOpIsA(op, "onnx.gather") || mlirOperationGetNumOperands(op) != 2 ||
        !isStepIndex(mlirOperationGetOperand(op, 1)))
      continue;
    int64_t dims[GCIM_MAX_RANK], axis = 0;
    int rank = gcimTensorShape(mlirValueGetType(mlirOperationGetOperand(op, 0)), dims);
    gcimOpGetIntAttr(op, "axis", &axis);
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank || dims[axis] <= 0)
      return 0;
    context = context == 0 || dims[axis] < context ? dims[axis] : context;
  }
  return context;
}

/* The function of `module` named `name`, or null. */
static MlirOperation findFunction(MlirOperation module, MlirStringRef name) {
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(module, 0));
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    MlirStringRef symbol;
    if (gcimOpIsA(op, "func.func") && gcimOpGetStringAttr(op, "sym_name", &symbol) &&
        mlirStringRefEqual(symbol, name))
      return op;
  }
  return (MlirOperation){NULL};
}

int64_t gcimAttentionContext(MlirOperation attention) {
  MlirOperation func = parentFunction(attention);
  if (mlirOperationIsNull(func))
    return 0;
  if (gcimOpIsA(attention, "gcim.attention_step"))
    return stepFunctionContext(func);
  MlirStringRef step;
  if (gcimOpGetStringAttr(func, "gcim.step_function", &step)) {
    MlirOperation module = mlirOperationGetParentOperation(func);
    MlirOperation stepFunction = mlirOperationIsNull(module) ? module : findFunction(module, step);
    return mlirOperationIsNull(stepFunction) ? 0 : stepFunctionContext(stepFunction);
  }
  int64_t q = gcimSafeDim(mlirValueGetType(mlirOperationGetOperand(attention, 0)), 2);
  int64_t k = gcimSafeDim(mlirValueGetType(mlirOperationGetOperand(attention, 1)), 2);
  return q == k && k > 0 ? k : 0;
}
