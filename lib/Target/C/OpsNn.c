/* OpsNn.c: C for matrix products, normalisation, softmax and reductions. */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"

static bool requireF32(EmitState *state, MlirOperation op, ValueInfo *info) {
  return info->elem == ELEM_F32 || emitUnsupported(state, op, "only float32 is supported");
}

bool emitAllUsesPackable(EmitState *state, MlirValue value) {
  MlirOpOperand use = mlirValueGetFirstUse(value);
  if (mlirOpOperandIsNull(use))
    return false;
  for (; !mlirOpOperandIsNull(use); use = mlirOpOperandGetNextUse(use)) {
    MlirOperation user = mlirOpOperandGetOwner(use);
    if (!gcimOpIsA(user, "onnx.mat_mul") || mlirOpOperandGetOperandNumber(use) != 1 ||
        mlirOperationGetNumOperands(user) != 2)
      return false;
    ValueInfo *a = emitLookup(state, mlirOperationGetOperand(user, 0));
    if (!a || a->elem != ELEM_F32 || mlirValueEqual(a->value, value))
      return false;
  }
  return true;
}

/* The constant bias of an onnx.add that is the only use of `y` (rows x n) and broadcasts
 * along y's last axis only, or NULL. Stores its onnx.constant now when it comes later. */
static ValueInfo *foldableBias(EmitState *state, ValueInfo *y, ValueInfo **sum) {
  MlirOpOperand use = mlirValueGetFirstUse(y->value);
  if (mlirOpOperandIsNull(use) || !mlirOpOperandIsNull(mlirOpOperandGetNextUse(use)))
    return NULL;
  MlirOperation add = mlirOpOperandGetOwner(use);
  if (!gcimOpIsA(add, "onnx.add") || mlirOperationGetNumOperands(add) != 2 ||
      mlirOperationGetNumResults(add) != 1)
    return NULL;
  unsigned other = 1 - mlirOpOperandGetOperandNumber(use);
  ValueInfo *bias = emitLookup(state, mlirOperationGetOperand(add, other));
  ValueInfo *result = emitLookup(state, mlirOperationGetResult(add, 0));
  int64_t n = y->dims[y->rank - 1];
  if (!bias || !result || bias->storage != STORAGE_WEIGHT || bias->packed ||
      bias->elem != ELEM_F32 || bias->count != n || bias->rank < 1 ||
      bias->dims[bias->rank - 1] != n || bias->rank > y->rank ||
      result->elem != ELEM_F32 || result->rank != y->rank)
    return NULL;
  for (int d = 0; d < y->rank; ++d)
    if (result->dims[d] != y->dims[d])
      return NULL;
  if (!bias->stored && !emitConstant(state, mlirOpResultGetOwner(bias->value)))
    return NULL;
  *sum = result;
  return bias;
}

/* y = a . B (+ bias) with B packed at compile time; a following Add of a constant bias
 * is folded into the product (its result shares y's slot). */
static bool emitPackedMatMul(EmitState *state, ValueInfo *a, ValueInfo *b, ValueInfo *y) {
  int64_t k = b->dims[0], n = b->dims[1];
  ValueInfo *sum = NULL, *bias = foldableBias(state, y, &sum);
  if (bias) {
    emitRef(state, bias);
    sum->alias = y;
    y->freed = true; /* the slot is the sum's now, freed after the sum's last use */
  }
  fprintf(state->body, "  gcimKernelMatMulPackedF32(%s, %s, %s, %s, %lld, %lld, %lld);\n",
          a->name, b->name, bias ? bias->name : "NULL", y->name, (long long)(a->count / k),
          (long long)n, (long long)k);
  return true;
}

bool emitMatMul(EmitState *state, MlirOperation op) {
  ValueInfo *a = emitOperand(state, op, 0), *b = emitOperand(state, op, 1);
  ValueInfo *y = emitResult(state, op, 0);
  if (!requireF32(state, op, a) || !requireF32(state, op, b))
    return false;
  if (b->packed)
    return emitPackedMatMul(state, a, b, y);
  ValueInfo *tensors[] = {a, b, y};
  emitKernelCall(state, "gcimKernelMatMulF32", NULL, tensors, 3, NULL);
  return true;
}

bool emitGemm(EmitState *state, MlirOperation op) {
  ValueInfo *a = emitOperand(state, op, 0), *b = emitOperand(state, op, 1);
  ValueInfo *c = emitGroupOperand(state, op, 2, 0);
  ValueInfo *y = emitResult(state, op, 0);
  if (!requireF32(state, op, a) || a->rank != 2 || b->rank != 2)
    return emitUnsupported(state, op, "operands must be float32 matrices");
  int64_t transA, transB;
  double alpha, beta;
  emitAttrInt(op, "transA", 0, &transA);
  emitAttrInt(op, "transB", 0, &transB);
  emitAttrFloat(op, "alpha", 1.0, &alpha);
  emitAttrFloat(op, "beta", 1.0, &beta);
  int64_t k = transA ? a->dims[0] : a->dims[1];
  char dims[32];
  fprintf(state->body, "  gcimKernelGemmF32(%s, %s, %s, %s, %d, %s, %lld, %lld, %lld, %d, %d, ",
          a->name, b->name, c ? c->name : "NULL", c ? emitDims(state, c, dims) : "NULL",
          c ? c->rank : 0, y->name, (long long)y->dims[0], (long long)y->dims[1],
          (long long)k, transA ? 1 : 0, transB ? 1 : 0);
  emitFloatLiteral(state->body, alpha);
  fputs(", ", state->body);
  emitFloatLiteral(state->body, beta);
  fputs(");\n", state->body);
  return true;
}

