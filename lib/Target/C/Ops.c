/* Ops.c: the C emitter's op table and the helpers every op emitter uses. */
#include "Emitter.h"
#include "OpEmitters.h"

#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"

#include <math.h>
#include <string.h>

typedef struct OpEntry {
  const char *name;
  EmitOpFn emit;
} OpEntry;

static const OpEntry opTable[] = {
    {"onnx.add", emitBinary},          {"onnx.sub", emitBinary},
    {"onnx.mul", emitBinary},          {"onnx.div", emitBinary},
    {"onnx.pow", emitBinary},          {"onnx.min", emitVariadic},
    {"onnx.max", emitVariadic},        {"onnx.sqrt", emitUnary},
    {"onnx.reciprocal", emitUnary},    {"onnx.neg", emitUnary},
    {"onnx.abs", emitUnary},           {"onnx.exp", emitUnary},
    {"onnx.log", emitUnary},           {"onnx.tanh", emitUnary},
    {"onnx.erf", emitUnary},           {"onnx.sigmoid", emitUnary},
    {"onnx.relu", emitUnary},          {"onnx.gelu", emitUnary},
    {"onnx.hard_sigmoid", emitHardSigmoid}, {"onnx.clip", emitClip},
    {"onnx.identity", emitCopy},       {"onnx.dropout", emitCopy},
    {"onnx.reshape", emitCopy},        {"onnx.flatten", emitCopy},
    {"onnx.squeeze", emitCopy},        {"onnx.unsqueeze", emitCopy},
    {"onnx.equal", emitCompare},       {"onnx.less", emitCompare},
    {"onnx.greater", emitCompare},     {"onnx.and", emitLogical},
    {"onnx.or", emitLogical},          {"onnx.not", emitNot},
    {"onnx.cast", emitCast},           {"onnx.transpose", emitTranspose},
    {"onnx.concat", emitConcat},       {"onnx.split", emitSplit},
    {"onnx.slice", emitSlice},         {"onnx.gather", emitGather},
    {"onnx.expand", emitExpand},       {"onnx.where", emitWhere},
    {"onnx.trilu", emitTrilu},         {"onnx.range", emitRange},
    {"onnx.constant_of_shape", emitConstantOfShape},
    {"onnx.shape", emitShape},         {"onnx.size", emitShape},
    {"onnx.mat_mul", emitMatMul},      {"onnx.gemm", emitGemm},
    {"onnx.softmax", emitSoftmax},     {"onnx.log_softmax", emitSoftmax},
    {"onnx.layer_normalization", emitLayerNorm},
    {"onnx.reduce_mean", emitReduce},  {"onnx.reduce_sum", emitReduce},
    {"onnx.reduce_max", emitReduce},   {"gcim.attention", emitAttention},
    {"gcim.attention_step", emitAttentionStep}, {"gcim.step_index", emitStepIndex},
    {"gcim.cache_append", emitConcat}, {"gcim.linear", emitLinear},
    {"onnx.sin", emitUnary},           {"onnx.cos", emitUnary},
    {"onnx.floor", emitUnary},         {"onnx.ceil", emitUnary},
    {"onnx.sign", emitUnary},          {"onnx.softplus", emitUnary},
    {"onnx.mish", emitUnary},          {"onnx.less_or_equal", emitCompare},
    {"onnx.greater_or_equal", emitCompare}, {"onnx.xor", emitLogical},
    {"onnx.mod", emitMod},             {"onnx.is_inf", emitIsInfNaN},
    {"onnx.is_nan", emitIsInfNaN},     {"onnx.tile", emitTile},
    {"onnx.cum_sum", emitCumSum},      {"onnx.gather_elements", emitGatherElements},
};

EmitOpFn emitLookupOp(MlirOperation op) {
  for (size_t i = 0; i < sizeof opTable / sizeof opTable[0]; ++i)
    if (gcimOpIsA(op, opTable[i].name))
      return opTable[i].emit;
  return NULL;
}

bool emitUnsupported(EmitState *state, MlirOperation op, const char *why) {
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  gcimEmitError(mlirOperationGetLocation(op), "cannot generate C for '%.*s': %s",
                (int)name.length, name.data, why);
  state->failed = true;
  return false;
}

