/* WidenFloat.c: gcim-widen-float, a float16 or bfloat16 model computed in float32.
 *
 * Users bring half-precision models (onnxconverter-common's float16 conversion, torch
 * `.half()` exports, bfloat16 checkpoints); the generated C, its kernels and the gain cells
 * compute in float32. In every func.func this pass makes each float16 and bfloat16 tensor
 * float32: constants are widened (exactly: every half value is a float32), a Cast to a half
 * type becomes one to float32 and a Cast between equal types folds away (so values are not
 * rounded to half precision between ops: results differ from a half-precision runtime's by
 * that rounding), and the function keeps the interface it declares: a half argument is cast
 * to float32 on entry and a half result back before the return. A widened function gets
 * `gcim.widened` ("float16", "bfloat16" or "float16, bfloat16") for the driver's note.
 *
 * Assumes onnx ops (it runs before gcim-fuse-attention). Checks everything before it
 * changes anything, and fails with a diagnostic at the op on what it cannot widen: a half
 * attribute other than the `value` of onnx.constant or onnx.constant_of_shape, a half
 * constant whose data is not in the IR, a half value used or made by an op outside the
 * onnx dialect (a call, say). */
#include "PassUtils.h"

#include "gcim/Runtime/Bf16.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Transforms/Passes.h"

#include <stdlib.h>
#include <string.h>

/* ONNX TensorProto data types. */
enum { ONNX_FLOAT = 1, ONNX_FLOAT16 = 10, ONNX_BFLOAT16 = 16 };
enum { WIDENED_F16 = 1, WIDENED_BF16 = 2 };

static bool isHalf(MlirType element) { return mlirTypeIsAF16(element) || mlirTypeIsABF16(element); }

/* The half element type of a shaped `type`, or a null type. */
static MlirType halfElement(MlirType type) {
  if (!mlirTypeIsAShaped(type) || !isHalf(mlirShapedTypeGetElementType(type)))
    return (MlirType){NULL};
  return mlirShapedTypeGetElementType(type);
}

static unsigned widenedBit(MlirType element) {
  return mlirTypeIsAF16(element) ? WIDENED_F16 : WIDENED_BF16;
}

/* `type` (a tensor of a half type) with float32 elements. */
static MlirType widenedType(MlirType type) {
  MlirType f32 = mlirF32TypeGet(mlirTypeGetContext(type));
  if (!mlirTypeIsARankedTensor(type))
    return mlirUnrankedTensorTypeGet(f32);
  intptr_t rank = mlirShapedTypeGetRank(type);
  int64_t dims[GCIM_MAX_RANK];
  for (intptr_t d = 0; d < rank; ++d)
    dims[d] = mlirShapedTypeGetDimSize(type, d);
  return mlirRankedTensorTypeGet(rank, dims, f32, mlirRankedTensorTypeGetEncoding(type));
}

/* The raw bits of half elements `attr` (a splat's one element): a dense attribute's, or a
 * resource's from the driver's data source (the model's mapping); NULL otherwise. */
static const char *halfData(MlirAttribute attr, int64_t count) {
  const void *data;
  size_t size;
  if (mlirAttributeIsADenseElements(attr))
    return mlirDenseElementsAttrGetRawData(attr);
  return gcimResourceGetData(attr, &data, &size) && size == (size_t)count * 2 ? data : NULL;
}

/* Bits of element `i` of half elements `attr`, from their raw data `raw` or else through
 * the C API, which reads 16-bit resource elements only as integers: the resource getter
 * for uint16 reads the same blob bytes whatever the element type (MLIR checks the type
 * only in builds with asserts; Debian's has none, and the sanitized build links the same
 * library). */
static uint16_t halfBits(MlirAttribute attr, const char *raw, bool splat, int64_t i) {
  if (!raw)
    return mlirDenseUInt16ResourceElementsAttrGetValue(attr, (intptr_t)i);
  uint16_t bits;
  memcpy(&bits, raw + (splat ? 0 : 2 * i), sizeof bits);
  return bits;
}

