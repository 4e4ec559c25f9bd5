/* StreamPositions.c: gcim-stream's position-computed constants. An exporter that knows
 * the sequence length folds positions times frequencies (RoPE's angles) into a constant of
 * T rows, row t = t * row 1; gathering it at the step index would stop the step function
 * at T tokens. Such a constant, and unary ops of it (Cos, Sin, Neg), is instead computed
 * from the step index: float(step) * row 1, as exactly as the export (one float32
 * product), for any position. */
#include "PassUtils.h"
#include "Stream.h"

#include "gcim/Support/IRHelpers.h"

#include <stdlib.h>
#include <string.h>

static bool isUnaryOfPosition(MlirOperation op) {
  return gcimOpIsA(op, "onnx.cos") || gcimOpIsA(op, "onnx.sin") || gcimOpIsA(op, "onnx.neg") ||
         gcimOpIsA(op, "onnx.identity");
}

/* Row 1 along `axis` of the float32 constant `value` when every row t is t * row 1 in
 * float32 (row 0 zeros), as a new malloc'd array of *count floats; else NULL. */
static float *linearRow(MlirValue value, int axis, int64_t *count) {
  MlirAttribute attr = gcimValueConstantAttr(value);
  MlirType type = mlirValueGetType(value);
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimTensorShape(type, dims);
  if (mlirAttributeIsNull(attr) || rank <= 0 || axis >= rank || dims[axis] < 3 ||
      !mlirTypeIsAF32(mlirShapedTypeGetElementType(type)))
    return NULL;
  int64_t inner = 1, outer = 1;
  for (int d = axis + 1; d < rank; ++d)
    inner *= dims[d];
  for (int d = 0; d < axis; ++d)
    outer *= dims[d];
  float *row = malloc((size_t)(outer * inner) * sizeof *row + 1);
  bool linear = row != NULL, nonZero = false;
  for (int64_t o = 0; linear && o < outer; ++o)
    for (int64_t i = 0; linear && i < inner; ++i) {
      double first;
      int64_t base = o * dims[axis] * inner + i;
      linear = gcimElementsGet(attr, base + inner, &first);
      row[o * inner + i] = (float)first;
      nonZero = nonZero || first != 0.0;
      for (int64_t t = 0; linear && t < dims[axis]; ++t) {
        double got;
        linear =
            gcimElementsGet(attr, base + t * inner, &got) && (float)got == (float)t * (float)first;
      }
    }
  if (!linear || !nonZero) {
    free(row);
    return NULL;
  }
  *count = outer * inner;
  return row;
}

MlirValue gcimStreamPositionRow(MlirOperation before, MlirValue value, int axis,
                                MlirValue stepIndex) {
  MlirOperation chain[8];
  int length = 0;
  MlirOperation def = gcimValueDefOp(value);
  while (!mlirOperationIsNull(def) && isUnaryOfPosition(def) && length < 8) {
    chain[length++] = def;
    value = mlirOperationGetOperand(def, 0);
    def = gcimValueDefOp(value);
  }
  int64_t count = 0;
  float *row = linearRow(value, axis, &count);
  if (!row)
    return (MlirValue){NULL};
  MlirContext ctx = mlirOperationGetContext(before);
  MlirLocation loc = mlirOperationGetLocation(before);
  int64_t dims[GCIM_MAX_RANK], one = 1;
  int rank = gcimTensorShape(mlirValueGetType(value), dims);
  dims[axis] = 1;
  MlirType f32 = mlirF32TypeGet(ctx), rowType = gcimTensorType(rank, dims, f32);
  MlirNamedAttribute rowValue =
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("value")),
                            mlirDenseElementsAttrFloatGet(rowType, count, row));
  free(row);
  MlirValue rowConst = mlirOperationGetResult(
      gcimBuildOp(before, "onnx.constant", loc, 0, NULL, 1, &rowType, 1, &rowValue), 0);
  MlirType positionType = gcimTensorType(1, &one, f32);
  MlirNamedAttribute to = gcimNamedInt(ctx, "to", 1); /* ONNX FLOAT */
  MlirValue position = mlirOperationGetResult(
      gcimBuildOp(before, "onnx.cast", loc, 1, &stepIndex, 1, &positionType, 1, &to), 0);
  MlirValue operands[2] = {position, rowConst};
  MlirValue result = mlirOperationGetResult(
      gcimBuildOp(before, "onnx.mul", loc, 2, operands, 1, &rowType, 0, NULL), 0);
  for (int i = length - 1; i >= 0; --i) { /* the unary ops again, on the one row */
    MlirOperation copy = mlirOperationClone(chain[i]);
    mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(before), before, copy);
    mlirOperationSetOperand(copy, 0, result);
    result = mlirOperationGetResult(copy, 0);
    mlirValueSetType(result, rowType);
  }
  return result;
}
