/* OpsNn.c: C for matrix products, normalisation, softmax and reductions. */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"

static bool requireF32(EmitState *state, MlirOperation op, ValueInfo *info) {
  return info->elem == GCIM_ELEM_F32 || emitUnsupported(state, op, "only float32 is supported");
}

bool emitIsLinearWeight(MlirValue value) {
  MlirOpOperand use = mlirValueGetFirstUse(value);
  if (mlirOpOperandIsNull(use))
    return false;
  for (; !mlirOpOperandIsNull(use); use = mlirOpOperandGetNextUse(use))
    if (!gcimOpIsA(mlirOpOperandGetOwner(use), "gcim.linear") ||
        mlirOpOperandGetOperandNumber(use) != 1)
      return false;
  return true;
}

bool emitMatMul(EmitState *state, MlirOperation op) {
  ValueInfo *a = emitOperand(state, op, 0), *b = emitOperand(state, op, 1);
  ValueInfo *y = emitResult(state, op, 0);
  if (!requireF32(state, op, a) || !requireF32(state, op, b))
    return false;
  ValueInfo *tensors[] = {a, b, y};
  emitKernelCall(state, "gcimKernelMatMulF32", NULL, tensors, 3, NULL);
  return true;
}

/* y = x . W (+ bias) with W packed at compile time; every leading axis of x is a row; on
 * the state's worker pool. */
bool emitLinear(EmitState *state, MlirOperation op) {
  ValueInfo *x = emitOperand(state, op, 0), *w = emitOperand(state, op, 1);
  ValueInfo *bias = mlirOperationGetNumOperands(op) == 3 ? emitOperand(state, op, 2) : NULL;
  ValueInfo *y = emitResult(state, op, 0);
  if (!w->packed)
    return emitUnsupported(state, op,
                           "its weight must be a 2-D float32 onnx.constant that only "
                           "gcim.linear ops use");
  int64_t k = w->dims[0], n = w->dims[1];
  if (!requireF32(state, op, x) || !requireF32(state, op, y) || x->rank < 1 ||
      x->dims[x->rank - 1] != k || y->count != x->count / k * n ||
      (bias && (bias->elem != GCIM_ELEM_F32 || bias->count != n)))
    return emitUnsupported(state, op, "its operand shapes do not match (..., k) . (k, n) + (n)");
  fprintf(state->body,
          "  gcimParallelMatMulPackedF32(s->pool, %s, %s, %s, %s, %lld, %lld, %lld);\n",
          x->name, w->name, bias ? bias->name : "NULL", y->name, (long long)(x->count / k),
          (long long)n, (long long)k);
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
  int64_t axes[GCIM_MAX_RANK], count = 0, noop = 0, keepdims = 1;
  emitAttrInt(op, "noop_with_empty_axes", 0, &noop);
  emitAttrInt(op, "keepdims", 1, &keepdims);
  ValueInfo *runtimeAxes = NULL; /* an int64 input, checked at run time */
  if (mlirOperationGetNumOperands(op) > 1 &&
      (count = gcimValueI64Constant(mlirOperationGetOperand(op, 1), axes, GCIM_MAX_RANK)) < 0) {
    runtimeAxes = emitLookup(state, mlirOperationGetOperand(op, 1));
    if (runtimeAxes->elem != GCIM_ELEM_I64 || runtimeAxes->count > GCIM_MAX_RANK)
      return emitUnsupported(state, op, "its axes must be a constant or an int64 input");
    count = runtimeAxes->count;
  }
  if (count == 0 && noop) {
    fprintf(state->body, "  gcimKernelCopy(%s, %s, %lld, %zu);\n", x->name, y->name,
            (long long)y->count, gcimElemTypeSize(y->elem));
    return true;
  }
  const char *opEnum = gcimOpIsA(op, "onnx.reduce_mean")  ? "GCIM_REDUCE_MEAN"
                       : gcimOpIsA(op, "onnx.reduce_sum") ? "GCIM_REDUCE_SUM"
                                                          : "GCIM_REDUCE_MAX";
  const char *kernel = x->elem == GCIM_ELEM_F32   ? "gcimKernelReduceF32"
                       : x->elem == GCIM_ELEM_I64 ? "gcimKernelReduceI64"
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
