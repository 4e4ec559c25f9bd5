/* Infer.c: per-op shape and element-type inference, part 1: elementwise, broadcasting,
 * contraction, normalisation and attention ops. Each hook fills node->outputTypes and
 * returns false with a diagnostic when the inputs do not fit the op, or false without
 * one when it cannot tell (the model's value_info is then used). */
#include "Importer.h"
#include "InferFold.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

bool gcimOnnxNormalizeAxis(Importer *im, int64_t axis, int32_t rank, int64_t *out) {
  if (axis < -(int64_t)rank || axis >= rank) {
    gcimOnnxImportError(im, "axis %lld is out of range for rank %d", (long long)axis, (int)rank);
    return false;
  }
  *out = axis < 0 ? axis + rank : axis;
  return true;
}

bool gcimOnnxBroadcastShapes(Importer *im, const TypeInfo *a, const TypeInfo *b, TypeInfo *out) {
  int32_t rank = a->rank > b->rank ? a->rank : b->rank;
  TypeInfo result = *a;
  result.rank = rank;
  for (int32_t i = 0; i < rank; ++i) {
    int32_t ia = i - (rank - a->rank), ib = i - (rank - b->rank);
    int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da == db || db == 1)
      result.dims[i] = da;
    else if (da == 1)
      result.dims[i] = db;
    else {
      char sa[256], sb[256];
      gcimOnnxFormatShape(a, sa, sizeof sa);
      gcimOnnxFormatShape(b, sb, sizeof sb);
      gcimOnnxImportError(im, "operands %s and %s cannot be broadcast", sa, sb);
      return false;
    }
  }
  *out = result;
  return true;
}

static bool sameAsInput(Importer *im, NodeInfo *node) {
  (void)im;
  for (size_t i = 0; i < node->outputCount; ++i)
    node->outputTypes[i] = *gcimOnnxInputType(node, 0);
  return true;
}

static bool requireFloat(Importer *im, NodeInfo *node) {
  if (!gcimOnnxIsFloatType(gcimOnnxInputType(node, 0)->elemType)) {
    gcimOnnxImportError(im, "input has element type %s, a float type is needed",
                        gcimOnnxElemTypeName(gcimOnnxInputType(node, 0)->elemType));
    return false;
  }
  return sameAsInput(im, node);
}

/* Multidirectional broadcasting of every input; `boolResult` for comparisons. */
static bool broadcastAll(Importer *im, NodeInfo *node, size_t first, bool boolResult) {
  TypeInfo result = *gcimOnnxInputType(node, first);
  for (size_t i = first + 1; i < node->inputCount; ++i) {
    if (gcimOnnxInputType(node, i)->elemType != result.elemType) {
      gcimOnnxImportError(im, "inputs have different element types (%s and %s)",
                          gcimOnnxElemTypeName(result.elemType),
                          gcimOnnxElemTypeName(gcimOnnxInputType(node, i)->elemType));
      return false;
    }
    if (!gcimOnnxBroadcastShapes(im, &result, gcimOnnxInputType(node, i), &result))
      return false;
  }
  if (boolResult)
    result.elemType = DT_BOOL;
  node->outputTypes[0] = result;
  return true;
}

static bool inferBinary(Importer *im, NodeInfo *node) { return broadcastAll(im, node, 0, false); }

/* Inputs 1 .. count-1 that are present have input 0's element type, as ONNX's T says for
 * the products' and LayerNormalization's operands (the kernels read them as input 0's). */
static bool sameElemTypes(Importer *im, NodeInfo *node, size_t count) {
  int32_t elemType = gcimOnnxInputType(node, 0)->elemType;
  for (size_t i = 1; i < count && i < node->inputCount; ++i) {
    const TypeInfo *t = gcimOnnxInputType(node, i);
    if (t && t->elemType != elemType) {
      gcimOnnxImportError(im, "inputs have different element types (%s and %s)",
                          gcimOnnxElemTypeName(elemType), gcimOnnxElemTypeName(t->elemType));
      return false;
    }
  }
  return true;
}

