/* OpsData.c: C for data-movement ops (Transpose, Concat, Split, Slice, Gather, ScatterND,
 * GatherND, ...). */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"

#include <stdint.h>

/* Writes an int table named after `y` with `suffix` and returns its name in `name`. */
static void intTable(EmitState *state, ValueInfo *y, const char *suffix, const int64_t *values,
                     int64_t count, char name[48]) {
  snprintf(name, 48, "%s_%s", y->name, suffix);
  gcimCEmitIntTable(state, name, values, count);
}

bool gcimCEmitTranspose(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  MlirAttribute perm = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("perm"));
  char permName[48] = "NULL";
  if (!mlirAttributeIsNull(perm)) {
    int64_t values[GCIM_MAX_RANK];
    intptr_t count = mlirDenseArrayGetNumElements(perm);
    for (intptr_t i = 0; i < count && i < GCIM_MAX_RANK; ++i)
      values[i] = mlirDenseI64ArrayGetElement(perm, i);
    intTable(state, y, "perm", values, count, permName);
  }
  fputs("  gcimKernelTranspose(", state->body);
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body, ", %s, %s, %zu);\n", permName, y->name, gcimElemTypeSize(y->elem));
  return true;
}

bool gcimCEmitConcat(EmitState *state, MlirOperation op) {
  intptr_t count = mlirOperationGetNumOperands(op);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  int64_t axis; /* gcim.cache_append is a Concat along the tokens axis */
  gcimCEmitAttrInt(op, "axis", gcimOpIsA(op, "gcim.cache_append") ? 2 : 0, &axis);
  int64_t axisIndex = axis < 0 ? axis + y->rank : axis;
  int64_t sizes[256];
  if (count > 256)
    return gcimCEmitUnsupported(state, op, "more than 256 inputs");
  for (intptr_t i = 0; i < count; ++i)
    sizes[i] = gcimCEmitOperand(state, op, i)->dims[axisIndex];
  char sizesName[48], dims[32];
  intTable(state, y, "sizes", sizes, count, sizesName);
  fputs("  {\n    const void *const inputs[] = {", state->body);
  for (intptr_t i = 0; i < count; ++i)
    fprintf(state->body, "%s%s", i ? ", " : "", gcimCEmitOperand(state, op, i)->name);
  fprintf(state->body, "};\n    gcimKernelConcat(inputs, %s, %d, %s, %d, %lld, %s, %zu);\n  }\n",
          sizesName, (int)count, gcimCEmitDims(state, y, dims), y->rank, (long long)axis, y->name,
          gcimElemTypeSize(y->elem));
  return true;
}

bool gcimCEmitSplit(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0);
  intptr_t count = mlirOperationGetNumResults(op);
  int64_t axis;
  gcimCEmitAttrInt(op, "axis", 0, &axis);
  int64_t axisIndex = axis < 0 ? axis + x->rank : axis;
  int64_t sizes[256];
  if (count > 256)
    return gcimCEmitUnsupported(state, op, "more than 256 outputs");
  for (intptr_t i = 0; i < count; ++i)
    sizes[i] = gcimCEmitResult(state, op, i)->dims[axisIndex];
  char sizesName[48];
  ValueInfo *first = gcimCEmitResult(state, op, 0);
  intTable(state, first, "sizes", sizes, count, sizesName);
  fputs("  {\n    void *const outputs[] = {", state->body);
  for (intptr_t i = 0; i < count; ++i)
    fprintf(state->body, "%s%s", i ? ", " : "", gcimCEmitResult(state, op, i)->name);
  fputs("};\n    gcimKernelSplit(", state->body);
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body, ", %lld, %s, %d, outputs, %zu);\n  }\n", (long long)axis, sizesName,
          (int)count, gcimElemTypeSize(x->elem));
  return true;
}

/* Slice's starts, ends, axes and steps become tables when constant; int64 inputs known
 * only at run time are checked to give the compiled output shape first. */
