/* LowerRuntimeNarrowCodes.c: a quantized weight's codes as the importer writes them
 * (LowerRuntime.h), read where they lie: integer codes stay one byte each, in the IR and
 * here, so that compiling a quantized model never holds its weights in float32. */
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
  c->attr = gcimValueConstantAttr(a);
  if (mlirAttributeIsNull(c->attr) || mlirElementsAttrGetNumElements(c->attr) != count)
    return false;
  MlirType element = mlirShapedTypeGetElementType(mlirAttributeGetType(c->attr));
  if (cast && (!mlirTypeIsAInteger(element) || mlirIntegerTypeGetWidth(element) != 8 ||
               mlirIntegerTypeIsSigned(element)))
    return false; /* signless i8 (int8) or ui8 (uint8) */
  if (!cast && !mlirTypeIsAF32(element))
    return false;
  c->constant = a;
  c->bits = cast ? 8 : 0;
  c->isSigned = cast && !mlirIntegerTypeIsUnsigned(element);
  if (mlirAttributeIsADenseElements(c->attr) && !mlirDenseElementsAttrIsSplat(c->attr))
    c->raw = mlirDenseElementsAttrGetRawData(c->attr);
  if (!mlirValueIsNull(zeros) && !(c->zeros = zerosLike(zeros, scaleType)))
    return false;
  return !gcimElementsElided(c->attr);
}

float gcimNarrowCodeAt(const GcimNarrowCodes *c, int64_t i) {
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
  free(c->zeros);
  c->zeros = NULL;
}
