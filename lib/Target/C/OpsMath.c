/* OpsMath.c: C for Mod, IsInf, IsNaN and the index ops of position handling (Tile,
 * CumSum, GatherElements). */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"

bool gcimCEmitMod(EmitState *state, MlirOperation op) {
  ValueInfo *a = gcimCEmitOperand(state, op, 0), *b = gcimCEmitOperand(state, op, 1);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  int64_t fmodAttr;
  gcimCEmitAttrInt(op, "fmod", 0, &fmodAttr);
  if (a->elem != b->elem || a->elem == GCIM_ELEM_BOOL)
    return gcimCEmitUnsupported(state, op, "operand types differ or are bool");
  char leading[48];
  snprintf(leading, sizeof leading, "%s, %d", gcimCEmitElemEnum(a->elem), fmodAttr ? 1 : 0);
  ValueInfo *tensors[] = {a, b, y};
  gcimCEmitKernelCall(state, "gcimKernelModAny", leading, tensors, 3, NULL);
  return true;
}

bool gcimCEmitIsInfNaN(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  int64_t positive, negative;
  bool nan = gcimOpIsA(op, "onnx.is_nan");
  gcimCEmitAttrInt(op, "detect_positive", 1, &positive);
  gcimCEmitAttrInt(op, "detect_negative", 1, &negative);
  if (x->elem != GCIM_ELEM_F32 && x->elem != GCIM_ELEM_F64 && x->elem != GCIM_ELEM_F16 &&
      x->elem != GCIM_ELEM_BF16)
    return gcimCEmitUnsupported(state, op, "the input is not of a float type");
  fprintf(state->body, "  gcimKernelIsInfNaN(%s, %s, %d, %d, %d, %s, %lld);\n",
          gcimCEmitElemEnum(x->elem), x->name, nan ? 1 : 0, positive ? 1 : 0, negative ? 1 : 0,
          y->name, (long long)y->count);
  return true;
}

bool gcimCEmitTile(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  char dims[32];
  fputs("  gcimKernelTile(", state->body);
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body, ", %s, %s, %zu);\n", y->name, gcimCEmitDims(state, y, dims),
          gcimElemTypeSize(y->elem));
  return true;
}

bool gcimCEmitCumSum(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  ValueInfo *axis = gcimCEmitLookup(state, mlirOperationGetOperand(op, 1));
  int64_t exclusive, reverse, axisValue;
  gcimCEmitAttrInt(op, "exclusive", 0, &exclusive);
  gcimCEmitAttrInt(op, "reverse", 0, &reverse);
  if (x->elem != GCIM_ELEM_F32 && x->elem != GCIM_ELEM_F64 && x->elem != GCIM_ELEM_I32 &&
      x->elem != GCIM_ELEM_I64)
    return gcimCEmitUnsupported(state, op, "only float32, float64, int32 and int64 are supported");
  char axisText[64];
  if (gcimValueI64Constant(axis->value, &axisValue, 1) == 1)
    snprintf(axisText, sizeof axisText, "%lld", (long long)axisValue);
  else /* a runtime axis */
    snprintf(axisText, sizeof axisText, "(int64_t)%s[0]", gcimCEmitRef(state, axis));
  fprintf(state->body, "  gcimKernelCumSum(%s, ", gcimCEmitElemEnum(x->elem));
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body, ", %s, %d, %d, %s);\n", axisText, exclusive ? 1 : 0, reverse ? 1 : 0,
          y->name);
  return true;
}

bool gcimCEmitGatherElements(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *indices = gcimCEmitOperand(state, op, 1);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  int64_t axis;
  gcimCEmitAttrInt(op, "axis", 0, &axis);
  if (indices->elem != GCIM_ELEM_I64)
    return gcimCEmitUnsupported(state, op, "indices must be int64");
  char dims[32];
  state->usesFail = true;
  fputs("  if (gcimKernelGatherElements(", state->body);
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body,
          ", %lld, %s, %s, %s, %zu) != 0)\n"
          "    return fail(s, \"index out of range in GatherElements\");\n",
          (long long)axis, indices->name, gcimCEmitDims(state, indices, dims), y->name,
          gcimElemTypeSize(y->elem));
  return true;
}
