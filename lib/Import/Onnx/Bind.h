/* Bind.h: the dimensions of the graph inputs (Bind.c): --input-shape, --max, and the
 * bound the model itself gives a dynamic sequence length. */
#ifndef GCIM_LIB_IMPORT_ONNX_BIND_H
#define GCIM_LIB_IMPORT_ONNX_BIND_H

#include "Importer.h"

/* Gives every dimension of input `name` a size: --input-shape binds it, --max bounds its
 * dynamic dimensions, else a (batch, sequence) input takes the model's limit (the rows of
 * its position table). Sets *runTimeAxes to the bounded (not bound) axes, which may have
 * any length up to the bound at run time. False (reported) when a dimension stays dynamic. */
bool gcimOnnxBindInput(Importer *im, const char *name, TypeInfo *type, uint64_t *runTimeAxes);

/* Whether a --input-shape or --max pattern names or matches a graph input. */
bool gcimOnnxBindsAnInput(Importer *im, const char *pattern);

#endif /* GCIM_LIB_IMPORT_ONNX_BIND_H */