static bool inferPow(Importer *im, NodeInfo *node) {
  /* Pow allows a different exponent type; the result has the base's type. */
  TypeInfo result;
  if (!gcimOnnxBroadcastShapes(im, gcimOnnxInputType(node, 0), gcimOnnxInputType(node, 1), &result))
    return false;
  result.elemType = gcimOnnxInputType(node, 0)->elemType;
  node->outputTypes[0] = result;
  return true;
}

static bool inferCompare(Importer *im, NodeInfo *node) { return broadcastAll(im, node, 0, true); }

static bool inferWhere(Importer *im, NodeInfo *node) {
  TypeInfo result;
  if (gcimOnnxInputType(node, 0)->elemType != DT_BOOL) {
    gcimOnnxImportError(im, "condition must be bool, not %s",
                        gcimOnnxElemTypeName(gcimOnnxInputType(node, 0)->elemType));
    return false;
  }
  if (!broadcastAll(im, node, 1, false) ||
      !gcimOnnxBroadcastShapes(im, gcimOnnxInputType(node, 0), &node->outputTypes[0], &result))
    return false;
  result.elemType = node->outputTypes[0].elemType;
  node->outputTypes[0] = result;
  return true;
}

static bool inferCast(Importer *im, NodeInfo *node) {
  int64_t to;
  if (!gcimOnnxAttrInt(im, node, "to", 0, &to))
    return false;
  if (!gcimOnnxElemTypeSize((int32_t)to)) {
    gcimOnnxImportError(im, "attribute 'to' names unsupported data type %lld", (long long)to);
    return false;
  }
  node->outputTypes[0] = *gcimOnnxInputType(node, 0);
  node->outputTypes[0].elemType = (int32_t)to;
  return true;
}

static bool inferIsInfNaN(Importer *im, NodeInfo *node) {
  if (!requireFloat(im, node))
    return false;
  node->outputTypes[0].elemType = DT_BOOL;
  return true;
}

static bool inferCumSum(Importer *im, NodeInfo *node) {
  const TypeInfo *axis = gcimOnnxInputType(node, 1);
  if (axis->rank > 1 || gcimOnnxTypeNumElements(axis) != 1 ||
      (axis->elemType != DT_INT64 && axis->elemType != DT_INT32)) {
    gcimOnnxImportError(im, "axis must be one int32 or int64 value");
    return false;
  }
  return sameAsInput(im, node);
}

/* GatherElements: the indices' shape, the data's type. */
static bool inferGatherElements(Importer *im, NodeInfo *node) {
  const TypeInfo *data = gcimOnnxInputType(node, 0), *indices = gcimOnnxInputType(node, 1);
  int64_t axis;
  if (!gcimOnnxAttrInt(im, node, "axis", 0, &axis) ||
      !gcimOnnxNormalizeAxis(im, axis, data->rank, &axis))
    return false;
  if (indices->rank != data->rank ||
      (indices->elemType != DT_INT64 && indices->elemType != DT_INT32)) {
    gcimOnnxImportError(im, "indices must be int32 or int64 of the data's rank");
    return false;
  }
  node->outputTypes[0] = *indices;
  node->outputTypes[0].elemType = data->elemType;
  return true;
}

/* A product over an empty dimension (0 columns by 0 rows) is all zeros: a broken model,
 * which the code generator cannot plan (it divides by the contracted length). */
static bool checkContracted(Importer *im, int64_t k) {
  if (k != 0)
    return true;
  gcimOnnxImportError(im, "contracts an empty dimension (0 columns with 0 rows): the product "
                          "is all zeros; remove the node or give its operands data");
  return false;
}

