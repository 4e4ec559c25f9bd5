/* Graph.c: imports an ONNX graph as `func.func @main`: checks the model (versions,
 * names, order, supported ops), defines inputs and initializers, imports the nodes in a
 * topological order and returns the graph outputs. */
#include "Bind.h"
#include "Expand.h"
#include "Importer.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MIN_OPSET = 1, MAX_OPSET = 23, MIN_IR = 3, MAX_IR = 11 };

static bool checkVersions(Importer *im) {
  const Onnx__ModelProto *model = im->model->proto;
  if (!model->has_ir_version || model->ir_version < MIN_IR || model->ir_version > MAX_IR) {
    gcimOnnxImportError(im, "IR version %lld is not supported (%d to %d)",
                        (long long)model->ir_version, MIN_IR, MAX_IR);
    return false;
  }
  im->opset = -1;
  for (size_t i = 0; i < model->n_opset_import; ++i) {
    const Onnx__OperatorSetIdProto *op = model->opset_import[i];
    if (!op->domain || !op->domain[0] || strcmp(op->domain, "ai.onnx") == 0)
      im->opset = op->version;
  }
  /* Nodes of opsets below 13 are upgraded one by one, or refused (ExpandLegacy.c). */
  if (im->opset < MIN_OPSET || im->opset > MAX_OPSET) {
    gcimOnnxImportError(im, "default-domain opset %lld is not supported (%d to %d)",
                        (long long)im->opset, MIN_OPSET, MAX_OPSET);
    return false;
  }
  return true;
}

/* Control flow comes from scripted modules (torch.jit.script) and from merged decoders
 * (optimum's If on use_cache_branch): say how to export without it. ONNX Runtime's NCHWc
 * operators come from its optimization levels 'layout' and 'all', for the processor that
 * ran it only. */
static const char *unsupportedHint(const Onnx__GraphProto *g, const char *domain,
                                   const char *type) {
  bool control = !domain[0] && (strcmp(type, "If") == 0 || strcmp(type, "Loop") == 0 ||
                                strcmp(type, "Scan") == 0);
  bool sequences = false;
  for (size_t i = 0; i < g->n_node && !sequences; ++i)
    sequences = g->node[i]->op_type && strcmp(g->node[i]->op_type, "ConcatFromSequence") == 0;
  /* torch 1.13 writes repeat_interleave over an axis of a size it did not infer (Cohere's
   * rotary frequencies, a GPT-J-style table) as a Loop over SplitToSequence pieces. */
  if (sequences && !domain[0] && strcmp(type, "Loop") == 0)
    return ": torch.repeat_interleave over an axis whose size the exporter did not infer "
           "writes a Loop over sequences, which gcim does not take; write it as "
           "torch.stack((x, x), dim=-1).flatten(-2) (repeat_interleave(x, 2, dim=-1)) and "
           "export again";
  if (strcmp(domain, "com.microsoft.nchwc") == 0)
    return ": ONNX Runtime's blocked layout for one processor's vector width (written by its "
           "optimization levels 'layout' and 'all', for ONNX Runtime on the same machine "
           "only); give gcim the model before optimization, or one optimized at level "
           "'extended'";
  return control ? ": control flow (subgraphs) is not supported; export a traced graph "
                   "(torch.onnx.export of a module that is not torch.jit.script'ed; for "
                   "optimum's merged decoders, export with --no-post-process)"
                 : "";
}

