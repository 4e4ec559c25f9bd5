/* ExpandActivations.c: the activations and variadic sums of ONNX's default domain that are
 * compositions of supported ops (called by ExpandOps.c), each named `<node>/<part>`:
 * - Elu: Where(x < 0, alpha (exp(x) - 1), x); Celu: max(x, 0) + min(0, alpha (exp(x /
 *   alpha) - 1)); Selu: gamma Where(x <= 0, alpha exp(x) - alpha, x);
 * - LeakyRelu: Where(x < 0, alpha x, x); PRelu: Where(x < 0, slope x, x) (the slope
 *   broadcast to x); ThresholdedRelu: Where(x > alpha, x, 0);
 * - Softsign: x / (1 + |x|); HardSwish: x HardSigmoid(x) (alpha 1/6, beta 1/2); Shrink:
 *   Where(x < -lambd, x + bias, Where(x > lambd, x - bias, 0));
 * - Round (half to even): Floor(x), plus 1 when the fraction is above 1/2 or is 1/2 with
 *   an odd floor; a zero result keeps x's sign, so -0.4 gives -0 as ONNX Runtime does;
 * - Sum: a chain of Add; Mean: that chain divided by the input count.
 * Constants are CastLike the input, so float16 and float64 activations keep their type.
 * Each is what ONNX's reference (and its function bodies) computes, up to float32 rounding
 * of exp; Round, Sum and Mean are exact. */
#include "Expand.h"

#include <string.h>

bool gcimOnnxIsActivationOp(const Onnx__NodeProto *node) {
  static const char *const ops[] = {"Elu",       "Celu",     "Selu",  "LeakyRelu",
                                    "PRelu",     "Softsign", "Round", "ThresholdedRelu",
                                    "HardSwish", "Shrink",   "Sum",   "Mean"};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; ++i)
    if (gcimOnnxIsDefaultOp(node, ops[i]))
      return true;
  return false;
}

static const char *like(GcimOnnxBuilder *b, const char *part, float value, const char *x) {
  return gcimOnnxBuildConstantLike(b, part, value, x);
}

static const char *where(GcimOnnxBuilder *b, const char *part, const char *c, const char *t,
                         const char *f, const char *out) {
  return gcimOnnxBuildWhere(b, part, c, t, f, out);
}

static float attr(GcimOnnxBuilder *b, const char *name, float fallback) {
  return gcimOnnxNodeFloatAttr(b->node, name, fallback);
}

/* alpha (exp(x / divisor) - 1): Elu's and Celu's negative part. */
static const char *expm1Scaled(GcimOnnxBuilder *b, const char *x, float alpha, bool divide) {
  const char *arg = divide ? gcimOnnxBuildBinary(b, "Div", "scaled_x", x,
                                                 like(b, "alpha_divisor", alpha, x), NULL)
                           : x;
  const char *em1 =
      gcimOnnxBuildBinary(b, "Sub", "exp_minus_one", gcimOnnxBuildUnary(b, "Exp", "exp", arg),
                          like(b, "one", 1.0f, x), NULL);
  return gcimOnnxBuildBinary(b, "Mul", "negative_part", like(b, "alpha", alpha, x), em1, NULL);
}

/* Round: r = Floor(x) and d = x - r (exact), plus 1 when d > 1/2 or d = 1/2 and r is odd;
 * a zero result takes x's sign (x 0), as nearbyint gives -0 for -0.4. Only 1/2, 1, 2
 * and 0 as constants, so any float type (and float16 computed in float32) rounds alike. */
