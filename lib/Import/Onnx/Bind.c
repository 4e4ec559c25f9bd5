/* Bind.c: gives the graph inputs' dimensions their sizes: `--input-shape` binds them,
 * `--max` bounds the dynamic ones, and a dynamic sequence length that neither names takes
 * the model's own limit, the rows of the table its positions are gathered from (GPT-2's
 * learned position embedding, a RoPE cos/sin cache). */
#include "Bind.h"
#include "Expand.h"

#include "gcim/Support/Diagnostics.h"

#include <stdio.h>
#include <string.h>

/* Whether `name` matches `pattern`, where '*' stands for any run of characters and '?'
 * for one (`--input-shape 'past_*=1x2x7x8'` binds every past input of a KV-cache export). */
static bool nameMatches(const char *pattern, const char *name) {
  if (*pattern == '*')
    return nameMatches(pattern + 1, name) || (*name && nameMatches(pattern, name + 1));
  if (!*pattern)
    return !*name;
  return *name && (*pattern == '?' || *pattern == *name) && nameMatches(pattern + 1, name + 1);
}

/* The binding of input `name`: the one naming it exactly, else the first pattern it
 * matches. */
static const GcimOnnxInputShape *findBinding(Importer *im, const char *name, bool upperBound) {
  const GcimOnnxImportOptions *o = im->options;
  for (size_t i = 0; o && i < o->inputShapeCount; ++i)
    if (o->inputShapes[i].upperBound == upperBound && strcmp(o->inputShapes[i].name, name) == 0)
      return &o->inputShapes[i];
  for (size_t i = 0; o && i < o->inputShapeCount; ++i)
    if (o->inputShapes[i].upperBound == upperBound && nameMatches(o->inputShapes[i].name, name))
      return &o->inputShapes[i];
  return NULL;
}

bool gcimOnnxBindsAnInput(Importer *im, const char *pattern) {
  if (!strpbrk(pattern, "*?")) {
    Value *v = gcimOnnxLookupValue(im, pattern);
    return v && !v->initializer;
  }
  for (size_t i = 0; i < im->graph->n_input; ++i) {
    const char *name = im->graph->input[i]->name;
    Value *v = name ? gcimOnnxLookupValue(im, name) : NULL;
    if (v && !v->initializer && nameMatches(pattern, name))
      return true;
  }
  return false;
}

/* The table a sequence's positions are gathered from; rows 0 when the model has none. */
typedef struct PositionTable {
  int64_t rows;
  const char *table, *node; /* borrowed from the model */
} PositionTable;

static const Onnx__NodeProto *producerOf(const Onnx__GraphProto *g, const char *name) {
  for (size_t i = 0; i < g->n_node; ++i)
    for (size_t j = 0; j < g->node[i]->n_output; ++j)
      if (strcmp(g->node[i]->output[j], name) == 0)
        return g->node[i];
  return NULL;
}

static bool isOp(const Onnx__NodeProto *node, const char *type) {
  const char *domain = node->domain ? node->domain : "";
  return node->op_type && strcmp(node->op_type, type) == 0 &&
         (!domain[0] || strcmp(domain, "ai.onnx") == 0);
}

/* Whether `name` holds positions: a Range's output, possibly reshaped, cast or offset
 * (torch's arange(past, past + n).unsqueeze(0)). */
static bool holdsPositions(const Onnx__GraphProto *g, const char *name, int depth) {
  static const char *const reshaping[] = {"Unsqueeze", "Squeeze",  "Reshape", "Cast",
                                          "Expand",    "Identity", "Flatten"};
  const Onnx__NodeProto *node = depth < 16 ? producerOf(g, name) : NULL;
  if (!node || node->n_input == 0)
    return false;
  if (isOp(node, "Range"))
    return true;
  for (size_t i = 0; i < sizeof reshaping / sizeof *reshaping; ++i)
    if (isOp(node, reshaping[i]))
      return holdsPositions(g, node->input[0], depth + 1);
  return isOp(node, "Add") && node->n_input == 2 &&
         (holdsPositions(g, node->input[0], depth + 1) ||
          holdsPositions(g, node->input[1], depth + 1));
}

/* The shape of `name` when it is a constant, an initializer or a Constant node's tensor
 * (torch exports a non-persistent buffer such as a RoPE cos/sin cache so); rank -1 when not. */