/* Lists every unsupported op type with its count and first node, then fails. */
static bool checkSupported(Importer *im) {
  const Onnx__GraphProto *g = im->graph;
  bool ok = true;
  for (size_t i = 0; i < g->n_node; ++i) {
    const Onnx__NodeProto *n = g->node[i];
    const char *domain = n->domain ? n->domain : "", *type = n->op_type ? n->op_type : "";
    if (gcimOnnxLookupOpSchema(domain, type))
      continue;
    bool seen = false;
    size_t count = 0;
    for (size_t j = 0; j < g->n_node && !seen; ++j) {
      const Onnx__NodeProto *m = g->node[j];
      bool same = strcmp(m->op_type ? m->op_type : "", type) == 0 &&
                  strcmp(m->domain ? m->domain : "", domain) == 0;
      seen = same && j < i;
      count += same;
    }
    if (seen)
      continue;
    ok = false;
    char name[128];
    if (!n->name || !n->name[0])
      snprintf(name, sizeof name, "%.80s_%zu", type, i);
    im->loc = gcimOnnxNameLoc(im, n->name && n->name[0] ? n->name : name);
    gcimOnnxImportError(im, "unsupported op '%s%s%s' (%zu node%s, first '%s')%s", domain,
                        domain[0] ? "." : "", type, count, count == 1 ? "" : "s",
                        n->name && n->name[0] ? n->name : name, unsupportedHint(g, domain, type));
  }
  im->loc = (MlirLocation){NULL};
  return ok;
}

static bool defineInitializers(Importer *im) {
  const Onnx__GraphProto *g = im->graph;
  for (size_t i = 0; i < g->n_initializer; ++i) {
    const Onnx__TensorProto *t = g->initializer[i];
    char what[300];
    const char *name = t->name ? t->name : "";
    if (gcimOnnxQuantPackedUnread(g, t))
      continue;
    snprintf(what, sizeof what, "initializer '%.200s'", name);
    im->loc = gcimOnnxNameLoc(im, name);
    if (!name[0]) {
      gcimOnnxImportError(im, "initializer %zu has no name", i);
      return false;
    }
    if (gcimOnnxLookupValue(im, name)) {
      gcimOnnxImportError(im, "initializer '%s' is defined twice", name);
      return false;
    }
    Value *v = gcimOnnxDefineValue(im, name);
    if (!v || !gcimOnnxTensorType(im, t, what, &v->type))
      return false;
    v->initializerBytes = im->model->initializerBytes[i];
    if (!gcimOnnxTensorCheck(im, t, &v->initializerBytes, &v->type, what))
      return false;
    v->hasType = true;
    v->initializer = t;
    v->loc = im->loc;
  }
  im->loc = (MlirLocation){NULL};
  return true;
}

/* {onnx.name = NAME}, with `gcim.run_time_axes` when the input has axes whose length
 * --max or the model bounds rather than fixes (the code generator checks that it can run
 * them at any length up to the bound). */
static MlirAttribute nameDict(Importer *im, const char *name, uint64_t runTimeAxes) {
  MlirNamedAttribute entries[2] = {
      mlirNamedAttributeGet(mlirIdentifierGet(im->ctx, mlirStringRefCreateFromCString("onnx.name")),
                            mlirStringAttrGet(im->ctx, mlirStringRefCreateFromCString(name)))};
  int64_t axes[GCIM_MAX_RANK];
  intptr_t axisCount = 0;
  for (int d = 0; d < GCIM_MAX_RANK; ++d)
    if (runTimeAxes & ((uint64_t)1 << d))
      axes[axisCount++] = d;
  if (axisCount)
    entries[1] = mlirNamedAttributeGet(
        mlirIdentifierGet(im->ctx, mlirStringRefCreateFromCString("gcim.run_time_axes")),
        mlirDenseI64ArrayGet(im->ctx, axisCount, axes));
  return mlirDictionaryAttrGet(im->ctx, axisCount ? 2 : 1, entries);
}

/* The weight operand a node reads (MatMul's and Gemm's B, an embedding Gather's table). */
static const char *weightOperand(const Onnx__NodeProto *node) {
  const char *op = node->op_type ? node->op_type : "";
  if ((strcmp(op, "MatMul") == 0 || strcmp(op, "Gemm") == 0) && node->n_input >= 2)
    return node->input[1];
  return strcmp(op, "Gather") == 0 && node->n_input >= 1 ? node->input[0] : NULL;
}

