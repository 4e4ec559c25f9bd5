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