/* Half elements `attr` as float32 elements; a null attribute when out of memory. */
static MlirAttribute widenElements(MlirAttribute attr) {
  MlirType type = mlirAttributeGetType(attr);
  bool f16 = mlirTypeIsAF16(mlirShapedTypeGetElementType(type));
  int64_t count = mlirElementsAttrGetNumElements(attr);
  const char *raw = halfData(attr, count);
  bool splat = mlirAttributeIsADenseElements(attr) && mlirDenseElementsAttrIsSplat(attr);
  float *values = malloc((size_t)(count > 0 ? count : 1) * sizeof *values);
  if (!values)
    return (MlirAttribute){NULL};
  for (int64_t i = 0; i < count; ++i) {
    uint16_t bits = halfBits(attr, raw, splat, i);
    values[i] = f16 ? gcimHalfBitsToFloat(bits) : gcimBf16ToFloat(bits);
  }
  MlirAttribute wide = mlirDenseElementsAttrFloatGet(widenedType(type), count, values);
  free(values);
  gcimResourceRelease(attr); /* read once: the model's pages may go */
  return wide;
}

static bool hasWidenableValue(MlirOperation op) {
  return gcimOpIsA(op, "onnx.constant") || gcimOpIsA(op, "onnx.constant_of_shape");
}

static bool isOnnx(MlirOperation op) {
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  return name.length > 5 && strncmp(name.data, "onnx.", 5) == 0;
}

static bool touchesHalf(MlirOperation op) {
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    if (!mlirTypeIsNull(halfElement(mlirValueGetType(mlirOperationGetOperand(op, i)))))
      return true;
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i)
    if (!mlirTypeIsNull(halfElement(mlirValueGetType(mlirOperationGetResult(op, i)))))
      return true;
  return false;
}

/* Whether the half values `op` makes (its results; a function's arguments) have at most
 * GCIM_MAX_RANK dims, the generated C's limit; emits the reason when not. */
static bool checkRanks(MlirOperation op) {
  bool func = gcimOpIsA(op, "func.func");
  MlirBlock entry = func ? mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0)) : (MlirBlock){0};
  intptr_t count = func ? (mlirBlockIsNull(entry) ? 0 : mlirBlockGetNumArguments(entry))
                        : mlirOperationGetNumResults(op);
  for (intptr_t i = 0; i < count; ++i) {
    MlirType type =
        mlirValueGetType(func ? mlirBlockGetArgument(entry, i) : mlirOperationGetResult(op, i));
    if (!mlirTypeIsNull(halfElement(type)) && mlirTypeIsARankedTensor(type) &&
        mlirShapedTypeGetRank(type) > GCIM_MAX_RANK) {
      gcimEmitError(mlirOperationGetLocation(op),
                    "a rank-%lld float16 or bfloat16 tensor cannot be widened (at most %d dims)",
                    (long long)mlirShapedTypeGetRank(type), GCIM_MAX_RANK);
      return false;
    }
  }
  return true;
}

/* Whether `op` can be widened; emits the reason when it cannot. */
static bool checkOp(MlirOperation op) {
  MlirLocation loc = mlirOperationGetLocation(op);
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  if (!checkRanks(op))
    return false;
  if (!isOnnx(op) && !gcimOpIsA(op, "func.return") && touchesHalf(op)) {
    gcimEmitError(loc,
                  "'%.*s' on float16 or bfloat16 values cannot be widened to float32 (only "
                  "onnx ops can)",
                  (int)name.length, name.data);
    return false;
  }
  for (intptr_t i = 0; i < mlirOperationGetNumAttributes(op); ++i) {
    MlirNamedAttribute named = mlirOperationGetAttribute(op, i);
    MlirType element = mlirAttributeGetType(named.attribute);
    element = mlirTypeIsAShaped(element) ? mlirShapedTypeGetElementType(element) : element;
    if (!isHalf(element))
      continue;
    MlirStringRef attrName = mlirIdentifierStr(named.name);
    bool value = gcimStringRefEquals(attrName, "value") && hasWidenableValue(op) &&
                 mlirAttributeIsAElements(named.attribute);
    if (!value) {
      gcimEmitError(loc, "attribute '%.*s' of '%.*s' is %s, which cannot be widened to float32",
                    (int)attrName.length, attrName.data, (int)name.length, name.data,
                    mlirTypeIsAF16(element) ? "float16" : "bfloat16");
      return false;
    }
    bool dense = mlirAttributeIsADenseElements(named.attribute);
    if (!dense && (!mlirAttributeIsADenseResourceElements(named.attribute) ||
                   gcimElementsElided(named.attribute))) {
      gcimEmitError(loc,
                    "a %s constant without its data in the IR cannot be widened to float32 "
                    "(print the stage with --print-constants)",
                    mlirTypeIsAF16(element) ? "float16" : "bfloat16");
      return false;
    }
  }
  return true;
}