/* A torch export without initializers whose graph inputs are a node's weights was
 * exported without its parameters (export_params=False): refused rather than compiled
 * into a program that wants every weight as an input. (Other producers' graphs may take
 * their operands as inputs: the ONNX node tests' MatMul of inputs a and b.) */
static bool checkWeightsPresent(Importer *im) {
  const Onnx__GraphProto *g = im->graph;
  const char *producer = im->model->proto->producer_name;
  bool torch = producer && strcmp(producer, "pytorch") == 0;
  for (size_t i = 0; torch && g->n_initializer == 0 && i < g->n_node; ++i) {
    const char *weight = weightOperand(g->node[i]);
    for (size_t j = 0; weight && j < g->n_input; ++j) {
      if (!g->input[j]->name || strcmp(g->input[j]->name, weight) != 0)
        continue;
      im->loc = gcimOnnxNameLoc(im, weight);
      gcimOnnxImportError(im,
                          "input '%s' is the weights of node '%s', but the model holds no "
                          "weights (no initializers): it was exported without its parameters "
                          "(torch.onnx.export's export_params=False); export it with them",
                          weight, g->node[i]->name ? g->node[i]->name : "");
      return false;
    }
  }
  return true;
}

/* Defines the graph inputs that are not initializers as block arguments. */
static bool defineInputs(Importer *im, MlirAttribute **argAttrs, size_t *argCount) {
  const Onnx__GraphProto *g = im->graph;
  if (!checkWeightsPresent(im))
    return false;
  *argAttrs = calloc(g->n_input + 1, sizeof **argAttrs);
  if (!*argAttrs) {
    gcimOnnxImportError(im, "out of memory");
    return false;
  }
  *argCount = 0;
  for (size_t i = 0; i < g->n_input; ++i) {
    const Onnx__ValueInfoProto *info = g->input[i];
    const char *name = info->name ? info->name : "";
    if (!name[0]) {
      gcimOnnxImportError(im, "graph input %zu has no name", i);
      return false;
    }
    Value *existing = gcimOnnxLookupValue(im, name);
    if (existing && existing->initializer)
      continue; /* an initializer listed as input (IR < 4 style): a constant */
    if (existing) {
      gcimOnnxImportError(im, "graph input '%s' is listed twice", name);
      return false;
    }
    char what[300];
    snprintf(what, sizeof what, "input '%.200s'", name);
    im->loc = gcimOnnxNameLoc(im, name);
    Value *v = gcimOnnxDefineValue(im, name);
    uint64_t runTimeAxes = 0;
    if (!v || !gcimOnnxValueInfoType(im, info->type, what, &v->type) ||
        !gcimOnnxBindInput(im, name, &v->type, &runTimeAxes))
      return false;
    v->hasType = true;
    MlirType type = gcimOnnxTypeToMlir(im->ctx, &v->type);
    MlirLocation loc = gcimOnnxNameLoc(im, name);
    v->value = mlirBlockAddArgument(im->block, type, loc);
    (*argAttrs)[(*argCount)++] = nameDict(im, name, runTimeAxes);
  }
  im->loc = (MlirLocation){NULL};
  const GcimOnnxImportOptions *o = im->options;
  for (size_t i = 0; o && i < o->inputShapeCount; ++i) {
    if (!gcimOnnxBindsAnInput(im, o->inputShapes[i].name)) {
      gcimOnnxImportError(im, "%s names '%s', which %s graph input",
                          o->inputShapes[i].upperBound ? "--max" : "--input-shape",
                          o->inputShapes[i].name,
                          strpbrk(o->inputShapes[i].name, "*?") ? "matches no" : "is not a");
      return false;
    }
  }
  return true;
}

/* The dependences between nodes: who produces each value, and the users of each node as
 * a compressed adjacency list (users of node i: users[userStart[i + 1] .. userStart[i + 2])). */
typedef struct NodeGraph {
  StrMap producer; /* value name -> producing node index + 1 */
  size_t *pending; /* per node: inputs not yet produced */
  size_t *users, *userStart;
} NodeGraph;

