/* Expand.h: the importer's graph expansion (Expand.c) and its decompositions
 * (ExpandOps.c); not a public header. */
#ifndef GCIM_LIB_IMPORT_ONNX_EXPAND_H
#define GCIM_LIB_IMPORT_ONNX_EXPAND_H

#include "Importer.h"

typedef struct Expansion Expansion;

/* Replaces im->graph by a copy whose node list has model-local function calls inlined and
 * decomposable operators decomposed. *out (freed with gcimOnnxExpansionDestroy after the import's
 * values) owns the copy; false after a diagnostic. */
bool gcimOnnxExpandGraph(Importer *im, Expansion **out);
void gcimOnnxExpansionDestroy(Expansion *ex); /* NULL allowed */

/* Building blocks for decompositions: `p` owned by the expansion (NULL stays NULL), a
 * formatted string owned by it, a node appended to the expanded list. */
void *gcimOnnxExpansionOwn(Expansion *ex, void *p);
char *gcimOnnxExpansionPrintf(Expansion *ex, const char *format, ...);
bool gcimOnnxExpansionAppend(Expansion *ex, Onnx__NodeProto *node);

/* Decomposes `node` when it is one of ExpandOps.c's operators: 1 when its nodes were
 * appended, 0 when it is not such an operator, -1 after a diagnostic. */
int gcimOnnxExpandDecomposition(Importer *im, Expansion *ex, Onnx__NodeProto *node);

#endif /* GCIM_LIB_IMPORT_ONNX_EXPAND_H */
