/* LowerRuntime.c: gcim-lower-runtime, the runtime-call level: one kernel call per op, on
 * explicit buffers.
 *
 * First (option fuse=1, the default) the op groups that one kernel computes in a single
 * call are rewritten into one op each (LowerRuntimeFuse.c: MatMul of a constant weight
 * plus its bias Add into gcim.linear, GELU chains into onnx.gelu), and products on
 * quantized weights, or with option weights=int8|bf16 every gcim.linear, into
 * gcim.linear_narrow on int8 or bfloat16 weights (LowerRuntimeNarrow.c). Then every op the C
 * emitter turns into a kernel call gets its results placed in one arena of bytes per
 * function: attribute `gcim.arena_offsets` (one byte offset per result, 64-byte aligned)
 * on the op and `gcim.arena_bytes` (the arena's size) on the function. Values are placed
 * first fit and their space is reused after their last use. onnx.constant results are
 * weights, not arena values, and get no offset.
 *
 * The values between an attention layer's tile-level ops stay in the chip
 * (gcim/Support/TileLayer.h): they get no offset, and the layer's inputs live until the op
 * that ends the layer, where the chip reads them.
 *
 * Assumes: functions with one block of ops on ranked tensors of static shape (the importer's
 * and gcim-stream's form), element types of at most 8 bytes (i1 takes one byte).
 * A shape-only op (Reshape, Flatten, Squeeze, Unsqueeze, Identity) whose operand dies at it
 * is a view: its result gets the operand's offset, and the emitter copies nothing.
 * Guarantees: two values alive at the same time never overlap, and no result overlaps an
 * operand of its own op except such a view (the kernels need not support aliasing); a
 * dynamic or unsized tensor is an error at its op. Running the pass again recomputes the same plan.
 */
#include "LowerRuntime.h"

#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Support/TileLayer.h"
#include "gcim/Transforms/Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { ALIGNMENT = 64 };

/* A value of the function with its size and the index of the op that uses it last. */
typedef struct Planned {
  MlirValue value;
  int64_t bytes, offset, lastUse;
} Planned;

typedef struct Block {
  int64_t offset, size;
} Block;

typedef struct Plan {
  Planned *values;
  size_t count, capacity;
  Block *free; /* free blocks of the arena, first fit */
  size_t freeCount, freeCapacity;
  int64_t arenaBytes;
} Plan;

static int64_t alignUp(int64_t n) { return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT; }

/* Bytes of a ranked tensor of static shape, or -1. */
static int64_t tensorBytes(MlirType type) {
  if (!mlirTypeIsARankedTensor(type) || !mlirShapedTypeHasStaticShape(type))
    return -1;
  MlirType elem = mlirShapedTypeGetElementType(type);
  int64_t width = mlirTypeIsAInteger(elem) ? (int64_t)mlirIntegerTypeGetWidth(elem)
                  : mlirTypeIsAFloat(elem) ? (int64_t)mlirFloatTypeGetWidth(elem)
                                           : -1;
  if (width <= 0 || width > 64)
    return -1;
  int64_t bytes = width == 1 ? 1 : width / 8;
  for (intptr_t d = 0; d < mlirShapedTypeGetRank(type); ++d)
    bytes *= mlirShapedTypeGetDimSize(type, d);
  return bytes;
}

static Planned *findValue(Plan *plan, MlirValue value) {
  for (size_t i = plan->count; i-- > 0;) /* recent values are looked up most */
    if (mlirValueEqual(plan->values[i].value, value))
      return &plan->values[i];
  return NULL;
}

static bool addValue(Plan *plan, MlirValue value, int64_t bytes) {
  if (plan->count == plan->capacity) {
    size_t capacity = plan->capacity ? 2 * plan->capacity : 256;
    Planned *grown = realloc(plan->values, capacity * sizeof *grown);
    if (!grown)
      return false;
    plan->values = grown;
    plan->capacity = capacity;
  }
  plan->values[plan->count++] = (Planned){value, bytes, -1, -1};
  return true;
}

static int64_t allocate(Plan *plan, int64_t bytes) {
  bytes = alignUp(bytes ? bytes : 1);
  for (size_t i = 0; i < plan->freeCount; ++i) {
    if (plan->free[i].size < bytes)
      continue;
    int64_t offset = plan->free[i].offset;
    plan->free[i].offset += bytes;
    plan->free[i].size -= bytes;
    return offset;
  }
  int64_t offset = plan->arenaBytes;
  plan->arenaBytes += bytes;
  return offset;
}

