/* OpsNn.c: C for matrix products, normalisation, softmax and reductions. */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"

static bool requireF32(EmitState *state, MlirOperation op, ValueInfo *info) {
  return info->elem == GCIM_ELEM_F32 ||
         gcimCEmitUnsupported(state, op, "only float32 is supported");
}

bool gcimCEmitIsLinearWeight(MlirValue value) {
  MlirOpOperand use = mlirValueGetFirstUse(value);
  if (mlirOpOperandIsNull(use))
    return false;
  for (; !mlirOpOperandIsNull(use); use = mlirOpOperandGetNextUse(use))
    if (!gcimOpIsA(mlirOpOperandGetOwner(use), "gcim.linear") ||
        mlirOpOperandGetOperandNumber(use) != 1)
      return false;
  return true;
}

bool gcimCEmitMatMul(EmitState *state, MlirOperation op) {
  ValueInfo *a = gcimCEmitOperand(state, op, 0), *b = gcimCEmitOperand(state, op, 1);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  if (!requireF32(state, op, a) || !requireF32(state, op, b))
    return false;
  ValueInfo *tensors[] = {a, b, y};
  gcimCEmitKernelCall(state, "gcimKernelMatMulF32", NULL, tensors, 3, NULL);
  return true;
}

/* y = x . W (+ bias) with W packed at compile time; every leading axis of x is a row; on
 * the state's worker pool. */
bool gcimCEmitLinear(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *w = gcimCEmitOperand(state, op, 1);
  ValueInfo *bias = mlirOperationGetNumOperands(op) == 3 ? gcimCEmitOperand(state, op, 2) : NULL;
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  if (!w->packed)
    return gcimCEmitUnsupported(state, op,
                                "its weight must be a 2-D float32 onnx.constant that only "
                                "gcim.linear ops use");
  int64_t k = w->dims[0], n = w->dims[1];
  if (!requireF32(state, op, x) || !requireF32(state, op, y) || x->rank < 1 ||
      x->dims[x->rank - 1] != k || y->count != x->count / k * n ||
      (bias && (bias->elem != GCIM_ELEM_F32 || bias->count != n)))
    return gcimCEmitUnsupported(state, op,
                                "its operand shapes do not match (..., k) . (k, n) + (n)");
  fprintf(state->body,
          "  gcimParallelMatMulPackedF32(s->pool, %s, %s, %s, %s, %lld, %lld, %lld);\n", x->name,
          w->name, bias ? bias->name : "NULL", y->name, (long long)(x->count / k), (long long)n,
          (long long)k);
  return true;
}

bool gcimCEmitGemm(EmitState *state, MlirOperation op) {
  ValueInfo *a = gcimCEmitOperand(state, op, 0), *b = gcimCEmitOperand(state, op, 1);
  ValueInfo *c = gcimCEmitGroupOperand(state, op, 2, 0);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  if (!requireF32(state, op, a) || a->rank != 2 || b->rank != 2)
    return gcimCEmitUnsupported(state, op, "operands must be float32 matrices");
  int64_t transA, transB;
  double alpha, beta;
  gcimCEmitAttrInt(op, "transA", 0, &transA);
  gcimCEmitAttrInt(op, "transB", 0, &transB);
  gcimCEmitAttrFloat(op, "alpha", 1.0, &alpha);
  gcimCEmitAttrFloat(op, "beta", 1.0, &beta);
  int64_t k = transA ? a->dims[0] : a->dims[1];
  char dims[32];
  fprintf(state->body, "  gcimKernelGemmF32(%s, %s, %s, %s, %d, %s, %lld, %lld, %lld, %d, %d, ",
          a->name, b->name, c ? c->name : "NULL", c ? gcimCEmitDims(state, c, dims) : "NULL",
          c ? c->rank : 0, y->name, (long long)y->dims[0], (long long)y->dims[1], (long long)k,
          transA ? 1 : 0, transB ? 1 : 0);
  gcimCEmitFloatLiteral(state->body, alpha);
  fputs(", ", state->body);
  gcimCEmitFloatLiteral(state->body, beta);
  fputs(");\n", state->body);
  return true;
}

bool gcimCEmitSoftmax(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  if (!requireF32(state, op, x))
    return false;
  int64_t axis;
  gcimCEmitAttrInt(op, "axis", -1, &axis);
  fputs("  gcimParallelSoftmaxF32(s->pool, ", state->body); /* by rows, as LayerNorm */
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body, ", %lld, %d, %s);\n", (long long)axis, !gcimOpIsA(op, "onnx.softmax"),
          y->name);
  return true;
}