bool emitSoftmax(EmitState *state, MlirOperation op) {
  ValueInfo *x = emitOperand(state, op, 0), *y = emitResult(state, op, 0);
  if (!requireF32(state, op, x))
    return false;
  int64_t axis;
  emitAttrInt(op, "axis", -1, &axis);
  fprintf(state->body, "  gcimKernel%sF32(",
          gcimOpIsA(op, "onnx.softmax") ? "Softmax" : "LogSoftmax");
  emitTensorArgs(state, x);
  fprintf(state->body, ", %lld, %s);\n", (long long)axis, y->name);
  return true;
}

bool emitLayerNorm(EmitState *state, MlirOperation op) {
  ValueInfo *x = emitOperand(state, op, 0), *scale = emitOperand(state, op, 1);
  ValueInfo *bias = mlirOperationGetNumOperands(op) > 2 ? emitOperand(state, op, 2) : NULL;
  if (!requireF32(state, op, x))
    return false;
  int64_t axis;
  double epsilon;
  emitAttrInt(op, "axis", -1, &axis);
  emitAttrFloat(op, "epsilon", 1e-5, &epsilon);
  ValueInfo *y = emitResult(state, op, 0);
  ValueInfo *mean = NULL, *invStdDev = NULL;
  intptr_t results = mlirOperationGetNumResults(op);
  if (results > 1)
    mean = emitResult(state, op, 1);
  if (results > 2)
    invStdDev = emitResult(state, op, 2);
  fputs("  gcimKernelLayerNormF32(", state->body);
  emitTensorArgs(state, x);
  fprintf(state->body, ", %lld, %s, %s, ", (long long)axis, scale->name,
          bias ? bias->name : "NULL");
  emitFloatLiteral(state->body, epsilon);
  fprintf(state->body, ", %s, %s, %s);\n", y->name, mean ? mean->name : "NULL",
          invStdDev ? invStdDev->name : "NULL");
  return true;
}

bool emitReduce(EmitState *state, MlirOperation op) {
  ValueInfo *x = emitOperand(state, op, 0), *y = emitResult(state, op, 0);
  int64_t axes[EMIT_MAX_RANK], count = 0, noop = 0, keepdims = 1;
  emitAttrInt(op, "noop_with_empty_axes", 0, &noop);
  emitAttrInt(op, "keepdims", 1, &keepdims);
  ValueInfo *runtimeAxes = NULL; /* an int64 input, checked at run time */
  if (mlirOperationGetNumOperands(op) > 1 &&
      !emitConstantInts(state, mlirOperationGetOperand(op, 1), axes, EMIT_MAX_RANK, &count)) {
    runtimeAxes = emitLookup(state, mlirOperationGetOperand(op, 1));
    if (runtimeAxes->elem != ELEM_I64 || runtimeAxes->count > EMIT_MAX_RANK)
      return emitUnsupported(state, op, "its axes must be a constant or an int64 input");
    count = runtimeAxes->count;
  }
  if (count == 0 && noop) {
    fprintf(state->body, "  gcimKernelCopy(%s, %s, %lld, %zu);\n", x->name, y->name,
            (long long)y->count, emitElemSize(y->elem));
    return true;
  }
  const char *opEnum = gcimOpIsA(op, "onnx.reduce_mean")  ? "GCIM_REDUCE_MEAN"
                       : gcimOpIsA(op, "onnx.reduce_sum") ? "GCIM_REDUCE_SUM"
                                                          : "GCIM_REDUCE_MAX";
  const char *kernel = x->elem == ELEM_F32   ? "gcimKernelReduceF32"
                       : x->elem == ELEM_I64 ? "gcimKernelReduceI64"
                                             : NULL;
  if (!kernel)
    return emitUnsupported(state, op, "only float32 and int64 are supported");
  char axesName[48] = "NULL";
  if (runtimeAxes && count) {
    char dims[2][32];
    snprintf(axesName, sizeof axesName, "%s", emitRef(state, runtimeAxes));
    state->usesFail = true;
    fprintf(state->body, "  if (gcimKernelReduceCheck(%s, %d, %s, %d, %d, %s, %d) != 0)\n"
                         "    return fail(s, \"the reduction's axes do not give the "
                         "compiled shape\");\n",
            emitDims(state, x, dims[0]), x->rank, axesName, (int)count, keepdims ? 1 : 0,
            emitDims(state, y, dims[1]), y->rank);
  } else if (count) {
    snprintf(axesName, sizeof axesName, "%s_axes", y->name);
    emitIntTable(state, axesName, axes, count);
  }
  fprintf(state->body, "  %s(%s, ", kernel, opEnum);
  emitTensorArgs(state, x);
  fprintf(state->body, ", %s, %d, %s);\n", axesName, (int)count, y->name);
  return true;
}
