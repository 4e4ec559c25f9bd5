/* IRHelpers.c: small conveniences over the MLIR C API used across gcim. */
#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include "gcim/Runtime/Bf16.h"

#include <assert.h>
#include <math.h>
#include <string.h>

bool gcimStringRefEquals(MlirStringRef ref, const char *text) {
  size_t length = strlen(text);
  return ref.length == length && memcmp(ref.data, text, length) == 0;
}

bool gcimOpIsA(MlirOperation op, const char *name) {
  return gcimStringRefEquals(mlirIdentifierStr(mlirOperationGetName(op)), name);
}

static MlirAttribute getAttr(MlirOperation op, const char *name) {
  return mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString(name));
}

bool gcimOpGetIntAttr(MlirOperation op, const char *name, int64_t *value) {
  MlirAttribute attr = getAttr(op, name);
  if (mlirAttributeIsNull(attr) || !mlirAttributeIsAInteger(attr))
    return false;
  *value = mlirIntegerAttrGetValueInt(attr);
  return true;
}

bool gcimOpGetFloatAttr(MlirOperation op, const char *name, double *value) {
  MlirAttribute attr = getAttr(op, name);
  if (mlirAttributeIsNull(attr) || !mlirAttributeIsAFloat(attr))
    return false;
  *value = mlirFloatAttrGetValueDouble(attr);
  return true;
}

bool gcimOpGetStringAttr(MlirOperation op, const char *name, MlirStringRef *value) {
  MlirAttribute attr = getAttr(op, name);
  if (mlirAttributeIsNull(attr) || !mlirAttributeIsAString(attr))
    return false;
  *value = mlirStringAttrGetValue(attr);
  return true;
}

MlirAttribute gcimFuncIoAttr(MlirOperation func, bool result, intptr_t index, const char *name) {
  MlirAttribute all = getAttr(func, result ? "res_attrs" : "arg_attrs");
  if (mlirAttributeIsNull(all) || !mlirAttributeIsAArray(all) || index < 0 ||
      index >= mlirArrayAttrGetNumElements(all))
    return (MlirAttribute){NULL};
  MlirAttribute dict = mlirArrayAttrGetElement(all, index);
  return mlirAttributeIsADictionary(dict)
             ? mlirDictionaryAttrGetElementByName(dict, mlirStringRefCreateFromCString(name))
             : (MlirAttribute){NULL};
}

int64_t gcimTensorRank(MlirType type) {
  if (!mlirTypeIsARankedTensor(type))
    return -1;
  return mlirShapedTypeGetRank(type);
}

int64_t gcimTensorDim(MlirType type, int64_t dim) {
  assert(dim < gcimTensorRank(type));
  if (mlirShapedTypeIsDynamicDim(type, (intptr_t)dim))
    return -1;
  return mlirShapedTypeGetDimSize(type, (intptr_t)dim);
}

MlirNamedAttribute gcimSegmentSizesAttr(MlirContext ctx, const char *name, const int32_t *sizes,
                                        intptr_t groups) {
  return mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString(name)),
                               mlirDenseI32ArrayGet(ctx, groups, sizes));
}

MlirNamedAttribute gcimVariadicSegmentsAttr(MlirContext ctx, const char *name, intptr_t count) {
  int32_t sizes[GCIM_ONNX_MAX_VARIADIC];
  assert(count >= 0 && count <= GCIM_ONNX_MAX_VARIADIC);
  for (intptr_t i = 0; i < GCIM_ONNX_MAX_VARIADIC; ++i)
    sizes[i] = i < count ? 1 : 0;
  return gcimSegmentSizesAttr(ctx, name, sizes, GCIM_ONNX_MAX_VARIADIC);
}

/* Group `group`'s size and first position among `total` values split by `sizesName`. */
static intptr_t groupOf(MlirOperation op, const char *sizesName, intptr_t total, intptr_t group,
                        intptr_t *position) {
  MlirAttribute sizes = getAttr(op, sizesName);
  if (mlirAttributeIsNull(sizes) || !mlirAttributeIsADenseI32Array(sizes)) {
    *position = group;
    return group >= 0 && group < total ? 1 : 0;
  }
  intptr_t groups = mlirDenseArrayGetNumElements(sizes), start = 0;
  if (group < 0 || group >= groups)
    return 0;
  for (intptr_t i = 0; i < group; ++i)
    start += mlirDenseI32ArrayGetElement(sizes, i);
  intptr_t size = mlirDenseI32ArrayGetElement(sizes, group);
  *position = start;
  return start + size <= total ? size : 0; /* a malformed attribute reads as empty */
}

intptr_t gcimOpOperandGroupSize(MlirOperation op, intptr_t group) {
  intptr_t position;
  return groupOf(op, "operandSegmentSizes", mlirOperationGetNumOperands(op), group, &position);
}

