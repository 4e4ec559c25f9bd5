/* ExpandConv.c: a 2-D Conv that is a patch embedding (ViT's, CLIP's: strides equal to the
 * kernel, no padding, no dilation, one group) as Reshape, Transpose and MatMul; a 1-D Conv
 * of any form goes to ExpandConv1d.c.
 *
 * Each output position reads its own patch of the input, so the Conv is a product of the
 * patches, (C x kernel) values each, with the weight viewed as (M, C x kernel) and
 * transposed: X (N, C, H, W) -> Reshape (N, C, H, W/kw, kw) -> Transpose (N, C, W/kw, kw,
 * H) -> Reshape (N, C, W/kw, kw, H/kh, kh) -> Transpose (N, H/kh, W/kw, C, kh, kw) ->
 * Reshape (N, H/kh, W/kw, C kh kw) -> MatMul (.., M) (+ bias) -> Transpose (N, M, H/kh,
 * W/kw). Every Reshape keeps the leading dimensions by 0 and splits by -1, so no input
 * dimension need be known before import; a spatial size that is not a multiple of the
 * kernel (where ONNX drops the remainder) fails the Reshape with the node named. The
 * weight must be an initializer (its shape gives the kernel). Any other 2-D Conv is
 * refused, saying what it has. */
#include "Expand.h"

#include <stdlib.h>
#include <string.h>

static const char *reshape(GcimOnnxBuilder *b, const char *part, const char *x, int64_t *shape,
                           size_t n) {
  const char *s =
      gcimOnnxBuildConstantInts(b, gcimOnnxExpansionPrintf(b->ex, "%s_shape", part), shape, n);
  return gcimOnnxBuildBinary(b, "Reshape", part, x, s, NULL);
}

/* True when attribute `name` is absent (then `absentOk`) or holds `count` ints, entry i
 * equal to want[i % n] (or to `fill` when want is NULL). */
static bool intsAre(const Onnx__NodeProto *node, const char *name, bool absentOk,
                    const int64_t *want, int64_t fill, size_t n, size_t count) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(node, name);
  if (!a)
    return absentOk;
  if (a->n_ints != count)
    return false;
  for (size_t i = 0; i < count; ++i)
    if (a->ints[i] != (want ? want[i % n] : fill))
      return false;
  return true;
}

static int refuse(GcimOnnxBuilder *b, const char *why) {
  gcimOnnxImportError(b->im,
                      "only a patch embedding is supported (strides equal to the kernel, no "
                      "padding or dilation, one group, a weight of declared shape): %s",
                      why);
  return -1;
}

/* The checks of a 2-D patch embedding; the kernel into kernel[2]. */
static int checkPatch(GcimOnnxBuilder *b, int64_t *kernel) {
  const Onnx__NodeProto *node = b->node;
  const char *w = gcimOnnxBuildInput(node, 1);
  int64_t dims[GCIM_MAX_RANK];
  int rank = w ? gcimOnnxDeclaredShape(b->im->graph, w, dims) : -1;
  if (!gcimOnnxBuildInput(node, 0) || !gcimOnnxBuildOutput(node, 0) || !w)
    return refuse(b, "it needs the input, the weight and the output");
  if (rank != 4)
    return refuse(b, "the weight's shape is not declared with rank 3 (1-D) or 4 (2-D)");
  for (size_t i = 0; i < 2; ++i)
    if ((kernel[i] = dims[2 + i]) < 1)
      return refuse(b, "the weight's kernel is not known");
  const Onnx__AttributeProto *pad = gcimOnnxFindAttr(node, "auto_pad");
  bool padded = pad && pad->s.len && !(pad->s.len == 6 && !memcmp(pad->s.data, "NOTSET", 6)) &&
                !(pad->s.len == 5 && !memcmp(pad->s.data, "VALID", 5));
  bool unitKernel = true; /* absent strides are ones, a patch of a 1x1 kernel */
  for (size_t i = 0; i < 2; ++i)
    unitKernel = unitKernel && kernel[i] == 1;
  size_t n = 2;
  if (!intsAre(node, "kernel_shape", true, kernel, 0, n, n))
    return refuse(b, "'kernel_shape' differs from the weight's");
  if (!intsAre(node, "strides", unitKernel, kernel, 0, n, n))
    return refuse(b, "its strides are not the kernel's size");
  if (padded || !intsAre(node, "pads", true, NULL, 0, n, 2 * n))
    return refuse(b, "it pads the input");
  if (!intsAre(node, "dilations", true, NULL, 1, n, n))
    return refuse(b, "it dilates the kernel");
  if (gcimOnnxNodeIntAttr(node, "group", 1) != 1)
    return refuse(b, "it has several groups");
  return 1;
}

int gcimOnnxExpandConv(GcimOnnxBuilder *b) {
  int64_t kernel[2], dims[GCIM_MAX_RANK];
  const char *w = gcimOnnxBuildInput(b->node, 1);
  const Onnx__AttributeProto *kernelShape = gcimOnnxFindAttr(b->node, "kernel_shape");
  if (gcimOnnxBuildInput(b->node, 0) && gcimOnnxBuildOutput(b->node, 0) && w &&
      (kernelShape ? kernelShape->n_ints == 1 : gcimOnnxDeclaredShape(b->im->graph, w, dims) == 3))
    return gcimOnnxExpandConv1d(b);
  if (checkPatch(b, kernel) < 0)
    return -1;
  const Onnx__NodeProto *node = b->node;
  const char *x = gcimOnnxBuildInput(node, 0);
  const char *bias = gcimOnnxBuildInput(node, 2);
  int64_t cols[] = {0, 0, 0, -1, kernel[1]}, toRows[] = {0, 1, 3, 4, 2};
  int64_t rows[] = {0, 0, 0, 0, -1, kernel[0]}, toPatch[] = {0, 4, 2, 1, 5, 3};
  int64_t flat[] = {0, 0, 0, -1};
  const char *c =
      gcimOnnxBuildTranspose(b, "columns_last", reshape(b, "columns", x, cols, 5), toRows, 5, NULL);
  const char *p =
      gcimOnnxBuildTranspose(b, "patches", reshape(b, "rows", c, rows, 6), toPatch, 6, NULL);
  const char *patches = reshape(b, "patch_vectors", p, flat, 4);
  int64_t byOutput[] = {0, -1}, swap[] = {1, 0};
  const char *weight = gcimOnnxBuildTranspose(
      b, "weight_columns", reshape(b, "weight_rows", w, byOutput, 2), swap, 2, NULL);
  const char *y = gcimOnnxBuildBinary(b, "MatMul", "product", patches, weight, NULL);
  if (bias)
    y = gcimOnnxBuildBinary(b, "Add", "bias", y, bias, NULL);
  int64_t back[] = {0, 3, 1, 2};
  gcimOnnxBuildTranspose(b, "channels_first", y, back, 4, gcimOnnxBuildOutput(node, 0));
  return b->ok ? 1 : -1;
}