static const char *nodeLabel(const Onnx__NodeProto *node, const char *fallback) {
  return node->name && node->name[0] ? node->name : fallback;
}

/* Maps every node output to its producer; reports values defined twice. */
static bool mapProducers(Importer *im, NodeGraph *ng) {
  const Onnx__GraphProto *g = im->graph;
  for (size_t i = 0; i < g->n_node; ++i) {
    const Onnx__NodeProto *node = g->node[i];
    for (size_t j = 0; j < node->n_output; ++j) {
      const char *out = node->output[j];
      if (!out[0])
        continue;
      size_t prior = (size_t)(uintptr_t)gcimOnnxStrMapGet(&ng->producer, out);
      if (prior || gcimOnnxLookupValue(im, out)) {
        im->loc = gcimOnnxNameLoc(im, nodeLabel(node, out));
        gcimOnnxImportError(im, "value '%s' is defined twice%s%s%s", out,
                            prior ? " (also by node '" : "",
                            prior ? nodeLabel(g->node[prior - 1], "") : "", prior ? "')" : "");
        return false;
      }
      if (!gcimOnnxStrMapPut(&ng->producer, out, (void *)(uintptr_t)(i + 1)))
        return false;
    }
  }
  return true;
}

/* Counts each node's pending inputs and links producers to users (two passes); reports
 * inputs that nothing defines. */
static bool linkUsers(Importer *im, NodeGraph *ng) {
  const Onnx__GraphProto *g = im->graph;
  size_t n = g->n_node;
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < n; ++i) {
      const Onnx__NodeProto *node = g->node[i];
      for (size_t j = 0; j < node->n_input; ++j) {
        const char *in = node->input[j];
        if (!in[0] || gcimOnnxLookupValue(im, in))
          continue;
        size_t p = (size_t)(uintptr_t)gcimOnnxStrMapGet(&ng->producer, in);
        if (!p) {
          im->loc = gcimOnnxNameLoc(im, nodeLabel(node, in));
          gcimOnnxImportError(im, "'%s' node '%s': input '%s' is not defined",
                              node->op_type ? node->op_type : "", nodeLabel(node, ""), in);
          return false;
        }
        if (pass == 0) {
          ++ng->userStart[p];
          ++ng->pending[i];
        } else {
          ng->users[--ng->userStart[p]] = i;
        }
      }
    }
    if (pass == 0) {
      for (size_t i = 1; i <= n + 1; ++i)
        ng->userStart[i] += ng->userStart[i - 1];
      ng->users = malloc((ng->userStart[n + 1] + 1) * sizeof *ng->users);
      if (!ng->users)
        return false;
    }
  }
  return true;
}

/* Kahn's algorithm; the model's own order when it already is a topological one. */
static bool orderNodes(Importer *im, NodeGraph *ng, size_t *order) {
  const Onnx__GraphProto *g = im->graph;
  size_t n = g->n_node, head = 0, tail = 0;
  bool sorted = true;
  for (size_t i = 0; sorted && i < n; ++i)
    for (size_t j = 0; sorted && j < g->node[i]->n_input; ++j)
      sorted = (size_t)(uintptr_t)gcimOnnxStrMapGet(&ng->producer, g->node[i]->input[j]) <= i;
  for (size_t i = 0; i < n; ++i)
    if (sorted || !ng->pending[i])
      order[tail++] = i;
  while (!sorted && head < tail) {
    size_t i = order[head++];
    for (size_t k = ng->userStart[i + 1]; k < ng->userStart[i + 2]; ++k)
      if (--ng->pending[ng->users[k]] == 0)
        order[tail++] = ng->users[k];
  }
  for (size_t i = 0; tail < n && i < n; ++i)
    if (ng->pending[i]) {
      const char *name = nodeLabel(g->node[i], "?");
      im->loc = gcimOnnxNameLoc(im, name);
      gcimOnnxImportError(im, "node '%s' is part of a cycle", name);
      return false;
    }
  return true;
}