bool gcimCEmitSlice(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  const char *parts[] = {"starts", "ends", "axes", "steps"};
  char names[4][48] = {"NULL", "NULL", "NULL", "NULL"};
  int64_t count = 0;
  bool runtime = false;
  for (int i = 0; i < 4; ++i) {
    if (i + 1 >= mlirOperationGetNumOperands(op))
      break;
    int64_t values[GCIM_MAX_RANK];
    int n = gcimValueI64Constant(mlirOperationGetOperand(op, i + 1), values, GCIM_MAX_RANK);
    if (n >= 0) {
      intTable(state, y, parts[i], values, n, names[i]);
    } else {
      ValueInfo *part = gcimCEmitOperand(state, op, i + 1);
      if (part->elem != GCIM_ELEM_I64 || part->count > GCIM_MAX_RANK)
        return gcimCEmitUnsupported(state, op,
                                    "its starts, ends, axes and steps must be "
                                    "constants or int64 inputs");
      snprintf(names[i], sizeof names[i], "%s", part->name);
      n = part->count;
      runtime = true;
    }
    count = i == 0 ? n : count;
  }
  if (runtime) {
    char dims[32];
    state->usesFail = true;
    fprintf(state->body, "  if (gcimKernelSliceCheck(%s, %d", gcimCEmitDims(state, x, dims),
            x->rank);
    fprintf(state->body,
            ", %s, %s, %s, %s, %d, %s) != 0)\n    return fail(s, \"Slice's "
            "starts, ends, axes and steps do not give the compiled shape\");\n",
            names[0], names[1], names[2], names[3], (int)count, gcimCEmitDims(state, y, dims));
  }
  fputs("  gcimKernelSlice(", state->body);
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body, ", %s, %s, %s, %s, %d, %s, %zu);\n", names[0], names[1], names[2], names[3],
          (int)count, y->name, gcimElemTypeSize(y->elem));
  return true;
}

/* The C string literal `"'TYPE' node 'NAME': MESSAGE"` of the op's NameLoc (`"MESSAGE in
 * TYPE"` without one): a failed run names the model's node. */
static void writeNodeFailure(FILE *out, MlirOperation op, const char *type, const char *message) {
  MlirLocation loc = mlirOperationGetLocation(op);
  if (!mlirLocationIsAName(loc)) {
    fprintf(out, "\"%s in %s\"", message, type);
    return;
  }
  MlirStringRef node = mlirIdentifierStr(mlirLocationNameGetName(loc));
  fprintf(out, "\"'%s' node '", type);
  gcimCEmitStringChars(out, node.data, node.length);
  fprintf(out, "': %s\"", message);
}

bool gcimCEmitGather(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *indices = gcimCEmitOperand(state, op, 1);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  if (indices->elem != GCIM_ELEM_I64 && indices->elem != GCIM_ELEM_I32)
    return gcimCEmitUnsupported(state, op, "indices must be int64 or int32");
  int64_t axis;
  gcimCEmitAttrInt(op, "axis", 0, &axis);
  const char *indexName = indices->name;
  char converted[48];
  if (indices->elem == GCIM_ELEM_I32) { /* widen int32 indices into the result's scratch */
    snprintf(converted, sizeof converted, "%s_idx", y->name);
    fprintf(state->body,
            "  int64_t %s[%lld];\n  gcimKernelCast(%s, GCIM_ELEM_I32, %s, "
            "GCIM_ELEM_I64, %lld);\n",
            converted, (long long)(indices->count ? indices->count : 1), indices->name, converted,
            (long long)indices->count);
    indexName = converted;
  }
  state->usesFail = true;
  fputs("  if (gcimKernelGather(", state->body);
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body, ", %lld, %s, %lld, %s, %zu) != 0)\n    return fail(s, ", (long long)axis,
          indexName, (long long)indices->count, y->name, gcimElemTypeSize(y->elem));
  writeNodeFailure(state->body, op, "Gather", "index out of range");
  fputs(");\n", state->body);
  return true;
}

bool gcimCEmitExpand(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  ValueInfo *tensors[] = {x, y};
  char size[24];
  snprintf(size, sizeof size, "%zu", gcimElemTypeSize(y->elem));
  gcimCEmitKernelCall(state, "gcimKernelExpand", NULL, tensors, 2, size);
  return true;
}

bool gcimCEmitWhere(EmitState *state, MlirOperation op) {
  ValueInfo *c = gcimCEmitOperand(state, op, 0), *a = gcimCEmitOperand(state, op, 1);
  ValueInfo *b = gcimCEmitOperand(state, op, 2), *y = gcimCEmitResult(state, op, 0);
  ValueInfo *tensors[] = {c, a, b, y};
  char size[24];
  snprintf(size, sizeof size, "%zu", gcimElemTypeSize(y->elem));
  gcimCEmitKernelCall(state, "gcimKernelWhere", NULL, tensors, 4, size);
  return true;
}

