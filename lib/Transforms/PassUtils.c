/* PassUtils.c: helpers shared by gcim's passes (see PassUtils.h). */
#include "PassUtils.h"

#include "gcim/Support/Diagnostics.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MlirStringRef str(const char *text) { return mlirStringRefCreateFromCString(text); }

MlirOperation gcimValueDefOp(MlirValue value) {
  if (!mlirValueIsAOpResult(value))
    return (MlirOperation){NULL};
  return mlirOpResultGetOwner(value);
}

bool gcimValueIsOp(MlirValue value, const char *name, MlirOperation *op) {
  MlirOperation def = gcimValueDefOp(value);
  if (mlirOperationIsNull(def))
    return false;
  MlirStringRef opName = mlirIdentifierStr(mlirOperationGetName(def));
  if (opName.length != strlen(name) || memcmp(opName.data, name, opName.length) != 0)
    return false;
  if (op)
    *op = def;
  return true;
}

int gcimValueUseCount(MlirValue value) {
  int count = 0;
  for (MlirOpOperand use = mlirValueGetFirstUse(value); !mlirOpOperandIsNull(use);
       use = mlirOpOperandGetNextUse(use))
    ++count;
  return count;
}

MlirOperation gcimValueSingleUser(MlirValue value) {
  if (gcimValueUseCount(value) != 1)
    return (MlirOperation){NULL};
  return mlirOpOperandGetOwner(mlirValueGetFirstUse(value));
}

int gcimTensorShape(MlirType type, int64_t dims[GCIM_MAX_RANK]) {
  if (!mlirTypeIsARankedTensor(type))
    return -1;
  intptr_t rank = mlirShapedTypeGetRank(type);
  if (rank > GCIM_MAX_RANK)
    return -1;
  for (intptr_t i = 0; i < rank; ++i)
    dims[i] = mlirShapedTypeIsDynamicDim(type, i) ? -1 : mlirShapedTypeGetDimSize(type, i);
  return (int)rank;
}

int64_t gcimSafeDim(MlirType type, int dim) {
  if (!mlirTypeIsARankedTensor(type) || dim < 0 || dim >= mlirShapedTypeGetRank(type) ||
      mlirShapedTypeIsDynamicDim(type, dim))
    return -1;
  return mlirShapedTypeGetDimSize(type, dim);
}

int64_t gcimTensorNumElements(MlirType type) {
  if (!mlirTypeIsARankedTensor(type) || !mlirShapedTypeHasStaticShape(type))
    return -1;
  int64_t count = 1;
  for (intptr_t i = 0; i < mlirShapedTypeGetRank(type); ++i)
    count *= mlirShapedTypeGetDimSize(type, i);
  return count;
}

int gcimOpGetI64Array(MlirOperation op, const char *name, int64_t *out, int max) {
  MlirAttribute attr = mlirOperationGetAttributeByName(op, str(name));
  if (mlirAttributeIsNull(attr) || !mlirAttributeIsADenseI64Array(attr))
    return -1;
  intptr_t count = mlirDenseArrayGetNumElements(attr);
  if (count > max)
    return -1;
  for (intptr_t i = 0; i < count; ++i)
    out[i] = mlirDenseI64ArrayGetElement(attr, i);
  return (int)count;
}

MlirNamedAttribute gcimNamedInt(MlirContext ctx, const char *name, int64_t value) {
  MlirAttribute attr = mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), value);
  return mlirNamedAttributeGet(mlirIdentifierGet(ctx, str(name)), attr);
}

MlirNamedAttribute gcimNamedF32(MlirContext ctx, const char *name, double value) {
  MlirAttribute attr = mlirFloatAttrDoubleGet(ctx, mlirF32TypeGet(ctx), value);
  return mlirNamedAttributeGet(mlirIdentifierGet(ctx, str(name)), attr);
}

MlirNamedAttribute gcimNamedString(MlirContext ctx, const char *name, const char *value) {
  return mlirNamedAttributeGet(mlirIdentifierGet(ctx, str(name)),
                               mlirStringAttrGet(ctx, str(value)));
}

MlirNamedAttribute gcimNamedI64Array(MlirContext ctx, const char *name, const int64_t *v,
                                     intptr_t n) {
  return mlirNamedAttributeGet(mlirIdentifierGet(ctx, str(name)), mlirDenseI64ArrayGet(ctx, n, v));
}

static void setNamed(MlirOperation op, MlirNamedAttribute named) {
  mlirOperationSetAttributeByName(op, mlirIdentifierStr(named.name), named.attribute);
}

void gcimOpSetInt(MlirOperation op, const char *name, int64_t value) {
  setNamed(op, gcimNamedInt(mlirOperationGetContext(op), name, value));
}

void gcimOpSetF32(MlirOperation op, const char *name, double value) {
  setNamed(op, gcimNamedF32(mlirOperationGetContext(op), name, value));
}

void gcimOpSetString(MlirOperation op, const char *name, const char *value) {
  setNamed(op, gcimNamedString(mlirOperationGetContext(op), name, value));
}

MlirType gcimTensorType(int rank, const int64_t *dims, MlirType element) {
  int64_t shape[GCIM_MAX_RANK];
  assert(rank <= GCIM_MAX_RANK);
  for (int i = 0; i < rank; ++i)
    shape[i] = dims[i] < 0 ? mlirShapedTypeGetDynamicSize() : dims[i];
  return mlirRankedTensorTypeGet(rank, shape, element, mlirAttributeGetNull());
}