/* Orders the nodes so that every value is defined before its uses; reports dangling
 * names, duplicate definitions and cycles. */
static bool sortNodes(Importer *im, size_t *order) {
  size_t n = im->graph->n_node;
  NodeGraph ng = {.pending = calloc(n + 1, sizeof(size_t)),
                  .userStart = calloc(n + 2, sizeof(size_t))};
  bool ok = ng.pending && ng.userStart && mapProducers(im, &ng) && linkUsers(im, &ng) &&
            orderNodes(im, &ng, order);
  if (!ok && !im->failed)
    gcimOnnxImportError(im, "out of memory");
  gcimOnnxStrMapFree(&ng.producer);
  free(ng.pending);
  free(ng.users);
  free(ng.userStart);
  im->loc = (MlirLocation){NULL};
  return ok;
}

static bool importOutputs(Importer *im, MlirType **types, MlirAttribute **attrs) {
  const Onnx__GraphProto *g = im->graph;
  *types = calloc(g->n_output + 1, sizeof **types);
  *attrs = calloc(g->n_output + 1, sizeof **attrs);
  MlirValue *values = calloc(g->n_output + 1, sizeof *values);
  bool ok = *types && *attrs && values;
  if (!ok)
    gcimOnnxImportError(im, "out of memory");
  for (size_t i = 0; ok && i < g->n_output; ++i) {
    const char *name = g->output[i]->name ? g->output[i]->name : "";
    Value *v = gcimOnnxLookupValue(im, name);
    if (!v) {
      im->loc = gcimOnnxNameLoc(im, name);
      gcimOnnxImportError(im, "graph output '%s' is not defined", name);
      ok = false;
      break;
    }
    values[i] = gcimOnnxMaterialize(im, v);
    ok = !mlirValueIsNull(values[i]);
    if (ok) {
      (*types)[i] = mlirValueGetType(values[i]);
      (*attrs)[i] = nameDict(im, name, 0);
    }
  }
  if (ok) {
    MlirOperationState state =
        mlirOperationStateGet(mlirStringRefCreateFromCString("func.return"), im->fileLoc);
    mlirOperationStateAddOperands(&state, (intptr_t)g->n_output, values);
    mlirBlockAppendOwnedOperation(im->block, mlirOperationCreate(&state));
  }
  free(values);
  return ok;
}

static MlirNamedAttribute named(Importer *im, const char *name, MlirAttribute value) {
  return mlirNamedAttributeGet(mlirIdentifierGet(im->ctx, mlirStringRefCreateFromCString(name)),
                               value);
}

/* Wraps the block into func.func @main and appends it to the module. */
static void buildFunc(Importer *im, MlirModule module, MlirAttribute *argAttrs, size_t argCount,
                      MlirType *resultTypes, MlirAttribute *resultAttrs, size_t resultCount) {
  MlirType *argTypes = calloc(argCount + 1, sizeof *argTypes);
  if (!argTypes) {
    gcimOnnxImportError(im, "out of memory");
    return;
  }
  for (size_t i = 0; i < argCount; ++i)
    argTypes[i] = mlirValueGetType(mlirBlockGetArgument(im->block, (intptr_t)i));
  MlirType funcType = mlirFunctionTypeGet(im->ctx, (intptr_t)argCount, argTypes,
                                          (intptr_t)resultCount, resultTypes);
  free(argTypes);
  MlirNamedAttribute attrs[] = {
      named(im, "sym_name", mlirStringAttrGet(im->ctx, mlirStringRefCreateFromCString("main"))),
      named(im, "function_type", mlirTypeAttrGet(funcType)),
      named(im, "arg_attrs", mlirArrayAttrGet(im->ctx, (intptr_t)argCount, argAttrs)),
      named(im, "res_attrs", mlirArrayAttrGet(im->ctx, (intptr_t)resultCount, resultAttrs)),
  };
  MlirRegion region = mlirRegionCreate();
  mlirRegionAppendOwnedBlock(region, im->block);
  MlirOperationState state =
      mlirOperationStateGet(mlirStringRefCreateFromCString("func.func"), im->fileLoc);
  mlirOperationStateAddAttributes(&state, 4, attrs);
  mlirOperationStateAddOwnedRegions(&state, 1, &region);
  mlirBlockAppendOwnedOperation(mlirModuleGetBody(module), mlirOperationCreate(&state));
  im->block = (MlirBlock){NULL};
}

