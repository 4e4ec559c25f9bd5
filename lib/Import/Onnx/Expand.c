/* Expand.c: rewrites the graph's node list before it is imported.
 *
 * - Calls of model-local functions (ModelProto.functions) are inlined: the body's nodes
 *   with the call's inputs, outputs and attributes substituted (`ref_attr_name`) and the
 *   body's own values renamed `<call node>/<name>`, recursively (nested calls).
 * - Nodes of models below opset 13 are rewritten into the form of opset 13 on
 *   (ExpandLegacy.c), or refused naming the opset.
 * - Operators that are exact compositions of supported ones become those ops (ExpandOps.c:
 *   RMSNormalization, SimplifiedLayerNormalization, the com.microsoft normalisations,
 *   FastGelu, Gelu, BiasGelu; ExpandRotary.c: RotaryEmbedding; ExpandGqa.c: com.microsoft
 *   GroupQueryAttention; ExpandEinsum.c: Einsum; ExpandQuant.c: the quantized operators).
 * The expanded graph is a shallow copy of the model's with its own node array; every node,
 * string and attribute made here is owned by the Expansion and freed with it, after the
 * importer's values (which borrow names) are gone. */
#include "Expand.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_INLINE_DEPTH = 16 };

struct Expansion {
  Onnx__GraphProto graph;
  Onnx__NodeProto **nodes;
  size_t count, capacity;
  void **owned;
  size_t ownedCount, ownedCapacity;
  GcimOnnxRankCache *ranks;
  StrMap opaque;
};

bool gcimOnnxExpansionMarkOpaque(Expansion *ex, const char *name) {
  return gcimOnnxStrMapPut(&ex->opaque, name, (void *)name);
}

bool gcimOnnxExpansionIsOpaque(const Expansion *ex, const char *name) {
  return gcimOnnxStrMapGet(&ex->opaque, name) != NULL;
}

GcimOnnxRankCache **gcimOnnxExpansionRanks(Expansion *ex) { return &ex->ranks; }

void *gcimOnnxExpansionOwn(Expansion *ex, void *p) {
  if (!p)
    return NULL;
  if (ex->ownedCount == ex->ownedCapacity) {
    size_t capacity = ex->ownedCapacity ? 2 * ex->ownedCapacity : 64;
    void **grown = realloc(ex->owned, capacity * sizeof *grown);
    if (!grown) {
      free(p);
      return NULL;
    }
    ex->owned = grown;
    ex->ownedCapacity = capacity;
  }
  ex->owned[ex->ownedCount++] = p;
  return p;
}

char *gcimOnnxExpansionPrintf(Expansion *ex, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n = vsnprintf(NULL, 0, format, args);
  va_end(args);
  char *text = n < 0 ? NULL : malloc((size_t)n + 1);
  if (text) {
    va_start(args, format);
    vsnprintf(text, (size_t)n + 1, format, args);
    va_end(args);
  }
  return gcimOnnxExpansionOwn(ex, text);
}

bool gcimOnnxExpansionAppend(Expansion *ex, Onnx__NodeProto *node) {
  if (ex->count == ex->capacity) {
    size_t capacity = ex->capacity ? 2 * ex->capacity : 64;
    Onnx__NodeProto **grown = realloc(ex->nodes, capacity * sizeof *grown);
    if (!grown)
      return false;
    ex->nodes = grown;
    ex->capacity = capacity;
  }
  ex->nodes[ex->count++] = node;
  return true;
}

static const Onnx__FunctionProto *findFunction(Importer *im, const Onnx__NodeProto *node) {
  const Onnx__ModelProto *model = im->model->proto;
  const char *domain = node->domain ? node->domain : "";
  for (size_t i = 0; i < model->n_functions; ++i) {
    const Onnx__FunctionProto *f = model->functions[i];
    if (f->name && node->op_type && strcmp(f->name, node->op_type) == 0 &&
        strcmp(f->domain ? f->domain : "", domain) == 0)
      return f;
  }
  return NULL;
}

/* The call-site name of body value `name`: a formal input or output maps to the call's
 * actual one (absent optional ones to ""), anything else gets the call's prefix. */
static char *mapName(Expansion *ex, const Onnx__FunctionProto *f, const Onnx__NodeProto *call,
                     const char *prefix, const char *name) {
  if (!name[0])
    return (char *)"";
  for (size_t i = 0; i < f->n_input; ++i)
    if (strcmp(f->input[i], name) == 0)
      return i < call->n_input ? call->input[i] : (char *)"";
  for (size_t i = 0; i < f->n_output; ++i)
    if (strcmp(f->output[i], name) == 0)
      return i < call->n_output ? call->output[i] : (char *)"";
  return gcimOnnxExpansionPrintf(ex, "%s/%s", prefix, name);
}