static bool release(Plan *plan, int64_t offset, int64_t bytes) {
  bytes = alignUp(bytes ? bytes : 1);
  for (size_t i = 0; i < plan->freeCount; ++i) { /* merge with a neighbouring block */
    Block *block = &plan->free[i];
    if (block->offset + block->size == offset || offset + bytes == block->offset) {
      block->offset = block->offset < offset ? block->offset : offset;
      block->size += bytes;
      return true;
    }
  }
  if (plan->freeCount == plan->freeCapacity) {
    size_t capacity = plan->freeCapacity ? 2 * plan->freeCapacity : 64;
    Block *grown = realloc(plan->free, capacity * sizeof *grown);
    if (!grown)
      return false;
    plan->free = grown;
    plan->freeCapacity = capacity;
  }
  plan->free[plan->freeCount++] = (Block){offset, bytes};
  return true;
}

static bool isWeight(MlirOperation op) { return gcimOpIsA(op, "onnx.constant"); }

/* The inputs (q, k, v) of the attention layer whose tile ops `op` ends: the chip reads them
 * there, so they live until then. Returns their count (0 when `op` ends no layer). */
static int layerInputs(MlirOperation op, MlirValue inputs[3]) {
  GcimTileLayer layer;
  if (!gcimTileOpEndsLayer(op) || gcimTileLayerMatch(op, &layer) != NULL)
    return 0;
  inputs[0] = layer.q;
  inputs[1] = layer.k;
  inputs[2] = layer.v;
  return 3;
}

/* Records every arena value with its size and last use; false after a diagnostic. */
static bool collect(Plan *plan, MlirBlock body) {
  int64_t index = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op), ++index) {
    if (gcimTileOpStaysInChip(op)) /* its values are the chip's; its inputs, its layer's */
      continue;
    bool isReturn = gcimOpIsA(op, "func.return");
    MlirValue inputs[3];
    int inputCount = layerInputs(op, inputs);
    for (intptr_t i = 0; i < mlirOperationGetNumOperands(op) + inputCount; ++i) {
      MlirValue value = i < mlirOperationGetNumOperands(op)
                            ? mlirOperationGetOperand(op, i)
                            : inputs[i - mlirOperationGetNumOperands(op)];
      Planned *used = findValue(plan, value);
      if (used)
        used->lastUse = isReturn ? INT64_MAX : index;
    }
    if (isWeight(op))
      continue;
    for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i) {
      MlirValue result = mlirOperationGetResult(op, i);
      int64_t bytes = tensorBytes(mlirValueGetType(result));
      if (bytes < 0) {
        gcimEmitError(mlirOperationGetLocation(op),
                      "runtime buffers need tensors of static shape with elements of at "
                      "most 64 bits (bind dynamic dimensions with --input-shape)");
        return false;
      }
      if (!addValue(plan, result, bytes)) {
        gcimEmitError(mlirOperationGetLocation(op), "out of memory");
        return false;
      }
    }
  }
  return true;
}

/* The operand of a shape-only op (the C emitter copies the bytes unchanged) that dies at
 * it and has the result's size: the result then lives in the operand's bytes and needs no
 * copy. NULL otherwise (an input or a weight, an operand still used later). */
static Planned *viewSource(Plan *plan, MlirOperation op, int64_t index) {
  static const char *const views[] = {"onnx.reshape", "onnx.flatten", "onnx.squeeze",
                                      "onnx.unsqueeze", "onnx.identity"};
  bool isView = false;
  for (size_t i = 0; i < sizeof views / sizeof views[0]; ++i)
    isView = isView || gcimOpIsA(op, views[i]);
  if (!isView || mlirOperationGetNumResults(op) != 1 || mlirOperationGetNumOperands(op) < 1)
    return NULL;
  Planned *source = findValue(plan, mlirOperationGetOperand(op, 0));
  Planned *view = findValue(plan, mlirOperationGetResult(op, 0));
  return source && source->lastUse == index && source->bytes == view->bytes ? source : NULL;
}

