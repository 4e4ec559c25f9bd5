/* LowerRuntimeNarrowCodes.c: a quantized weight's codes as the importer writes them
 * (LowerRuntime.h), read where they lie: integer codes stay one byte each, 4-bit codes of
 * MatMulNBits two a byte (the model's B, split by Mod and Div 16), in the IR and here, so
 * that compiling a quantized model never holds its weights in float32. */
#include "LowerRuntime.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdlib.h>
#include <string.h>

/* The float32 values of constant `value` when it has the shape of `like`; NULL otherwise. */
static float *zerosLike(MlirValue value, MlirType like) {
  MlirAttribute attr = gcimValueConstantAttr(value);
  MlirType type = mlirValueGetType(value);
  if (mlirAttributeIsNull(attr) || !mlirTypeIsARankedTensor(type) ||
      !mlirTypeIsAF32(mlirShapedTypeGetElementType(type)) || !mlirTypeIsARankedTensor(like) ||
      mlirShapedTypeGetRank(type) != mlirShapedTypeGetRank(like))
    return NULL;
  for (intptr_t d = 0; d < mlirShapedTypeGetRank(type); ++d)
    if (mlirShapedTypeGetDimSize(type, d) != mlirShapedTypeGetDimSize(like, d))
      return NULL;
  int64_t count = mlirElementsAttrGetNumElements(attr);
  float *zeros = malloc((size_t)(count > 0 ? count : 1) * sizeof *zeros);
  if (zeros && mlirAttributeIsADenseElements(attr) && !mlirDenseElementsAttrIsSplat(attr)) {
    memcpy(zeros, mlirDenseElementsAttrGetRawData(attr), (size_t)count * sizeof *zeros);
    return zeros; /* float32 elements, as checked above */
  }
  for (int64_t i = 0; zeros && i < count; ++i) {
    double v;
    if (!gcimElementsGet(attr, i, &v)) {
      free(zeros);
      return NULL;
    }
    zeros[i] = (float)v;
  }
  return zeros;
}

/* The static dimension d of `value`'s ranked tensor type, or -1. */
static int64_t dimOf(MlirValue value, intptr_t d) {
  MlirType type = mlirValueGetType(value);
  return mlirTypeIsARankedTensor(type) && mlirShapedTypeHasStaticShape(type) &&
                 d < mlirShapedTypeGetRank(type)
             ? mlirShapedTypeGetDimSize(type, d)
             : -1;
}

/* True when `op` has two operands, the second a constant of value `value`. */
static bool byConstant(MlirOperation op, double value) {
  double v;
  return mlirOperationGetNumOperands(op) == 2 &&
         gcimValueScalarConstant(mlirOperationGetOperand(op, 1), &v) && v == value;
}

/* The packed bytes P (n, r) of codes written as the importer writes MatMulNBits' 4-bit B
 * (ExpandQuantWeights.c): `a` = Transpose(Reshape(Concat(Mod(R, 16), Div(R, 16), axis 2),
 * (n, 2r))), R = Reshape(P, (n, r, 1)); a null value otherwise. *exclusive becomes false
 * when an op of the split, or P, has another use. */