MlirValue gcimOpGroupOperand(MlirOperation op, intptr_t group) {
  intptr_t position;
  if (groupOf(op, "operandSegmentSizes", mlirOperationGetNumOperands(op), group, &position) == 0)
    return (MlirValue){NULL};
  return mlirOperationGetOperand(op, position);
}

intptr_t gcimOpResultGroupSize(MlirOperation op, intptr_t group) {
  intptr_t position;
  return groupOf(op, "resultSegmentSizes", mlirOperationGetNumResults(op), group, &position);
}

MlirValue gcimOpGroupResult(MlirOperation op, intptr_t group) {
  intptr_t position;
  if (groupOf(op, "resultSegmentSizes", mlirOperationGetNumResults(op), group, &position) == 0)
    return (MlirValue){NULL};
  return mlirOperationGetResult(op, position);
}

MlirAttribute gcimValueConstantAttr(MlirValue value) {
  if (!mlirValueIsAOpResult(value) || !gcimOpIsA(mlirOpResultGetOwner(value), "onnx.constant"))
    return (MlirAttribute){NULL};
  MlirAttribute attr = mlirOperationGetAttributeByName(mlirOpResultGetOwner(value),
                                                       mlirStringRefCreateFromCString("value"));
  if (mlirAttributeIsNull(attr) || !mlirAttributeIsAElements(attr))
    return (MlirAttribute){NULL};
  return attr;
}

/* Element `pos` of integer elements of `width` bits, dense or dense resource, exactly.
 * (One statement per case: a conditional expression would convert signed values to the
 * unsigned type of its other branch.) */
static bool integerGet(MlirAttribute attr, bool resource, unsigned width, bool isUnsigned,
                       intptr_t pos, int64_t *out) {
  if (width == 1)
    *out = resource ? mlirDenseBoolResourceElementsAttrGetValue(attr, pos)
                    : mlirDenseElementsAttrGetBoolValue(attr, pos);
  else if (width == 8 && isUnsigned)
    *out = resource ? mlirDenseUInt8ResourceElementsAttrGetValue(attr, pos)
                    : mlirDenseElementsAttrGetUInt8Value(attr, pos);
  else if (width == 8)
    *out = resource ? mlirDenseInt8ResourceElementsAttrGetValue(attr, pos)
                    : mlirDenseElementsAttrGetInt8Value(attr, pos);
  else if (width == 16 && isUnsigned)
    *out = resource ? mlirDenseUInt16ResourceElementsAttrGetValue(attr, pos)
                    : mlirDenseElementsAttrGetUInt16Value(attr, pos);
  else if (width == 16)
    *out = resource ? mlirDenseInt16ResourceElementsAttrGetValue(attr, pos)
                    : mlirDenseElementsAttrGetInt16Value(attr, pos);
  else if (width == 32 && isUnsigned)
    *out = resource ? mlirDenseUInt32ResourceElementsAttrGetValue(attr, pos)
                    : mlirDenseElementsAttrGetUInt32Value(attr, pos);
  else if (width == 32)
    *out = resource ? mlirDenseInt32ResourceElementsAttrGetValue(attr, pos)
                    : mlirDenseElementsAttrGetInt32Value(attr, pos);
  else if (width == 64 && isUnsigned) {
    uint64_t value = resource ? mlirDenseUInt64ResourceElementsAttrGetValue(attr, pos)
                              : mlirDenseElementsAttrGetUInt64Value(attr, pos);
    *out = (int64_t)value;
    return value <= INT64_MAX;
  } else if (width == 64)
    *out = resource ? mlirDenseInt64ResourceElementsAttrGetValue(attr, pos)
                    : mlirDenseElementsAttrGetInt64Value(attr, pos);
  else
    return false;
  return true;
}

void gcimPrintedTextAppend(MlirStringRef part, void *userData) {
  GcimPrintedText *printed = userData;
  size_t room = sizeof printed->text - 1 - printed->length;
  size_t take = part.length < room ? part.length : room;
  memcpy(printed->text + printed->length, part.data, take);
  printed->length += take;
  printed->text[printed->length] = '\0';
}

