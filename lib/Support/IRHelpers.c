/* IRHelpers.c: small conveniences over the MLIR C API used across gcim. */
#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <assert.h>
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

MlirNamedAttribute gcimSegmentSizesAttr(MlirContext ctx, const char *name,
                                        const int32_t *sizes, intptr_t groups) {
  return mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString(name)),
                               mlirDenseI32ArrayGet(ctx, groups, sizes));
}

MlirNamedAttribute gcimVariadicSegmentsAttr(MlirContext ctx, const char *name,
                                            intptr_t count) {
  int32_t sizes[GCIM_ONNX_MAX_VARIADIC];
  assert(count >= 0 && count <= GCIM_ONNX_MAX_VARIADIC);
  for (intptr_t i = 0; i < GCIM_ONNX_MAX_VARIADIC; ++i)
    sizes[i] = i < count ? 1 : 0;
  return gcimSegmentSizesAttr(ctx, name, sizes, GCIM_ONNX_MAX_VARIADIC);
}

/* Group `group`'s size and first position among `total` values split by `sizesName`. */
static intptr_t groupOf(MlirOperation op, const char *sizesName, intptr_t total,
                        intptr_t group, intptr_t *position) {
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
  return groupOf(op, "operandSegmentSizes", mlirOperationGetNumOperands(op), group,
                 &position);
}

MlirValue gcimOpGroupOperand(MlirOperation op, intptr_t group) {
  intptr_t position;
  if (groupOf(op, "operandSegmentSizes", mlirOperationGetNumOperands(op), group,
              &position) == 0)
    return (MlirValue){NULL};
  return mlirOperationGetOperand(op, position);
}

intptr_t gcimOpResultGroupSize(MlirOperation op, intptr_t group) {
  intptr_t position;
  return groupOf(op, "resultSegmentSizes", mlirOperationGetNumResults(op), group, &position);
}

MlirValue gcimOpGroupResult(MlirOperation op, intptr_t group) {
  intptr_t position;
  if (groupOf(op, "resultSegmentSizes", mlirOperationGetNumResults(op), group,
              &position) == 0)
    return (MlirValue){NULL};
  return mlirOperationGetResult(op, position);
}
