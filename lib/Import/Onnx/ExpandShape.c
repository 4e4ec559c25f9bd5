/* ExpandShape.c: what a decomposition may know of a value's shape before the import infers
 * it: the shape the graph declares (input, value_info, output, initializer, Constant) and,
 * for computed values, the rank followed back through the nodes that compute it. Rotary
 * embeddings need the rank of their input to tell (batch, tokens, hidden) from (batch,
 * heads, tokens, dim) layouts. */
#include "Expand.h"

#include <stdlib.h>
#include <string.h>

static bool sameName(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static int fromValueInfo(const Onnx__ValueInfoProto *v, int64_t *dims) {
  if (!v->type || !v->type->tensor_type || !v->type->tensor_type->shape)
    return -1;
  const Onnx__TensorShapeProto *shape = v->type->tensor_type->shape;
  if (shape->n_dim > GCIM_MAX_RANK)
    return -1;
  for (size_t d = 0; d < shape->n_dim; ++d)
    dims[d] = shape->dim[d]->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                  ? shape->dim[d]->dim_value
                  : -1;
  return (int)shape->n_dim;
}

static int fromTensor(const Onnx__TensorProto *t, int64_t *dims) {
  if (t->n_dims > GCIM_MAX_RANK)
    return -1;
  for (size_t d = 0; d < t->n_dims; ++d)
    dims[d] = t->dims[d];
  return (int)t->n_dims;
}

int gcimOnnxDeclaredShape(const Onnx__GraphProto *g, const char *name, int64_t *dims) {
  Onnx__ValueInfoProto *const *lists[] = {g->input, g->value_info, g->output};
  const size_t counts[] = {g->n_input, g->n_value_info, g->n_output};
  for (size_t l = 0; l < 3; ++l)
    for (size_t i = 0; i < counts[l]; ++i)
      if (sameName(lists[l][i]->name, name))
        return fromValueInfo(lists[l][i], dims);
  for (size_t i = 0; i < g->n_initializer; ++i)
    if (sameName(g->initializer[i]->name, name))
      return fromTensor(g->initializer[i], dims);
  for (size_t i = 0; i < g->n_node; ++i) {
    const Onnx__NodeProto *n = g->node[i];
    const Onnx__AttributeProto *value = gcimOnnxFindAttr(n, "value");
    if (n->n_output && sameName(n->output[0], name) && sameName(n->op_type, "Constant") && value &&
        value->t)
      return fromTensor(value->t, dims);
  }
  return -1;
}

/* The node computing each value, sorted by name, with its rank once known: the rank walk
 * visits every value at most once however many paths lead to it (a residual stream doubles
 * them at every layer). */
typedef struct RankEntry {
  const char *name;
  const Onnx__NodeProto *node;
  size_t output;
  int rank; /* RANK_PENDING until computed, RANK_VISITING while it is */
} RankEntry;

struct GcimOnnxRankCache {
  const Onnx__GraphProto *graph;
  RankEntry *entries;
  size_t count;
};

enum { RANK_PENDING = -2, RANK_VISITING = -3 };

static int byName(const void *a, const void *b) {
  return strcmp(((const RankEntry *)a)->name, ((const RankEntry *)b)->name);
}

static GcimOnnxRankCache *buildCache(const Onnx__GraphProto *g) {
  GcimOnnxRankCache *c = calloc(1, sizeof *c);
  size_t total = 0;
  for (size_t i = 0; i < g->n_node; ++i)
    total += g->node[i]->n_output;
  if (!c || !(c->entries = calloc(total + 1, sizeof *c->entries))) {
    free(c);
    return NULL;
  }
  c->graph = g;
  for (size_t i = 0; i < g->n_node; ++i)
    for (size_t o = 0; o < g->node[i]->n_output; ++o)
      if (g->node[i]->output[o][0])
        c->entries[c->count++] = (RankEntry){g->node[i]->output[o], g->node[i], o, RANK_PENDING};
  qsort(c->entries, c->count, sizeof *c->entries, byName);
  return c;
}

void gcimOnnxRankCacheDestroy(GcimOnnxRankCache *c) {
  if (c)
    free(c->entries);
  free(c);
}

static int rankAt(GcimOnnxRankCache *c, const char *name);

static int inputRank(GcimOnnxRankCache *c, const Onnx__NodeProto *n, size_t i) {
  return i < n->n_input && n->input[i][0] ? rankAt(c, n->input[i]) : -1;
}

static int countAt(GcimOnnxRankCache *c, const char *name, int depth);

/* The number of axes Unsqueeze n inserts: its input 1's length, or below opset 13 its
 * `axes` attribute's (the graph is read before ExpandLegacy.c's rewrite). */
static int unsqueezedCount(GcimOnnxRankCache *c, const Onnx__NodeProto *n, int depth) {
  const Onnx__AttributeProto *axes = gcimOnnxFindAttr(n, "axes");
  if (axes)
    return (int)axes->n_ints;
  return n->n_input > 1 && n->input[1][0] ? countAt(c, n->input[1], depth) : -1;
}

/* The element count of 1-D value `name` (a shape operand): declared, or computed as
 * exporters compute shapes (Concat of pieces, Unsqueeze of a scalar, Shape, Cast,
 * Identity; `depth` bounds the walk); -1 when unknown. */
static int countAt(GcimOnnxRankCache *c, const char *name, int depth) {
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimOnnxDeclaredShape(c->graph, name, dims);
  if (rank >= 0)
    return rank == 1 && dims[0] >= 0 ? (int)dims[0] : -1;
  RankEntry key = {.name = name};
  RankEntry *e = depth < 8 ? bsearch(&key, c->entries, c->count, sizeof key, byName) : NULL;
  const Onnx__NodeProto *n = e ? e->node : NULL;
  if (!n || !n->n_input || !n->input[0][0])
    return -1;
  if (sameName(n->op_type, "Cast") || sameName(n->op_type, "Identity"))
    return countAt(c, n->input[0], depth + 1);
  if (sameName(n->op_type, "Shape"))
    return gcimOnnxFindAttr(n, "start") || gcimOnnxFindAttr(n, "end") ? -1 : inputRank(c, n, 0);
  if (sameName(n->op_type, "Unsqueeze"))
    return inputRank(c, n, 0) == 0 && unsqueezedCount(c, n, depth + 1) == 1 ? 1 : -1;
  if (!sameName(n->op_type, "Concat"))
    return -1;
  int total = 0;
  for (size_t i = 0; i < n->n_input; ++i) {
    int count = countAt(c, n->input[i], depth + 1);
    if (count < 0)
      return -1;
    total += count;
  }
  return total;
}

/* The element count of a 1-D shape-like operand i of n, -1 when not known. */
static int countOf(GcimOnnxRankCache *c, const Onnx__NodeProto *n, size_t i) {
  return i < n->n_input && n->input[i][0] ? countAt(c, n->input[i], 0) : -1;
}

/* Ops whose results have the rank of their largest input (broadcasting; MatMul of
 * operands of rank 2 or more). */
static const char sameRankOps[] =
    " Add Sub Mul Div Pow Where Equal Less Greater LessOrEqual GreaterOrEqual And Or Xor Not "
    "Max Min Mod Identity Cast Neg Abs Sqrt Reciprocal Exp Log Tanh Erf Sigmoid Relu Gelu "
    "FastGelu BiasGelu QuickGelu Softmax LogSoftmax LayerNormalization "
    "SimplifiedLayerNormalization SkipSimplifiedLayerNormalization SkipLayerNormalization "
    "RMSNormalization Dropout Slice Split Concat Transpose Sin Cos Softplus Mish Clip CumSum "
    "Tile RotaryEmbedding MatMul FusedMatMul Floor Ceil Sign ScatterND DequantizeLinear "
    "QuantizeLinear Elu Celu Selu LeakyRelu PRelu ThresholdedRelu Softsign HardSwish Shrink "
    "Round Sum Mean CastLike Hardmax ";

static bool keepsRank(const Onnx__NodeProto *n) {
  size_t length = n->op_type ? strlen(n->op_type) : 0;
  for (const char *p = strstr(sameRankOps, n->op_type ? n->op_type : " "); length && p;
       p = strstr(p + 1, n->op_type))
    if (p[-1] == ' ' && p[length] == ' ')
      return true;
  return false;
}

/* The letters of an explicit Einsum output without an ellipsis, -1 otherwise. */
static int einsumRank(const Onnx__NodeProto *n) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(n, "equation");
  const char *arrow = a && a->has_s ? memchr(a->s.data, '-', a->s.len) : NULL;
  if (!arrow)
    return -1;
  int letters = 0;
  for (const char *c = arrow + 2; c < (const char *)a->s.data + a->s.len; ++c) {
    if (*c == '.')
      return -1;
    letters += *c != ' ';
  }
  return letters;
}