bool gcimCEmitTrilu(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitOperand(state, op, 0), *y = gcimCEmitResult(state, op, 0);
  int64_t upper, k = 0;
  gcimCEmitAttrInt(op, "upper", 1, &upper);
  char kText[48];
  ValueInfo *kValue = mlirOperationGetNumOperands(op) > 1
                          ? gcimCEmitLookup(state, mlirOperationGetOperand(op, 1))
                          : NULL;
  if (kValue && gcimValueI64Constant(kValue->value, &k, 1) < 0) {
    if (kValue->elem != GCIM_ELEM_I64 || kValue->count != 1)
      return gcimCEmitUnsupported(state, op, "its k must be an int64 scalar");
    snprintf(kText, sizeof kText, "%s[0]", gcimCEmitRef(state, kValue)); /* a runtime k */
  } else {
    snprintf(kText, sizeof kText, "%lld", (long long)k);
  }
  fputs("  gcimKernelTrilu(", state->body);
  gcimCEmitTensorArgs(state, x);
  fprintf(state->body, ", %s, %d, %s, %zu);\n", kText, upper ? 1 : 0, y->name,
          gcimElemTypeSize(y->elem));
  return true;
}

bool gcimCEmitRange(EmitState *state, MlirOperation op) {
  ValueInfo *start = gcimCEmitOperand(state, op, 0), *delta = gcimCEmitOperand(state, op, 2);
  ValueInfo *limit = gcimCEmitOperand(state, op, 1), *y = gcimCEmitResult(state, op, 0);
  if (y->elem == GCIM_ELEM_F16 || y->elem == GCIM_ELEM_BF16 || y->elem == GCIM_ELEM_BOOL)
    return gcimCEmitUnsupported(state, op, "half-precision and bool ranges are not supported");
  /* The length was fixed at import (from constants or the declared output shape): bounds
   * read at run time that give another length fail the run instead of a wrong-length
   * result. */
  bool floating = y->elem == GCIM_ELEM_F32 || y->elem == GCIM_ELEM_F64;
  state->usesFail = true;
  fprintf(state->body,
          "  if (gcimKernelRangeCheck%s(%s[0], %s[0], %s[0], %lld) != 0)\n    return fail(s, ",
          floating ? "F64" : "I64", start->name, limit->name, delta->name, (long long)y->count);
  char message[96];
  snprintf(message, sizeof message, "start, limit and delta do not give the compiled length %lld",
           (long long)y->count);
  writeNodeFailure(state->body, op, "Range", message);
  fputs(");\n", state->body);
  if (y->elem != GCIM_ELEM_F32 && y->elem != GCIM_ELEM_I64) {
    /* float64 and the narrower integers: start + i * delta as the kernels compute it, in
     * double or int64 (exact for values of the type), then stored as the type */
    const char *wide = y->elem == GCIM_ELEM_F64 ? "double" : "int64_t";
    fprintf(state->body,
            "  for (int64_t i = 0; i < %lld; ++i)\n    %s[i] = (%s)((%s)%s[0] + (%s)i * "
            "(%s)%s[0]);\n",
            (long long)y->count, y->name, gcimCEmitElemCType(y->elem), wide, start->name, wide,
            wide, delta->name);
    return true;
  }
  fprintf(state->body, "  gcimKernelRange%s(%s[0], %s[0], %s, %lld);\n",
          y->elem == GCIM_ELEM_F32 ? "F32" : "I64", start->name, delta->name, y->name,
          (long long)y->count);
  return true;
}

bool gcimCEmitConstantOfShape(EmitState *state, MlirOperation op) {
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  MlirAttribute value =
      mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("value"));
  fprintf(state->body, "  {\n    const %s fill = ", gcimCEmitElemCType(y->elem));
  if (mlirAttributeIsNull(value) || !mlirAttributeIsADenseElements(value))
    fputs("0", state->body);
  else if (y->elem == GCIM_ELEM_F32)
    gcimCEmitFloatLiteral(state->body, mlirDenseElementsAttrGetFloatValue(value, 0));
  else if (y->elem == GCIM_ELEM_I64)
    fprintf(state->body, "%lld", (long long)mlirDenseElementsAttrGetInt64Value(value, 0));
  else if (y->elem == GCIM_ELEM_BOOL)
    fprintf(state->body, "%d", mlirDenseElementsAttrGetBoolValue(value, 0) ? 1 : 0);
  else
    return gcimCEmitUnsupported(state, op, "only float32, int64 and bool values are supported");
  fprintf(state->body, ";\n    gcimKernelFill(&fill, %s, %lld, %zu);\n  }\n", y->name,
          (long long)y->count, gcimElemTypeSize(y->elem));
  return true;
}

