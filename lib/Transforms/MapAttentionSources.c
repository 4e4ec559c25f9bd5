/* MapAttentionSources.c: whether an attention's keys are those of its queries' tokens.
 *
 * The gain cells hold the keys and values of the tokens written so far, the tokens whose
 * queries they answer, so gcim-map-attention must tell self-attention from cross-attention
 * (a decoder's queries over an encoder's output). Their lengths cannot: a decoder as long
 * as the encoder looks like self-attention. The graph can: q, k and v are each a
 * projection (a MatMul by a matrix, or a Gemm) of a hidden state, then head plumbing
 * (Reshape, Transpose, Split, a bias, a scale, RoPE, a KV cache's append, a grouped-query
 * repeat). Walking back from each operand through the plumbing to the projections'
 * inputs, and to the graph inputs reached without one, gives its sources. Self-attention's
 * q shares a source with its k and with its v (the same value, or the same computation on
 * the same values, up to a reshape or transpose); a cross-attention's k and v come from
 * another hidden state (the encoder's output, or a graph input holding it).
 * An operand that an elementwise op broadcasts (RoPE's cos and sin, a bias, a scale) is a
 * side input and is not followed: rotary tables computed from the same positions would
 * otherwise join any q to any k. When no operand reaches a projection (q, k and v given as
 * they are) or the walk is cut short, the sources say nothing. */
#include "MapAttentionSources.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinTypes.h"

#include <stdbool.h>
#include <stddef.h>

/* Plumbing between a hidden state and the attention is a few dozen ops (RoPE, a cache, a
 * repeat); a walk that goes much further has left the layer. */
enum { MAX_OPS = 256, MAX_PENDING = 512, MAX_SOURCES = 32, SAME_DEPTH = 8, SAME_BUDGET = 1024 };

typedef struct Sources {
  MlirValue values[MAX_SOURCES];
  int count;
  bool projected; /* a projection was reached */
  bool complete;  /* every path was followed to its end */
} Sources;