/* The rank of output `output` of `n` from its inputs' ranks. */
static int computeRank(GcimOnnxRankCache *c, const Onnx__NodeProto *n, size_t output) {
  if (sameName(n->op_type, "GroupQueryAttention") || sameName(n->op_type, "Attention"))
    return output == 0 ? inputRank(c, n, 0) : 4;
  if (sameName(n->op_type, "Einsum"))
    return einsumRank(n);
  if (sameName(n->op_type, "Range") || sameName(n->op_type, "Shape"))
    return 1;
  if (sameName(n->op_type, "Reshape") || sameName(n->op_type, "Expand")) {
    int count = countOf(c, n, 1), in = inputRank(c, n, 0);
    return sameName(n->op_type, "Expand") && count >= 0 && in > count ? in : count;
  }
  if (sameName(n->op_type, "Gemm") || sameName(n->op_type, "FusedGemm"))
    return 2;
  if (sameName(n->op_type, "ConstantOfShape"))
    return countOf(c, n, 0);
  if (sameName(n->op_type, "Unsqueeze")) {
    int in = inputRank(c, n, 0), count = unsqueezedCount(c, n, 0);
    return in >= 0 && count >= 0 ? in + count : -1;
  }
  if (sameName(n->op_type, "Gather")) {
    int data = inputRank(c, n, 0), indices = inputRank(c, n, 1);
    return data >= 1 && indices >= 0 ? data - 1 + indices : -1;
  }
  if (!keepsRank(n))
    return -1;
  int rank = -1;
  for (size_t i = 0; i < n->n_input; ++i) {
    int r = n->input[i][0] ? inputRank(c, n, i) : rank;
    if (r < 0)
      return -1; /* an unknown operand may be the largest */
    if (r > rank)
      rank = r;
  }
  return rank;
}

static int rankAt(GcimOnnxRankCache *c, const char *name) {
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimOnnxDeclaredShape(c->graph, name, dims);
  RankEntry key = {.name = name};
  RankEntry *e = rank >= 0 ? NULL : bsearch(&key, c->entries, c->count, sizeof key, byName);
  if (!e)
    return rank;
  if (e->rank == RANK_PENDING) {
    e->rank = RANK_VISITING; /* a cycle reads -1 */
    e->rank = computeRank(c, e->node, e->output);
  }
  return e->rank == RANK_VISITING ? -1 : e->rank;
}

int gcimOnnxValueRank(GcimOnnxRankCache **cache, const Onnx__GraphProto *g, const char *name) {
  if (!*cache || (*cache)->graph != g) {
    gcimOnnxRankCacheDestroy(*cache);
    *cache = buildCache(g);
  }
  return *cache ? rankAt(*cache, name) : -1;
}
