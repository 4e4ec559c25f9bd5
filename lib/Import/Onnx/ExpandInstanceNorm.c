/* ExpandInstanceNorm.c: InstanceNormalization (torch's export of GroupNorm, as in
 * wav2vec2's and HuBERT's feature extractor) as Reshape, ReduceMean and elementwise ops.
 *
 * X (N, C, D1, ...) is viewed as (N, C, D1 x ...) so that one axis holds each instance
 * whatever X's rank: y = (x - mean) / sqrt(var + epsilon) * scale[c] + B[c], the mean and
 * the (biased) variance over that axis, then y is reshaped to X's shape. */
#include "Expand.h"

int gcimOnnxExpandInstanceNorm(GcimOnnxBuilder *b) {
  const Onnx__NodeProto *node = b->node;
  const char *x = gcimOnnxBuildInput(node, 0), *scale = gcimOnnxBuildInput(node, 1);
  const char *bias = gcimOnnxBuildInput(node, 2), *y = gcimOnnxBuildOutput(node, 0);
  if (!x || !scale || !bias || !y) {
    gcimOnnxImportError(b->im, "needs the input, 'scale', 'B' and the output");
    return -1;
  }
  int64_t instances[] = {0, 0, -1}, last = -1, perChannel[] = {-1, 1};
  const char *flat =
      gcimOnnxBuildBinary(b, "Reshape", "instances", x,
                          gcimOnnxBuildConstantInts(b, "instances_shape", instances, 3), NULL);
  const char *axes = gcimOnnxBuildConstantInts(b, "axes", &last, 1);
  const char *meanIns[] = {flat, axes};
  const char *mean = gcimOnnxBuildTemp(b, "mean");
  gcimOnnxBuildNode(b, "ReduceMean", "mean", 2, meanIns, mean);
  const char *centred = gcimOnnxBuildBinary(b, "Sub", "centred", flat, mean, NULL);
  const char *varIns[] = {gcimOnnxBuildBinary(b, "Mul", "square", centred, centred, NULL), axes};
  const char *var = gcimOnnxBuildTemp(b, "variance");
  gcimOnnxBuildNode(b, "ReduceMean", "variance", 2, varIns, var);
  const char *eps =
      gcimOnnxBuildConstantFloat(b, "epsilon", gcimOnnxNodeFloatAttr(node, "epsilon", 1e-5f));
  const char *dev = gcimOnnxBuildUnary(b, "Sqrt", "deviation",
                                       gcimOnnxBuildBinary(b, "Add", "shifted", var, eps, NULL));
  const char *channel = gcimOnnxBuildConstantInts(b, "channel_shape", perChannel, 2);
  const char *normal = gcimOnnxBuildBinary(b, "Div", "normalized", centred, dev, NULL);
  const char *scaled = gcimOnnxBuildBinary(
      b, "Mul", "scaled", normal,
      gcimOnnxBuildBinary(b, "Reshape", "channel_scale", scale, channel, NULL), NULL);
  const char *shifted = gcimOnnxBuildBinary(
      b, "Add", "biased", scaled,
      gcimOnnxBuildBinary(b, "Reshape", "channel_bias", bias, channel, NULL), NULL);
  gcimOnnxBuildBinary(b, "Reshape", "output", shifted, gcimOnnxBuildUnary(b, "Shape", "shape", x),
                      y);
  return b->ok ? 1 : -1;
}
