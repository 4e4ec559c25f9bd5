/* Verify.c: gcim-verify, the checks on onnx and gcim ops that IRDL cannot express.
 *
 * IRDL checks op names, operand and result counts and attribute kinds. This pass checks
 * the relations between them: shapes that must agree, attribute values in range. It
 * changes nothing; it fails with one diagnostic per broken op, at the op's location.
 * Dynamic dimensions (`?`) are accepted wherever a static size is compared. The step-
 * and tile-level gcim ops and the use of K/V state are checked in VerifyTiles.c. */
#include "VerifyTiles.h"

#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Transforms/Passes.h"

#include <stdbool.h>

/* True when two dimensions may be equal: equal, or one of them unknown. */
static bool dimsAgree(int64_t a, int64_t b) { return a < 0 || b < 0 || a == b; }

static MlirType operandType(MlirOperation op, intptr_t i) {
  return mlirValueGetType(mlirOperationGetOperand(op, i));
}

static bool verifyMatMul(MlirOperation op) {
  MlirType a = operandType(op, 0), b = operandType(op, 1);
  int64_t rankA = gcimTensorRank(a), rankB = gcimTensorRank(b);
  if (rankA < 1 || rankB < 1) {
    gcimEmitError(mlirOperationGetLocation(op),
                  "'onnx.mat_mul' needs ranked operands of rank at least 1");
    return false;
  }
  int64_t inner = rankB == 1 ? 0 : rankB - 2;
  int64_t kA = gcimTensorDim(a, rankA - 1), kB = gcimTensorDim(b, inner);
  if (!dimsAgree(kA, kB)) {
    gcimEmitError(mlirOperationGetLocation(op),
                  "'onnx.mat_mul' contracts %lld columns with %lld rows", (long long)kA,
                  (long long)kB);
    return false;
  }
  return true;
}

/* q, k, v are (batch, heads, tokens, head_dim); the result is (batch, heads, q tokens,
 * v head_dim). */
static bool verifyAttentionShapes(MlirOperation op) {
  MlirLocation loc = mlirOperationGetLocation(op);
  const char *names[] = {"q", "k", "v"};
  MlirType types[3];
  for (int i = 0; i < 3; ++i) {
    types[i] = operandType(op, i);
    if (gcimTensorRank(types[i]) != 4) {
      gcimEmitError(loc,
                    "'gcim.attention' operand '%s' must be a rank-4 tensor "
                    "(batch, heads, tokens, head_dim)",
                    names[i]);
      return false;
    }
  }
  MlirType q = types[0], k = types[1], v = types[2];
  for (int dim = 0; dim < 2; ++dim)
    if (!dimsAgree(gcimTensorDim(q, dim), gcimTensorDim(k, dim)) ||
        !dimsAgree(gcimTensorDim(k, dim), gcimTensorDim(v, dim))) {
      gcimEmitError(loc, "'gcim.attention' q, k and v disagree on %s",
                    dim == 0 ? "batch" : "heads");
      return false;
    }
  if (!dimsAgree(gcimTensorDim(q, 3), gcimTensorDim(k, 3))) {
    gcimEmitError(loc, "'gcim.attention' q and k head dims differ (%lld vs %lld)",
                  (long long)gcimTensorDim(q, 3), (long long)gcimTensorDim(k, 3));
    return false;
  }
  if (!dimsAgree(gcimTensorDim(k, 2), gcimTensorDim(v, 2))) {
    gcimEmitError(loc, "'gcim.attention' k and v token counts differ (%lld vs %lld)",
                  (long long)gcimTensorDim(k, 2), (long long)gcimTensorDim(v, 2));
    return false;
  }
  MlirType result = mlirValueGetType(mlirOperationGetResult(op, 0));
  int64_t expected[4] = {gcimTensorDim(q, 0), gcimTensorDim(q, 1), gcimTensorDim(q, 2),
                         gcimTensorDim(v, 3)};
  bool resultOk = gcimTensorRank(result) == 4;
  for (int dim = 0; resultOk && dim < 4; ++dim)
    resultOk = dimsAgree(gcimTensorDim(result, dim), expected[dim]);
  if (!resultOk) {
    gcimEmitError(loc, "'gcim.attention' result must be (batch, heads, q tokens, "
                       "v head_dim)");
    return false;
  }
  if (mlirOperationGetNumOperands(op) == 4) {
    MlirType scales = operandType(op, 3);
    if (gcimTensorRank(scales) != 2 || !dimsAgree(gcimTensorDim(scales, 0), gcimTensorDim(q, 1)) ||
        !dimsAgree(gcimTensorDim(scales, 1), 8)) {
      gcimEmitError(loc, "'gcim.attention' scales must be (heads, 8)");
      return false;
    }
  }
  return true;
}