MlirOperation gcimBuildOp(MlirOperation before, const char *name, MlirLocation loc,
                          intptr_t nOperands, const MlirValue *operands, intptr_t nResults,
                          const MlirType *results, intptr_t nAttrs,
                          const MlirNamedAttribute *attrs) {
  MlirOperationState state = mlirOperationStateGet(str(name), loc);
  mlirOperationStateAddOperands(&state, nOperands, operands);
  mlirOperationStateAddResults(&state, nResults, results);
  mlirOperationStateAddAttributes(&state, nAttrs, attrs);
  MlirOperation op = mlirOperationCreate(&state);
  assert(!mlirOperationIsNull(op));
  mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(before), before, op);
  return op;
}

MlirValue gcimBuildI64Constant(MlirOperation before, MlirLocation loc, const int64_t *values,
                               int count) {
  MlirContext ctx = mlirLocationGetContext(loc);
  int64_t dims[1] = {count};
  MlirType type = gcimTensorType(1, dims, mlirIntegerTypeGet(ctx, 64));
  MlirNamedAttribute value = mlirNamedAttributeGet(
      mlirIdentifierGet(ctx, str("value")), mlirDenseElementsAttrInt64Get(type, count, values));
  MlirOperation op = gcimBuildOp(before, "onnx.constant", loc, 0, NULL, 1, &type, 1, &value);
  return mlirOperationGetResult(op, 0);
}

MlirValue gcimBuildTranspose(MlirOperation before, MlirLocation loc, MlirValue x,
                             const int64_t *perm) {
  MlirType type = mlirValueGetType(x);
  int64_t dims[GCIM_MAX_RANK], out[GCIM_MAX_RANK];
  int rank = gcimTensorShape(type, dims);
  assert(rank > 0);
  bool identity = true;
  for (int i = 0; i < rank; ++i) {
    out[i] = dims[perm[i]];
    identity = identity && perm[i] == i;
  }
  if (identity)
    return x;
  MlirType result = gcimTensorType(rank, out, mlirShapedTypeGetElementType(type));
  MlirNamedAttribute attr = gcimNamedI64Array(mlirLocationGetContext(loc), "perm", perm, rank);
  MlirOperation op = gcimBuildOp(before, "onnx.transpose", loc, 1, &x, 1, &result, 1, &attr);
  return mlirOperationGetResult(op, 0);
}

MlirValue gcimBuildReshape(MlirOperation before, MlirLocation loc, MlirValue x, int rank,
                           const int64_t *dims) {
  MlirValue operands[2] = {x, gcimBuildI64Constant(before, loc, dims, rank)};
  MlirType element = mlirShapedTypeGetElementType(mlirValueGetType(x));
  MlirType result = gcimTensorType(rank, dims, element);
  MlirNamedAttribute attr = gcimNamedInt(mlirLocationGetContext(loc), "allowzero", 0);
  MlirOperation op = gcimBuildOp(before, "onnx.reshape", loc, 2, operands, 1, &result, 1, &attr);
  return mlirOperationGetResult(op, 0);
}

static bool isDead(MlirOperation op) {
  if (mlirOperationGetNumRegions(op) > 0)
    return false;
  if (mlirOperationGetNumResults(op) == 0)
    return false;
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i)
    if (gcimValueUseCount(mlirOperationGetResult(op, i)) > 0)
      return false;
  return true;
}

void gcimEraseDeadOps(MlirOperation op) {
  /* A worklist: an op is destroyed only when popped and dead, and an op still in the list
   * is never destroyed through another path (it is used by the op that pushed it). */
  enum { CAPACITY = 256 };
  MlirOperation work[CAPACITY];
  int count = 0;
  if (!mlirOperationIsNull(op))
    work[count++] = op;
  while (count > 0) {
    MlirOperation current = work[--count];
    if (!isDead(current))
      continue;
    for (intptr_t i = 0; i < mlirOperationGetNumOperands(current); ++i) {
      MlirOperation def = gcimValueDefOp(mlirOperationGetOperand(current, i));
      bool listed = mlirOperationIsNull(def) || mlirOperationEqual(def, current);
      for (int j = 0; j < count && !listed; ++j)
        listed = mlirOperationEqual(work[j], def);
      if (!listed && count < CAPACITY)
        work[count++] = def;
    }
    mlirOperationDestroy(current);
  }
}

void gcimLocationName(MlirLocation loc, char *buf, size_t size) {
  buf[0] = '\0';
  if (!mlirLocationIsAName(loc))
    return;
  MlirStringRef name = mlirIdentifierStr(mlirLocationNameGetName(loc));
  snprintf(buf, size, "%.*s", (int)name.length, name.data);
}

typedef struct Collected {
  bool (*select)(MlirOperation op);
  MlirOperation *ops;
  size_t count, capacity;
  bool oom;
} Collected;

static MlirWalkResult collectSelected(MlirOperation op, void *userData) {
  Collected *list = userData;
  if (!list->select(op))
    return MlirWalkResultAdvance;
  if (list->count == list->capacity) {
    size_t capacity = list->capacity ? 2 * list->capacity : 16;
    MlirOperation *grown = realloc(list->ops, capacity * sizeof *grown);
    if (!grown) {
      list->oom = true;
      return MlirWalkResultInterrupt;
    }
    list->ops = grown;
    list->capacity = capacity;
  }
  list->ops[list->count++] = op;
  return MlirWalkResultAdvance;
}

bool gcimCollectOps(MlirOperation root, MlirWalkOrder order, bool (*select)(MlirOperation op),
                    MlirOperation **ops, size_t *count) {
  Collected list = {select, NULL, 0, 0, false};
  mlirOperationWalk(root, collectSelected, &list, order);
  if (list.oom) {
    free(list.ops);
    gcimEmitError(mlirOperationGetLocation(root), "out of memory");
    return false;
  }
  *ops = list.ops;
  *count = list.count;
  return true;
}
