/* LowerRuntimeFuse.c: gcim-lower-runtime's rewrites of op groups that one runtime kernel
 * computes in a single call.
 *
 * - Linear: onnx.mat_mul(x, W) with W a 2-D float32 onnx.constant that is only ever the
 *   right operand of such products becomes gcim.linear(x, W); the C emitter stores W
 *   packed for the matrix kernel. An onnx.add of a constant bias (n floats, broadcast
 *   along the last axis only) that is the product's only use joins it:
 *   gcim.linear(x, W, bias), so the sum is written once instead of twice.
 * - GELU: a chain of float32 elementwise ops on one tensor x and scalar constants that
 *   computes a GELU (torch's tanh form, nine ops, or the erf form; any operand order,
 *   Pow or Div spellings) becomes onnx.gelu(x) {approximate = "tanh" | "none"}: one pass
 *   over x instead of up to nine. The chain is recognised by what it computes: evaluated
 *   at sample points against both formulas (1e-6 relative). */
#include "LowerRuntime.h"
#include "PassUtils.h"

#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"

#include <math.h>
#include <stdlib.h>

/* A ranked float32 tensor of static shape. */
static bool isStaticF32(MlirType type) {
  return mlirTypeIsARankedTensor(type) && mlirShapedTypeHasStaticShape(type) &&
         mlirTypeIsAF32(mlirShapedTypeGetElementType(type));
}

/* ---- Linear ---- */

/* True when every use of the constant `w` is the weight of a gcim.linear or the right
 * operand of a two-operand onnx.mat_mul whose left operand is another float32 tensor. */
static bool onlyMatMulWeight(MlirValue w) {
  MlirOpOperand use = mlirValueGetFirstUse(w);
  if (mlirOpOperandIsNull(use))
    return false;
  for (; !mlirOpOperandIsNull(use); use = mlirOpOperandGetNextUse(use)) {
    MlirOperation user = mlirOpOperandGetOwner(use);
    if (mlirOpOperandGetOperandNumber(use) != 1)
      return false;
    if (gcimOpIsA(user, "gcim.linear"))
      continue;
    if (!gcimOpIsA(user, "onnx.mat_mul") || mlirOperationGetNumOperands(user) != 2)
      return false;
    MlirValue x = mlirOperationGetOperand(user, 0);
    if (mlirValueEqual(x, w) || !isStaticF32(mlirValueGetType(x)))
      return false;
  }
  return true;
}

MlirOperation gcimLowerRuntimeBiasAdd(MlirValue product, int64_t n, MlirValue *bias) {
  MlirOperation add = gcimValueSingleUser(product);
  if (mlirOperationIsNull(add) || !gcimOpIsA(add, "onnx.add") ||
      mlirOperationGetNumOperands(add) != 2 || mlirOperationGetNumResults(add) != 1)
    return (MlirOperation){NULL};
  MlirValue other = mlirOperationGetOperand(add, 0);
  if (mlirValueEqual(other, product))
    other = mlirOperationGetOperand(add, 1);
  MlirType biasType = mlirValueGetType(other), productType = mlirValueGetType(product);
  intptr_t rank = isStaticF32(biasType) ? mlirShapedTypeGetRank(biasType) : 0;
  if (!gcimValueIsOp(other, "onnx.constant", NULL) || rank < 1 ||
      rank > mlirShapedTypeGetRank(productType) ||
      mlirShapedTypeGetDimSize(biasType, rank - 1) != n || gcimTensorNumElements(biasType) != n ||
      !mlirTypeEqual(mlirValueGetType(mlirOperationGetResult(add, 0)), productType))
    return (MlirOperation){NULL};
  *bias = other;
  return add;
}

static bool isMatMul(MlirOperation op) { return gcimOpIsA(op, "onnx.mat_mul"); }

/* Rewrites `matMul` into gcim.linear when its weight qualifies. */
static void fuseLinear(MlirOperation matMul) {
  if (mlirOperationGetNumOperands(matMul) != 2 || mlirOperationGetNumResults(matMul) != 1)
    return;
  MlirValue x = mlirOperationGetOperand(matMul, 0), w = mlirOperationGetOperand(matMul, 1);
  MlirValue product = mlirOperationGetResult(matMul, 0);
  MlirType wType = mlirValueGetType(w), productType = mlirValueGetType(product);
  if (!gcimValueIsOp(w, "onnx.constant", NULL) || !isStaticF32(wType) ||
      mlirShapedTypeGetRank(wType) != 2 || !isStaticF32(productType) || !onlyMatMulWeight(w))
    return;
  MlirValue bias = {NULL};
  MlirOperation add = gcimLowerRuntimeBiasAdd(product, mlirShapedTypeGetDimSize(wType, 1), &bias);
  bool hasBias = !mlirOperationIsNull(add);
  MlirOperation replaced = hasBias ? add : matMul; /* the bias is defined before the Add */
  MlirValue operands[3] = {x, w, bias};
  int32_t segments[3] = {1, 1, hasBias ? 1 : 0};
  MlirContext ctx = mlirOperationGetContext(matMul);
  MlirNamedAttribute sizes = gcimSegmentSizesAttr(ctx, "operandSegmentSizes", segments, 3);
  MlirOperation linear = gcimBuildOp(replaced, "gcim.linear", mlirOperationGetLocation(matMul),
                                     hasBias ? 3 : 2, operands, 1, &productType, 1, &sizes);
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(replaced, 0),
                                mlirOperationGetResult(linear, 0));
  gcimEraseDeadOps(replaced);
}

