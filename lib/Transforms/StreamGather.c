/* StreamGather.c: gcim-stream's rules for the ops that index positions. Gather and Slice
 * that take the last token (`x[:, -1]`, `x[:, -1:]`) become the step function's only token;
 * position ids (a constant arange along the axis, or in KV-cache graphs a constant or a
 * Range equal to the cached length P) become the step counter. They are apart from the
 * per-op rules of StreamAxis.c, which dispatches to them, because they are the rules that
 * read index values rather than shapes: the last position, the cache position, the arange of
 * position ids; they share with StreamAxis.c only the helpers declared in Stream.h. */
#include "PassUtils.h"
#include "Stream.h"

#include "gcim/Support/IRHelpers.h"

/* True when `index` (a one-element constant) is the last position, -1 or T-1. */
static bool isLastPosition(MlirValue index, int64_t tokens) {
  double value;
  return gcimTensorNumElements(mlirValueGetType(index)) == 1 &&
         gcimValueScalarConstant(index, &value) &&
         ((int64_t)value == -1 || (int64_t)value == tokens - 1);
}

/* Slice that keeps the sequence axis whole or does not touch it, or takes the last token
 * (`x[:, -1:]`), which in the step function is the token itself. */
bool gcimStreamSlice(GcimStreamState *s, MlirOperation op, int axis) {
  MlirValue out = mlirOperationGetResult(op, 0);
  int64_t length = gcimSafeDim(mlirValueGetType(out), axis);
  if (length == s->tokens) {
    gcimStreamShrink(s, out, axis); /* ends are clamped: [0, T) of one token still takes it */
    return true;
  }
  int64_t axes[1] = {0}, steps[1] = {1};
  /* Operand groups data, starts, ends, axes?, steps? (steps may come without axes). */
  MlirValue axesOperand = gcimOpGroupOperand(op, 3), stepsOperand = gcimOpGroupOperand(op, 4);
  bool oneAxis = gcimTensorNumElements(mlirValueGetType(mlirOperationGetOperand(op, 1))) == 1;
  if (!mlirValueIsNull(axesOperand) && gcimValueI64Constant(axesOperand, axes, 1) != 1)
    oneAxis = false;
  if (!mlirValueIsNull(stepsOperand) && gcimValueI64Constant(stepsOperand, steps, 1) != 1)
    oneAxis = false;
  int rank = (int)gcimTensorRank(mlirValueGetType(out));
  if (length != 1 || !oneAxis || gcimStreamNormAxis(axes[0], rank) != axis || steps[0] != 1 ||
      !isLastPosition(mlirOperationGetOperand(op, 1), s->tokens))
    return gcimStreamFail(s, op, "slices the sequence axis (other than taking the last token)");
  mlirValueReplaceAllUsesOfWith(out, mlirOperationGetOperand(op, 0));
  return true;
}

/* KV-cache graphs: a one-element constant index equal to the cached length P is the new
 * token's position id. */
static bool isCachePosition(MlirValue indices, int64_t pastLength) {
  double value;
  return pastLength > 0 && gcimTensorNumElements(mlirValueGetType(indices)) == 1 &&
         gcimValueScalarConstant(indices, &value) && (int64_t)value == pastLength;
}

/* KV-cache graphs: Range(P, P + 1) of int64, the new token's position (the importer
 * keeps it an op). */
bool gcimStreamIsCacheRange(MlirOperation op, int64_t pastLength) {
  MlirType type = mlirValueGetType(mlirOperationGetResult(op, 0));
  MlirType element = mlirShapedTypeGetElementType(type);
  double start;
  return pastLength > 0 && gcimTensorNumElements(type) == 1 && gcimTensorRank(type) == 1 &&
         mlirTypeIsAInteger(element) && mlirIntegerTypeGetWidth(element) == 64 &&
         gcimValueScalarConstant(mlirOperationGetOperand(op, 0), &start) &&
         (int64_t)start == pastLength;
}

/* Position ids: a constant that counts 0..T-1 along `dim` and repeats along the rest. */
static int positionDim(MlirValue indices, int64_t tokens) {
  int64_t dims[GCIM_MAX_RANK], idx[GCIM_MAX_RANK];
  int rank = gcimTensorShape(mlirValueGetType(indices), dims);
  MlirAttribute attr = gcimValueConstantAttr(indices);
  if (rank < 1 || mlirAttributeIsNull(attr) || tokens <= 1)
    return -1;
  for (int d = 0; d < rank; ++d) {
    if (dims[d] != tokens)
      continue;
    bool counts = true;
    int64_t total = gcimTensorNumElements(mlirValueGetType(indices));
    for (int64_t flat = 0; counts && flat < total; ++flat) {
      int64_t rest = flat;
      for (int k = rank - 1; k >= 0; --k) {
        idx[k] = rest % dims[k];
        rest /= dims[k];
      }
      double value;
      counts = gcimElementsGet(attr, flat, &value) && (int64_t)value == idx[d];
    }
    if (counts)
      return d;
  }
  return -1;
}

bool gcimStreamGather(GcimStreamState *s, MlirOperation op) {
  MlirValue data = mlirOperationGetOperand(op, 0), indices = mlirOperationGetOperand(op, 1);
  int64_t attr = 0;
  int dataRank = (int)gcimTensorRank(mlirValueGetType(data));
  gcimOpGetIntAttr(op, "axis", &attr);
  int axis = gcimStreamNormAxis(attr, dataRank);
  int dataAxis = gcimAxisGet(&s->axes, data), indexAxis = gcimAxisGet(&s->axes, indices);
  if (dataAxis >= 0 && dataAxis != axis && indexAxis < 0) {
    int rank = (int)gcimTensorRank(mlirValueGetType(mlirOperationGetResult(op, 0)));
    int indexRank = (int)gcimTensorRank(mlirValueGetType(indices));
    gcimStreamShrink(s, mlirOperationGetResult(op, 0),
                     dataAxis < axis ? dataAxis : dataAxis + indexRank - 1);
    (void)rank;
    return true;
  }
  if (dataAxis >= 0 && indexAxis < 0 && isLastPosition(indices, s->tokens) &&
      gcimTensorRank(mlirValueGetType(indices)) == 0) {
    /* x[:, -1]: the step function's only token, without the axis. */
    MlirValue out = mlirOperationGetResult(op, 0);
    int64_t dims[GCIM_MAX_RANK];
    int rank = gcimTensorShape(mlirValueGetType(out), dims);
    mlirValueReplaceAllUsesOfWith(
        out, gcimBuildReshape(op, mlirOperationGetLocation(op), data, rank, dims));
    return true;
  }
  if (dataAxis >= 0)
    return gcimStreamFail(s, op, "gathers along the sequence axis (other than the last token)");
  if (indexAxis < 0) {
    int d = positionDim(indices, s->tokens);
    if (d < 0 && isCachePosition(indices, s->pastLength))
      d = (int)gcimTensorRank(mlirValueGetType(indices)) - 1;
    if (d < 0)
      return true; /* constant-derived; consumers gather what they need */
    int64_t dims[GCIM_MAX_RANK];
    int rank = gcimTensorShape(mlirValueGetType(indices), dims);
    dims[d] = 1;
    MlirValue step =
        gcimBuildReshape(op, mlirOperationGetLocation(op), gcimStreamStepIndex(s), rank, dims);
    mlirOperationSetOperand(op, 1, step);
    indexAxis = d;
  }
  gcimStreamShrink(s, mlirOperationGetResult(op, 0), axis + indexAxis);
  return true;
}
