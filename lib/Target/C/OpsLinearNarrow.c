/* OpsLinearNarrow.c: C for gcim.linear_narrow, the product on an int8, 4-bit or bfloat16 weight
 * (gcim/Runtime/Kernels/MatMulQuant.h): the weight's codes are stored packed
 * (gcimKernelPackCodes), its scales and zero points as they are. */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"

bool gcimCEmitIsNarrowLinearWeight(MlirValue value) {
  MlirOpOperand use = mlirValueGetFirstUse(value);
  if (mlirOpOperandIsNull(use))
    return false;
  for (; !mlirOpOperandIsNull(use); use = mlirOpOperandGetNextUse(use))
    if (!gcimOpIsA(mlirOpOperandGetOwner(use), "gcim.linear_narrow") ||
        mlirOpOperandGetOperandNumber(use) != 1)
      return false;
  return true;
}

/* y = x . W (+ bias), every leading axis of x a row, on the state's worker pool. */
bool gcimCEmitLinearNarrow(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *w = gcimCEmitOperand(state, op, 1);
  ValueInfo *scales = gcimCEmitGroupOperand(state, op, 2, 0);
  ValueInfo *zeros = gcimCEmitGroupOperand(state, op, 3, 0);
  ValueInfo *bias = gcimCEmitGroupOperand(state, op, 4, 0);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  bool bf16 = w->elem == GCIM_ELEM_BF16;
  if (!w->packed || w->rank != 2 || (w->elem != GCIM_ELEM_I8 && !bf16))
    return gcimCEmitUnsupported(
        state, op,
        "its weight must be a 2-D int8, i4 or bfloat16 onnx.constant that only "
        "gcim.linear_narrow ops use");
  int64_t k = w->dims[0], n = w->dims[1], block;
  gcimCEmitAttrInt(op, "block", k, &block);
  int64_t blocks = block >= 1 ? (k + block - 1) / block : 0;
  bool scalesFit =
      bf16 ? !scales && !zeros
           : scales && scales->elem == GCIM_ELEM_F32 && scales->count == blocks * n &&
                 (!zeros || (zeros->elem == GCIM_ELEM_F32 && zeros->count == blocks * n));
  if (x->elem != GCIM_ELEM_F32 || y->elem != GCIM_ELEM_F32 || x->rank < 1 ||
      x->dims[x->rank - 1] != k || y->count != x->count / k * n || block < 1 || block > k ||
      !scalesFit || (bias && (bias->elem != GCIM_ELEM_F32 || bias->count != n)))
    return gcimCEmitUnsupported(state, op,
                                "its operand shapes do not match (..., k) . (k, n) + (n) with "
                                "(ceil(k / block), n) float32 scales (int8 only)");
  fprintf(state->body,
          "  gcimParallelMatMulPackedWeightF32(s->pool, %s, &(const GcimPackedWeight){%s, %s, %s, "
          "%s, %lld, %lld, %lld}, %s, %s, %lld);\n",
          x->name,
          bf16         ? "GCIM_PACKED_BF16"
          : w->fourBit ? "GCIM_PACKED_Q4"
                       : "GCIM_PACKED_Q8",
          w->name, scales ? scales->name : "NULL", zeros ? zeros->name : "NULL", (long long)k,
          (long long)n, (long long)block, bias ? bias->name : "NULL", y->name,
          (long long)(x->count / k));
  return true;
}