bool gcimCEmitLayerNorm(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *scale = gcimCEmitOperand(state, op, 1);
  ValueInfo *bias = mlirOperationGetNumOperands(op) > 2 ? gcimCEmitOperand(state, op, 2) : NULL;
  if (!requireF32(state, op, x))
    return false;
  int64_t axis;
  double epsilon;
  gcimCEmitAttrInt(op, "axis", -1, &axis);
  gcimCEmitAttrFloat(op, "epsilon", 1e-5, &epsilon);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  ValueInfo *mean = NULL, *invStdDev = NULL;
  intptr_t results = mlirOperationGetNumResults(op);
  if (results > 1)
    mean = gcimCEmitResult(state, op, 1);
  if (results > 2)
    invStdDev = gcimCEmitResult(state, op, 2);
  fputs("  gcimParallelLayerNormF32(s->pool, ", state->body); /* by rows on the pool */
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body, ", %lld, %s, %s, ", (long long)axis, scale->name,
          bias ? bias->name : "NULL");
  gcimCEmitFloatLiteral(state->body, epsilon);
  fprintf(state->body, ", %s, %s, %s);\n", y->name, mean ? mean->name : "NULL",
          invStdDev ? invStdDev->name : "NULL");
  return true;
}

bool gcimCEmitReduce(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  int64_t axes[GCIM_MAX_RANK], count = 0, noop = 0, keepdims = 1;
  gcimCEmitAttrInt(op, "noop_with_empty_axes", 0, &noop);
  gcimCEmitAttrInt(op, "keepdims", 1, &keepdims);
  ValueInfo *runtimeAxes = NULL; /* an int64 input, checked at run time */
  if (mlirOperationGetNumOperands(op) > 1 &&
      (count = gcimValueI64Constant(mlirOperationGetOperand(op, 1), axes, GCIM_MAX_RANK)) < 0) {
    runtimeAxes = gcimCEmitLookup(state, mlirOperationGetOperand(op, 1));
    if (runtimeAxes->elem != GCIM_ELEM_I64 || runtimeAxes->count > GCIM_MAX_RANK)
      return gcimCEmitUnsupported(state, op, "its axes must be a constant or an int64 input");
    count = runtimeAxes->count;
  }
  if (count == 0 && noop) {
    fprintf(state->body, "  gcimKernelCopy(%s, %s, %lld, %zu);\n", x->name, y->name,
            (long long)y->count, gcimElemTypeSize(y->elem));
    return true;
  }
  const char *opEnum = gcimOpIsA(op, "onnx.reduce_mean")   ? "GCIM_REDUCE_MEAN"
                       : gcimOpIsA(op, "onnx.reduce_sum")  ? "GCIM_REDUCE_SUM"
                       : gcimOpIsA(op, "onnx.reduce_min")  ? "GCIM_REDUCE_MIN"
                       : gcimOpIsA(op, "onnx.reduce_prod") ? "GCIM_REDUCE_PROD"
                                                           : "GCIM_REDUCE_MAX";
  const char *kernel = x->elem == GCIM_ELEM_F32   ? "gcimKernelReduceF32"
                       : x->elem == GCIM_ELEM_F64 ? "gcimKernelReduceF64"
                       : x->elem == GCIM_ELEM_I64 ? "gcimKernelReduceI64"
                                                  : NULL;
  if (!kernel)
    return gcimCEmitUnsupported(state, op, "only float32, float64 and int64 are supported");
  char axesName[48] = "NULL";
  if (runtimeAxes && count) {
    char dims[2][32];
    snprintf(axesName, sizeof axesName, "%s", gcimCEmitRef(state, runtimeAxes));
    state->usesFail = true;
    fprintf(state->body,
            "  if (gcimKernelReduceCheck(%s, %d, %s, %d, %d, %s, %d) != 0)\n"
            "    return fail(s, \"the reduction's axes do not give the "
            "compiled shape\");\n",
            gcimCEmitDims(state, x, dims[0]), x->rank, axesName, (int)count, keepdims ? 1 : 0,
            gcimCEmitDims(state, y, dims[1]), y->rank);
  } else if (count) {
    snprintf(axesName, sizeof axesName, "%s_axes", y->name);
    gcimCEmitIntTable(state, axesName, axes, count);
  }
  fprintf(state->body, "  %s(%s, ", kernel, opEnum);
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body, ", %s, %d, %s);\n", axesName, (int)count, y->name);
  return true;
}
