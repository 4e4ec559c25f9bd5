/* OpsIndex.c: C for the ops with an index result (ArgMax, ArgMin, TopK). */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"

bool gcimCEmitArgReduce(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  int64_t axis, selectLast;
  gcimCEmitAttrInt(op, "axis", 0, &axis);
  gcimCEmitAttrInt(op, "select_last_index", 0, &selectLast);
  fprintf(state->body, "  gcimKernelArgReduce(%s, ", gcimCEmitElemEnum(x->elem));
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body, ", %lld, %d, %d, %s);\n", (long long)axis,
          gcimOpIsA(op, "onnx.arg_max") ? 1 : 0, selectLast ? 1 : 0, y->name);
  return true;
}

bool gcimCEmitTopK(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *values = gcimCEmitResult(state, op, 0);
  ValueInfo *indices = gcimCEmitResult(state, op, 1);
  int64_t axis, largest;
  gcimCEmitAttrInt(op, "axis", -1, &axis);
  gcimCEmitAttrInt(op, "largest", 1, &largest);
  /* The importer knows k (it sets the shapes): the values' extent along the axis. */
  int64_t k = values->dims[axis < 0 ? axis + values->rank : axis];
  fprintf(state->body, "  gcimKernelTopK(%s, ", gcimCEmitElemEnum(x->elem));
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body, ", %lld, %lld, %d, %s, %s);\n", (long long)axis, (long long)k,
          largest ? 1 : 0, values->name, indices->name);
  return true;
}
