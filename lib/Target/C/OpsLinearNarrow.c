/* OpsLinearNarrow.c: C for gcim.linear_narrow, the product on an int8, 4-bit or bfloat16 weight
 * (gcim/Runtime/Kernels/MatMulQuant.h): the weight's codes are stored packed
 * (gcimKernelPackCodes), its scales and zero points as they are. 4-bit codes come as i4
 * constants or as MatMulNBits' packed B (ui8) with the op's `gcim.shifts` (docs/Dialects.md),
 * which the emitter packs from B's bytes a panel at a time. */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

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

/* The layout of B read by the product `op`, false when its shapes do not fit. */
static bool nibbleLayoutOf(EmitState *state, MlirOperation op, GcimCNibbleWeight *out) {
  ValueInfo *x = gcimCEmitLookup(state, mlirOperationGetOperand(op, 0));
  ValueInfo *w = gcimCEmitLookup(state, mlirOperationGetOperand(op, 1));
  ValueInfo *y = gcimCEmitLookup(state, mlirOperationGetResult(op, 0));
  if (!x || !w || !y || x->rank < 1 || y->rank < 1 || w->rank < 1)
    return false;
  *out = (GcimCNibbleWeight){.k = x->dims[x->rank - 1], .n = y->dims[y->rank - 1]};
  gcimCEmitAttrInt(op, "block", out->k, &out->block);
  out->half = out->n > 0 ? w->count / out->n : 0;
  if (out->k < 1 || out->block < 1 || out->block > out->k || w->dims[0] != out->n ||
      out->half * out->n != w->count || 2 * out->half < out->k)
    return false;
  MlirAttribute attr =
      mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("gcim.shifts"));
  out->shiftsAttr = attr;
  if (mlirAttributeIsNull(attr))
    return true;
  int64_t blocks = (out->k + out->block - 1) / out->block;
  MlirType element = mlirAttributeIsAElements(attr)
                         ? mlirShapedTypeGetElementType(mlirAttributeGetType(attr))
                         : (MlirType){NULL};
  if (!mlirAttributeIsADenseElements(attr) || !mlirTypeIsAInteger(element) ||
      mlirIntegerTypeGetWidth(element) != 8 || !mlirIntegerTypeIsUnsigned(element) ||
      mlirElementsAttrGetNumElements(attr) != blocks * out->n)
    return false;
  out->shifts = mlirDenseElementsAttrGetRawData(attr);
  out->splatShifts = mlirDenseElementsAttrIsSplat(attr);
  return true;
}

bool gcimCEmitNibbleWeight(EmitState *state, MlirValue value, GcimCNibbleWeight *out) {
  bool first = true;
  for (MlirOpOperand use = mlirValueGetFirstUse(value); !mlirOpOperandIsNull(use);
       use = mlirOpOperandGetNextUse(use)) {
    GcimCNibbleWeight layout;
    if (!nibbleLayoutOf(state, mlirOpOperandGetOwner(use), &layout))
      return false;
    if (!first && (layout.k != out->k || layout.block != out->block ||
                   layout.shiftsAttr.ptr != out->shiftsAttr.ptr))
      return false; /* one packed form for every product */
    *out = layout;
    first = false;
  }
  return !first;
}

/* y = x . W (+ bias), every leading axis of x a row, on the state's worker pool. */
bool gcimCEmitLinearNarrow(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *w = gcimCEmitOperand(state, op, 1);
  ValueInfo *scales = gcimCEmitGroupOperand(state, op, 2, 0);
  ValueInfo *zeros = gcimCEmitGroupOperand(state, op, 3, 0);
  ValueInfo *bias = gcimCEmitGroupOperand(state, op, 4, 0);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  bool bf16 = w->elem == GCIM_ELEM_BF16, nibbles = w->nibbles;
  if (!w->packed || (w->rank != 2 && !nibbles) || (w->elem != GCIM_ELEM_I8 && !bf16 && !nibbles))
    return gcimCEmitUnsupported(
        state, op,
        "its weight must be a 2-D int8, i4 or bfloat16 onnx.constant, or a uint8 one of "
        "4-bit codes, that only gcim.linear_narrow ops use");
  int64_t k = !nibbles ? w->dims[0] : x->rank >= 1 ? x->dims[x->rank - 1] : 0;
  int64_t n = !nibbles ? w->dims[1] : y->rank >= 1 ? y->dims[y->rank - 1] : 0, block;
  gcimCEmitAttrInt(op, "block", k, &block);
  int64_t blocks = block >= 1 ? (k + block - 1) / block : 0;
  bool scalesFit =
      bf16 ? !scales && !zeros
           : scales && scales->elem == GCIM_ELEM_F32 && scales->count == blocks * n &&
                 (!zeros || (zeros->elem == GCIM_ELEM_F32 && zeros->count == blocks * n));
  if (x->elem != GCIM_ELEM_F32 || y->elem != GCIM_ELEM_F32 || x->rank < 1 || k < 1 ||
      x->dims[x->rank - 1] != k || y->count != x->count / k * n || block < 1 || block > k ||
      !scalesFit || (bias && (bias->elem != GCIM_ELEM_F32 || bias->count != n)))
    return gcimCEmitUnsupported(state, op,
                                "its operand shapes do not match (..., k) . (k, n) + (n) with "
                                "(ceil(k / block), n) float32 scales (int8 only)");
  fprintf(state->body,
          "  gcimParallelMatMulPackedWeightF32(s->pool, %s, &(const GcimPackedWeight){%s, %s, %s, "
          "%s, %lld, %lld, %lld}, %s, %s, %lld);\n",
          x->name,
          bf16                    ? "GCIM_PACKED_BF16"
          : w->fourBit || nibbles ? "GCIM_PACKED_Q4"
                                  : "GCIM_PACKED_Q8",
          w->name, scales ? scales->name : "NULL", zeros ? zeros->name : "NULL", (long long)k,
          (long long)n, (long long)block, bias ? bias->name : "NULL", y->name,
          (long long)(x->count / k));
  return true;
}
