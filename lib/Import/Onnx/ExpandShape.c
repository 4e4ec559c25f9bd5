/* ExpandShape.c: what a decomposition may know of a value's shape before the import infers
 * it: the shape the graph declares (input, value_info, output, initializer, Constant) and,
 * for computed values, the rank followed back through the nodes that compute it. Rotary
 * embeddings need the rank of their input to tell (batch, tokens, hidden) from (batch,
 * heads, tokens, dim) layouts. */
#include "Expand.h"

#include <string.h>

enum { MAX_RANK_DEPTH = 64 };

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

static const Onnx__NodeProto *producer(const Onnx__GraphProto *g, const char *name,
                                       size_t *output) {
  for (size_t i = 0; i < g->n_node; ++i)
    for (size_t o = 0; o < g->node[i]->n_output; ++o)
      if (sameName(g->node[i]->output[o], name)) {
        *output = o;
        return g->node[i];
      }
  return NULL;
}

static int rankAt(const Onnx__GraphProto *g, const char *name, int depth);

static int inputRank(const Onnx__GraphProto *g, const Onnx__NodeProto *n, size_t i, int depth) {
  return i < n->n_input && n->input[i][0] ? rankAt(g, n->input[i], depth + 1) : -1;
}

/* The element count of a 1-D shape-like operand, -1 when not declared. */
static int countOf(const Onnx__GraphProto *g, const Onnx__NodeProto *n, size_t i) {
  int64_t dims[GCIM_MAX_RANK];
  if (i >= n->n_input || gcimOnnxDeclaredShape(g, n->input[i], dims) != 1)
    return -1;
  return dims[0] >= 0 ? (int)dims[0] : -1;
}

static bool isOp(const Onnx__NodeProto *n, const char *const *ops) {
  for (; *ops; ++ops)
    if (sameName(n->op_type, *ops))
      return true;
  return false;
}

/* Ops whose results have the rank of their largest input (broadcasting; MatMul of
 * operands of rank 2 or more). */
static const char *const sameRankOps[] = {"Add",
                                          "Sub",
                                          "Mul",
                                          "Div",
                                          "Pow",
                                          "Where",
                                          "Equal",
                                          "Less",
                                          "Greater",
                                          "LessOrEqual",
                                          "GreaterOrEqual",
                                          "And",
                                          "Or",
                                          "Xor",
                                          "Not",
                                          "Max",
                                          "Min",
                                          "Mod",
                                          "Identity",
                                          "Cast",
                                          "Neg",
                                          "Abs",
                                          "Sqrt",
                                          "Reciprocal",
                                          "Exp",
                                          "Log",
                                          "Tanh",
                                          "Erf",
                                          "Sigmoid",
                                          "Relu",
                                          "Gelu",
                                          "FastGelu",
                                          "Softmax",
                                          "LogSoftmax",
                                          "LayerNormalization",
                                          "SimplifiedLayerNormalization",
                                          "SkipSimplifiedLayerNormalization",
                                          "SkipLayerNormalization",
                                          "RMSNormalization",
                                          "Dropout",
                                          "Slice",
                                          "Split",
                                          "Concat",
                                          "Transpose",
                                          "Sin",
                                          "Cos",
                                          "Softplus",
                                          "Mish",
                                          "Clip",
                                          "CumSum",
                                          "Tile",
                                          "RotaryEmbedding",
                                          "MatMul",
                                          "Floor",
                                          "Ceil",
                                          "Sign",
                                          NULL};

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

static int rankAt(const Onnx__GraphProto *g, const char *name, int depth) {
  int64_t dims[GCIM_MAX_RANK];
  int rank = gcimOnnxDeclaredShape(g, name, dims);
  size_t output = 0;
  const Onnx__NodeProto *n =
      rank >= 0 || depth > MAX_RANK_DEPTH ? NULL : producer(g, name, &output);
  if (!n)
    return rank;
  if (sameName(n->op_type, "GroupQueryAttention") || sameName(n->op_type, "Attention"))
    return output == 0 ? inputRank(g, n, 0, depth) : 4;
  if (sameName(n->op_type, "Gemm"))
    return 2;
  if (sameName(n->op_type, "Einsum"))
    return einsumRank(n);
  if (sameName(n->op_type, "Range") || sameName(n->op_type, "Shape"))
    return 1;
  if (sameName(n->op_type, "Reshape") || sameName(n->op_type, "Expand")) {
    int count = countOf(g, n, 1), in = inputRank(g, n, 0, depth);
    return sameName(n->op_type, "Expand") && count >= 0 && in > count ? in : count;
  }
  if (sameName(n->op_type, "Unsqueeze")) {
    int in = inputRank(g, n, 0, depth), count = countOf(g, n, 1);
    return in >= 0 && count >= 0 ? in + count : -1;
  }
  if (sameName(n->op_type, "Gather")) {
    int data = inputRank(g, n, 0, depth), indices = inputRank(g, n, 1, depth);
    return data >= 1 && indices >= 0 ? data - 1 + indices : -1;
  }
  if (!isOp(n, sameRankOps))
    return -1;
  for (size_t i = 0; i < n->n_input; ++i) {
    int r = n->input[i][0] ? inputRank(g, n, i, depth) : rank;
    if (r < 0)
      return -1; /* an unknown operand may be the largest */
    if (r > rank)
      rank = r;
  }
  return rank;
}

int gcimOnnxValueRank(const Onnx__GraphProto *g, const char *name) { return rankAt(g, name, 0); }