static TypeInfo constantShape(Importer *im, const char *name) {
  TypeInfo shape = {.rank = -1};
  Value *value = gcimOnnxLookupValue(im, name);
  const Onnx__NodeProto *node = value ? NULL : producerOf(im->graph, name);
  const Onnx__AttributeProto *attr =
      node && isOp(node, "Constant") ? gcimOnnxFindAttr(node, "value") : NULL;
  if (value && value->initializer) {
    shape = value->type;
  } else if (attr && attr->t && attr->t->n_dims <= GCIM_MAX_RANK) {
    shape.rank = (int32_t)attr->t->n_dims;
    memcpy(shape.dims, attr->t->dims, attr->t->n_dims * sizeof *shape.dims);
  }
  return shape;
}

/* The smallest constant that a Gather reads at positions (the model's limit, as for the
 * step function's capacity). */
static PositionTable findPositionTable(Importer *im) {
  PositionTable best = {0};
  const Onnx__GraphProto *g = im->graph;
  for (size_t i = 0; i < g->n_node; ++i) {
    const Onnx__NodeProto *node = g->node[i];
    if (!isOp(node, "Gather") || node->n_input != 2)
      continue;
    TypeInfo data = constantShape(im, node->input[0]);
    const Onnx__AttributeProto *attr = gcimOnnxFindAttr(node, "axis");
    int64_t axis = attr ? attr->i : 0;
    axis += axis < 0 ? data.rank : 0;
    if (data.rank < 1 || axis < 0 || axis >= data.rank || data.dims[axis] < 1 ||
        !holdsPositions(g, node->input[1], 0))
      continue;
    if (!best.rows || data.dims[axis] < best.rows)
      best = (PositionTable){data.dims[axis], node->input[0],
                             node->name && node->name[0] ? node->name : node->output[0]};
  }
  return best;
}

/* --input-shape's dimensions for input `name` (checked against the model's). */
static bool applyBinding(Importer *im, const char *name, const GcimOnnxInputShape *binding,
                         TypeInfo *type) {
  if (type->rank >= 0 && (size_t)type->rank != binding->rank) {
    gcimOnnxImportError(im, "--input-shape gives input '%s' rank %zu, the model rank %d", name,
                        binding->rank, (int)type->rank);
    return false;
  }
  for (size_t d = 0; d < binding->rank; ++d)
    if (type->rank >= 0 && type->dims[d] >= 0 && type->dims[d] != binding->dims[d]) {
      gcimOnnxImportError(im,
                          "--input-shape gives input '%s' dimension %zu size %lld, the model "
                          "%lld",
                          name, d, (long long)binding->dims[d], (long long)type->dims[d]);
      return false;
    }
  type->rank = (int32_t)binding->rank;
  memcpy(type->dims, binding->dims, binding->rank * sizeof *type->dims);
  return true;
}

/* The dim_param of graph input `input`'s dimension d: ONNX's name of a dynamic size
 * (torch.onnx's dynamic_axes names); NULL when the dimension has a size or no name. */
static const char *dimParam(const Onnx__ValueInfoProto *input, int32_t d) {
  const Onnx__TypeProto *type = input ? input->type : NULL;
  const Onnx__TensorShapeProto *shape =
      type && type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE && type->tensor_type
          ? type->tensor_type->shape
          : NULL;
  if (!shape || d < 0 || (size_t)d >= shape->n_dim ||
      shape->dim[d]->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM)
    return NULL;
  const char *param = shape->dim[d]->dim_param;
  return param && param[0] ? param : NULL;
}

/* The size --input-shape gives another input's dimension named `param`; -1 when none does.
 * ONNX gives dimensions of one name one size, so binding one KV-cache input binds the
 * others' past length (as ONNX Runtime's free-dimension overrides go by name). */
static int64_t namedDimSize(Importer *im, const char *param) {
  const Onnx__GraphProto *g = im->graph;
  for (size_t i = 0; i < g->n_input; ++i) {
    const char *name = g->input[i]->name;
    const GcimOnnxInputShape *binding = name ? findBinding(im, name, false) : NULL;
    for (size_t d = 0; binding && d < binding->rank; ++d) {
      const char *other = dimParam(g->input[i], (int32_t)d);
      if (other && strcmp(other, param) == 0)
        return binding->dims[d];
    }
  }
  return -1;
}

/* Graph input `name`'s declaration. */
static const Onnx__ValueInfoProto *declaredInput(Importer *im, const char *name) {
  for (size_t i = 0; i < im->graph->n_input; ++i)
    if (im->graph->input[i]->name && strcmp(im->graph->input[i]->name, name) == 0)
      return im->graph->input[i];
  return NULL;
}