static bool inferMatMul(Importer *im, NodeInfo *node) {
  if (!sameElemTypes(im, node, 2))
    return false;
  TypeInfo a = *gcimOnnxInputType(node, 0), b = *gcimOnnxInputType(node, 1);
  if (a.rank < 1 || b.rank < 1 || a.rank > 4 || b.rank > 4) {
    int32_t bad = a.rank < 1 || a.rank > 4 ? a.rank : b.rank;
    gcimOnnxImportError(im, "rank-%d operands are not supported", (int)bad);
    return false;
  }
  bool vecA = a.rank == 1, vecB = b.rank == 1;
  if (vecA) {
    a.rank = 2;
    a.dims[1] = a.dims[0];
    a.dims[0] = 1;
  }
  if (vecB) {
    b.rank = 2;
    b.dims[1] = 1;
  }
  if (a.dims[a.rank - 1] != b.dims[b.rank - 2]) {
    gcimOnnxImportError(im, "contracts %lld columns with %lld rows", (long long)a.dims[a.rank - 1],
                        (long long)b.dims[b.rank - 2]);
    return false;
  }
  if (!checkContracted(im, a.dims[a.rank - 1]))
    return false;
  TypeInfo batchA = a, batchB = b, result;
  batchA.rank -= 2;
  batchB.rank -= 2;
  if (!gcimOnnxBroadcastShapes(im, &batchA, &batchB, &result))
    return false;
  if (!vecA)
    result.dims[result.rank++] = a.dims[a.rank - 2];
  if (!vecB)
    result.dims[result.rank++] = b.dims[b.rank - 1];
  result.elemType = a.elemType;
  node->outputTypes[0] = result;
  return true;
}

static bool inferGemm(Importer *im, NodeInfo *node) {
  int64_t transA, transB;
  const TypeInfo *a = gcimOnnxInputType(node, 0), *b = gcimOnnxInputType(node, 1);
  if (!gcimOnnxAttrInt(im, node, "transA", 0, &transA) ||
      !gcimOnnxAttrInt(im, node, "transB", 0, &transB) || !sameElemTypes(im, node, 3))
    return false;
  if (a->rank != 2 || b->rank != 2) {
    gcimOnnxImportError(im, "operands must be rank 2, not %d and %d", (int)a->rank, (int)b->rank);
    return false;
  }
  int64_t m = a->dims[transA ? 1 : 0], k = a->dims[transA ? 0 : 1];
  int64_t kb = b->dims[transB ? 1 : 0], n = b->dims[transB ? 0 : 1];
  if (k != kb) {
    gcimOnnxImportError(im, "contracts %lld columns with %lld rows", (long long)k, (long long)kb);
    return false;
  }
  if (!checkContracted(im, k))
    return false;
  TypeInfo result = {a->elemType, 2, {m, n}};
  if (gcimOnnxInputType(node, 2)) {
    TypeInfo check;
    if (!gcimOnnxBroadcastShapes(im, &result, gcimOnnxInputType(node, 2), &check))
      return false;
  }
  node->outputTypes[0] = result;
  return true;
}

static bool inferLayerNorm(Importer *im, NodeInfo *node) {
  int64_t axis;
  const TypeInfo *x = gcimOnnxInputType(node, 0);
  if (!gcimOnnxAttrInt(im, node, "axis", -1, &axis) ||
      !gcimOnnxNormalizeAxis(im, axis, x->rank, &axis) || !sameElemTypes(im, node, 3))
    return false;
  node->outputTypes[0] = *x;
  for (size_t i = 1; i < node->outputCount; ++i) {
    TypeInfo stat = *x;
    for (int32_t d = (int32_t)axis; d < x->rank; ++d)
      stat.dims[d] = 1;
    stat.elemType = DT_FLOAT;
    node->outputTypes[i] = stat;
  }
  return true;
}

static bool inferDropout(Importer *im, NodeInfo *node) {
  sameAsInput(im, node);
  if (node->outputCount > 1)
    node->outputTypes[1].elemType = DT_BOOL;
  return true;
}

/* The bounds have the input's type T (ONNX; ONNX Runtime refuses a mismatch at load):
 * a float64 or int64 bound of a float32 input is refused rather than read as T. */
static bool inferClip(Importer *im, NodeInfo *node) {
  int32_t elemType = gcimOnnxInputType(node, 0)->elemType;
  for (size_t i = 1; i < node->inputCount; ++i) {
    const TypeInfo *bound = gcimOnnxInputType(node, i);
    if (bound && bound->rank != 0) {
      gcimOnnxImportError(im, "bounds must be scalars");
      return false;
    }
    if (bound && bound->elemType != elemType) {
      gcimOnnxImportError(im, "its %s bound has element type %s, not the input's %s",
                          i == 1 ? "min" : "max", gcimOnnxElemTypeName(bound->elemType),
                          gcimOnnxElemTypeName(elemType));
      return false;
    }
  }
  return sameAsInput(im, node);
}

