/* OpsMath.c: C for Mod, IsInf, IsNaN and the index ops of position handling (Tile,
 * CumSum, GatherElements). */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"

bool emitMod(EmitState *state, MlirOperation op) {
  ValueInfo *a = emitOperand(state, op, 0), *b = emitOperand(state, op, 1);
  ValueInfo *y = emitResult(state, op, 0);
  int64_t fmodAttr;
  emitAttrInt(op, "fmod", 0, &fmodAttr);
  if (a->elem != b->elem || a->elem == GCIM_ELEM_BOOL)
    return emitUnsupported(state, op, "operand types differ or are bool");
  char leading[48];
  snprintf(leading, sizeof leading, "%s, %d", emitElemEnum(a->elem), fmodAttr ? 1 : 0);
  ValueInfo *tensors[] = {a, b, y};
  emitKernelCall(state, "gcimKernelModAny", leading, tensors, 3, NULL);
  return true;
}

bool emitIsInfNaN(EmitState *state, MlirOperation op) {
  ValueInfo *x = emitOperand(state, op, 0), *y = emitResult(state, op, 0);
  int64_t positive, negative;
  bool nan = gcimOpIsA(op, "onnx.is_nan");
  emitAttrInt(op, "detect_positive", 1, &positive);
  emitAttrInt(op, "detect_negative", 1, &negative);
  if (x->elem != GCIM_ELEM_F32 && x->elem != GCIM_ELEM_F64 && x->elem != GCIM_ELEM_F16 &&
      x->elem != GCIM_ELEM_BF16)
    return emitUnsupported(state, op, "the input is not of a float type");
  fprintf(state->body, "  gcimKernelIsInfNaN(%s, %s, %d, %d, %d, %s, %lld);\n",
          emitElemEnum(x->elem), x->name, nan ? 1 : 0, positive ? 1 : 0, negative ? 1 : 0,
          y->name, (long long)y->count);
  return true;
}

bool emitTile(EmitState *state, MlirOperation op) {
  ValueInfo *x = emitOperand(state, op, 0), *y = emitResult(state, op, 0);
  char dims[32];
  fputs("  gcimKernelTile(", state->body);
  emitTensorArgs(state, x);
  fprintf(state->body, ", %s, %s, %zu);\n", y->name, emitDims(state, y, dims),
          gcimElemTypeSize(y->elem));
  return true;
}

bool emitCumSum(EmitState *state, MlirOperation op) {
  ValueInfo *x = emitOperand(state, op, 0), *y = emitResult(state, op, 0);
  ValueInfo *axis = emitLookup(state, mlirOperationGetOperand(op, 1));
  int64_t exclusive, reverse, axisValue;
  emitAttrInt(op, "exclusive", 0, &exclusive);
  emitAttrInt(op, "reverse", 0, &reverse);
  if (x->elem != GCIM_ELEM_F32 && x->elem != GCIM_ELEM_F64 && x->elem != GCIM_ELEM_I32 &&
      x->elem != GCIM_ELEM_I64)
    return emitUnsupported(state, op, "only float32, float64, int32 and int64 are supported");
  char axisText[64];
  if (gcimValueI64Constant(axis->value, &axisValue, 1) == 1)
    snprintf(axisText, sizeof axisText, "%lld", (long long)axisValue);
  else /* a runtime axis */
    snprintf(axisText, sizeof axisText, "(int64_t)%s[0]", emitRef(state, axis));
  fprintf(state->body, "  gcimKernelCumSum(%s, ", emitElemEnum(x->elem));
  emitTensorArgs(state, x);
  fprintf(state->body, ", %s, %d, %d, %s);\n", axisText, exclusive ? 1 : 0, reverse ? 1 : 0,
          y->name);
  return true;
}

bool emitGatherElements(EmitState *state, MlirOperation op) {
  ValueInfo *x = emitOperand(state, op, 0), *indices = emitOperand(state, op, 1);
  ValueInfo *y = emitResult(state, op, 0);
  int64_t axis;
  emitAttrInt(op, "axis", 0, &axis);
  if (indices->elem != GCIM_ELEM_I64)
    return emitUnsupported(state, op, "indices must be int64");
  char dims[32];
  state->usesFail = true;
  fputs("  if (gcimKernelGatherElements(", state->body);
  emitTensorArgs(state, x);
  fprintf(state->body, ", %lld, %s, %s, %s, %zu) != 0)\n"
                       "    return fail(s, \"index out of range in GatherElements\");\n",
          (long long)axis, indices->name, emitDims(state, indices, dims), y->name,
          gcimElemTypeSize(y->elem));
  return true;
}