/* Whether an input other than `name` has a dimension named `param`. */
static bool namedByOthers(Importer *im, const char *name, const char *param) {
  for (size_t i = 0; i < im->graph->n_input; ++i) {
    const Onnx__ValueInfoProto *input = im->graph->input[i];
    for (int32_t d = 0; input->name && strcmp(input->name, name) != 0 && d < GCIM_MAX_RANK; ++d) {
      const char *other = dimParam(input, d);
      if (other && strcmp(other, param) == 0)
        return true;
    }
  }
  return false;
}

/* Sizes input `name`'s dynamic dimensions that share a name with a bound one. */
static void bindNamedDims(Importer *im, const char *name, TypeInfo *type) {
  const Onnx__ValueInfoProto *input = declaredInput(im, name);
  for (int32_t d = 0; input && d < type->rank; ++d) {
    const char *param = type->dims[d] < 0 ? dimParam(input, d) : NULL;
    if (param)
      type->dims[d] = namedDimSize(im, param);
  }
}

/* Bounds the dynamic dimensions of an input: the batch (axis 0) to 1, the others to
 * `length`. A (batch, sequence) input's sequence is then a run-time axis; other inputs (a
 * KV cache's past) are planned for `length` and fixed at it. */
static void applyBound(TypeInfo *type, int64_t length, uint64_t *runTimeAxes) {
  for (int32_t d = 0; d < type->rank; ++d)
    if (type->dims[d] < 0) {
      type->dims[d] = d == 0 ? 1 : length;
      *runTimeAxes |= d == 0 || type->rank != 2 ? 0 : (uint64_t)1 << d;
    }
}

static bool isDynamic(const TypeInfo *type) {
  for (int32_t d = 0; d < type->rank; ++d)
    if (type->dims[d] < 0)
      return true;
  return false;
}

/* The bound of a (batch, sequence) input named by neither flag: the model's positions,
 * reported on `notes`; an error naming --max when the model has no table. */
static bool boundFromModel(Importer *im, const char *name, TypeInfo *type, uint64_t *runTimeAxes) {
  PositionTable table = findPositionTable(im);
  if (!table.rows) {
    gcimOnnxImportError(im,
                        "input '%s' has a dynamic sequence length and the model no position "
                        "table to bound it (its positions are computed): bound it with --max "
                        "%s=N (or bind it with --input-shape %s=...)",
                        name, name, name);
    return false;
  }
  applyBound(type, table.rows, runTimeAxes);
  FILE *notes = im->options ? im->options->notes : NULL;
  if (notes) {
    gcimLocationPrint(im->loc, notes);
    fprintf(notes,
            ": note: sequence length up to %lld, the rows of the position table '%s' (node "
            "'%s'); --max %s=N sets another bound\n",
            (long long)table.rows, table.table, table.node, name);
  }
  return true;
}

/* Whether a graph input has a dynamic axis past its batch and more than two: a KV cache's
 * past, whose length a padding input's adds to the tokens'. */
static bool takesDynamicPast(Importer *im) {
  const Onnx__GraphProto *g = im->graph;
  for (size_t i = 0; i < g->n_input; ++i) {
    const char *name = g->input[i]->name;
    Value *v = name ? gcimOnnxLookupValue(im, name) : NULL;
    int64_t dims[GCIM_MAX_RANK];
    int rank = v && v->initializer ? -1 : gcimOnnxDeclaredShape(g, name, dims);
    for (int d = 1; rank > 2 && d < rank; ++d)
      if (dims[d] < 0)
        return true;
  }
  return false;
}

/* The --max a dynamic (batch, sequence) input that no flag names shares, noted on `notes`:
 * without a past, position_ids and attention_mask (past + tokens) have the tokens' length,
 * so `--max input_ids=N` bounds them too. NULL with no --max or with a dynamic past. */
static const GcimOnnxInputShape *sharedBound(Importer *im, const char *name) {
  const GcimOnnxImportOptions *o = im->options;
  const GcimOnnxInputShape *shared = NULL;
  for (size_t i = 0; o && i < o->inputShapeCount && !shared; ++i)
    if (o->inputShapes[i].upperBound)
      shared = &o->inputShapes[i];
  if (!shared || takesDynamicPast(im))
    return NULL;
  FILE *notes = o->notes;
  if (notes) {
    gcimLocationPrint(im->loc, notes);
    fprintf(notes,
            ": note: input '%s' is bounded by --max %s=%lld too (without a past, its length is "
            "the tokens')\n",
            name, shared->name, (long long)shared->dims[0]);
  }
  return shared;
}