static void roundHalfEven(GcimOnnxBuilder *b, const char *x, const char *y) {
  const char *zero = like(b, "zero", 0.0f, x), *half = like(b, "half", 0.5f, x);
  const char *floor = gcimOnnxBuildUnary(b, "Floor", "floor", x);
  const char *fraction = gcimOnnxBuildBinary(b, "Sub", "fraction", x, floor, NULL);
  const char *modIns[] = {floor, like(b, "two", 2.0f, x)};
  const char *parity = gcimOnnxBuildTemp(b, "parity");
  Onnx__AttributeProto *fmod =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Mod", "parity", 2, modIns, parity), "fmod",
                        ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  if (fmod) { /* a float Mod needs fmod 1; the sign does not matter for parity */
    fmod->has_i = 1;
    fmod->i = 1;
  }
  const char *odd = gcimOnnxBuildUnary(b, "Not", "odd",
                                       gcimOnnxBuildBinary(b, "Equal", "even", parity, zero, NULL));
  const char *tie = gcimOnnxBuildBinary(
      b, "And", "odd_tie", gcimOnnxBuildBinary(b, "Equal", "tie", fraction, half, NULL), odd, NULL);
  const char *up = gcimOnnxBuildBinary(
      b, "Or", "up", gcimOnnxBuildBinary(b, "Greater", "above_half", fraction, half, NULL), tie,
      NULL);
  const char *rounded = gcimOnnxBuildBinary(
      b, "Add", "rounded", floor, where(b, "step", up, like(b, "one", 1.0f, x), zero, NULL), NULL);
  where(b, "signed", gcimOnnxBuildBinary(b, "Equal", "is_zero", rounded, zero, NULL),
        gcimOnnxBuildBinary(b, "Mul", "signed_zero", x, zero, NULL), rounded, y);
}