/* ONNX-23 Attention: q (B, Hq, S, D) or (B, S, Hq*D); k, v likewise with Hkv heads. */
static bool inferAttention(Importer *im, NodeInfo *node) {
  const TypeInfo *q = gcimOnnxInputType(node, 0), *k = gcimOnnxInputType(node, 1),
                 *v = gcimOnnxInputType(node, 2);
  if (q->rank != k->rank || q->rank != v->rank || (q->rank != 3 && q->rank != 4)) {
    gcimOnnxImportError(im, "q, k and v must all be rank 3 or rank 4");
    return false;
  }
  TypeInfo y = *q;
  int64_t past = gcimOnnxInputType(node, 4) && gcimOnnxInputType(node, 4)->rank == 4
                     ? gcimOnnxInputType(node, 4)->dims[2]
                     : 0;
  int64_t qHeads = 0, kvHeads = 0;
  if (q->rank == 4) {
    y.dims[3] = v->dims[3];
  } else {
    if (!gcimOnnxAttrInt(im, node, "q_num_heads", 0, &qHeads) ||
        !gcimOnnxAttrInt(im, node, "kv_num_heads", 0, &kvHeads))
      return false;
    if (qHeads <= 0 || kvHeads <= 0 || qHeads > 1 << 20 || v->dims[2] % kvHeads ||
        k->dims[2] % kvHeads) {
      gcimOnnxImportError(im, "3-d inputs need positive 'q_num_heads' and 'kv_num_heads' that "
                              "divide the hidden sizes");
      return false;
    }
    y.dims[2] = qHeads * (v->dims[2] / kvHeads);
  }
  node->outputTypes[0] = y;
  /* The present keys and values are (B, Hkv, past + S, D) whatever the inputs' layout. */
  for (size_t i = 1; i < node->outputCount && i < 3; ++i) {
    const TypeInfo *src = i == 1 ? k : v;
    TypeInfo present = *src;
    if (src->rank == 3) {
      present.rank = 4;
      present.dims[1] = kvHeads;
      present.dims[2] = src->dims[1];
      present.dims[3] = src->dims[2] / kvHeads;
    }
    if (present.dims[2] > INT64_MAX - past) {
      gcimOnnxImportError(im, "past and present lengths overflow");
      return false;
    }
    present.dims[2] += past;
    node->outputTypes[i] = present;
  }
  if (node->outputCount > 3) {
    TypeInfo scores = *q;
    scores.rank = 4;
    if (q->rank == 4) {
      scores.dims[3] = k->dims[2] + past;
    } else {
      scores.dims[1] = qHeads;
      scores.dims[2] = q->dims[1];
      scores.dims[3] = k->dims[1] + past;
    }
    node->outputTypes[3] = scores;
  }
  return true;
}

/* com.microsoft Attention: input (B, S, C), weights (C, 3H) -> output (B, S, H). */
static bool inferMsAttention(Importer *im, NodeInfo *node) {
  const TypeInfo *x = gcimOnnxInputType(node, 0), *w = gcimOnnxInputType(node, 1);
  int64_t heads;
  if (!gcimOnnxAttrInt(im, node, "num_heads", 0, &heads))
    return false;
  if (x->rank != 3 || w->rank != 2 || w->dims[1] % 3 || heads <= 0 || (w->dims[1] / 3) % heads) {
    gcimOnnxImportError(im, "needs input (batch, tokens, channels), weights (channels, 3 * hidden) "
                            "and hidden divisible by 'num_heads'");
    return false;
  }
  if (gcimOnnxFindAttr(node->proto, "qkv_hidden_sizes"))
    return false;
  TypeInfo y = *x;
  y.dims[2] = w->dims[1] / 3;
  node->outputTypes[0] = y;
  if (node->outputCount > 1) {
    int64_t past = gcimOnnxInputType(node, 4) && gcimOnnxInputType(node, 4)->rank == 5
                       ? gcimOnnxInputType(node, 4)->dims[3]
                       : 0;
    if (past > INT64_MAX - x->dims[1])
      return false;
    TypeInfo present = {
        x->elemType, 5, {2, x->dims[0], heads, past + x->dims[1], y.dims[2] / heads}};
    node->outputTypes[1] = present;
  }
  return true;
}

