/* Quantize.c: gcim-quantize, explicit DAC/PWM/ADC quantisers and scaler folding.
 *
 * Makes the hardware's quantisers explicit as gcim.quantize ops with levels and ranges
 * from the hardware description (docs/HardwareModel.md section 2): a DAC on k and v before
 * gcim.kv_write (kv levels on [0, kv max]), PWM on q before gcim.qk_product (query levels
 * on [0, query max]) and the output ADC after gcim.readout (output levels on [-1, 1]).
 * Then folds per-head scalers where that is legal:
 * - a scaler whose input is a projection (MatMul by a constant weight, optional Add of a
 *   constant bias, optional Split along the features, Reshape to (B, T, heads, dim),
 *   Transpose (0, 2, 1, 3)), every value on the way used once, f32 constants used only
 *   there: a is multiplied into the head's weight columns and bias, b added to the bias
 *   (a missing bias is only legal when every b is 0);
 * - a scaler that is the identity for every head (a = 1, b = 0) is removed.
 * Folded scalers are erased; the quantisers are unaffected (they see the same values).
 *
 * Assumes: the tile level of gcim-map-attention. Guarantees: the same values as before
 * (up to float32 rounding of the folded products); running it twice adds nothing. */
#include "PassUtils.h"
#include "QuantizeFold.h"

#include "gcim/Runtime/Hardware.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Transforms/Passes.h"

#include <stdlib.h>
#include <string.h>

static MlirLogicalResult runQuantize(MlirOperation module, const GcimPassOptions *options);

static const GcimPassOptionInfo quantizeOptions[] = {
    {"fold", GCIM_PASS_OPTION_BOOL, "true",
     "true: fold per-head scalers into projections where legal", NULL},
};

const GcimPassInfo gcimQuantizePassInfo = {
    "gcim-quantize", "Insert DAC/PWM/ADC quantisers and fold per-head scalers where legal",
    quantizeOptions, sizeof quantizeOptions / sizeof quantizeOptions[0], runQuantize};

static MlirValue buildQuantize(MlirOperation before, MlirValue x, const char *kind, int64_t levels,
                               double lo, double hi) {
  MlirContext ctx = mlirOperationGetContext(before);
  MlirNamedAttribute attrs[4] = {gcimNamedString(ctx, "kind", kind),
                                 gcimNamedInt(ctx, "levels", levels), gcimNamedF32(ctx, "lo", lo),
                                 gcimNamedF32(ctx, "hi", hi)};
  MlirType type = mlirValueGetType(x);
  return mlirOperationGetResult(gcimBuildOp(before, "gcim.quantize",
                                            mlirOperationGetLocation(before), 1, &x, 1, &type, 4,
                                            attrs),
                                0);
}

/* Quantises operand `index` of `op` unless it already is quantised. */
static void quantizeOperand(MlirOperation op, intptr_t index, const char *kind, int64_t levels,
                            double lo, double hi) {
  MlirValue x = mlirOperationGetOperand(op, index);
  if (gcimValueIsOp(x, "gcim.quantize", NULL))
    return;
  mlirOperationSetOperand(op, index, buildQuantize(op, x, kind, levels, lo, hi));
}

/* Quantises the result of a readout for all its users, unless already done. */
static void quantizeReadout(MlirOperation readout, int64_t levels, double max) {
  MlirValue z = mlirOperationGetResult(readout, 0);
  MlirOperation user = gcimValueSingleUser(z);
  if (!mlirOperationIsNull(user) && gcimOpIsA(user, "gcim.quantize"))
    return;
  MlirOperation next = mlirOperationGetNextInBlock(readout);
  MlirValue q = buildQuantize(next, z, "adc", levels, -max, max);
  MlirOperation quantize = gcimValueDefOp(q);
  /* Every use of z but the quantiser's own now reads q. */
  mlirValueReplaceAllUsesOfWith(z, q);
  mlirOperationSetOperand(quantize, 0, z);
}

static bool isTileOpToQuantize(MlirOperation op) {
  return gcimOpIsA(op, "gcim.kv_write") || gcimOpIsA(op, "gcim.qk_product") ||
         gcimOpIsA(op, "gcim.readout") || gcimOpIsA(op, "gcim.scaler");
}

static MlirLogicalResult runQuantize(MlirOperation module, const GcimPassOptions *options) {
  const GcimPassInfo *info = &gcimQuantizePassInfo;
  const GcimHardware *hw = options->hw; /* validated by whoever made it */
  bool fold = gcimPassOptionsGetBool(options, info, "fold");
  MlirOperation *ops = NULL;
  size_t count = 0;
  if (!gcimCollectOps(module, MlirWalkPreOrder, isTileOpToQuantize, &ops, &count))
    return mlirLogicalResultFailure();
  for (size_t i = 0; i < count; ++i) {
    MlirOperation op = ops[i];
    if (gcimOpIsA(op, "gcim.kv_write")) {
      quantizeOperand(op, 0, "dac", hw->kv.levels, 0.0, hw->kv.max);
      quantizeOperand(op, 1, "dac", hw->kv.levels, 0.0, hw->kv.max);
    } else if (gcimOpIsA(op, "gcim.qk_product")) {
      quantizeOperand(op, 0, "pwm", hw->query.levels, 0.0, hw->query.max);
    } else if (gcimOpIsA(op, "gcim.readout")) {
      quantizeReadout(op, hw->output.levels, hw->output.max);
    }
  }
  for (size_t i = 0; fold && i < count; ++i)
    if (gcimOpIsA(ops[i], "gcim.scaler"))
      gcimFoldScaler(ops[i]);
  free(ops);
  return mlirLogicalResultSuccess();
}
