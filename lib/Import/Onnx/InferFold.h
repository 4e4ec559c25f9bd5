/* InferFold.h: the importer's per-op shape-inference and constant-folding hooks, defined
 * in InferShape.c and Fold.c and listed in Infer.c's op table (not a public header). */
#ifndef GCIM_LIB_IMPORT_ONNX_INFERFOLD_H
#define GCIM_LIB_IMPORT_ONNX_INFERFOLD_H

#include "Importer.h"

/* Shape inference (InferShape.c): fills node->outputTypes; false after a diagnostic. */
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

/* Folding (Fold.c): the node's outputs as known constants; false (no diagnostic) when the
 * node cannot be folded. */
bool gcimOnnxFoldShape(Importer *im, NodeInfo *node);
bool gcimOnnxFoldSize(Importer *im, NodeInfo *node);
bool gcimOnnxFoldElementwise(Importer *im, NodeInfo *node);
bool gcimOnnxFoldReshapeLike(Importer *im, NodeInfo *node);
bool gcimOnnxFoldGather(Importer *im, NodeInfo *node);
bool gcimOnnxFoldConcat(Importer *im, NodeInfo *node);
bool gcimOnnxFoldSlice(Importer *im, NodeInfo *node);
bool gcimOnnxFoldRange(Importer *im, NodeInfo *node);
bool gcimOnnxFoldConstantOfShape(Importer *im, NodeInfo *node);
bool gcimOnnxFoldExpand(Importer *im, NodeInfo *node);
bool gcimOnnxFoldTile(Importer *im, NodeInfo *node);
bool gcimOnnxFoldTrilu(Importer *im, NodeInfo *node);
bool gcimOnnxFoldCast(Importer *im, NodeInfo *node);

#endif /* GCIM_LIB_IMPORT_ONNX_INFERFOLD_H */