/* com.microsoft MultiHeadAttention: query (B, S, Dq) -> output (B, S, Dv). */
static bool inferMsMha(Importer *im, NodeInfo *node) {
  const TypeInfo *q = gcimOnnxInputType(node, 0), *v = gcimOnnxInputType(node, 2);
  int64_t heads;
  if (!gcimOnnxAttrInt(im, node, "num_heads", 0, &heads))
    return false;
  if (q->rank != 3 || heads <= 0) {
    gcimOnnxImportError(im, "needs query (batch, tokens, hidden) and positive 'num_heads'");
    return false;
  }
  TypeInfo y = *q;
  if (v && v->rank == 3)
    y.dims[2] = v->dims[2];
  else if (v && v->rank == 4)
    y.dims[2] = v->dims[1] * v->dims[3];
  node->outputTypes[0] = y;
  return node->outputCount == 1;
}

/* ai.gcim GainCellAttention: q, k, v (B, H, T, D) -> y (B, H, T, Dv). */
static bool inferGainCell(Importer *im, NodeInfo *node) {
  const TypeInfo *q = gcimOnnxInputType(node, 0), *v = gcimOnnxInputType(node, 2);
  if (q->rank != 4 || gcimOnnxInputType(node, 1)->rank != 4 || v->rank != 4) {
    gcimOnnxImportError(im, "q, k and v must be rank 4 (batch, heads, tokens, head_dim)");
    return false;
  }
  if (gcimOnnxInputType(node, 3) &&
      (gcimOnnxInputType(node, 3)->rank != 2 || gcimOnnxInputType(node, 3)->dims[1] != 8 ||
       gcimOnnxInputType(node, 3)->dims[0] != q->dims[1])) {
    gcimOnnxImportError(im, "scales must be (heads, 8)");
    return false;
  }
  TypeInfo y = *q;
  y.dims[3] = v->dims[3];
  node->outputTypes[0] = y;
  return true;
}