bool gcimElementsElided(MlirAttribute attr) {
  if (!mlirAttributeIsADenseResourceElements(attr))
    return false;
  /* Elements are read one at a time: remember the last resource asked about (with its
   * type, as a context destroyed and made again could reuse the address). */
  static _Thread_local const void *lastAttr, *lastType;
  static _Thread_local bool lastElided;
  const void *type = mlirAttributeGetType(attr).ptr;
  if (attr.ptr != lastAttr || type != lastType) {
    GcimPrintedText prefix = {.length = 0}; /* enough for `dense_resource<KEY>` */
    mlirAttributePrint(attr, gcimPrintedTextAppend, &prefix);
    lastAttr = attr.ptr;
    lastType = type;
    static const char use[] = "dense_resource<";
    const char *key = prefix.text + sizeof use - 1, *end = strchr(key, '>');
    lastElided = strncmp(prefix.text, use, sizeof use - 1) == 0 && end &&
                 gcimResourceIsMissing(key, (size_t)(end - key));
  }
  return lastElided;
}

/* The storage position of flat element `flat` (a splat stores one) and whether `attr` is
 * a dense resource; false for other attributes, a resource whose data was elided, or a
 * position out of range. */
static bool elementPosition(MlirAttribute attr, int64_t flat, intptr_t *pos, bool *resource) {
  if (flat < 0 || flat >= mlirElementsAttrGetNumElements(attr))
    return false;
  *resource = mlirAttributeIsADenseResourceElements(attr);
  if (!*resource && !mlirAttributeIsADenseElements(attr))
    return false;
  if (*resource && gcimElementsElided(attr))
    return false;
  *pos = !*resource && mlirDenseElementsAttrIsSplat(attr) ? 0 : (intptr_t)flat;
  return true;
}

bool gcimElementsGetInt64(MlirAttribute attr, int64_t flat, int64_t *out) {
  MlirType element = mlirShapedTypeGetElementType(mlirAttributeGetType(attr));
  intptr_t pos;
  bool resource;
  return mlirTypeIsAInteger(element) && elementPosition(attr, flat, &pos, &resource) &&
         integerGet(attr, resource, mlirIntegerTypeGetWidth(element),
                    mlirIntegerTypeIsUnsigned(element), pos, out);
}

/* IEEE binary16 bits as a float (exactly). */
float gcimHalfBitsToFloat(uint16_t h) {
  int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  float magnitude = exponent == 0    ? ldexpf((float)mantissa, -24)
                    : exponent == 31 ? (mantissa ? NAN : INFINITY)
                                     : ldexpf((float)(mantissa + 1024), exponent - 25);
  return (h & 0x8000) ? -magnitude : magnitude;
}

bool gcimElementsGet(MlirAttribute attr, int64_t flat, double *out) {
  MlirType element = mlirShapedTypeGetElementType(mlirAttributeGetType(attr));
  intptr_t pos;
  bool resource;
  if (!elementPosition(attr, flat, &pos, &resource))
    return false;
  if (mlirTypeIsAInteger(element)) {
    int64_t value;
    if (!gcimElementsGetInt64(attr, flat, &value))
      return false;
    *out = (double)value;
    return true;
  }
  if (mlirTypeIsAF32(element)) {
    *out = resource ? mlirDenseFloatResourceElementsAttrGetValue(attr, pos)
                    : mlirDenseElementsAttrGetFloatValue(attr, pos);
    return true;
  }
  if (mlirTypeIsAF64(element)) {
    *out = resource ? mlirDenseDoubleResourceElementsAttrGetValue(attr, pos)
                    : mlirDenseElementsAttrGetDoubleValue(attr, pos);
    return true;
  }
  /* float16 models' constants (scales, mask fills); the C API has no 16-bit float getter,
   * so the bits are read from the raw data (weights in resources are not read here). */
  if (!resource && (mlirTypeIsAF16(element) || mlirTypeIsABF16(element))) {
    uint16_t bits;
    memcpy(&bits, (const char *)mlirDenseElementsAttrGetRawData(attr) + 2 * pos, sizeof bits);
    *out = (double)(mlirTypeIsAF16(element) ? gcimHalfBitsToFloat(bits) : gcimBf16ToFloat(bits));
    return true;
  }
  return false;
}

bool gcimValueScalarConstant(MlirValue value, double *out) {
  MlirAttribute attr = gcimValueConstantAttr(value);
  if (mlirAttributeIsNull(attr))
    return false;
  int64_t count = mlirElementsAttrGetNumElements(attr);
  bool splat = mlirAttributeIsADenseElements(attr) && mlirDenseElementsAttrIsSplat(attr);
  if (count != 1 && !splat)
    return false;
  return gcimElementsGet(attr, 0, out);
}

int gcimValueI64Constant(MlirValue value, int64_t *out, int max) {
  MlirAttribute attr = gcimValueConstantAttr(value);
  if (mlirAttributeIsNull(attr))
    return -1;
  int64_t count = mlirElementsAttrGetNumElements(attr);
  if (count > max)
    return -1;
  for (int64_t i = 0; i < count; ++i)
    if (!gcimElementsGetInt64(attr, i, &out[i]))
      return -1;
  return (int)count;
}
