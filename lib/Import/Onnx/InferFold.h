/* InferFold.h: the importer's per-op shape-inference and constant-folding hooks, defined
 * in InferShape.c and Fold.c and listed in Infer.c's op table (not a public header). */
#ifndef GCIM_LIB_IMPORT_ONNX_INFERFOLD_H
#define GCIM_LIB_IMPORT_ONNX_INFERFOLD_H

#include "Importer.h"

/* Shape inference (InferShape.c): fills node->outputTypes; false after a diagnostic. */
bool inferTranspose(Importer *im, NodeInfo *node);
bool inferReshape(Importer *im, NodeInfo *node);
bool inferFlatten(Importer *im, NodeInfo *node);
bool inferSqueeze(Importer *im, NodeInfo *node);
bool inferUnsqueeze(Importer *im, NodeInfo *node);
bool inferConcat(Importer *im, NodeInfo *node);
bool inferSplit(Importer *im, NodeInfo *node);
bool inferSlice(Importer *im, NodeInfo *node);
bool inferGather(Importer *im, NodeInfo *node);
bool inferExpand(Importer *im, NodeInfo *node);
bool inferTile(Importer *im, NodeInfo *node);
bool inferConstantOfShape(Importer *im, NodeInfo *node);
bool inferShape(Importer *im, NodeInfo *node);
bool inferSize(Importer *im, NodeInfo *node);
bool inferRange(Importer *im, NodeInfo *node);
bool inferReduce(Importer *im, NodeInfo *node);
bool inferSoftmax(Importer *im, NodeInfo *node);

/* Folding (Fold.c): the node's outputs as known constants; false (no diagnostic) when the
 * node cannot be folded. */
bool foldShape(Importer *im, NodeInfo *node);
bool foldSize(Importer *im, NodeInfo *node);
bool foldElementwise(Importer *im, NodeInfo *node);
bool foldReshapeLike(Importer *im, NodeInfo *node);
bool foldGather(Importer *im, NodeInfo *node);
bool foldConcat(Importer *im, NodeInfo *node);
bool foldSlice(Importer *im, NodeInfo *node);
bool foldRange(Importer *im, NodeInfo *node);
bool foldConstantOfShape(Importer *im, NodeInfo *node);
bool foldExpand(Importer *im, NodeInfo *node);
bool foldTile(Importer *im, NodeInfo *node);
bool foldTrilu(Importer *im, NodeInfo *node);
bool foldCast(Importer *im, NodeInfo *node);

#endif /* GCIM_LIB_IMPORT_ONNX_INFERFOLD_H */
