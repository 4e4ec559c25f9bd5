/* Node.c: imports one ONNX node: older forms rewritten, shapes inferred, shape
 * computations folded to known values, and otherwise one onnx op built. */
#define _XOPEN_SOURCE 700
#include "Importer.h"

#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most operand (result) groups of an op: 32 optional groups stand for a variadic one. */
enum { MAX_GROUPS = 40, VARIADIC_GROUPS = 32 };

/* Attributes of older opsets that the newest form takes as an operand (index 1). */
static const struct {
  const char *opName, *attribute;
} attrToOperand[] = {
    {"onnx.squeeze", "axes"},    {"onnx.unsqueeze", "axes"},   {"onnx.split", "split"},
    {"onnx.reduce_sum", "axes"}, {"onnx.reduce_mean", "axes"}, {"onnx.reduce_max", "axes"},
    {"onnx.reduce_min", "axes"}, {"onnx.reduce_prod", "axes"},
};

/* Turns an INTS attribute of an older opset into a constant operand. */
static bool rewriteOlderForm(Importer *im, NodeInfo *node) {
  for (size_t i = 0; i < sizeof attrToOperand / sizeof attrToOperand[0]; ++i) {
    if (strcmp(node->schema->opName, attrToOperand[i].opName) != 0)
      continue;
    const Onnx__AttributeProto *a = gcimOnnxFindAttr(node->proto, attrToOperand[i].attribute);
    if (!a)
      return true;
    if (node->inputCount > 1 && node->inputs[1]) {
      gcimOnnxImportError(im, "'%s' is given both as attribute and as input", a->name);
      return false;
    }
    Value *v = calloc(1, sizeof *v);
    if (!v || !(v->constant = gcimOnnxConstCreate(DT_INT64, (int64_t)a->n_ints))) {
      free(v);
      gcimOnnxImportError(im, "out of memory");
      return false;
    }
    v->name = a->name; /* borrowed; marks the attribute as rewritten */
    v->hasType = true;
    v->type.elemType = DT_INT64;
    v->type.rank = 1;
    v->type.dims[0] = (int64_t)a->n_ints;
    for (size_t j = 0; j < a->n_ints; ++j)
      v->constant->ints[j] = a->ints[j];
    v->loc = im->loc;
    node->extraInputs[0] = v;
    if (node->inputCount < 2)
      node->inputCount = 2;
    node->inputs[1] = v;
  }
  return true;
}

/* Checks inputs against the schema and computes operand segment sizes. */
static bool matchOperands(Importer *im, NodeInfo *node, int32_t *segments, size_t *segmentCount,
                          bool *needSegments) {
  const char *kinds = node->schema->operands;
  size_t groups = strlen(kinds), next = 0, nonSingle = 0;
  assert(groups <= MAX_GROUPS);
  if (groups == VARIADIC_GROUPS && strspn(kinds, "?") == groups) {
    /* A variadic operand (Concat, Min, Max): one or more inputs, none of them empty. */
    bool holes = node->inputCount == 0;
    for (size_t i = 0; i < node->inputCount; ++i)
      holes |= node->inputs[i] == NULL;
    if (holes) {
      gcimOnnxImportError(im, "needs one or more inputs, none of them empty");
      return false;
    }
  }
  for (size_t g = 0; g < groups; ++g) {
    if (kinds[g] == '*') {
      segments[g] = (int32_t)(node->inputCount - next);
      for (; next < node->inputCount; ++next)
        if (!node->inputs[next]) {
          gcimOnnxImportError(im, "variadic input %zu is empty", next);
          return false;
        }
    } else {
      bool present = next < node->inputCount && node->inputs[next];
      if (kinds[g] == 's' && !present) {
        gcimOnnxImportError(im, "missing required input %zu", g);
        return false;
      }
      segments[g] = present ? 1 : 0;
      ++next;
    }
    nonSingle += kinds[g] != 's';
  }
  if (next < node->inputCount) {
    gcimOnnxImportError(im, "has %zu inputs, at most %zu are allowed", node->inputCount, groups);
    return false;
  }
  *segmentCount = groups;
  *needSegments = nonSingle > 1;
  return true;
}