static MlirWalkResult checkWalk(MlirOperation op, void *userData) {
  if (!checkOp(op))
    *(bool *)userData = false;
  return MlirWalkResultAdvance;
}

/* The function's half arguments cast to float32 at its entry. */
static void widenArguments(MlirOperation func, unsigned *widened) {
  MlirBlock entry = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  MlirOperation first = mlirBlockGetFirstOperation(entry);
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(entry); ++i) {
    MlirValue arg = mlirBlockGetArgument(entry, i);
    MlirType type = mlirValueGetType(arg), half = halfElement(type);
    if (mlirTypeIsNull(half))
      continue;
    *widened |= widenedBit(half);
    MlirContext ctx = mlirTypeGetContext(type);
    MlirNamedAttribute to = gcimNamedInt(ctx, "to", ONNX_FLOAT);
    MlirType wide = widenedType(type);
    MlirOperation cast =
        gcimBuildOp(first, "onnx.cast", mlirOperationGetLocation(func), 1, &arg, 1, &wide, 1, &to);
    mlirValueReplaceAllUsesExcept(arg, mlirOperationGetResult(cast, 0), 1, &cast);
  }
}

/* A Cast whose operand now has its result's type is no Cast: its uses take the operand. */
static void foldCast(MlirOperation cast) {
  MlirValue x = mlirOperationGetOperand(cast, 0), y = mlirOperationGetResult(cast, 0);
  if (!mlirTypeEqual(mlirValueGetType(x), mlirValueGetType(y)))
    return;
  mlirValueReplaceAllUsesOfWith(y, x);
  mlirOperationDestroy(cast);
}

/* One op of the body: its half results, its half `value`, its Cast to a half type. */
static bool widenOp(MlirOperation op, unsigned *widened) {
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i) {
    MlirValue result = mlirOperationGetResult(op, i);
    MlirType half = halfElement(mlirValueGetType(result));
    if (mlirTypeIsNull(half))
      continue;
    *widened |= widenedBit(half);
    mlirValueSetType(result, widenedType(mlirValueGetType(result)));
  }
  MlirAttribute value =
      mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("value"));
  if (hasWidenableValue(op) && !mlirAttributeIsNull(value) && mlirAttributeIsAElements(value) &&
      !mlirTypeIsNull(halfElement(mlirAttributeGetType(value)))) {
    MlirAttribute wide = widenElements(value);
    if (mlirAttributeIsNull(wide)) {
      gcimEmitError(mlirOperationGetLocation(op), "out of memory");
      return false;
    }
    mlirOperationSetAttributeByName(op, mlirStringRefCreateFromCString("value"), wide);
  }
  int64_t to;
  if (gcimOpIsA(op, "onnx.cast") && gcimOpGetIntAttr(op, "to", &to)) {
    if (to == ONNX_FLOAT16 || to == ONNX_BFLOAT16)
      gcimOpSetInt(op, "to", ONNX_FLOAT);
    foldCast(op);
  }
  return true;
}

