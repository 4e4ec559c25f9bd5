/* ExpandFused.c: ONNX Runtime's fused operators (its optimizer writes them at level
 * 'extended' and 'all') as the ops they fuse, so that the passes see what torch exports.
 *
 * - com.microsoft FusedMatMul: each operand transposed as its flags say (ONNX Runtime's
 *   meaning), MatMul, and Mul by alpha when it is not 1; the attention product q k^T *
 *   scale comes back in the form gcim-fuse-attention knows;
 * - com.microsoft FusedGemm: Gemm (alpha, beta, transA, transB) and its activation: Relu,
 *   Tanh, Sigmoid, Softplus, HardSigmoid (activation_alpha, activation_beta) or LeakyRelu
 *   (Where(x < 0, activation_alpha x, x)); any other activation is refused by name. */
#include "Expand.h"

#include <string.h>

/* Operand i of a FusedMatMul as MatMul reads it, with ONNX Runtime's meaning of the flags
 * (its FusedMatMulShapeInference): `trans` swaps the matrix's rows and columns, `transBatch`
 * takes the rows from axis 0 and the batch from axes 1 .. rank - 2 (torch's (tokens, batch x
 * heads, dim) layout). A vector is read as it is. The rank must be known before import when
 * a flag is set. NULL after a diagnostic. */
static const char *fusedMatMulOperand(GcimOnnxBuilder *b, size_t i, const char *trans,
                                      const char *transBatch) {
  const char *x = gcimOnnxBuildInput(b->node, i);
  bool swap = gcimOnnxNodeIntAttr(b->node, trans, 0) != 0;
  bool batchFirst = gcimOnnxNodeIntAttr(b->node, transBatch, 0) != 0;
  if (!swap && !batchFirst)
    return x;
  int rank = gcimOnnxValueRank(gcimOnnxExpansionRanks(b->ex), b->im->graph, x);
  if (rank < 0) {
    gcimOnnxImportError(b->im,
                        "the rank of input '%s' is not known before import ('%s' is set): "
                        "declare its shape in value_info",
                        x, swap ? trans : transBatch);
    return NULL;
  }
  if (rank < 2)
    return x;
  int64_t perm[GCIM_MAX_RANK], rows = batchFirst ? 0 : rank - 2, columns = rank - 1;
  size_t n = 0;
  for (int64_t d = batchFirst ? 1 : 0; d < (batchFirst ? rank - 1 : rank - 2); ++d)
    perm[n++] = d;
  perm[n++] = swap ? columns : rows;
  perm[n++] = swap ? rows : columns;
  return gcimOnnxBuildTranspose(b, i ? "transpose_b" : "transpose_a", x, perm, n, NULL);
}

/* alpha * MatMul(A, B), each operand rearranged by its flags: 1 when done, -1 after a
 * diagnostic. */
static int fusedMatMul(GcimOnnxBuilder *b) {
  if (!gcimOnnxBuildInput(b->node, 0) || !gcimOnnxBuildInput(b->node, 1) ||
      !gcimOnnxBuildOutput(b->node, 0)) {
    gcimOnnxImportError(b->im, "needs inputs A and B and output Y");
    return -1;
  }
  const char *ins[] = {fusedMatMulOperand(b, 0, "transA", "transBatchA"), NULL};
  if (!ins[0] || !(ins[1] = fusedMatMulOperand(b, 1, "transB", "transBatchB")))
    return -1;
  float alpha = gcimOnnxNodeFloatAttr(b->node, "alpha", 1.0f);
  const char *y = gcimOnnxBuildOutput(b->node, 0);
  const char *product = alpha == 1.0f ? y : gcimOnnxBuildTemp(b, "product");
  gcimOnnxBuildNode(b, "MatMul", "product", 2, ins, product);
  if (alpha != 1.0f)
    gcimOnnxBuildBinary(b, "Mul", "scaled", product, gcimOnnxBuildConstantFloat(b, "alpha", alpha),
                        y);
  if (!b->ok && !b->im->failed)
    gcimOnnxImportError(b->im, "out of memory");
  return b->ok ? 1 : -1;
}