static bool matchResults(Importer *im, NodeInfo *node, int32_t *segments, size_t *segmentCount,
                         bool *needSegments) {
  const char *kinds = node->schema->results;
  size_t groups = strlen(kinds), n = node->proto->n_output, nonSingle = 0;
  assert(groups <= MAX_GROUPS);
  if (kinds[0] == '*') {
    segments[0] = (int32_t)n;
    *segmentCount = 1;
    *needSegments = false;
    return true;
  }
  if (n > groups || n == 0) {
    gcimOnnxImportError(im, "has %zu outputs, expected 1 to %zu", n, groups);
    return false;
  }
  for (size_t g = 0; g < groups; ++g) {
    bool present = g < n && node->proto->output[g][0];
    if (kinds[g] == 's' && !present) {
      gcimOnnxImportError(im, "missing required output %zu", g);
      return false;
    }
    segments[g] = present ? 1 : 0;
    nonSingle += kinds[g] != 's';
  }
  *segmentCount = groups;
  *needSegments = nonSingle > 1;
  return true;
}

static bool buildOp(Importer *im, NodeInfo *node) {
  int32_t inSeg[MAX_GROUPS], outSeg[MAX_GROUPS];
  size_t inGroups, outGroups;
  bool inNeed, outNeed;
  if (!matchOperands(im, node, inSeg, &inGroups, &inNeed) ||
      !matchResults(im, node, outSeg, &outGroups, &outNeed))
    return false;
  MlirNamedAttribute *attrs = NULL;
  size_t attrCount = 0;
  if (!gcimOnnxConvertAttributes(im, node, &attrs, &attrCount)) {
    free(attrs);
    return false;
  }
  if (inNeed)
    attrs[attrCount++] =
        gcimSegmentSizesAttr(im->ctx, "operandSegmentSizes", inSeg, (intptr_t)inGroups);
  MlirOperationState state =
      mlirOperationStateGet(mlirStringRefCreateFromCString(node->schema->opName), im->loc);
  for (size_t i = 0; i < node->inputCount; ++i) {
    if (!node->inputs[i])
      continue;
    MlirValue operand = gcimOnnxMaterialize(im, node->inputs[i]);
    if (mlirValueIsNull(operand)) {
      free(attrs);
      return false;
    }
    mlirOperationStateAddOperands(&state, 1, &operand);
  }
  for (size_t i = 0; i < node->outputCount; ++i) {
    if (!node->proto->output[i][0])
      continue;
    MlirType type = gcimOnnxTypeToMlir(im->ctx, &node->outputTypes[i]);
    mlirOperationStateAddResults(&state, 1, &type);
  }
  if (outNeed) {
    MlirNamedAttribute seg =
        gcimSegmentSizesAttr(im->ctx, "resultSegmentSizes", outSeg, (intptr_t)outGroups);
    mlirOperationStateAddAttributes(&state, 1, &seg);
  }
  mlirOperationStateAddAttributes(&state, (intptr_t)attrCount, attrs);
  free(attrs);
  MlirOperation op = mlirOperationCreate(&state);
  if (mlirOperationIsNull(op)) {
    gcimOnnxImportError(im, "cannot build '%s'", node->schema->opName);
    return false;
  }
  mlirBlockAppendOwnedOperation(im->block, op);
  intptr_t result = 0;
  for (size_t i = 0; i < node->outputCount; ++i) {
    if (!node->proto->output[i][0])
      continue;
    Value *v = gcimOnnxLookupValue(im, node->proto->output[i]);
    v->value = mlirOperationGetResult(op, result++);
  }
  return true;
}

/* Checks an inferred type against the one the model declares, and fills in what the
 * inference left unknown. */
