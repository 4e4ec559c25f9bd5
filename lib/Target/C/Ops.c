/* Ops.c: the C emitter's op table and the helpers every op emitter uses. */
#include "Emitter.h"
#include "OpEmitters.h"

#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <math.h>
#include <string.h>

typedef struct OpEntry {
  const char *name;
  EmitOpFn emit;
} OpEntry;

static const OpEntry opTable[] = {
    {"onnx.add", gcimCEmitBinary},
    {"onnx.sub", gcimCEmitBinary},
    {"onnx.mul", gcimCEmitBinary},
    {"onnx.div", gcimCEmitBinary},
    {"onnx.pow", gcimCEmitBinary},
    {"onnx.min", gcimCEmitVariadic},
    {"onnx.max", gcimCEmitVariadic},
    {"onnx.sqrt", gcimCEmitUnary},
    {"onnx.reciprocal", gcimCEmitUnary},
    {"onnx.neg", gcimCEmitUnary},
    {"onnx.abs", gcimCEmitUnary},
    {"onnx.exp", gcimCEmitUnary},
    {"onnx.log", gcimCEmitUnary},
    {"onnx.tanh", gcimCEmitUnary},
    {"onnx.erf", gcimCEmitUnary},
    {"onnx.sigmoid", gcimCEmitUnary},
    {"onnx.relu", gcimCEmitUnary},
    {"onnx.gelu", gcimCEmitUnary},
    {"onnx.hard_sigmoid", gcimCEmitHardSigmoid},
    {"onnx.clip", gcimCEmitClip},
    {"onnx.identity", gcimCEmitCopy},
    {"onnx.dropout", gcimCEmitCopy},
    {"onnx.reshape", gcimCEmitCopy},
    {"onnx.flatten", gcimCEmitCopy},
    {"onnx.squeeze", gcimCEmitCopy},
    {"onnx.unsqueeze", gcimCEmitCopy},
    {"onnx.equal", gcimCEmitCompare},
    {"onnx.less", gcimCEmitCompare},
    {"onnx.greater", gcimCEmitCompare},
    {"onnx.and", gcimCEmitLogical},
    {"onnx.or", gcimCEmitLogical},
    {"onnx.not", gcimCEmitNot},
    {"onnx.cast", gcimCEmitCast},
    {"onnx.transpose", gcimCEmitTranspose},
    {"onnx.concat", gcimCEmitConcat},
    {"onnx.split", gcimCEmitSplit},
    {"onnx.slice", gcimCEmitSlice},
    {"onnx.gather", gcimCEmitGather},
    {"onnx.expand", gcimCEmitExpand},
    {"onnx.where", gcimCEmitWhere},
    {"onnx.trilu", gcimCEmitTrilu},
    {"onnx.range", gcimCEmitRange},
    {"onnx.constant_of_shape", gcimCEmitConstantOfShape},
    {"onnx.shape", gcimCEmitShape},
    {"onnx.size", gcimCEmitShape},
    {"onnx.mat_mul", gcimCEmitMatMul},
    {"onnx.gemm", gcimCEmitGemm},
    {"onnx.softmax", gcimCEmitSoftmax},
    {"onnx.log_softmax", gcimCEmitSoftmax},
    {"onnx.layer_normalization", gcimCEmitLayerNorm},
    {"onnx.reduce_mean", gcimCEmitReduce},
    {"onnx.reduce_sum", gcimCEmitReduce},
    {"onnx.reduce_max", gcimCEmitReduce},
    {"onnx.reduce_min", gcimCEmitReduce},
    {"onnx.reduce_prod", gcimCEmitReduce},
    {"onnx.arg_max", gcimCEmitArgReduce},
    {"onnx.arg_min", gcimCEmitArgReduce},
    {"onnx.top_k", gcimCEmitTopK},
    {"onnx.cast_like", gcimCEmitCast},
    {"gcim.attention", gcimCEmitAttention},
    {"gcim.attention_step", gcimCEmitAttentionStep},
    {"gcim.step_index", gcimCEmitStepIndex},
    {"gcim.scaler", gcimCEmitTileLayer},
    {"gcim.adder_tree", gcimCEmitTileLayer},
    {"gcim.cache_append", gcimCEmitConcat},
    {"gcim.linear", gcimCEmitLinear},
    {"gcim.linear_narrow", gcimCEmitLinearNarrow},
    {"onnx.sin", gcimCEmitUnary},
    {"onnx.cos", gcimCEmitUnary},
    {"onnx.floor", gcimCEmitUnary},
    {"onnx.ceil", gcimCEmitUnary},
    {"onnx.sign", gcimCEmitUnary},
    {"onnx.softplus", gcimCEmitUnary},
    {"onnx.mish", gcimCEmitUnary},
    {"onnx.less_or_equal", gcimCEmitCompare},
    {"onnx.greater_or_equal", gcimCEmitCompare},
    {"onnx.xor", gcimCEmitLogical},
    {"onnx.mod", gcimCEmitMod},
    {"onnx.is_inf", gcimCEmitIsInfNaN},
    {"onnx.is_nan", gcimCEmitIsInfNaN},
    {"onnx.tile", gcimCEmitTile},
    {"onnx.cum_sum", gcimCEmitCumSum},
    {"onnx.gather_elements", gcimCEmitGatherElements},
    {"onnx.scatter_nd", gcimCEmitScatterND},
    {"onnx.gather_nd", gcimCEmitGatherND},
};