static bool copyFloat(GcimOnnxBuilder *b, Onnx__NodeProto *n, const char *name, const char *from,
                      float fallback) {
  Onnx__AttributeProto *a =
      n ? gcimOnnxBuildAttr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT) : NULL;
  if (a) {
    a->has_f = 1;
    a->f = gcimOnnxNodeFloatAttr(b->node, from, fallback);
  }
  return a != NULL;
}

static bool copyInt(GcimOnnxBuilder *b, Onnx__NodeProto *n, const char *name) {
  Onnx__AttributeProto *a =
      n ? gcimOnnxBuildAttr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT) : NULL;
  if (a) {
    a->has_i = 1;
    a->i = gcimOnnxNodeIntAttr(b->node, name, 0);
  }
  return a != NULL;
}

static bool activationIs(const Onnx__AttributeProto *a, const char *name) {
  return a && a->s.len == strlen(name) && memcmp(a->s.data, name, a->s.len) == 0;
}

/* activation(Gemm(A, B, C)); 1 when done, -1 after a diagnostic. */
static int fusedGemm(GcimOnnxBuilder *b) {
  const Onnx__AttributeProto *act = gcimOnnxFindAttr(b->node, "activation");
  const char *simple = activationIs(act, "Relu")       ? "Relu"
                       : activationIs(act, "Tanh")     ? "Tanh"
                       : activationIs(act, "Sigmoid")  ? "Sigmoid"
                       : activationIs(act, "Softplus") ? "Softplus"
                                                       : NULL;
  bool hard = activationIs(act, "HardSigmoid"), leaky = activationIs(act, "LeakyRelu");
  if (!gcimOnnxBuildInput(b->node, 0) || !gcimOnnxBuildInput(b->node, 1) ||
      !gcimOnnxBuildOutput(b->node, 0)) {
    gcimOnnxImportError(b->im, "needs inputs A and B and output Y");
    return -1;
  }
  if (!simple && !hard && !leaky) {
    gcimOnnxImportError(b->im,
                        "activation '%.*s' is not supported (Relu, Tanh, Sigmoid, Softplus, "
                        "HardSigmoid, LeakyRelu)",
                        act ? (int)act->s.len : 0, act ? (const char *)act->s.data : "");
    return -1;
  }
  const char *ins[] = {gcimOnnxBuildInput(b->node, 0), gcimOnnxBuildInput(b->node, 1),
                       gcimOnnxBuildInput(b->node, 2)};
  const char *z = gcimOnnxBuildTemp(b, "gemm"), *y = gcimOnnxBuildOutput(b->node, 0);
  Onnx__NodeProto *gemm = gcimOnnxBuildNode(b, "Gemm", "gemm", ins[2] ? 3 : 2, ins, z);
  b->ok = b->ok && copyFloat(b, gemm, "alpha", "alpha", 1.0f) &&
          copyFloat(b, gemm, "beta", "beta", 1.0f) && copyInt(b, gemm, "transA") &&
          copyInt(b, gemm, "transB");
  if (simple) {
    gcimOnnxBuildNode(b, simple, "activation", 1, &z, y);
  } else if (hard) {
    Onnx__NodeProto *n = gcimOnnxBuildNode(b, "HardSigmoid", "activation", 1, &z, y);
    b->ok = b->ok && copyFloat(b, n, "alpha", "activation_alpha", 0.2f) &&
            copyFloat(b, n, "beta", "activation_beta", 0.5f);
  } else {
    const char *alpha = gcimOnnxBuildConstantFloat(
        b, "activation_alpha", gcimOnnxNodeFloatAttr(b->node, "activation_alpha", 0.01f));
    const char *zero = gcimOnnxBuildConstantFloat(b, "zero", 0.0f);
    const char *where[] = {gcimOnnxBuildBinary(b, "Less", "negative", z, zero, NULL),
                           gcimOnnxBuildBinary(b, "Mul", "leak", z, alpha, NULL), z};
    gcimOnnxBuildNode(b, "Where", "activation", 3, where, y);
  }
  if (!b->ok && !b->im->failed)
    gcimOnnxImportError(b->im, "out of memory");
  return b->ok ? 1 : -1;
}

int gcimOnnxExpandFused(GcimOnnxBuilder *b) {
  return strcmp(b->node->op_type, "FusedGemm") == 0 ? fusedGemm(b) : fusedMatMul(b);
}