/* Places the results of each op, frees what its op used last, and records the offsets. */
static bool place(Plan *plan, MlirBlock body, MlirContext ctx) {
  int64_t index = 0;
  int64_t offsets[64];
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op), ++index) {
    intptr_t results = mlirOperationGetNumResults(op);
    if (isWeight(op) || gcimOpIsA(op, "func.return") || results == 0 || gcimTileOpStaysInChip(op))
      continue;
    if (results > 64) {
      gcimEmitError(mlirOperationGetLocation(op), "an op with more than 64 results");
      return false;
    }
    Planned *source = viewSource(plan, op, index);
    for (intptr_t i = 0; i < results; ++i) {
      Planned *value = findValue(plan, mlirOperationGetResult(op, i));
      if (source) { /* the view takes the operand's block, released after the view */
        value->offset = source->offset;
        source->lastUse = -2;
      } else {
        value->offset = allocate(plan, value->bytes);
      }
      offsets[i] = value->offset;
    }
    mlirOperationSetAttributeByName(op, mlirStringRefCreateFromCString("gcim.arena_offsets"),
                                    mlirDenseI64ArrayGet(ctx, results, offsets));
    MlirValue inputs[3];
    intptr_t operands = mlirOperationGetNumOperands(op), inputCount = layerInputs(op, inputs);
    for (intptr_t i = 0; i < operands + results + inputCount; ++i) {
      MlirValue value = i < operands             ? mlirOperationGetOperand(op, i)
                        : i < operands + results ? mlirOperationGetResult(op, i - operands)
                                                 : inputs[i - operands - results];
      Planned *planned = findValue(plan, value);
      bool dead = planned && (planned->lastUse == index || planned->lastUse == -1);
      if (dead) {
        planned->lastUse = -2; /* released once, even when used twice by this op */
        if (!release(plan, planned->offset, planned->bytes)) {
          gcimEmitError(mlirOperationGetLocation(op), "out of memory");
          return false;
        }
      }
    }
  }
  return true;
}

static MlirLogicalResult lowerFunction(MlirOperation func, bool fuse, const char *weights) {
  MlirContext ctx = mlirOperationGetContext(func);
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  Plan plan = {0};
  bool ok = (!fuse || (gcimLowerRuntimeFuse(func) && gcimLowerRuntimeNarrow(func, weights))) &&
            collect(&plan, body) && place(&plan, body, ctx);
  if (ok)
    mlirOperationSetAttributeByName(
        func, mlirStringRefCreateFromCString("gcim.arena_bytes"),
        mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), plan.arenaBytes));
  free(plan.values);
  free(plan.free);
  return ok ? mlirLogicalResultSuccess() : mlirLogicalResultFailure();
}

static MlirLogicalResult runLowerRuntime(MlirOperation module, const GcimPassOptions *options);

static const char *const weightFormats[] = {"f32", "int8", "bf16", NULL};

static const GcimPassOptionInfo lowerRuntimeOptions[] = {
    {"fuse", GCIM_PASS_OPTION_BOOL, "true",
     "false: only place buffers, without rewriting MatMul+bias and GELU chains", NULL},
    {"weights", GCIM_PASS_OPTION_ENUM, "f32",
     "with fuse, the weights of products on constant weights: f32 (as they are), int8 (one "
     "symmetric scale per column) or bf16",
     weightFormats},
};

const GcimPassInfo gcimLowerRuntimePassInfo = {
    "gcim-lower-runtime",
    "Rewrite op groups one kernel computes into one op, place every result in its "
    "function's arena (gcim.arena_offsets)",
    lowerRuntimeOptions, sizeof lowerRuntimeOptions / sizeof lowerRuntimeOptions[0],
    runLowerRuntime};

static MlirLogicalResult runLowerRuntime(MlirOperation module, const GcimPassOptions *options) {
  bool fuse = gcimPassOptionsGetBool(options, &gcimLowerRuntimePassInfo, "fuse");
  const char *weights = gcimPassOptionsGet(options, &gcimLowerRuntimePassInfo, "weights");
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(module, 0));
  bool ok = true;
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op))
    if (gcimOpIsA(op, "func.func") && mlirOperationGetNumRegions(op) == 1 &&
        !mlirBlockIsNull(mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0))))
      ok &= mlirLogicalResultIsSuccess(lowerFunction(op, fuse, weights));
  return ok ? mlirLogicalResultSuccess() : mlirLogicalResultFailure();
}
