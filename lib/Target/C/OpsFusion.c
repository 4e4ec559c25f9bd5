/* OpsFusion.c: elementwise chains the C emitter computes in one statement.
 *
 * A GELU written out as elementwise ops (torch's tanh GELU: x*x, *x, *0.044715, +x,
 * *sqrt(2/pi), Tanh, +1, *x, *0.5; the erf GELU: /sqrt 2, Erf, +1, *x, *0.5; in any operand
 * order, with Pow(x, 3) or Div) is one pass of gcimKernelUnaryF32(GCIM_UNARY_GELU[_TANH])
 * instead of up to nine passes and a libm tanhf per element. The chain is recognised by
 * what it computes: a linear chain of float elementwise ops on one tensor x and scalar
 * constants, each intermediate used once by the next, is evaluated at sample points and
 * compared with both GELUs. Its last result takes the slot of its first (the others emit
 * nothing; see ValueInfo.alias). */
#include "OpEmitters.h"

#include "gcim/Support/IRHelpers.h"

#include <math.h>
#include <string.h>

enum { MAX_CHAIN = 12, SAMPLES = 8 };

typedef struct ChainOp {
  MlirOperation op;
  char kind;          /* + - * / ^ t (tanh) e (erf) */
  int operand[2];     /* -1: x, -2: the constant, else the index of an earlier result */
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

/* The single use of `value`, or a null operation. */
static MlirOperation singleUser(MlirValue value) {
  MlirOpOperand use = mlirValueGetFirstUse(value);
  if (mlirOpOperandIsNull(use) || !mlirOpOperandIsNull(mlirOpOperandGetNextUse(use)))
    return (MlirOperation){NULL};
  return mlirOpOperandGetOwner(use);
}

/* Classifies operand `value` of a chain op: x, a scalar constant, or an earlier result. */
static bool chainOperand(EmitState *state, MlirValue value, ValueInfo *x, const ChainOp *ops,
                         int count, ChainOp *into, int slot) {
  if (mlirValueEqual(value, x->value)) {
    into->operand[slot] = -1;
    return true;
  }
  for (int i = 0; i < count; ++i)
    if (mlirValueEqual(value, mlirOperationGetResult(ops[i].op, 0))) {
      into->operand[slot] = i;
      return true;
    }
  ValueInfo *info = emitLookup(state, value);
  if (info && info->storage == STORAGE_WEIGHT && info->count == 1 &&
      emitConstantFloat(state, value, &into->constant)) {
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
    case '+': results[i] = in[0] + in[1]; break;
    case '-': results[i] = in[0] - in[1]; break;
    case '*': results[i] = in[0] * in[1]; break;
    case '/': results[i] = in[0] / in[1]; break;
    case '^': results[i] = pow(in[0], in[1]); break;
    case 't': results[i] = tanh(in[0]); break;
    default: results[i] = erf(in[0]); break;
    }
  }
  return results[count - 1];
}

/* 1: the chain is the tanh GELU, 2: the erf GELU, 0: neither (within 1e-6 relative). */
static int geluKind(const ChainOp *ops, int count) {
  static const double samples[SAMPLES] = {-4.0, -2.5, -1.0, -0.3, 0.1, 0.6, 1.7, 3.0};
  bool isTanh = true, isErf = true;
  for (int i = 0; i < SAMPLES; ++i) {
    double x = samples[i], got = evaluate(ops, count, x);
    double tanhGelu = 0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
    double erfGelu = 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    isTanh = isTanh && fabs(got - tanhGelu) <= 1e-6 * fmax(1.0, fabs(tanhGelu));
    isErf = isErf && fabs(got - erfGelu) <= 1e-6 * fmax(1.0, fabs(erfGelu));
  }
  return isTanh ? 1 : isErf ? 2 : 0;
}

/* Collects the chain that starts at `first`; returns its length (0: not a chain). */
static int collectChain(EmitState *state, MlirOperation first, ValueInfo **x, ChainOp *ops) {
  if (!chainKind(first) || mlirOperationGetNumResults(first) != 1 ||
      mlirOperationGetNumOperands(first) < 1)
    return 0;
  *x = emitLookup(state, mlirOperationGetOperand(first, 0));
  if (!*x || (*x)->storage == STORAGE_WEIGHT) { /* x is the first non-constant operand */
    if (mlirOperationGetNumOperands(first) < 2)
      return 0;
    *x = emitLookup(state, mlirOperationGetOperand(first, 1));
  }
  if (!*x || (*x)->elem != ELEM_F32 || (*x)->storage == STORAGE_WEIGHT)
    return 0;
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
    ValueInfo *result = emitLookup(state, mlirOperationGetResult(op, 0));
    if (!result || result->elem != ELEM_F32 || result->count != (*x)->count)
      break;
    bool ok = true;
    for (intptr_t i = 0; ok && i < operands; ++i)
      ok = chainOperand(state, mlirOperationGetOperand(op, i), *x, ops, count, c, (int)i);
    if (!ok)
      break;
    ++count;
    op = singleUser(mlirOperationGetResult(op, 0));
  }
  return count;
}

bool emitTryFusedChain(EmitState *state, MlirOperation first, bool *fused) {
  *fused = false;
  ChainOp ops[MAX_CHAIN];
  ValueInfo *x = NULL;
  int count = collectChain(state, first, &x, ops);
  // Try the longest prefix that is a GELU (the chain may run on into unrelated ops).
  for (int n = count; n >= 3; --n) {
    int kind = geluKind(ops, n);
    if (!kind)
      continue;
    ValueInfo *y = emitLookup(state, mlirOperationGetResult(first, 0));
    ValueInfo *last = emitLookup(state, mlirOperationGetResult(ops[n - 1].op, 0));
    if (last->rank != x->rank || memcmp(last->dims, x->dims, sizeof x->dims[0] * x->rank))
      return true;
    for (int i = 1; i < n; ++i) {
      ValueInfo *r = emitLookup(state, mlirOperationGetResult(ops[i].op, 0));
      r->alias = y;
      r->freed = r != last; /* intermediates are never computed: nothing to free */
    }
    y->freed = true; /* the slot is the last result's now */
    emitRef(state, x);
    emitRef(state, y);
    fprintf(state->body, "  gcimKernelUnaryF32(%s, %s, %s, %lld); /* fused: %d ops */\n",
            kind == 1 ? "GCIM_UNARY_GELU_TANH" : "GCIM_UNARY_GELU", x->name, y->name,
            (long long)x->count, n);
    *fused = true;
    return true;
  }
  return true;
}