EmitOpFn gcimCEmitLookupOp(MlirOperation op) {
  for (size_t i = 0; i < sizeof opTable / sizeof opTable[0]; ++i)
    if (gcimOpIsA(op, opTable[i].name))
      return opTable[i].emit;
  return NULL;
}

/* Whether `type` is a tensor of float16 or bfloat16. */
static bool isHalfTensor(MlirType type) {
  if (!mlirTypeIsARankedTensor(type))
    return false;
  MlirType element = mlirShapedTypeGetElementType(type);
  return mlirTypeIsAF16(element) || mlirTypeIsABF16(element);
}

static bool hasHalfValues(MlirOperation op) {
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    if (isHalfTensor(mlirValueGetType(mlirOperationGetOperand(op, i))))
      return true;
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i)
    if (isHalfTensor(mlirValueGetType(mlirOperationGetResult(op, i))))
      return true;
  return false;
}

bool gcimCEmitUnsupported(EmitState *state, MlirOperation op, const char *why) {
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  /* A model converted to float16 (.half(), a float16 converter) fails at its first
   * arithmetic op: say what to do about the whole model, not only about this op. */
  const char *hint = hasHalfValues(op) ? "; the generated C computes this op in float32 only: "
                                         "export the model in float32 (--weights=bf16 narrows "
                                         "its weights)"
                                       : "";
  gcimEmitError(mlirOperationGetLocation(op), "cannot generate C for '%.*s': %s%s",
                (int)name.length, name.data, why, hint);
  state->failed = true;
  return false;
}

/* `/ * node 'name' (onnx.op) * /` above each statement, from the op's NameLoc. */
void gcimCEmitComment(EmitState *state, MlirOperation op) {
  MlirLocation loc = mlirOperationGetLocation(op);
  MlirStringRef opName = mlirIdentifierStr(mlirOperationGetName(op));
  fputs("  /* ", state->body);
  if (mlirLocationIsAName(loc)) {
    MlirStringRef node = mlirIdentifierStr(mlirLocationNameGetName(loc));
    fputs("node '", state->body);
    for (size_t i = 0; i < node.length; ++i) /* never close the comment early */
      fputc(node.data[i] == '*' && i + 1 < node.length && node.data[i + 1] == '/' ? '_'
                                                                                  : node.data[i],
            state->body);
    fputs("' ", state->body);
  }
  fprintf(state->body, "(%.*s) */\n", (int)opName.length, opName.data);
}

