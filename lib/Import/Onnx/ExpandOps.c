/* ExpandOps.c: operators imported as compositions of supported ops (called by Expand.c).
 *
 * Each is exact up to float32 rounding, and named `<node>/<part>` so that diagnostics and
 * the generated C still name the original node:
 * - RMSNormalization (opset 23) and SimplifiedLayerNormalization (the default domain, as
 *   ONNX Runtime's model builder writes it, and com.microsoft): X / sqrt(mean(X^2) + eps)
 *   * scale over the trailing axes from `axis` (negative);
 * - com.microsoft SkipSimplifiedLayerNormalization and SkipLayerNormalization: the sum
 *   input + skip (+ bias), then the normalisation (output 3 is the sum);
 * - com.microsoft FastGelu: Gelu(X + bias) with the tanh approximation; com.microsoft Gelu
 *   and BiasGelu (ONNX Runtime's optimizer writes them): the exact Gelu of X (+ bias);
 *   com.microsoft QuickGelu (ONNX Runtime's fusion of x * sigmoid(alpha x), SiLU when
 *   alpha is 1): Mul, Sigmoid and Mul;
 * - com.microsoft FusedMatMul and FusedGemm (ONNX Runtime's fusions of a MatMul with
 *   Transposes and a scale, of a Gemm with its activation): ExpandFused.c;
 * - RotaryEmbedding (opset 23 and com.microsoft): ExpandRotary.c;
 * - com.microsoft GroupQueryAttention: opset-23 Attention, ExpandGqa.c;
 * - Einsum: Transpose, MatMul and Reshape, ExpandEinsum.c;
 * - Conv as a patch embedding (ViT's): Reshape, Transpose and MatMul, ExpandConv.c; any
 *   other 1-D Conv (Whisper's, wav2vec2's): Slice, Concat and MatMul, ExpandConv1d.c;
 * - InstanceNormalization (torch's GroupNorm): Reshape, ReduceMean, ExpandInstanceNorm.c;
 * - DequantizeLinear, QuantizeLinear and com.microsoft MatMulNBits: ExpandQuant.c;
 * - the activations Elu ... Round, Sum and Mean: ExpandActivations.c; ReduceL1, ReduceL2,
 *   ReduceSumSquare, ReduceLogSum, ReduceLogSumExp: ExpandReduce.c; OneHot and Hardmax:
 *   ExpandOneHot.c. */
#include "Expand.h"

#include <stdlib.h>
#include <string.h>

/* y = x / sqrt(mean(x^2 over axes axis..-1) + eps) * scale; the inverse deviation goes to
 * `invStd` when it is named. */
static void rmsNorm(GcimOnnxBuilder *b, const char *x, const char *scale, const char *y,
                    const char *invStd) {
  int64_t axis = gcimOnnxNodeIntAttr(b->node, "axis", -1), axes[GCIM_MAX_RANK];
  size_t count = 0;
  if (axis >= 0 || axis < -GCIM_MAX_RANK) {
    gcimOnnxImportError(b->im,
                        "only a negative 'axis' (counted from the end) is supported, not %lld",
                        (long long)axis);
    b->ok = false;
    return;
  }
  for (int64_t a = axis; a < 0; ++a)
    axes[count++] = a;
  const char *square = gcimOnnxBuildBinary(b, "Mul", "square", x, x, NULL);
  const char *meanIns[] = {square, gcimOnnxBuildConstantInts(b, "axes", axes, count)};
  const char *mean = gcimOnnxBuildTemp(b, "mean_square");
  gcimOnnxBuildNode(b, "ReduceMean", "mean_square", 2, meanIns, mean);
  const char *eps =
      gcimOnnxBuildConstantFloat(b, "epsilon", gcimOnnxNodeFloatAttr(b->node, "epsilon", 1e-5f));
  const char *dev = gcimOnnxBuildUnary(b, "Sqrt", "deviation",
                                       gcimOnnxBuildBinary(b, "Add", "variance", mean, eps, NULL));
  const char *inv = invStd ? invStd : gcimOnnxBuildTemp(b, "inv_deviation");
  gcimOnnxBuildNode(b, "Reciprocal", "inv_deviation", 1, &dev, inv);
  gcimOnnxBuildBinary(b, "Mul", "scaled", gcimOnnxBuildBinary(b, "Mul", "normalized", x, inv, NULL),
                      scale, y);
}