/* Ops that move a tensor's elements without computing new ones. */
static bool isLayout(MlirOperation op) {
  static const char *const names[] = {"onnx.transpose", "onnx.reshape", "onnx.squeeze",
                                      "onnx.unsqueeze", "onnx.flatten", "onnx.identity",
                                      "onnx.cast",      "onnx.expand"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
    if (gcimOpIsA(op, names[i]))
      return true;
  return false;
}

static MlirValue throughLayout(MlirValue value) {
  for (int steps = 0; steps < 16; ++steps) {
    MlirOperation def = gcimValueDefOp(value);
    if (mlirOperationIsNull(def) || !isLayout(def) || mlirOperationGetNumOperands(def) < 1)
      break;
    value = mlirOperationGetOperand(def, 0);
  }
  return value;
}

static bool sameAttributes(MlirOperation a, MlirOperation b) {
  intptr_t count = mlirOperationGetNumAttributes(a);
  if (count != mlirOperationGetNumAttributes(b))
    return false;
  for (intptr_t i = 0; i < count; ++i) {
    MlirNamedAttribute x = mlirOperationGetAttribute(a, i), y = mlirOperationGetAttribute(b, i);
    if (!mlirIdentifierEqual(x.name, y.name) || !mlirAttributeEqual(x.attribute, y.attribute))
      return false;
  }
  return true;
}

/* The same value, or the same op on the same values (two LayerNorms of one x); each call
 * spends one of *budget, so that wide look-alike graphs cannot make it exponential (an
 * exhausted budget answers no). */
static bool sameValueWithin(MlirValue a, MlirValue b, int depth, int *budget) {
  if (mlirValueEqual(a, b))
    return true;
  if (depth == 0 || --*budget <= 0 || !mlirValueIsAOpResult(a) || !mlirValueIsAOpResult(b) ||
      mlirOpResultGetResultNumber(a) != mlirOpResultGetResultNumber(b))
    return false;
  MlirOperation x = mlirOpResultGetOwner(a), y = mlirOpResultGetOwner(b);
  intptr_t operands = mlirOperationGetNumOperands(x);
  if (!mlirIdentifierEqual(mlirOperationGetName(x), mlirOperationGetName(y)) ||
      operands != mlirOperationGetNumOperands(y) || mlirOperationGetNumRegions(x) != 0 ||
      !sameAttributes(x, y))
    return false;
  for (intptr_t i = 0; i < operands; ++i)
    if (!sameValueWithin(mlirOperationGetOperand(x, i), mlirOperationGetOperand(y, i), depth - 1,
                         budget))
      return false;
  return true;
}

static bool sameValue(MlirValue a, MlirValue b) {
  int budget = SAME_BUDGET;
  return sameValueWithin(a, b, SAME_DEPTH, &budget);
}

static void addSource(Sources *s, MlirValue value) {
  value = throughLayout(value);
  for (int i = 0; i < s->count; ++i)
    if (sameValue(s->values[i], value))
      return;
  if (s->count == MAX_SOURCES)
    s->complete = false;
  else
    s->values[s->count++] = value;
}

/* A MatMul by a matrix (x W, the weights of rank 2 whether constant, dequantized or an
 * input) or a Gemm: *input gets the hidden state it projects. */
static bool isProjection(MlirOperation op, MlirValue *input) {
  bool matrix = gcimOpIsA(op, "onnx.mat_mul") && mlirOperationGetNumOperands(op) == 2 &&
                gcimTensorRank(mlirValueGetType(mlirOperationGetOperand(op, 1))) == 2;
  if (!matrix && !gcimOpIsA(op, "onnx.gemm"))
    return false;
  *input = mlirOperationGetOperand(op, 0);
  return true;
}

/* Operand `index` of an elementwise op that broadcasts it to more elements: a side input
 * (cos, sin, a bias, a scale, a mask). */
static bool isSideInput(MlirOperation op, intptr_t index) {
  static const char *const names[] = {"onnx.add", "onnx.sub",   "onnx.mul", "onnx.div",
                                      "onnx.pow", "onnx.where", "onnx.max", "onnx.min"};
  bool elementwise = false;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
    elementwise = elementwise || gcimOpIsA(op, names[i]);
  if (!elementwise || mlirOperationGetNumResults(op) != 1)
    return false;
  int64_t operand = gcimTensorNumElements(mlirValueGetType(mlirOperationGetOperand(op, index)));
  int64_t result = gcimTensorNumElements(mlirValueGetType(mlirOperationGetResult(op, 0)));
  return operand >= 0 && result >= 0 && operand < result;
}

static bool isFloatTensor(MlirValue value) {
  MlirType type = mlirValueGetType(value);
  return mlirTypeIsARankedTensor(type) && mlirTypeIsAFloat(mlirShapedTypeGetElementType(type));
}

static bool seen(const MlirOperation *ops, int count, MlirOperation op) {
  for (int i = 0; i < count; ++i)
    if (mlirOperationEqual(ops[i], op))
      return true;
  return false;
}

/* The sources of `start`: the hidden states its projections read, and the float graph
 * inputs it reaches without one. */
static void collectSources(MlirValue start, Sources *s) {
  MlirValue pending[MAX_PENDING];
  MlirOperation visited[MAX_OPS];
  int top = 0, visitedCount = 0;
  s->count = 0;
  s->projected = false;
  s->complete = true;
  pending[top++] = start;
  while (top > 0 && s->complete) {
    MlirValue value = pending[--top];
    MlirOperation def = gcimValueDefOp(value);
    if (mlirOperationIsNull(def)) {
      if (isFloatTensor(value))
        addSource(s, value);
      continue;
    }
    if (gcimOpIsA(def, "onnx.constant") || seen(visited, visitedCount, def))
      continue;
    if (visitedCount == MAX_OPS) {
      s->complete = false;
      break;
    }
    visited[visitedCount++] = def;
    MlirValue input;
    if (isProjection(def, &input)) {
      s->projected = true;
      addSource(s, input);
      continue;
    }
    for (intptr_t i = 0; i < mlirOperationGetNumOperands(def); ++i) {
      if (isSideInput(def, i))
        continue;
      if (top == MAX_PENDING) {
        s->complete = false;
        break;
      }
      pending[top++] = mlirOperationGetOperand(def, i);
    }
  }
}

static bool shareSource(const Sources *a, const Sources *b) {
  for (int i = 0; i < a->count; ++i)
    for (int j = 0; j < b->count; ++j)
      if (sameValue(a->values[i], b->values[j]))
        return true;
  return false;
}

GcimKeySource gcimAttentionKeySource(MlirOperation attention) {
  Sources q, k, v;
  collectSources(mlirOperationGetOperand(attention, 0), &q);
  collectSources(mlirOperationGetOperand(attention, 1), &k);
  collectSources(mlirOperationGetOperand(attention, 2), &v);
  if (!q.complete || !k.complete || !v.complete || !(q.projected || k.projected || v.projected))
    return GCIM_KEYS_UNTRACED;
  return shareSource(&q, &k) && shareSource(&q, &v) ? GCIM_KEYS_OWN : GCIM_KEYS_FOREIGN;
}
