/* ExpandReduce.c: the reductions that are compositions of ReduceSum and ReduceMax (called
 * by ExpandOps.c), each named `<node>/<part>` with the node's axes (attribute before opset
 * 18, input from 18), keepdims and noop_with_empty_axes, as ONNX's function bodies write
 * them:
 * - ReduceL1: ReduceSum(|x|); ReduceL2: Sqrt(ReduceSum(x x)); ReduceSumSquare:
 *   ReduceSum(x x); ReduceLogSum: Log(ReduceSum(x));
 * - ReduceLogSumExp in the stable form (as ONNX Runtime computes it): m = ReduceMax(x),
 *   taken as 0 where it is infinite, then Log(ReduceSum(Exp(x - m))) + m; it differs from
 *   the naive Log(ReduceSum(Exp(x))) only by float32 rounding, and does not overflow.
 * ReduceMin and ReduceProd are dialect ops of their own (gcimKernelReduce*). */
#include "Expand.h"

#include <stdlib.h>
#include <string.h>

bool gcimOnnxIsReduceOp(const Onnx__NodeProto *node) {
  return gcimOnnxIsDefaultOp(node, "ReduceL1") || gcimOnnxIsDefaultOp(node, "ReduceL2") ||
         gcimOnnxIsDefaultOp(node, "ReduceSumSquare") ||
         gcimOnnxIsDefaultOp(node, "ReduceLogSum") || gcimOnnxIsDefaultOp(node, "ReduceLogSumExp");
}

/* `op` (ReduceSum or ReduceMax) of x over the node's axes, with its attributes; keepdims 1
 * when `keep`, else the node's. */
static const char *reduce(GcimOnnxBuilder *b, const char *op, const char *part, const char *x,
                          bool keep, const char *out) {
  const char *axes = gcimOnnxBuildInput(b->node, 1);
  const char *ins[] = {x, axes};
  out = out ? out : gcimOnnxBuildTemp(b, part);
  Onnx__NodeProto *n = gcimOnnxBuildNode(b, op, part, axes ? 2 : 1, ins, out);
  Onnx__AttributeProto **attrs =
      gcimOnnxExpansionOwn(b->ex, calloc(b->node->n_attribute + 1, sizeof *attrs));
  if (!n || !attrs) {
    b->ok = false;
    return out;
  }
  for (size_t i = 0; i < b->node->n_attribute; ++i)
    if (!keep || strcmp(b->node->attribute[i]->name, "keepdims") != 0)
      attrs[n->n_attribute++] = b->node->attribute[i];
  n->attribute = attrs;
  Onnx__AttributeProto *k =
      keep ? gcimOnnxBuildAttr(b, n, "keepdims", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT) : NULL;
  if (k) {
    k->has_i = 1;
    k->i = 1;
  }
  return out;
}

/* m, or 0 where m is infinite (as ONNX Runtime shifts the exponentials). */
static const char *finiteMax(GcimOnnxBuilder *b, const char *part, const char *m) {
  const char *isInf =
      gcimOnnxBuildUnary(b, "IsInf", gcimOnnxExpansionPrintf(b->ex, "%s_inf", part), m);
  const char *zero =
      gcimOnnxBuildConstantLike(b, gcimOnnxExpansionPrintf(b->ex, "%s_zero", part), 0.0f, m);
  return gcimOnnxBuildWhere(b, part, isInf, zero, m, NULL);
}

int gcimOnnxExpandReduce(GcimOnnxBuilder *b) {
  const Onnx__NodeProto *node = b->node;
  const char *x = gcimOnnxBuildInput(node, 0), *y = gcimOnnxBuildOutput(node, 0);
  if (!x || !y) {
    gcimOnnxImportError(b->im, "needs input 'data' and output 'reduced'");
    return -1;
  }
  if (gcimOnnxIsDefaultOp(node, "ReduceL1")) {
    reduce(b, "ReduceSum", "sum", gcimOnnxBuildUnary(b, "Abs", "abs", x), false, y);
  } else if (gcimOnnxIsDefaultOp(node, "ReduceL2")) {
    const char *square = gcimOnnxBuildBinary(b, "Mul", "square", x, x, NULL);
    const char *sum = reduce(b, "ReduceSum", "sum", square, false, NULL);
    gcimOnnxBuildNode(b, "Sqrt", "sqrt", 1, &sum, y);
  } else if (gcimOnnxIsDefaultOp(node, "ReduceSumSquare")) {
    reduce(b, "ReduceSum", "sum", gcimOnnxBuildBinary(b, "Mul", "square", x, x, NULL), false, y);
  } else if (gcimOnnxIsDefaultOp(node, "ReduceLogSum")) {
    const char *sum = reduce(b, "ReduceSum", "sum", x, false, NULL);
    gcimOnnxBuildNode(b, "Log", "log", 1, &sum, y);
  } else { /* ReduceLogSumExp */
    const char *kept = finiteMax(b, "max_kept", reduce(b, "ReduceMax", "max", x, true, NULL));
    const char *shifted = gcimOnnxBuildBinary(b, "Sub", "shifted", x, kept, NULL);
    const char *sum =
        reduce(b, "ReduceSum", "sum", gcimOnnxBuildUnary(b, "Exp", "exp", shifted), false, NULL);
    const char *m = finiteMax(b, "max_out", reduce(b, "ReduceMax", "max_reduced", x, false, NULL));
    gcimOnnxBuildBinary(b, "Add", "log_sum_exp", gcimOnnxBuildUnary(b, "Log", "log", sum), m, y);
  }
  if (!b->ok && !b->im->failed)
    gcimOnnxImportError(b->im, "out of memory");
  return b->ok ? 1 : -1;
}