static MlirValue nibbleBytes(MlirValue a, bool *exclusive) {
  MlirOperation transpose, columns, concat, low, high, bytes;
  int64_t perm[2], axis = -1;
  if (!gcimValueIsOp(a, "onnx.transpose", &transpose) ||
      gcimOpGetI64Array(transpose, "perm", perm, 2) != 2 || perm[0] != 1 || perm[1] != 0 ||
      !gcimValueIsOp(mlirOperationGetOperand(transpose, 0), "onnx.reshape", &columns) ||
      !gcimValueIsOp(mlirOperationGetOperand(columns, 0), "onnx.concat", &concat) ||
      mlirOperationGetNumOperands(concat) != 2 || !gcimOpGetIntAttr(concat, "axis", &axis) ||
      (axis != 2 && axis != -1) ||
      !gcimValueIsOp(mlirOperationGetOperand(concat, 0), "onnx.mod", &low) ||
      !gcimValueIsOp(mlirOperationGetOperand(concat, 1), "onnx.div", &high) ||
      !byConstant(low, 16.0) || !byConstant(high, 16.0) ||
      !mlirValueEqual(mlirOperationGetOperand(low, 0), mlirOperationGetOperand(high, 0)) ||
      !gcimValueIsOp(mlirOperationGetOperand(low, 0), "onnx.reshape", &bytes))
    return (MlirValue){NULL};
  MlirValue r = mlirOperationGetOperand(low, 0), p = mlirOperationGetOperand(bytes, 0);
  MlirValue pairs = mlirOperationGetOperand(columns, 0);
  int64_t n = dimOf(p, 0), half = dimOf(r, 1);
  bool fits = n >= 1 && half >= 1 && dimOf(r, 0) == n && dimOf(r, 2) == 1 && dimOf(pairs, 0) == n &&
              dimOf(pairs, 1) == half && dimOf(pairs, 2) == 2 && dimOf(a, 0) == 2 * half &&
              dimOf(a, 1) == n && gcimTensorNumElements(mlirValueGetType(p)) == n * half;
  *exclusive = *exclusive && gcimValueUseCount(mlirOperationGetOperand(transpose, 0)) == 1 &&
               gcimValueUseCount(pairs) == 1 &&
               gcimValueUseCount(mlirOperationGetResult(low, 0)) == 1 &&
               gcimValueUseCount(mlirOperationGetResult(high, 0)) == 1 &&
               gcimValueUseCount(r) == 2 && gcimValueUseCount(p) == 1;
  return fits ? p : (MlirValue){NULL};
}

/* The bytes of the uint8 constant `attr` (the model's B, (columns, rows / 2)) in place: a
 * dense attribute's, or a resource's from the driver's data source
 * (gcimResourcesSetDataSource); else copied once into *owned through the C API, which
 * reads a resource one element at a time. NULL when elided or out of memory. */
static const uint8_t *nibbleData(MlirAttribute attr, uint8_t **owned) {
  int64_t count = mlirElementsAttrGetNumElements(attr);
  const void *data;
  size_t size;
  *owned = NULL;
  if (mlirAttributeIsADenseElements(attr) && !mlirDenseElementsAttrIsSplat(attr))
    return mlirDenseElementsAttrGetRawData(attr);
  if (!mlirAttributeIsADenseResourceElements(attr) || gcimElementsElided(attr))
    return NULL;
  if (gcimResourceGetData(attr, &data, &size) && size == (size_t)count)
    return data;
  *owned = malloc((size_t)count + 1);
  for (int64_t i = 0; *owned && i < count; ++i)
    (*owned)[i] = mlirDenseUInt8ResourceElementsAttrGetValue(attr, (intptr_t)i);
  return *owned;
}

/* The raw bytes of a resource of `count` elements of `size` bytes from the driver's data
 * source, or NULL. */
static const void *resourceRaw(MlirAttribute attr, int64_t count, size_t size) {
  const void *data;
  size_t bytes;
  return mlirAttributeIsADenseResourceElements(attr) && !gcimElementsElided(attr) &&
                 gcimResourceGetData(attr, &data, &bytes) && bytes == (size_t)count * size
             ? data
             : NULL;
}