/* ---- GELU ---- */

enum { MAX_CHAIN = 12, SAMPLES = 8 };

typedef struct ChainOp {
  MlirOperation op;
  char kind;      /* + - * / ^ t (tanh) e (erf) */
  int operand[2]; /* -1: x, -2: the constant, else the index of an earlier result */
  double constant;
} ChainOp;

static const char *const kBinaryNames[] = {"onnx.add", "onnx.sub", "onnx.mul", "onnx.div",
                                           "onnx.pow"};
static const char kBinaryKinds[] = "+-*/^";

static char chainKind(MlirOperation op) {
  for (int i = 0; i < 5; ++i)
    if (gcimOpIsA(op, kBinaryNames[i]))
      return kBinaryKinds[i];
  if (gcimOpIsA(op, "onnx.tanh"))
    return 't';
  if (gcimOpIsA(op, "onnx.erf"))
    return 'e';
  return 0;
}

/* A constant of one element, read as a double. */
static bool scalarConstant(MlirValue value, double *out) {
  return gcimTensorNumElements(mlirValueGetType(value)) == 1 && gcimValueScalarConstant(value, out);
}

/* Classifies operand `value` of a chain op: x, a scalar constant, or an earlier result. */
static bool chainOperand(MlirValue value, MlirValue x, const ChainOp *ops, int count, ChainOp *into,
                         int slot) {
  if (mlirValueEqual(value, x)) {
    into->operand[slot] = -1;
    return true;
  }
  for (int i = 0; i < count; ++i)
    if (mlirValueEqual(value, mlirOperationGetResult(ops[i].op, 0))) {
      into->operand[slot] = i;
      return true;
    }
  if (scalarConstant(value, &into->constant)) {
    into->operand[slot] = -2;
    return true;
  }
  return false;
}

static double evaluate(const ChainOp *ops, int count, double x) {
  double results[MAX_CHAIN];
  for (int i = 0; i < count; ++i) {
    double in[2];
    for (int s = 0; s < 2; ++s)
      in[s] = ops[i].operand[s] == -1   ? x
              : ops[i].operand[s] == -2 ? ops[i].constant
                                        : results[ops[i].operand[s]];
    switch (ops[i].kind) {
    case '+':
      results[i] = in[0] + in[1];
      break;
    case '-':
      results[i] = in[0] - in[1];
      break;
    case '*':
      results[i] = in[0] * in[1];
      break;
    case '/':
      results[i] = in[0] / in[1];
      break;
    case '^':
      results[i] = pow(in[0], in[1]);
      break;
    case 't':
      results[i] = tanh(in[0]);
      break;
    default:
      results[i] = erf(in[0]);
      break;
    }
  }
  return results[count - 1];
}

/* "tanh" or "none" (the erf GELU) when the chain computes that GELU, else NULL. */
static const char *geluApproximation(const ChainOp *ops, int count) {
  static const double samples[SAMPLES] = {-4.0, -2.5, -1.0, -0.3, 0.1, 0.6, 1.7, 3.0};
  bool isTanh = true, isErf = true;
  for (int i = 0; i < SAMPLES; ++i) {
    double x = samples[i], got = evaluate(ops, count, x);
    double tanhGelu = 0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
    double erfGelu = 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    isTanh = isTanh && fabs(got - tanhGelu) <= 1e-6 * fmax(1.0, fabs(tanhGelu));
    isErf = isErf && fabs(got - erfGelu) <= 1e-6 * fmax(1.0, fabs(erfGelu));
  }
  return isTanh ? "tanh" : isErf ? "none" : NULL;
}

/* Collects the chain that starts at `first` into ops; returns its length (0: none). Each
 * intermediate result has the next op of the chain as its only use. */