/* Half results of the function cast back from float32 before its return. */
static void narrowResults(MlirOperation func, MlirOperation ret) {
  MlirAttribute typeAttr =
      mlirOperationGetAttributeByName(func, mlirStringRefCreateFromCString("function_type"));
  MlirType funcType = mlirTypeAttrGetValue(typeAttr);
  MlirContext ctx = mlirOperationGetContext(func);
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(ret); ++i) {
    MlirType declared = mlirFunctionTypeGetResult(funcType, i), half = halfElement(declared);
    MlirValue x = mlirOperationGetOperand(ret, i);
    if (mlirTypeIsNull(half) || mlirTypeEqual(mlirValueGetType(x), declared))
      continue;
    MlirNamedAttribute to =
        gcimNamedInt(ctx, "to", mlirTypeIsAF16(half) ? ONNX_FLOAT16 : ONNX_BFLOAT16);
    MlirOperation cast =
        gcimBuildOp(ret, "onnx.cast", mlirOperationGetLocation(ret), 1, &x, 1, &declared, 1, &to);
    mlirOperationSetOperand(ret, i, mlirOperationGetResult(cast, 0));
  }
}

static const char *const widenedNames[] = {NULL, "float16", "bfloat16", "float16, bfloat16"};

static bool isFunc(MlirOperation op) { return gcimOpIsA(op, "func.func"); }
static bool isNotFunc(MlirOperation op) { return !isFunc(op); }

/* Whether any op of a function has a half operand, result or attribute. */
static MlirWalkResult findHalf(MlirOperation op, void *userData) {
  bool half = touchesHalf(op);
  for (intptr_t i = 0; !half && i < mlirOperationGetNumAttributes(op); ++i) {
    MlirType type = mlirAttributeGetType(mlirOperationGetAttribute(op, i).attribute);
    half = !mlirTypeIsNull(halfElement(type)) || isHalf(type);
  }
  *(bool *)userData |= half;
  return half ? MlirWalkResultInterrupt : MlirWalkResultAdvance;
}

/* Widens a function that holds half values (a float32 one is left as it is). */
static bool widenFunc(MlirOperation func) {
  bool half = false;
  MlirBlock entry = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  for (intptr_t i = 0; !mlirBlockIsNull(entry) && i < mlirBlockGetNumArguments(entry); ++i)
    half |= !mlirTypeIsNull(halfElement(mlirValueGetType(mlirBlockGetArgument(entry, i))));
  mlirOperationWalk(func, findHalf, &half, MlirWalkPreOrder);
  if (!half)
    return true;
  unsigned widened = 0;
  widenArguments(func, &widened);
  MlirOperation *ops = NULL;
  size_t count = 0;
  bool ok = gcimCollectOps(func, MlirWalkPreOrder, isNotFunc, &ops, &count);
  /* Pre-order: an op's operands are widened before it, as a fold needs. */
  for (size_t i = 0; ok && i < count; ++i)
    if (gcimOpIsA(ops[i], "func.return"))
      narrowResults(func, ops[i]);
    else
      ok = widenOp(ops[i], &widened);
  free(ops);
  if (ok && widened)
    gcimOpSetString(func, "gcim.widened", widenedNames[widened]);
  return ok;
}

static MlirLogicalResult runWidenFloat(MlirOperation module, const GcimPassOptions *options) {
  (void)options;
  bool ok = true;
  mlirOperationWalk(module, checkWalk, &ok, MlirWalkPreOrder);
  MlirOperation *funcs = NULL;
  size_t count = 0;
  ok = ok && gcimCollectOps(module, MlirWalkPreOrder, isFunc, &funcs, &count);
  for (size_t i = 0; ok && i < count; ++i)
    ok = widenFunc(funcs[i]);
  free(funcs);
  return ok ? mlirLogicalResultSuccess() : mlirLogicalResultFailure();
}

const GcimPassInfo gcimWidenFloatPassInfo = {
    "gcim-widen-float",
    "Compute a float16 or bfloat16 model in float32, keeping its declared interface types", NULL, 0,
    runWidenFloat};