static bool verifyAttention(MlirOperation op) {
  MlirLocation loc = mlirOperationGetLocation(op);
  MlirStringRef kind;
  int64_t causal = 0, window = 0;
  if (gcimOpGetStringAttr(op, "kind", &kind) && !gcimStringRefEquals(kind, "softmax") &&
      !gcimStringRefEquals(kind, "hardsigmoid") && !gcimStringRefEquals(kind, "gaincell")) {
    gcimEmitError(loc,
                  "'gcim.attention' kind '%.*s' is not one of softmax, hardsigmoid, "
                  "gaincell",
                  (int)kind.length, kind.data);
    return false;
  }
  if (gcimOpGetIntAttr(op, "causal", &causal) && causal != 0 && causal != 1) {
    gcimEmitError(loc, "'gcim.attention' causal must be 0 or 1, not %lld", (long long)causal);
    return false;
  }
  if (gcimOpGetIntAttr(op, "window", &window) && window < 0) {
    gcimEmitError(loc, "'gcim.attention' window must not be negative (%lld)", (long long)window);
    return false;
  }
  int64_t heads = -1, headDim = -1;
  MlirType q = operandType(op, 0);
  if (gcimOpGetIntAttr(op, "num_heads", &heads) && gcimTensorRank(q) == 4 &&
      !dimsAgree(heads, gcimTensorDim(q, 1))) {
    gcimEmitError(loc, "'gcim.attention' num_heads %lld does not match q's %lld heads",
                  (long long)heads, (long long)gcimTensorDim(q, 1));
    return false;
  }
  if (gcimOpGetIntAttr(op, "head_dim", &headDim) && gcimTensorRank(q) == 4 &&
      !dimsAgree(headDim, gcimTensorDim(q, 3))) {
    gcimEmitError(loc, "'gcim.attention' head_dim %lld does not match q's head dim %lld",
                  (long long)headDim, (long long)gcimTensorDim(q, 3));
    return false;
  }
  return verifyAttentionShapes(op);
}

typedef struct OpVerifier {
  const char *opName;
  bool (*verify)(MlirOperation op);
} OpVerifier;

static const OpVerifier verifiers[] = {
    {"onnx.mat_mul", verifyMatMul},
    {"gcim.attention", verifyAttention},
};

static MlirWalkResult verifyOne(MlirOperation op, void *userData) {
  bool *allOk = userData;
  for (size_t i = 0; i < sizeof verifiers / sizeof verifiers[0]; ++i)
    if (gcimOpIsA(op, verifiers[i].opName) && !verifiers[i].verify(op))
      *allOk = false;
  if (!gcimVerifyTileOp(op))
    *allOk = false;
  return MlirWalkResultAdvance;
}

static MlirLogicalResult runVerify(MlirOperation module, const GcimPassOptions *options) {
  (void)options;
  bool allOk = true;
  mlirOperationWalk(module, verifyOne, &allOk, MlirWalkPreOrder);
  if (!gcimVerifyStateUse(module))
    allOk = false;
  return allOk ? mlirLogicalResultSuccess() : mlirLogicalResultFailure();
}

const GcimPassInfo gcimVerifyPassInfo = {
    "gcim-verify",
    "Check the shape and attribute relations of onnx and gcim ops that IRDL cannot express", NULL,
    0, runVerify};