static void activation(GcimOnnxBuilder *b, const char *x, const char *y) {
  const char *op = b->node->op_type;
  if (!strcmp(op, "Elu") || !strcmp(op, "LeakyRelu") || !strcmp(op, "PRelu")) {
    bool elu = !strcmp(op, "Elu"), prelu = !strcmp(op, "PRelu");
    const char *negative =
        elu ? expm1Scaled(b, x, attr(b, "alpha", 1.0f), false)
            : gcimOnnxBuildBinary(b, "Mul", "negative_part", x,
                                  prelu ? gcimOnnxBuildInput(b->node, 1)
                                        : like(b, "alpha", attr(b, "alpha", 0.01f), x),
                                  NULL);
    const char *isNegative =
        gcimOnnxBuildBinary(b, "Less", "is_negative", x, like(b, "zero", 0.0f, x), NULL);
    where(b, "select", isNegative, negative, x, y);
  } else if (!strcmp(op, "Celu")) {
    const char *zero = like(b, "zero", 0.0f, x);
    const char *ins[] = {zero, expm1Scaled(b, x, attr(b, "alpha", 1.0f), true)};
    const char *negative = gcimOnnxBuildTemp(b, "min");
    gcimOnnxBuildNode(b, "Min", "min", 2, ins, negative);
    gcimOnnxBuildBinary(b, "Add", "sum", gcimOnnxBuildBinary(b, "Max", "max", x, zero, NULL),
                        negative, y);
  } else if (!strcmp(op, "Selu")) {
    const char *alpha = like(b, "alpha", attr(b, "alpha", 1.67326319217681884765625f), x);
    const char *negative =
        gcimOnnxBuildBinary(b, "Sub", "negative_part",
                            gcimOnnxBuildBinary(b, "Mul", "alpha_exp", alpha,
                                                gcimOnnxBuildUnary(b, "Exp", "exp", x), NULL),
                            alpha, NULL);
    const char *isNonPositive = gcimOnnxBuildUnary(
        b, "Not", "is_non_positive",
        gcimOnnxBuildBinary(b, "Greater", "is_positive", x, like(b, "zero", 0.0f, x), NULL));
    gcimOnnxBuildBinary(b, "Mul", "scaled",
                        like(b, "gamma", attr(b, "gamma", 1.05070102214813232421875f), x),
                        where(b, "select", isNonPositive, negative, x, NULL), y);
  } else if (!strcmp(op, "ThresholdedRelu")) {
    where(b, "select",
          gcimOnnxBuildBinary(b, "Greater", "above", x, like(b, "alpha", attr(b, "alpha", 1.0f), x),
                              NULL),
          x, like(b, "zero", 0.0f, x), y);
  } else if (!strcmp(op, "Softsign")) {
    gcimOnnxBuildBinary(b, "Div", "quotient", x,
                        gcimOnnxBuildBinary(b, "Add", "denominator", like(b, "one", 1.0f, x),
                                            gcimOnnxBuildUnary(b, "Abs", "abs", x), NULL),
                        y);
  } else if (!strcmp(op, "HardSwish")) {
    const char *gate = gcimOnnxBuildTemp(b, "gate");
    Onnx__NodeProto *n = gcimOnnxBuildNode(b, "HardSigmoid", "gate", 1, &x, gate);
    Onnx__AttributeProto *alpha =
        gcimOnnxBuildAttr(b, n, "alpha", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    Onnx__AttributeProto *beta =
        n ? gcimOnnxBuildAttr(b, n, "beta", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT) : NULL;
    if (alpha && beta) {
      alpha->has_f = beta->has_f = 1;
      alpha->f = 1.0f / 6.0f;
      beta->f = 0.5f;
    }
    gcimOnnxBuildBinary(b, "Mul", "product", x, gate, y);
  } else if (!strcmp(op, "Shrink")) {
    float lambd = attr(b, "lambd", 0.5f), bias = attr(b, "bias", 0.0f);
    const char *biasValue = like(b, "bias", bias, x);
    const char *above =
        where(b, "select_above",
              gcimOnnxBuildBinary(b, "Greater", "above", x, like(b, "lambd", lambd, x), NULL),
              gcimOnnxBuildBinary(b, "Sub", "minus_bias", x, biasValue, NULL),
              like(b, "zero", 0.0f, x), NULL);
    where(b, "select_below",
          gcimOnnxBuildBinary(b, "Less", "below", x, like(b, "minus_lambd", -lambd, x), NULL),
          gcimOnnxBuildBinary(b, "Add", "plus_bias", x, biasValue, NULL), above, y);
  } else {
    roundHalfEven(b, x, y);
  }
}

/* Sum and Mean: Add over the inputs in order, Mean's divided by their count. */
static void sumOrMean(GcimOnnxBuilder *b, const char *y) {
  bool mean = gcimOnnxIsDefaultOp(b->node, "Mean");
  size_t n = b->node->n_input;
  const char *acc = gcimOnnxBuildInput(b->node, 0);
  for (size_t i = 1; i < n; ++i) {
    bool last = i + 1 == n && !mean;
    acc = gcimOnnxBuildBinary(b, "Add", gcimOnnxExpansionPrintf(b->ex, "add_%zu", i), acc,
                              gcimOnnxBuildInput(b->node, i), last ? y : NULL);
  }
  if (mean)
    gcimOnnxBuildBinary(b, "Div", "mean", acc, like(b, "count", (float)n, acc), y);
  else if (n == 1)
    gcimOnnxBuildNode(b, "Identity", "identity", 1, &acc, y);
}

int gcimOnnxExpandActivation(GcimOnnxBuilder *b) {
  const Onnx__NodeProto *node = b->node;
  bool variadic = gcimOnnxIsDefaultOp(node, "Sum") || gcimOnnxIsDefaultOp(node, "Mean");
  size_t inputs = gcimOnnxIsDefaultOp(node, "PRelu") ? 2 : 1;
  for (size_t i = 0; i < (variadic ? node->n_input : inputs); ++i)
    if (!gcimOnnxBuildInput(node, i)) {
      gcimOnnxImportError(b->im, "needs input %zu", i);
      return -1;
    }
  if ((variadic && node->n_input == 0) || !gcimOnnxBuildOutput(node, 0)) {
    gcimOnnxImportError(b->im,
                        variadic ? "needs one or more inputs and an output" : "needs an output");
    return -1;
  }
  if (variadic)
    sumOrMean(b, gcimOnnxBuildOutput(node, 0));
  else
    activation(b, gcimOnnxBuildInput(node, 0), gcimOnnxBuildOutput(node, 0));
  if (!b->ok && !b->im->failed)
    gcimOnnxImportError(b->im, "out of memory");
  return b->ok ? 1 : -1;
}