static bool bindInput(Importer *im, const char *name, TypeInfo *type, uint64_t *runTimeAxes) {
  const GcimOnnxInputShape *binding = findBinding(im, name, false);
  const GcimOnnxInputShape *bound = findBinding(im, name, true);
  if (!binding && !bound && type->rank == 2 && isDynamic(type))
    bound = sharedBound(im, name);
  *runTimeAxes = 0;
  if (type->rank < 0 && !binding) {
    gcimOnnxImportError(im, "input '%s' has unknown rank: bind it with --input-shape %s=...", name,
                        name);
    return false;
  }
  if (binding && !applyBinding(im, name, binding, type))
    return false;
  if (!binding)
    bindNamedDims(im, name, type);
  if (bound && type->rank == 2 && isDynamic(type)) {
    PositionTable table = findPositionTable(im);
    if (table.rows && bound->dims[0] > table.rows) {
      gcimOnnxImportError(im,
                          "--max %s=%lld is more than the model's %lld positions (the rows of "
                          "'%s', gathered by node '%s')",
                          name, (long long)bound->dims[0], (long long)table.rows, table.table,
                          table.node);
      return false;
    }
  }
  if (bound)
    applyBound(type, bound->dims[0], runTimeAxes);
  if (type->rank == 2 && type->dims[1] < 0)
    return boundFromModel(im, name, type, runTimeAxes);
  for (int32_t d = 0; d < type->rank; ++d)
    if (type->dims[d] < 0) {
      const char *param = dimParam(declaredInput(im, name), d);
      gcimOnnxImportError(im,
                          "input '%s' has dynamic dimension %d%s%s%s: bind it with "
                          "--input-shape %s=... (or bound it with --max %s=N)%s",
                          name, (int)d, param ? " ('" : "", param ? param : "", param ? "')" : "",
                          name, name,
                          param && namedByOthers(im, name, param)
                              ? "; binding any input with a dimension of that name binds it"
                              : "");
      return false;
    }
  return true;
}

/* Whether a node that appends to a KV cache reads `name`: torch's Concat of past and new,
 * or an Attention op with past inputs. */
static bool readByCacheOp(const Onnx__GraphProto *g, const char *name) {
  for (size_t i = 0; i < g->n_node; ++i) {
    const Onnx__NodeProto *node = g->node[i];
    bool appends = isOp(node, "Concat") || (node->op_type && strstr(node->op_type, "Attention"));
    for (size_t j = 0; appends && j < node->n_input; ++j)
      if (node->input[j] && strcmp(node->input[j], name) == 0)
        return true;
  }
  return false;
}

/* The first dynamic axis after the batch of a KV cache's past (rank 3 or more, read by a
 * cache op); -1 when `name` is none. */
static int32_t pastAxis(Importer *im, const char *name, const TypeInfo *type, uint32_t dynamic) {
  if (type->rank < 3 || !readByCacheOp(im->graph, name))
    return -1;
  for (int32_t d = 1; d < type->rank; ++d)
    if (dynamic & (1u << d))
      return d;
  return -1;
}

/* A probe's binding (PastProbe.c): the past probeLength tokens long instead of P, and so a
 * mask over past and new tokens (rank 2, one past the past; the past alone when that
 * cannot be a token count) as much longer or shorter. Only dimensions the model leaves
 * dynamic change. */
static void rebindPast(Importer *im, TypeInfo *type, uint32_t dynamic) {
  int64_t past = im->probePastLength;
  for (int32_t d = 1; d < type->rank; ++d) {
    bool pastAxis = type->rank >= 3
                        ? type->dims[d] == past
                        : type->dims[d] == past + 1 || (past > 1 && type->dims[d] == past);
    if ((dynamic & (1u << d)) && pastAxis)
      type->dims[d] += im->probeLength - past;
  }
}

bool gcimOnnxBindInput(Importer *im, const char *name, TypeInfo *type, uint64_t *runTimeAxes) {
  uint32_t dynamic = 0;
  for (int32_t d = 0; d < type->rank; ++d)
    dynamic |= type->dims[d] < 0 ? 1u << d : 0;
  if (!bindInput(im, name, type, runTimeAxes))
    return false;
  if (im->probePastLength > 0) {
    rebindPast(im, type, dynamic);
    return true;
  }
  for (int32_t d = 0; d < type->rank; ++d) {
    if (!(*runTimeAxes & ((uint64_t)1 << d)))
      continue;
    if (im->probeRunLength > 0) /* the probe's binding: shorter */
      type->dims[d] = im->probeRunLength;
    else
      im->runLength = im->runLength == 0 || im->runLength == type->dims[d] ? type->dims[d] : -1;
  }
  if (im->probeRunLength > 0)
    return true;
  int32_t axis = pastAxis(im, name, type, dynamic);
  if (axis > 0)
    im->pastLength =
        im->pastLength == 0 || im->pastLength == type->dims[axis] ? type->dims[axis] : -1;
  return true;
}