bool gcimNarrowCodesOf(MlirValue a, MlirType scaleType, int64_t count, GcimNarrowCodes *c) {
  memset(c, 0, sizeof *c);
  c->exclusive = gcimValueUseCount(a) == 1;
  MlirOperation op;
  MlirValue zeros = {NULL};
  if (gcimValueIsOp(a, "onnx.sub", &op) && mlirOperationGetNumOperands(op) == 2) {
    zeros = mlirOperationGetOperand(op, 1);
    a = mlirOperationGetOperand(op, 0);
    c->exclusive = c->exclusive && gcimValueUseCount(a) == 1;
  }
  bool cast = gcimValueIsOp(a, "onnx.cast", &op);
  if (cast) {
    a = mlirOperationGetOperand(op, 0);
    c->exclusive = c->exclusive && gcimValueUseCount(a) == 1;
  }
  if (!cast && !mlirValueIsNull(zeros))
    return false; /* zero points only of integer codes */
  if (gcimValueIsOp(a, "onnx.reshape", &op)) {
    a = mlirOperationGetOperand(op, 0);
    c->exclusive = c->exclusive && gcimValueUseCount(a) == 1;
  }
  MlirValue packed = cast ? nibbleBytes(a, &c->exclusive) : (MlirValue){NULL};
  if (!mlirValueIsNull(packed)) {
    c->rows = dimOf(a, 0);
    c->columns = dimOf(a, 1);
    a = packed;
  }
  c->attr = gcimValueConstantAttr(a);
  if (mlirAttributeIsNull(c->attr) ||
      mlirElementsAttrGetNumElements(c->attr) * (c->rows ? 2 : 1) != count)
    return false;
  MlirType element = mlirShapedTypeGetElementType(mlirAttributeGetType(c->attr));
  if (cast && (!mlirTypeIsAInteger(element) || mlirIntegerTypeGetWidth(element) != 8 ||
               mlirIntegerTypeIsSigned(element)))
    return false; /* signless i8 (int8) or ui8 (uint8) */
  if (!cast && !mlirTypeIsAF32(element))
    return false;
  if (c->rows && !mlirIntegerTypeIsUnsigned(element))
    return false; /* MatMulNBits' B is uint8 */
  c->constant = a;
  c->bits = c->rows ? 4 : cast ? 8 : 0;
  c->isSigned = cast && !c->rows && !mlirIntegerTypeIsUnsigned(element);
  if (c->bits == 4 && !(c->raw = nibbleData(c->attr, &c->owned)))
    return false;
  if (c->bits != 4 && mlirAttributeIsADenseElements(c->attr) &&
      !mlirDenseElementsAttrIsSplat(c->attr))
    c->raw = mlirDenseElementsAttrGetRawData(c->attr);
  else if (c->bits != 4)
    c->raw = resourceRaw(c->attr, mlirElementsAttrGetNumElements(c->attr), c->bits ? 1 : 4);
  if (!mlirValueIsNull(zeros) && !(c->zeros = zerosLike(zeros, scaleType)))
    return false;
  return !gcimElementsElided(c->attr);
}

float gcimNarrowCodeAt(const GcimNarrowCodes *c, int64_t i) {
  if (c->bits == 4) { /* code (p, j): nibble p % 2 of byte (j, p / 2) */
    int64_t p = i / c->columns, j = i % c->columns;
    unsigned byte = ((const uint8_t *)c->raw)[j * (c->rows / 2) + p / 2];
    return (float)(byte >> (4 * (p % 2)) & 15u);
  }
  if (c->raw && c->bits == 0) {
    float v; /* the raw data need not be aligned for floats */
    memcpy(&v, (const char *)c->raw + i * (int64_t)sizeof v, sizeof v);
    return v;
  }
  if (c->raw)
    return c->isSigned ? (float)((const int8_t *)c->raw)[i] : (float)((const uint8_t *)c->raw)[i];
  double v = 0.0;
  gcimElementsGet(c->attr, i, &v);
  return (float)v;
}

void gcimNarrowCodesFree(GcimNarrowCodes *c) {
  if (c->raw && !c->owned && !mlirAttributeIsNull(c->attr)) /* read: its pages may go */
    gcimResourceRelease(c->attr);
  free(c->zeros);
  free(c->owned);
  c->zeros = NULL;
  c->owned = NULL;
}