void gcimCEmitStringChars(FILE *out, const char *text, size_t length) {
  for (size_t i = 0; i < length; ++i) {
    unsigned char c = (unsigned char)text[i];
    if (c == '"' || c == '\\' || c == '?')
      fprintf(out, "\\%c", c);
    else if (c < 32 || c > 126)
      fprintf(out, "\\%03o", c);
    else
      fputc(c, out);
  }
}

const char *gcimCEmitRef(EmitState *state, ValueInfo *info) {
  if (info->storage == STORAGE_INPUT)
    info->declared = true; /* referenced: PREFIX_run needs no (void) for it */
  if (info->declared)
    return info->name;
  const char *type = gcimCEmitElemCType(info->elem);
  if (info->storage == STORAGE_WEIGHT)
    fprintf(state->body, "  const %s *%s = (const %s *)(w + %llu);\n", type, info->name, type,
            (unsigned long long)info->offset);
  else
    fprintf(state->body, "  %s *%s = (%s *)(arena + %llu);\n", type, info->name, type,
            (unsigned long long)info->offset);
  info->declared = true;
  return info->name;
}

ValueInfo *gcimCEmitOperand(EmitState *state, MlirOperation op, intptr_t i) {
  ValueInfo *info = gcimCEmitLookup(state, mlirOperationGetOperand(op, i));
  gcimCEmitRef(state, info);
  return info;
}

ValueInfo *gcimCEmitResult(EmitState *state, MlirOperation op, intptr_t i) {
  ValueInfo *info = gcimCEmitLookup(state, mlirOperationGetResult(op, i));
  gcimCEmitRef(state, info);
  return info;
}

ValueInfo *gcimCEmitGroupValue(EmitState *state, MlirOperation op, int group, int index) {
  MlirAttribute sizes =
      mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("operandSegmentSizes"));
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
  return gcimCEmitLookup(state, mlirOperationGetOperand(op, start + index));
}

ValueInfo *gcimCEmitGroupOperand(EmitState *state, MlirOperation op, int group, int index) {
  ValueInfo *info = gcimCEmitGroupValue(state, op, group, index);
  if (info)
    gcimCEmitRef(state, info);
  return info;
}

void gcimCEmitTensorArgs(EmitState *state, ValueInfo *info) {
  char dims[32];
  fprintf(state->body, "%s, %s, %d", info->name, gcimCEmitDims(state, info, dims), info->rank);
}

void gcimCEmitKernelCall(EmitState *state, const char *kernel, const char *leading,
                         ValueInfo *const *tensors, int count, const char *trailing) {
  fprintf(state->body, "  %s(", kernel);
  if (leading)
    fprintf(state->body, "%s, ", leading);
  for (int i = 0; i < count; ++i) {
    if (i)
      fputs(", ", state->body);
    gcimCEmitTensorArgs(state, tensors[i]);
  }
  fprintf(state->body, "%s%s);\n", trailing ? ", " : "", trailing ? trailing : "");
}

void gcimCEmitFloatLiteral(FILE *out, double value) {
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

void gcimCEmitIntTable(EmitState *state, const char *name, const int64_t *values, int64_t count) {
  fprintf(state->decls, "static const int64_t %s[] = {", name);
  for (int64_t i = 0; i < count; ++i)
    fprintf(state->decls, "%s%lld", i ? ", " : "", (long long)values[i]);
  fputs(count ? "};\n" : "0};\n", state->decls);
}

bool gcimCEmitAttrInt(MlirOperation op, const char *name, int64_t fallback, int64_t *value) {
  if (!gcimOpGetIntAttr(op, name, value))
    *value = fallback;
  return true;
}

bool gcimCEmitAttrFloat(MlirOperation op, const char *name, double fallback, double *value) {
  if (!gcimOpGetFloatAttr(op, name, value))
    *value = fallback;
  return true;
}