static const char *opType(const Onnx__NodeProto *node) {
  return node->op_type ? node->op_type : "";
}

/* Reports a node name that two of the model's nodes have (before expansion, whose nodes
 * keep the name of the node they come from): diagnostics name nodes, and ONNX Runtime
 * refuses such a model ("two nodes with same node name"). Empty names may repeat. */
static bool checkNodeNames(Importer *im) {
  const Onnx__GraphProto *g = im->graph;
  StrMap names = {0}; /* node name -> node index + 1 */
  bool ok = true;
  for (size_t i = 0; ok && i < g->n_node; ++i) {
    const char *name = g->node[i]->name;
    if (!name || !name[0])
      continue;
    size_t prior = (size_t)(uintptr_t)gcimOnnxStrMapGet(&names, name);
    if (!prior) {
      ok = gcimOnnxStrMapPut(&names, name, (void *)(uintptr_t)(i + 1));
      if (!ok)
        gcimOnnxImportError(im, "out of memory");
      continue;
    }
    im->loc = gcimOnnxNameLoc(im, name);
    gcimOnnxImportError(im,
                        "node name '%s' is given to two nodes (node %zu, '%s', and node %zu, "
                        "'%s'): ONNX Runtime refuses such a model too; rename one",
                        name, prior - 1, opType(g->node[prior - 1]), i, opType(g->node[i]));
    im->loc = (MlirLocation){NULL};
    ok = false;
  }
  gcimOnnxStrMapFree(&names);
  return ok;
}

bool gcimOnnxImportGraph(Importer *im, MlirModule module) {
  im->graph = im->model->proto->graph;
  if (!checkVersions(im) || !checkNodeNames(im) || !gcimOnnxExpandGraph(im, &im->expansion) ||
      !checkSupported(im))
    return false;
  const Onnx__GraphProto *g = im->graph;
  if (g->n_output == 0) {
    gcimOnnxImportError(im, "the graph has no outputs: there is nothing to compute");
    return false;
  }
  for (size_t i = 0; i < g->n_value_info; ++i)
    if (g->value_info[i]->name &&
        !gcimOnnxStrMapPut(&im->valueInfos, g->value_info[i]->name, g->value_info[i]))
      return false;
  for (size_t i = 0; i < g->n_output; ++i)
    if (g->output[i]->name && !gcimOnnxStrMapPut(&im->valueInfos, g->output[i]->name, g->output[i]))
      return false;
  im->block = mlirBlockCreate(0, NULL, NULL);
  MlirAttribute *argAttrs = NULL, *resultAttrs = NULL;
  MlirType *resultTypes = NULL;
  size_t argCount = 0;
  size_t *order = calloc(g->n_node + 1, sizeof *order);
  bool ok = order && defineInitializers(im) && defineInputs(im, &argAttrs, &argCount) &&
            sortNodes(im, order);
  for (size_t i = 0; ok && i < g->n_node; ++i)
    ok = gcimOnnxImportNode(im, g->node[order[i]], order[i]);
  ok = ok && importOutputs(im, &resultTypes, &resultAttrs);
  if (ok)
    buildFunc(im, module, argAttrs, argCount, resultTypes, resultAttrs, g->n_output);
  if (!mlirBlockIsNull(im->block))
    mlirBlockDestroy(im->block);
  im->block = (MlirBlock){NULL};
  free(order);
  free(argAttrs);
  free(resultAttrs);
  free(resultTypes);
  return ok && !im->failed;
}
