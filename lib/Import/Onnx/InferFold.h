/* InferFold.h: the importer's per-op shape-inference and constant-folding hooks, defined
 * in InferShape.c, InferShapeData.c, Fold.c and FoldArithmetic.c and listed in Infer.c's op
 * table, and the helpers they share (not a public header). */
#ifndef GCIM_LIB_IMPORT_ONNX_INFERFOLD_H
#define GCIM_LIB_IMPORT_ONNX_INFERFOLD_H

#include "Importer.h"

/* The type of input i, or NULL when the node has no such input. */
static inline const TypeInfo *gcimOnnxInputType(NodeInfo *node, size_t i) {
  return i < node->inputCount && node->inputs[i] ? &node->inputs[i]->type : NULL;
}

/* Reads INTS attribute `name` (NULL, count 0 when absent). */
static inline const int64_t *gcimOnnxAttrInts(NodeInfo *node, const char *name, size_t *count) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(node->proto, name);
  *count = a ? a->n_ints : 0;
  return a ? a->ints : NULL;
}

/* Normalised Slice parameters per axis: start, step and count; false after a diagnostic
 * (InferShapeData.c). */
bool gcimOnnxSliceParams(Importer *im, NodeInfo *node, int64_t *start, int64_t *step,
                         int64_t *count);

/* Shape-15 `start`/`end` clamped into [0, rank] (InferShapeData.c). */
void gcimOnnxShapeRange(Importer *im, NodeInfo *node, int64_t *start, int64_t *end);

/* Shape inference (InferShape.c, InferShapeData.c): fills node->outputTypes; false after a
 * diagnostic. */
bool gcimOnnxInferTranspose(Importer *im, NodeInfo *node);
bool gcimOnnxInferReshape(Importer *im, NodeInfo *node);
bool gcimOnnxInferFlatten(Importer *im, NodeInfo *node);
bool gcimOnnxInferSqueeze(Importer *im, NodeInfo *node);
bool gcimOnnxInferUnsqueeze(Importer *im, NodeInfo *node);
bool gcimOnnxInferConcat(Importer *im, NodeInfo *node);
bool gcimOnnxInferSplit(Importer *im, NodeInfo *node);
bool gcimOnnxInferSlice(Importer *im, NodeInfo *node);
bool gcimOnnxInferGather(Importer *im, NodeInfo *node);
bool gcimOnnxInferExpand(Importer *im, NodeInfo *node);
bool gcimOnnxInferTile(Importer *im, NodeInfo *node);
bool gcimOnnxInferConstantOfShape(Importer *im, NodeInfo *node);
bool gcimOnnxInferShape(Importer *im, NodeInfo *node);
bool gcimOnnxInferSize(Importer *im, NodeInfo *node);
bool gcimOnnxInferRange(Importer *im, NodeInfo *node);
bool gcimOnnxInferReduce(Importer *im, NodeInfo *node);
bool gcimOnnxInferSoftmax(Importer *im, NodeInfo *node);
/* InferIndex.c. */
bool gcimOnnxInferArgReduce(Importer *im, NodeInfo *node);
bool gcimOnnxInferTopK(Importer *im, NodeInfo *node);
bool gcimOnnxInferCastLike(Importer *im, NodeInfo *node);

/* Folding helpers (Fold.c). A new value for output i, sized from its inferred type; NULL
 * when larger than GCIM_FOLD_LIMIT. */
ConstData *gcimOnnxFoldNewOutput(NodeInfo *node, size_t i);
/* The known value of every present input into values[], or false. */
bool gcimOnnxFoldAllKnown(Importer *im, NodeInfo *node, const ConstData **values);
/* Stores element i of `out`: f (rounded to elemType) when it holds floats, else n. */
void gcimOnnxFoldStore(ConstData *out, int32_t elemType, int64_t i, double f, int64_t n);
/* Index into input `t` of the output element at multi-index `index` (broadcasting). */
int64_t gcimOnnxFoldBroadcastIndex(const TypeInfo *t, const TypeInfo *outType,
                                   const int64_t *index);
/* Advances the multi-index `index` over the shape of `t` (row-major). */
void gcimOnnxFoldNextIndex(const TypeInfo *t, int64_t *index);

/* Folding (Fold.c, FoldArithmetic.c): the node's outputs as known constants; false (no
 * diagnostic) when the node cannot be folded. */
bool gcimOnnxFoldShape(Importer *im, NodeInfo *node);
bool gcimOnnxFoldSize(Importer *im, NodeInfo *node);
bool gcimOnnxFoldElementwise(Importer *im, NodeInfo *node);
bool gcimOnnxFoldReshapeLike(Importer *im, NodeInfo *node);
bool gcimOnnxFoldGather(Importer *im, NodeInfo *node);
bool gcimOnnxFoldConcat(Importer *im, NodeInfo *node);
bool gcimOnnxFoldSplit(Importer *im, NodeInfo *node);
bool gcimOnnxFoldSlice(Importer *im, NodeInfo *node);
bool gcimOnnxFoldRange(Importer *im, NodeInfo *node);
bool gcimOnnxFoldConstantOfShape(Importer *im, NodeInfo *node);
bool gcimOnnxFoldExpand(Importer *im, NodeInfo *node);
bool gcimOnnxFoldTile(Importer *im, NodeInfo *node);
bool gcimOnnxFoldTrilu(Importer *im, NodeInfo *node);
bool gcimOnnxFoldCast(Importer *im, NodeInfo *node);

/* ScatterND, reduction none (InferScatter.c). */
bool gcimOnnxInferScatterND(Importer *im, NodeInfo *node);
bool gcimOnnxFoldScatterND(Importer *im, NodeInfo *node);

/* GatherND with batch_dims (InferGatherND.c). */
bool gcimOnnxInferGatherND(Importer *im, NodeInfo *node);
bool gcimOnnxFoldGatherND(Importer *im, NodeInfo *node);

#endif /* GCIM_LIB_IMPORT_ONNX_INFERFOLD_H */