static int collectChain(MlirOperation first, MlirValue *x, ChainOp *ops) {
  if (!chainKind(first) || mlirOperationGetNumResults(first) != 1 ||
      mlirOperationGetNumOperands(first) < 1)
    return 0;
  *x = mlirOperationGetOperand(first, 0); /* x is the first operand that is no constant */
  if (gcimValueIsOp(*x, "onnx.constant", NULL)) {
    if (mlirOperationGetNumOperands(first) < 2)
      return 0;
    *x = mlirOperationGetOperand(first, 1);
  }
  MlirType xType = mlirValueGetType(*x);
  if (!isStaticF32(xType) || gcimValueIsOp(*x, "onnx.constant", NULL))
    return 0;
  int64_t elements = gcimTensorNumElements(xType);
  int count = 0;
  for (MlirOperation op = first; !mlirOperationIsNull(op) && count < MAX_CHAIN;) {
    ChainOp *c = &ops[count];
    c->op = op;
    c->kind = chainKind(op);
    c->operand[1] = -1;
    intptr_t operands = mlirOperationGetNumOperands(op);
    if (!c->kind || mlirOperationGetNumResults(op) != 1 ||
        operands != ((c->kind == 't' || c->kind == 'e') ? 1 : 2))
      break;
    MlirType type = mlirValueGetType(mlirOperationGetResult(op, 0));
    if (!isStaticF32(type) || gcimTensorNumElements(type) != elements)
      break;
    bool ok = true;
    for (intptr_t i = 0; ok && i < operands; ++i)
      ok = chainOperand(mlirOperationGetOperand(op, i), *x, ops, count, c, (int)i);
    if (!ok)
      break;
    ++count;
    op = gcimValueSingleUser(mlirOperationGetResult(op, 0));
  }
  return count;
}

/* A GELU chain found: its ops (the first `count` of ops), x and the approximation. */
typedef struct Gelu {
  ChainOp ops[MAX_CHAIN];
  int count;
  MlirValue x;
  const char *approximation;
} Gelu;

/* The GELU chain starting at `first` into *gelu, if there is one: the longest prefix of
 * the chain that computes a GELU (the chain may run on into unrelated ops). */
static bool findGelu(MlirOperation first, Gelu *gelu) {
  int count = collectChain(first, &gelu->x, gelu->ops);
  for (int n = count; n >= 3; --n) {
    gelu->approximation = geluApproximation(gelu->ops, n);
    if (!gelu->approximation)
      continue;
    gelu->count = n;
    MlirValue last = mlirOperationGetResult(gelu->ops[n - 1].op, 0);
    return mlirTypeEqual(mlirValueGetType(last), mlirValueGetType(gelu->x));
  }
  return false;
}

static bool inChain(const Gelu *gelus, size_t count, MlirOperation op) {
  for (size_t i = 0; i < count; ++i)
    for (int j = 0; j < gelus[i].count; ++j)
      if (mlirOperationEqual(gelus[i].ops[j].op, op))
        return true;
  return false;
}

static void replaceGelu(const Gelu *gelu) {
  MlirOperation first = gelu->ops[0].op, last = gelu->ops[gelu->count - 1].op;
  MlirType type = mlirValueGetType(gelu->x);
  MlirNamedAttribute attr =
      gcimNamedString(mlirOperationGetContext(first), "approximate", gelu->approximation);
  MlirOperation op = gcimBuildOp(last, "onnx.gelu", mlirOperationGetLocation(first), 1, &gelu->x, 1,
                                 &type, 1, &attr);
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(last, 0), mlirOperationGetResult(op, 0));
  gcimEraseDeadOps(last); /* the chain and the constants only it used */
}

/* Finds every GELU chain of `body` first and replaces them after: a replacement erases
 * ops anywhere after the chain's first, which a single scan would then visit. */
static bool fuseGelus(MlirOperation func) {
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  Gelu *gelus = NULL;
  size_t count = 0, capacity = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    if (count == capacity) {
      capacity = capacity ? 2 * capacity : 16;
      Gelu *grown = realloc(gelus, capacity * sizeof *grown);
      if (!grown) {
        free(gelus);
        gcimEmitError(mlirOperationGetLocation(func), "out of memory");
        return false;
      }
      gelus = grown;
    }
    if (!inChain(gelus, count, op) && findGelu(op, &gelus[count]))
      ++count;
  }
  for (size_t i = 0; i < count; ++i)
    replaceGelu(&gelus[i]);
  free(gelus);
  return true;
}

bool gcimLowerRuntimeFuse(MlirOperation func) {
  MlirOperation *matMuls = NULL;
  size_t count = 0;
  if (!gcimCollectOps(func, MlirWalkPreOrder, isMatMul, &matMuls, &count))
    return false;
  for (size_t i = 0; i < count; ++i)
    fuseLinear(matMuls[i]);
  free(matMuls);
  return fuseGelus(func);
}