/* `/ * node 'name' (onnx.op) * /` above each statement, from the op's NameLoc. */
void emitComment(EmitState *state, MlirOperation op) {
  MlirLocation loc = mlirOperationGetLocation(op);
  MlirStringRef opName = mlirIdentifierStr(mlirOperationGetName(op));
  fputs("  /* ", state->body);
  if (mlirLocationIsAName(loc)) {
    MlirStringRef node = mlirIdentifierStr(mlirLocationNameGetName(loc));
    fputs("node '", state->body);
    for (size_t i = 0; i < node.length; ++i) /* never close the comment early */
      fputc(node.data[i] == '*' && i + 1 < node.length && node.data[i + 1] == '/'
                ? '_'
                : node.data[i],
            state->body);
    fputs("' ", state->body);
  }
  fprintf(state->body, "(%.*s) */\n", (int)opName.length, opName.data);
}

const char *emitRef(EmitState *state, ValueInfo *info) {
  if (info->storage == STORAGE_INPUT)
    info->declared = true; /* referenced: PREFIX_run needs no (void) for it */
  if (info->declared)
    return info->name;
  const char *type = emitElemCType(info->elem);
  if (info->storage == STORAGE_WEIGHT)
    fprintf(state->body, "  const %s *%s = (const %s *)(w + %llu);\n", type, info->name,
            type, (unsigned long long)info->offset);
  else
    fprintf(state->body, "  %s *%s = (%s *)(arena + %llu);\n", type, info->name, type,
            (unsigned long long)info->offset);
  info->declared = true;
  return info->name;
}

ValueInfo *emitOperand(EmitState *state, MlirOperation op, intptr_t i) {
  ValueInfo *info = emitLookup(state, mlirOperationGetOperand(op, i));
  emitRef(state, info);
  return info;
}

ValueInfo *emitResult(EmitState *state, MlirOperation op, intptr_t i) {
  ValueInfo *info = emitLookup(state, mlirOperationGetResult(op, i));
  emitRef(state, info);
  return info;
}

ValueInfo *emitGroupValue(EmitState *state, MlirOperation op, int group, int index) {
  MlirAttribute sizes = mlirOperationGetAttributeByName(
      op, mlirStringRefCreateFromCString("operandSegmentSizes"));
  intptr_t start = 0, length = 0;
  if (mlirAttributeIsNull(sizes)) { /* no segments: operand i is group i */
    start = group;
    length = group < mlirOperationGetNumOperands(op) ? 1 : 0;
  } else {
    if (group >= mlirDenseArrayGetNumElements(sizes))
      return NULL;
    for (int g = 0; g < group; ++g)
      start += mlirDenseI32ArrayGetElement(sizes, g);
    length = mlirDenseI32ArrayGetElement(sizes, group);
  }
  if (index >= length)
    return NULL;
  return emitLookup(state, mlirOperationGetOperand(op, start + index));
}

ValueInfo *emitGroupOperand(EmitState *state, MlirOperation op, int group, int index) {
  ValueInfo *info = emitGroupValue(state, op, group, index);
  if (info)
    emitRef(state, info);
  return info;
}

void emitTensorArgs(EmitState *state, ValueInfo *info) {
  char dims[32];
  fprintf(state->body, "%s, %s, %d", info->name, emitDims(state, info, dims), info->rank);
}

void emitKernelCall(EmitState *state, const char *kernel, const char *leading,
                    ValueInfo *const *tensors, int count, const char *trailing) {
  fprintf(state->body, "  %s(", kernel);
  if (leading)
    fprintf(state->body, "%s, ", leading);
  for (int i = 0; i < count; ++i) {
    if (i)
      fputs(", ", state->body);
    emitTensorArgs(state, tensors[i]);
  }
  fprintf(state->body, "%s%s);\n", trailing ? ", " : "", trailing ? trailing : "");
}

void emitFloatLiteral(FILE *out, double value) {
  if (isnan(value))
    fputs("NAN", out);
  else if (isinf(value))
    fputs(value > 0 ? "INFINITY" : "-INFINITY", out);
  else {
    char text[40];
    snprintf(text, sizeof text, "%.9g", value);
    /* "6" is an int in C: give every literal a fraction or an exponent */
    fprintf(out, "%s%sf", text, strpbrk(text, ".e") ? "" : ".0");
  }
}

void emitIntTable(EmitState *state, const char *name, const int64_t *values, int64_t count) {
  fprintf(state->decls, "static const int64_t %s[] = {", name);
  for (int64_t i = 0; i < count; ++i)
    fprintf(state->decls, "%s%lld", i ? ", " : "", (long long)values[i]);
  fputs(count ? "};\n" : "0};\n", state->decls);
}

bool emitAttrInt(MlirOperation op, const char *name, int64_t fallback, int64_t *value) {
  if (!gcimOpGetIntAttr(op, name, value))
    *value = fallback;
  return true;
}

bool emitAttrFloat(MlirOperation op, const char *name, double fallback, double *value) {
  if (!gcimOpGetFloatAttr(op, name, value))
    *value = fallback;
  return true;
}