const OpHooks gcimOpHooks[] = {
    {"onnx.add", inferBinary, gcimOnnxFoldElementwise},
    {"onnx.sub", inferBinary, gcimOnnxFoldElementwise},
    {"onnx.mul", inferBinary, gcimOnnxFoldElementwise},
    {"onnx.div", inferBinary, gcimOnnxFoldElementwise},
    {"onnx.pow", inferPow, gcimOnnxFoldElementwise},
    {"onnx.sqrt", requireFloat, gcimOnnxFoldElementwise},
    {"onnx.reciprocal", requireFloat, gcimOnnxFoldElementwise},
    {"onnx.neg", sameAsInput, gcimOnnxFoldElementwise},
    {"onnx.abs", sameAsInput, gcimOnnxFoldElementwise},
    {"onnx.exp", requireFloat, gcimOnnxFoldElementwise},
    {"onnx.log", requireFloat, gcimOnnxFoldElementwise},
    {"onnx.tanh", requireFloat, NULL},
    {"onnx.erf", requireFloat, NULL},
    {"onnx.sigmoid", requireFloat, NULL},
    {"onnx.hard_sigmoid", requireFloat, NULL},
    {"onnx.relu", sameAsInput, NULL},
    {"onnx.gelu", requireFloat, NULL},
    {"onnx.softmax", gcimOnnxInferSoftmax, NULL},
    {"onnx.log_softmax", gcimOnnxInferSoftmax, NULL},
    {"onnx.mat_mul", inferMatMul, NULL},
    {"onnx.gemm", inferGemm, NULL},
    {"onnx.transpose", gcimOnnxInferTranspose, NULL},
    {"onnx.reshape", gcimOnnxInferReshape, gcimOnnxFoldReshapeLike},
    {"onnx.flatten", gcimOnnxInferFlatten, gcimOnnxFoldReshapeLike},
    {"onnx.squeeze", gcimOnnxInferSqueeze, gcimOnnxFoldReshapeLike},
    {"onnx.unsqueeze", gcimOnnxInferUnsqueeze, gcimOnnxFoldReshapeLike},
    {"onnx.concat", gcimOnnxInferConcat, gcimOnnxFoldConcat},
    {"onnx.split", gcimOnnxInferSplit, gcimOnnxFoldSplit},
    {"onnx.slice", gcimOnnxInferSlice, gcimOnnxFoldSlice},
    {"onnx.gather", gcimOnnxInferGather, gcimOnnxFoldGather},
    {"onnx.expand", gcimOnnxInferExpand, gcimOnnxFoldExpand},
    {"onnx.where", inferWhere, gcimOnnxFoldElementwise},
    {"onnx.equal", inferCompare, gcimOnnxFoldElementwise},
    {"onnx.less", inferCompare, gcimOnnxFoldElementwise},
    {"onnx.greater", inferCompare, gcimOnnxFoldElementwise},
    {"onnx.not", sameAsInput, gcimOnnxFoldElementwise},
    {"onnx.and", inferCompare, gcimOnnxFoldElementwise},
    {"onnx.or", inferCompare, gcimOnnxFoldElementwise},
    {"onnx.cast", inferCast, gcimOnnxFoldCast},
    {"onnx.constant_of_shape", gcimOnnxInferConstantOfShape, gcimOnnxFoldConstantOfShape},
    {"onnx.shape", gcimOnnxInferShape, gcimOnnxFoldShape},
    {"onnx.size", gcimOnnxInferSize, gcimOnnxFoldSize},
    {"onnx.range", gcimOnnxInferRange, gcimOnnxFoldRange},
    {"onnx.trilu", sameAsInput, gcimOnnxFoldTrilu},
    {"onnx.reduce_sum", gcimOnnxInferReduce, NULL},
    {"onnx.reduce_mean", gcimOnnxInferReduce, NULL},
    {"onnx.reduce_max", gcimOnnxInferReduce, NULL},
    {"onnx.reduce_min", gcimOnnxInferReduce, NULL},
    {"onnx.reduce_prod", gcimOnnxInferReduce, NULL},
    {"onnx.arg_max", gcimOnnxInferArgReduce, NULL},
    {"onnx.arg_min", gcimOnnxInferArgReduce, NULL},
    {"onnx.top_k", gcimOnnxInferTopK, NULL},
    {"onnx.cast_like", gcimOnnxInferCastLike, gcimOnnxFoldCast},
    {"onnx.layer_normalization", inferLayerNorm, NULL},
    {"onnx.clip", inferClip, NULL},
    {"onnx.min", inferBinary, gcimOnnxFoldElementwise},
    {"onnx.max", inferBinary, gcimOnnxFoldElementwise},
    {"onnx.identity", sameAsInput, gcimOnnxFoldReshapeLike},
    {"onnx.dropout", inferDropout, NULL},
    {"onnx.attention", inferAttention, NULL},
    {"onnx.ms_attention", inferMsAttention, NULL},
    {"onnx.ms_multi_head_attention", inferMsMha, NULL},
    {"onnx.gcim_gain_cell_attention", inferGainCell, NULL},
    {"onnx.sin", requireFloat, gcimOnnxFoldElementwise},
    {"onnx.cos", requireFloat, gcimOnnxFoldElementwise},
    {"onnx.floor", requireFloat, gcimOnnxFoldElementwise},
    {"onnx.ceil", requireFloat, gcimOnnxFoldElementwise},
    {"onnx.sign", sameAsInput, gcimOnnxFoldElementwise},
    {"onnx.softplus", requireFloat, NULL},
    {"onnx.mish", requireFloat, NULL},
    {"onnx.less_or_equal", inferCompare, gcimOnnxFoldElementwise},
    {"onnx.greater_or_equal", inferCompare, gcimOnnxFoldElementwise},
    {"onnx.xor", inferCompare, gcimOnnxFoldElementwise},
    {"onnx.is_inf", inferIsInfNaN, NULL},
    {"onnx.is_nan", inferIsInfNaN, NULL},
    {"onnx.mod", inferBinary, gcimOnnxFoldElementwise},
    {"onnx.cum_sum", inferCumSum, NULL},
    {"onnx.tile", gcimOnnxInferTile, gcimOnnxFoldTile},
    {"onnx.scatter_nd", gcimOnnxInferScatterND, gcimOnnxFoldScatterND},
    {"onnx.gather_elements", inferGatherElements, NULL},
    {"onnx.gather_nd", gcimOnnxInferGatherND, gcimOnnxFoldGatherND},
};
const size_t gcimOpHookCount = sizeof gcimOpHooks / sizeof gcimOpHooks[0];