/* input + skip (+ bias): into the graph's output 3 when it is used. */
static const char *skipSum(GcimOnnxBuilder *b, const char *biasName) {
  const char *sumOut = gcimOnnxBuildOutput(b->node, 3), *bias = biasName;
  const char *sum = gcimOnnxBuildBinary(b, "Add", "skip_sum", gcimOnnxBuildInput(b->node, 0),
                                        gcimOnnxBuildInput(b->node, 1), bias ? NULL : sumOut);
  return bias ? gcimOnnxBuildBinary(b, "Add", "bias_sum", sum, bias, sumOut) : sum;
}

static void skipLayerNorm(GcimOnnxBuilder *b) {
  const char *sum = skipSum(b, gcimOnnxBuildInput(b->node, 4));
  const char *ins[] = {sum, gcimOnnxBuildInput(b->node, 2),
                       gcimOnnxBuildInput(b->node, 3) ? gcimOnnxBuildInput(b->node, 3) : ""};
  Onnx__NodeProto *n = gcimOnnxBuildNode(b, "LayerNormalization", "layer_norm", 3, ins,
                                         gcimOnnxBuildOutput(b->node, 0));
  Onnx__AttributeProto *eps =
      gcimOnnxBuildAttr(b, n, "epsilon", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
  Onnx__AttributeProto *axis =
      gcimOnnxBuildAttr(b, n, "axis", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  if (!eps || !axis)
    return;
  eps->has_f = 1;
  eps->f = gcimOnnxNodeFloatAttr(b->node, "epsilon", 1e-12f);
  axis->has_i = 1;
  axis->i = -1;
  /* The optional mean and inverse deviation outputs of the contrib op are LayerNorm's. */
  char **outs = gcimOnnxExpansionOwn(b->ex, calloc(4, sizeof *outs));
  if (!outs) {
    b->ok = false;
    return;
  }
  for (size_t i = 0; i < 3; ++i)
    outs[i] = (char *)(gcimOnnxBuildOutput(b->node, i) ? gcimOnnxBuildOutput(b->node, i) : "");
  n->output = outs;
  n->n_output = gcimOnnxBuildOutput(b->node, 2) ? 3 : gcimOnnxBuildOutput(b->node, 1) ? 2 : 1;
}

/* Gelu(X + bias): FastGelu's tanh approximation, or the exact (erf) form of com.microsoft Gelu
 * and BiasGelu. */
static void biasGelu(GcimOnnxBuilder *b, bool tanhApproximation) {
  const char *x = gcimOnnxBuildInput(b->node, 0), *bias = gcimOnnxBuildInput(b->node, 1);
  if (bias)
    x = gcimOnnxBuildBinary(b, "Add", "bias", x, bias, NULL);
  Onnx__NodeProto *n = gcimOnnxBuildNode(b, "Gelu", "gelu", 1, &x, gcimOnnxBuildOutput(b->node, 0));
  if (!tanhApproximation)
    return;
  Onnx__AttributeProto *a =
      gcimOnnxBuildAttr(b, n, "approximate", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
  if (a) {
    a->has_s = 1;
    a->s.data = (uint8_t *)"tanh";
    a->s.len = 4;
  }
}

/* x * sigmoid(alpha x), alpha 1.702 by default. */
static void quickGelu(GcimOnnxBuilder *b) {
  const char *x = gcimOnnxBuildInput(b->node, 0);
  float alpha = gcimOnnxNodeFloatAttr(b->node, "alpha", 1.702f);
  const char *scaled =
      alpha == 1.0f ? x
                    : gcimOnnxBuildBinary(b, "Mul", "scaled", x,
                                          gcimOnnxBuildConstantFloat(b, "alpha", alpha), NULL);
  gcimOnnxBuildBinary(b, "Mul", "gate", x, gcimOnnxBuildUnary(b, "Sigmoid", "sigmoid", scaled),
                      gcimOnnxBuildOutput(b->node, 0));
}

static bool is(const Onnx__NodeProto *node, const char *domain, const char *op) {
  const char *d = node->domain ? node->domain : "";
  return node->op_type && strcmp(node->op_type, op) == 0 &&
         (strcmp(d, domain) == 0 || (!domain[0] && strcmp(d, "ai.onnx") == 0));
}

static int decompose(GcimOnnxBuilder *b, bool rms, bool skipRms, bool skipLn, bool fastGelu);

int gcimOnnxExpandDecomposition(Importer *im, Expansion *ex, Onnx__NodeProto *node) {
  const char *name = node->name && node->name[0] ? node->name : node->op_type;
  GcimOnnxBuilder b = {im, ex, node, name, true};
  bool ms = node->domain && strcmp(node->domain, "com.microsoft") == 0;
  bool rms = is(node, "", "RMSNormalization") || is(node, "", "SimplifiedLayerNormalization") ||
             (ms && is(node, "com.microsoft", "SimplifiedLayerNormalization"));
  bool skipRms = ms && is(node, "com.microsoft", "SkipSimplifiedLayerNormalization");
  bool skipLn = ms && is(node, "com.microsoft", "SkipLayerNormalization");
  bool fastGelu = ms && is(node, "com.microsoft", "FastGelu");
  bool gelu = fastGelu ||
              (ms && (is(node, "com.microsoft", "Gelu") || is(node, "com.microsoft", "BiasGelu")));
  bool quant = gcimOnnxIsQuantOp(node);
  bool rotary =
      is(node, "", "RotaryEmbedding") || (ms && is(node, "com.microsoft", "RotaryEmbedding"));
  bool gqa = ms && is(node, "com.microsoft", "GroupQueryAttention");
  bool quickGeluOp = ms && is(node, "com.microsoft", "QuickGelu");
  bool fused =
      ms && (is(node, "com.microsoft", "FusedMatMul") || is(node, "com.microsoft", "FusedGemm"));
  bool einsum = is(node, "", "Einsum"), conv = is(node, "", "Conv");
  bool act = gcimOnnxIsActivationOp(node), reduce = gcimOnnxIsReduceOp(node);
  bool hot = gcimOnnxIsOneHotOp(node), instanceNorm = is(node, "", "InstanceNormalization");
  if (!rms && !skipRms && !skipLn && !gelu && !quickGeluOp && !fused && !quant && !rotary && !gqa &&
      !einsum && !conv && !instanceNorm && !act && !reduce && !hot)
    return 0;
  im->loc = gcimOnnxNameLoc(im, name);
  im->nodeName = name; /* diagnostics name the node and its op */
  im->opType = node->op_type;
  int result = quant          ? gcimOnnxExpandQuant(&b)
               : rotary       ? gcimOnnxExpandRotary(&b, ms)
               : gqa          ? gcimOnnxExpandGroupQueryAttention(&b)
               : einsum       ? gcimOnnxExpandEinsum(&b)
               : conv         ? gcimOnnxExpandConv(&b)
               : instanceNorm ? gcimOnnxExpandInstanceNorm(&b)
               : fused        ? gcimOnnxExpandFused(&b)
               : act          ? gcimOnnxExpandActivation(&b)
               : reduce       ? gcimOnnxExpandReduce(&b)
               : hot          ? gcimOnnxExpandOneHot(&b)
                              : decompose(&b, rms, skipRms, skipLn, fastGelu);
  if (result < 0 && !im->failed)
    gcimOnnxImportError(im, "out of memory");
  im->nodeName = NULL;
  return result;
}

static int decompose(GcimOnnxBuilder *b, bool rms, bool skipRms, bool skipLn, bool fastGelu) {
  const Onnx__NodeProto *node = b->node;
  Importer *im = b->im;
  bool biasRequired = is(node, "com.microsoft", "BiasGelu");
  size_t minInputs = skipRms || skipLn ? 3 : (rms || biasRequired ? 2 : 1);
  for (size_t i = 0; i < minInputs; ++i)
    if (!gcimOnnxBuildInput(node, i)) {
      gcimOnnxImportError(im, "needs input %zu", i);
      return -1;
    }
  if (!gcimOnnxBuildOutput(node, 0) || (skipRms && gcimOnnxBuildOutput(node, 1))) {
    gcimOnnxImportError(im, "only the output, the inverse deviation and the sum are supported");
    return -1;
  }
  if (rms)
    rmsNorm(b, gcimOnnxBuildInput(node, 0), gcimOnnxBuildInput(node, 1),
            gcimOnnxBuildOutput(node, 0), gcimOnnxBuildOutput(node, 1));
  else if (skipRms)
    rmsNorm(b, skipSum(b, gcimOnnxBuildInput(node, 3)), gcimOnnxBuildInput(node, 2),
            gcimOnnxBuildOutput(node, 0), gcimOnnxBuildOutput(node, 2));
  else if (skipLn)
    skipLayerNorm(b);
  else if (is(node, "com.microsoft", "QuickGelu"))
    quickGelu(b);
  else
    biasGelu(b, fastGelu);
  if (!b->ok && !im->failed)
    gcimOnnxImportError(im, "out of memory");
  return b->ok ? 1 : -1;
}