static bool reconcile(Importer *im, const char *name, TypeInfo *type, bool inferred) {
  const Onnx__ValueInfoProto *info = gcimOnnxStrMapGet(&im->valueInfos, name);
  TypeInfo declared;
  bool hasDeclared = info && info->type &&
                     info->type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE &&
                     gcimOnnxValueInfoType(im, info->type, name, &declared);
  if (im->failed)
    return false;
  if (!inferred) {
    if (!hasDeclared || declared.rank < 0) {
      gcimOnnxImportError(im, "cannot infer the shape of output '%s'", name);
      return false;
    }
    *type = declared;
  } else if (hasDeclared && declared.rank >= 0) {
    bool agree = declared.elemType == type->elemType && declared.rank == type->rank;
    for (int32_t d = 0; agree && d < type->rank; ++d)
      agree = declared.dims[d] < 0 || type->dims[d] < 0 || declared.dims[d] == type->dims[d];
    if (!agree) {
      char a[256], b[256];
      gcimOnnxFormatShape(&declared, a, sizeof a);
      gcimOnnxFormatShape(type, b, sizeof b);
      gcimOnnxImportError(im, "output '%s' is declared %s but inferred %s", name, a, b);
      return false;
    }
    for (int32_t d = 0; d < type->rank; ++d)
      if (type->dims[d] < 0)
        type->dims[d] = declared.dims[d];
  }
  for (int32_t d = 0; d < type->rank; ++d)
    if (type->dims[d] < 0) {
      gcimOnnxImportError(im, "cannot infer a static shape for output '%s'", name);
      return false;
    }
  return true;
}

static bool defineOutputs(Importer *im, NodeInfo *node) {
  for (size_t i = 0; i < node->outputCount; ++i) {
    const char *name = node->proto->output[i];
    if (!name[0])
      continue;
    Value *v = gcimOnnxDefineValue(im, name);
    if (!v)
      return false;
    v->type = node->outputTypes[i];
    v->hasType = true;
    v->loc = im->loc;
    v->constant = node->outputConsts[i];
    node->outputConsts[i] = NULL;
  }
  return true;
}

static bool importConstant(Importer *im, NodeInfo *node);

static bool importPrepared(Importer *im, NodeInfo *node) {
  if (!rewriteOlderForm(im, node))
    return false;
  for (size_t i = 0; i < node->inputCount; ++i)
    if (node->inputs[i] && !node->inputs[i]->hasType) {
      gcimOnnxImportError(im, "input '%s' has no known type", node->inputs[i]->name);
      return false;
    }
  if (strcmp(node->schema->opName, "onnx.constant") == 0)
    return importConstant(im, node);
  /* Inputs and outputs must fit the schema before any hook looks at them. */
  int32_t segments[MAX_GROUPS];
  size_t groups;
  bool needSegments;
  if (!matchOperands(im, node, segments, &groups, &needSegments) ||
      !matchResults(im, node, segments, &groups, &needSegments))
    return false;
  for (size_t i = 0; i < node->schema->attributeCount; ++i)
    if (!node->schema->attributes[i].defaultValue &&
        !gcimOnnxFindAttr(node->proto, node->schema->attributes[i].name)) {
      gcimOnnxImportError(im, "missing required attribute '%s'", node->schema->attributes[i].name);
      return false;
    }
  const OpHooks *hooks = gcimOnnxLookupOpHooks(node->schema->opName);
  bool inferred = hooks && hooks->infer && hooks->infer(im, node);
  if (im->failed)
    return false;
  for (size_t i = 0; i < node->outputCount; ++i)
    if (node->proto->output[i][0] &&
        !reconcile(im, node->proto->output[i], &node->outputTypes[i], inferred))
      return false;
  for (size_t i = 0; i < node->outputCount; ++i)
    if (node->proto->output[i][0] && gcimOnnxTypeNumElements(&node->outputTypes[i]) < 0) {
      gcimOnnxImportError(im, "output '%s' has too many elements (more than 2^48)",
                          node->proto->output[i]);
      return false;
    }
  bool folded = hooks && hooks->fold && hooks->fold(im, node);
  if (im->failed)
    return false;
  if (!defineOutputs(im, node))
    return false;
  return folded || buildOp(im, node);
}

/* A Constant node defines a value that is materialised on first use, like an
 * initializer; its `value_*` forms are normalised to `value`. */
