/* TileLayer.c: matching one attention layer's chain of tile-level ops (gcim/Support/TileLayer.h).
 */
#include "gcim/Support/TileLayer.h"

#include "gcim/Support/IRHelpers.h"

#include <string.h>

/* The op defining `value` when it is a `name`, else a null op. */
static MlirOperation definedBy(MlirValue value, const char *name) {
  if (!mlirValueIsAOpResult(value))
    return (MlirOperation){NULL};
  MlirOperation op = mlirOpResultGetOwner(value);
  return gcimOpIsA(op, name) ? op : (MlirOperation){NULL};
}

static int64_t scalerIndex(MlirOperation op) {
  int64_t index = -1;
  gcimOpGetIntAttr(op, "a_index", &index);
  return index;
}

/* The only user of `value`, or a null op. */
static MlirOperation onlyUser(MlirValue value) {
  MlirOpOperand use = mlirValueGetFirstUse(value);
  if (mlirOpOperandIsNull(use) || !mlirOpOperandIsNull(mlirOpOperandGetNextUse(use)))
    return (MlirOperation){NULL};
  return mlirOpOperandGetOwner(use);
}

static bool isOutputScaler(MlirOperation op) {
  return !mlirOperationIsNull(op) && gcimOpIsA(op, "gcim.scaler") && scalerIndex(op) == 6;
}

bool gcimTileOpEndsLayer(MlirOperation op) {
  if (isOutputScaler(op))
    return !mlirOperationIsNull(definedBy(mlirOperationGetOperand(op, 0), "gcim.adder_tree"));
  return gcimOpIsA(op, "gcim.adder_tree") &&
         !isOutputScaler(onlyUser(mlirOperationGetResult(op, 0)));
}

bool gcimTileOpStaysInChip(MlirOperation op) {
  static const char *const inside[] = {"gcim.kv_write",   "gcim.qk_product", "gcim.charge_to_pulse",
                                       "gcim.pv_product", "gcim.readout",    "gcim.quantize"};
  for (size_t i = 0; i < sizeof inside / sizeof inside[0]; ++i)
    if (gcimOpIsA(op, inside[i]))
      return true;
  if (gcimOpIsA(op, "gcim.scaler")) /* an input scaler feeds its quantiser */
    return scalerIndex(op) != 6;
  return gcimOpIsA(op, "gcim.adder_tree") && !gcimTileOpEndsLayer(op);
}

/* The quantiser of kind `kind` on `value` and the input before it (through the input scaler
 * of a_index `index` when there is one); false when the value is not quantised. */
static bool matchInput(MlirValue value, const char *kind, int64_t index, MlirOperation *quantize,
                       MlirOperation *scaler, MlirValue *input) {
  *quantize = definedBy(value, "gcim.quantize");
  MlirStringRef got = {NULL, 0};
  if (mlirOperationIsNull(*quantize) || !gcimOpGetStringAttr(*quantize, "kind", &got) ||
      !gcimStringRefEquals(got, kind))
    return false;
  *input = mlirOperationGetOperand(*quantize, 0);
  *scaler = definedBy(*input, "gcim.scaler");
  if (!mlirOperationIsNull(*scaler) && scalerIndex(*scaler) == index)
    *input = mlirOperationGetOperand(*scaler, 0);
  else
    *scaler = (MlirOperation){NULL};
  return true;
}

/* The gcim.kv_write of layer `layer` before `op` in its block. */
static MlirOperation findWrite(MlirOperation op, int64_t layer) {
  MlirBlock block = mlirOperationGetBlock(op);
  MlirOperation found = {NULL};
  for (MlirOperation at = mlirBlockGetFirstOperation(block);
       !mlirOperationIsNull(at) && !mlirOperationEqual(at, op);
       at = mlirOperationGetNextInBlock(at)) {
    int64_t written = -1;
    if (gcimOpIsA(at, "gcim.kv_write") && gcimOpGetIntAttr(at, "layer", &written) &&
        written == layer)
      found = at;
  }
  return found;
}

const char *gcimTileLayerMatch(MlirOperation end, GcimTileLayer *l) {
  memset(l, 0, sizeof *l);
  l->end = end;
  l->adderTree = end;
  if (isOutputScaler(end)) {
    l->scalers[3] = end;
    l->adderTree = definedBy(mlirOperationGetOperand(end, 0), "gcim.adder_tree");
  }
  if (mlirOperationIsNull(l->adderTree))
    return "it does not end an attention layer's tile ops";
  l->quantizeOut = definedBy(mlirOperationGetOperand(l->adderTree, 0), "gcim.quantize");
  MlirStringRef kind = {NULL, 0};
  if (mlirOperationIsNull(l->quantizeOut) || !gcimOpGetStringAttr(l->quantizeOut, "kind", &kind) ||
      !gcimStringRefEquals(kind, "adc"))
    return "its readout has no ADC quantiser (run gcim-quantize)";
  l->readout = definedBy(mlirOperationGetOperand(l->quantizeOut, 0), "gcim.readout");
  l->secondProduct = mlirOperationIsNull(l->readout)
                         ? l->readout
                         : definedBy(mlirOperationGetOperand(l->readout, 0), "gcim.pv_product");
  l->chargeToPulse =
      mlirOperationIsNull(l->secondProduct)
          ? l->secondProduct
          : definedBy(mlirOperationGetOperand(l->secondProduct, 0), "gcim.charge_to_pulse");
  l->firstProduct =
      mlirOperationIsNull(l->chargeToPulse)
          ? l->chargeToPulse
          : definedBy(mlirOperationGetOperand(l->chargeToPulse, 0), "gcim.qk_product");
  if (mlirOperationIsNull(l->firstProduct))
    return "its adder tree does not sum qk_product, charge_to_pulse, pv_product and readout";
  if (!matchInput(mlirOperationGetOperand(l->firstProduct, 0), "pwm", 0, &l->quantizeQ,
                  &l->scalers[0], &l->q))
    return "its query has no PWM quantiser (run gcim-quantize)";
  int64_t layer = -1;
  gcimOpGetIntAttr(l->firstProduct, "layer", &layer);
  l->write = findWrite(l->firstProduct, layer);
  if (mlirOperationIsNull(l->write))
    return "its layer has no gcim.kv_write before its qk_product";
  if (!matchInput(mlirOperationGetOperand(l->write, 0), "dac", 2, &l->quantizeK, &l->scalers[1],
                  &l->k) ||
      !matchInput(mlirOperationGetOperand(l->write, 1), "dac", 4, &l->quantizeV, &l->scalers[2],
                  &l->v))
    return "its keys or values have no DAC quantiser (run gcim-quantize)";
  return NULL;
}