/* Shape and Size are known statically: the result is a table copied into place. */
bool gcimCEmitShape(EmitState *state, MlirOperation op) {
  ValueInfo *x = gcimCEmitLookup(state, mlirOperationGetOperand(op, 0));
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  int64_t values[GCIM_MAX_RANK], count = 0;
  if (gcimOpIsA(op, "onnx.size")) {
    values[count++] = x->count;
  } else {
    int64_t start = 0, end = x->rank;
    gcimCEmitAttrInt(op, "start", 0, &start);
    gcimCEmitAttrInt(op, "end", x->rank, &end);
    start = start < 0 ? start + x->rank : start;
    end = end < 0 ? end + x->rank : end;
    for (int64_t i = start < 0 ? 0 : start; i < end && i < x->rank; ++i)
      values[count++] = x->dims[i];
  }
  char name[48];
  intTable(state, y, "value", values, count, name);
  fprintf(state->body, "  gcimKernelCopy(%s, %s, %lld, 8);\n", name, y->name, (long long)y->count);
  return true;
}

bool gcimCEmitScatterND(EmitState *state, MlirOperation op) {
  ValueInfo *data = gcimCEmitOperand(state, op, 0), *indices = gcimCEmitOperand(state, op, 1);
  ValueInfo *updates = gcimCEmitOperand(state, op, 2), *y = gcimCEmitResult(state, op, 0);
  static const char *const reductions[][2] = {{"none", "GCIM_SCATTER_NONE"},
                                              {"add", "GCIM_SCATTER_ADD"},
                                              {"mul", "GCIM_SCATTER_MUL"},
                                              {"max", "GCIM_SCATTER_MAX"},
                                              {"min", "GCIM_SCATTER_MIN"}};
  MlirStringRef reduction = mlirStringRefCreateFromCString("none");
  gcimOpGetStringAttr(op, "reduction", &reduction);
  const char *kind = NULL;
  for (size_t i = 0; i < sizeof reductions / sizeof reductions[0]; ++i)
    if (gcimStringRefEquals(reduction, reductions[i][0]))
      kind = reductions[i][1];
  if (!kind)
    return gcimCEmitUnsupported(state, op, "an unknown reduction");
  char dims[32];
  state->usesFail = true;
  fprintf(state->body, "  if (gcimKernelScatterND(%s, %s, ", gcimCEmitElemEnum(y->elem), kind);
  gcimCEmitTensorArgs(state, data);
  fprintf(state->body, ", %s, %s, %d, ", indices->name, gcimCEmitDims(state, indices, dims),
          indices->rank);
  fprintf(state->body,
          "%s, %s) != 0)\n"
          "    return fail(s, \"index out of range in ScatterND\");\n",
          updates->name, y->name);
  return true;
}

bool gcimCEmitGatherND(EmitState *state, MlirOperation op) {
  ValueInfo *data = gcimCEmitOperand(state, op, 0), *indices = gcimCEmitOperand(state, op, 1);
  ValueInfo *y = gcimCEmitResult(state, op, 0);
  int64_t batchDims;
  gcimCEmitAttrInt(op, "batch_dims", 0, &batchDims);
  if (indices->elem != GCIM_ELEM_I64)
    return gcimCEmitUnsupported(state, op, "indices must be int64");
  char dims[32];
  state->usesFail = true;
  fputs("  if (gcimKernelGatherND(", state->body);
  gcimCEmitTensorArgs(state, data);
  fprintf(state->body,
          ", %s, %s, %d, %lld, %s, %zu) != 0)\n"
          "    return fail(s, \"index out of range in GatherND\");\n",
          indices->name, gcimCEmitDims(state, indices, dims), indices->rank, (long long)batchDims,
          y->name, gcimElemTypeSize(y->elem));
  return true;
}