/* The body node's attributes, references (`ref_attr_name`) resolved against the call's
 * attributes; a reference the call does not set is dropped (the op's default applies). */
static bool mapAttributes(Expansion *ex, const Onnx__NodeProto *body, const Onnx__NodeProto *call,
                          Onnx__NodeProto *out) {
  out->attribute = gcimOnnxExpansionOwn(ex, calloc(body->n_attribute + 1, sizeof *out->attribute));
  if (!out->attribute)
    return false;
  out->n_attribute = 0;
  for (size_t i = 0; i < body->n_attribute; ++i) {
    Onnx__AttributeProto *a = body->attribute[i];
    if (!a->ref_attr_name || !a->ref_attr_name[0]) {
      out->attribute[out->n_attribute++] = a;
      continue;
    }
    for (size_t j = 0; j < call->n_attribute; ++j)
      if (call->attribute[j]->name && strcmp(call->attribute[j]->name, a->ref_attr_name) == 0) {
        Onnx__AttributeProto *copy = gcimOnnxExpansionOwn(ex, malloc(sizeof *copy));
        if (!copy)
          return false;
        *copy = *call->attribute[j];
        copy->name = a->name;
        out->attribute[out->n_attribute++] = copy;
      }
  }
  return true;
}

static bool expandNode(Importer *im, Expansion *ex, Onnx__NodeProto *node, int depth);

static bool inlineCall(Importer *im, Expansion *ex, const Onnx__FunctionProto *f,
                       Onnx__NodeProto *call, int depth) {
  const char *prefix = call->name && call->name[0] ? call->name : call->op_type;
  if (depth >= MAX_INLINE_DEPTH) {
    im->loc = gcimOnnxNameLoc(im, prefix);
    gcimOnnxImportError(im, "function '%s' is nested more than %d deep (recursive?)", f->name,
                        MAX_INLINE_DEPTH);
    return false;
  }
  for (size_t i = 0; i < f->n_node; ++i) {
    const Onnx__NodeProto *body = f->node[i];
    Onnx__NodeProto *out = gcimOnnxExpansionOwn(ex, malloc(sizeof *out));
    if (!out)
      return false;
    *out = *body;
    out->name = gcimOnnxExpansionPrintf(ex, "%s/%s", prefix,
                                        body->name && body->name[0] ? body->name : body->op_type);
    out->input = gcimOnnxExpansionOwn(ex, calloc(body->n_input + 1, sizeof(char *)));
    out->output = gcimOnnxExpansionOwn(ex, calloc(body->n_output + 1, sizeof(char *)));
    if (!out->name || !out->input || !out->output || !mapAttributes(ex, body, call, out))
      return false;
    for (size_t k = 0; k < body->n_input; ++k)
      if (!(out->input[k] = mapName(ex, f, call, prefix, body->input[k])))
        return false;
    for (size_t k = 0; k < body->n_output; ++k)
      if (!(out->output[k] = mapName(ex, f, call, prefix, body->output[k])))
        return false;
    if (!expandNode(im, ex, out, depth + 1))
      return false;
  }
  return true;
}

static bool expandNode(Importer *im, Expansion *ex, Onnx__NodeProto *node, int depth) {
  const Onnx__FunctionProto *f = findFunction(im, node);
  if (f)
    return inlineCall(im, ex, f, node, depth);
  int upgraded = gcimOnnxExpandLegacy(im, ex, node);
  if (upgraded)
    return upgraded > 0;
  int decomposed = gcimOnnxExpandDecomposition(im, ex, node);
  if (decomposed < 0)
    return false;
  return decomposed || gcimOnnxExpansionAppend(ex, node);
}

void gcimOnnxExpansionDestroy(Expansion *ex) {
  if (!ex)
    return;
  for (size_t i = 0; i < ex->ownedCount; ++i)
    free(ex->owned[i]);
  free(ex->owned);
  free(ex->nodes);
  gcimOnnxRankCacheDestroy(ex->ranks);
  gcimOnnxStrMapFree(&ex->opaque);
  free(ex);
}

bool gcimOnnxExpandGraph(Importer *im, Expansion **out) {
  Expansion *ex = calloc(1, sizeof *ex);
  *out = ex;
  if (!ex) {
    gcimOnnxImportError(im, "out of memory");
    return false;
  }
  const Onnx__GraphProto *g = im->graph;
  for (size_t i = 0; i < g->n_node; ++i)
    if (!expandNode(im, ex, g->node[i], 0)) {
      if (!im->failed)
        gcimOnnxImportError(im, "out of memory");
      return false;
    }
  ex->graph = *g;
  ex->graph.node = ex->nodes;
  ex->graph.n_node = ex->count;
  im->graph = &ex->graph;
  im->loc = (MlirLocation){NULL};
  return true;
}