static bool importConstant(Importer *im, NodeInfo *node) {
  const Onnx__NodeProto *proto = node->proto;
  if (proto->n_attribute != 1 || proto->n_output != 1 || node->inputCount != 0) {
    gcimOnnxImportError(im, "must have no inputs, one output and one attribute");
    return false;
  }
  const Onnx__AttributeProto *a = proto->attribute[0];
  TypeInfo *type = &node->outputTypes[0];
  memset(type, 0, sizeof *type);
  ConstData *data = NULL;
  const char *name = a->name ? a->name : "";
  ByteView bytes = {0};
  if (strcmp(name, "value") == 0 && a->t) {
    if (!gcimOnnxTensorType(im, a->t, "attribute 'value'", type) ||
        !gcimOnnxTensorCheck(im, a->t, &bytes, type, "attribute 'value'"))
      return false;
  } else if (strcmp(name, "value_float") == 0 || strcmp(name, "value_int") == 0) {
    bool isFloat = name[6] == 'f';
    type->elemType = isFloat ? DT_FLOAT : DT_INT64;
    data = gcimOnnxConstCreate(type->elemType, 1);
    if (data && isFloat)
      data->floats[0] = a->f;
    else if (data)
      data->ints[0] = a->i;
  } else if (strcmp(name, "value_floats") == 0 || strcmp(name, "value_ints") == 0) {
    bool isFloat = name[6] == 'f';
    size_t n = isFloat ? a->n_floats : a->n_ints;
    type->elemType = isFloat ? DT_FLOAT : DT_INT64;
    type->rank = 1;
    type->dims[0] = (int64_t)n;
    data = gcimOnnxConstCreate(type->elemType, (int64_t)n);
    for (size_t i = 0; data && i < n; ++i) {
      if (isFloat)
        data->floats[i] = a->floats[i];
      else
        data->ints[i] = a->ints[i];
    }
  } else {
    gcimOnnxImportError(im, "attribute '%s' is not supported", name);
    return false;
  }
  if (!a->t && !data) {
    gcimOnnxImportError(im, "out of memory");
    return false;
  }
  if (!reconcile(im, proto->output[0], type, true)) {
    gcimOnnxConstDestroy(data);
    return false;
  }
  node->outputConsts[0] = data;
  if (!defineOutputs(im, node))
    return false;
  Value *v = gcimOnnxLookupValue(im, proto->output[0]);
  if (!data) {
    v->initializer = a->t;
    v->initializerBytes = bytes;
  }
  return true;
}

bool gcimOnnxImportNode(Importer *im, const Onnx__NodeProto *proto, size_t index) {
  char generated[128];
  const char *domain = proto->domain ? proto->domain : "";
  const char *opType = proto->op_type ? proto->op_type : "";
  if (!proto->name || !proto->name[0]) {
    snprintf(generated, sizeof generated, "%.80s_%zu", opType, index);
    im->nodeName = generated;
  } else {
    im->nodeName = proto->name;
  }
  im->opType = opType;
  im->loc = gcimOnnxNameLoc(im, im->nodeName);
  NodeInfo node = {.proto = proto, .schema = gcimOnnxLookupOpSchema(domain, opType)};
  size_t inputs = proto->n_input + 2, outputs = proto->n_output + 1;
  node.inputs = calloc(inputs, sizeof *node.inputs);
  node.outputTypes = calloc(outputs, sizeof *node.outputTypes);
  node.outputConsts = calloc(outputs, sizeof *node.outputConsts);
  bool ok = node.inputs && node.outputTypes && node.outputConsts;
  if (!ok)
    gcimOnnxImportError(im, "out of memory");
  node.inputCount = proto->n_input;
  node.outputCount = proto->n_output;
  for (size_t i = 0; ok && i < proto->n_input; ++i)
    node.inputs[i] = proto->input[i][0] ? gcimOnnxLookupValue(im, proto->input[i]) : NULL;
  ok = ok && importPrepared(im, &node);
  for (size_t i = 0; node.outputConsts && i < node.outputCount; ++i)
    gcimOnnxConstDestroy(node.outputConsts[i]);
  for (size_t i = 0; i < 4; ++i)
    if (node.extraInputs[i]) {
      gcimOnnxConstDestroy(node.extraInputs[i]->constant);
      free(node.extraInputs[i]);
    }
  free(node.inputs);
  free(node.outputTypes);
  free(node.outputConsts);
  im->nodeName = NULL;
  im->loc = (MlirLocation){NULL};
  return ok && !im->failed;
}
