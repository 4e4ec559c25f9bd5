/* Hardware.c: the default hardware description and the cost model. */
#include "gcim/Runtime/Hardware.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

const float gcimDefaultScalers[GCIM_SCALER_COUNT] = {1.0f, 0.0f,  1.0f, 0.45f,
                                                     1.0f, 0.45f, 1.0f, 0.0f};

/* a_i = sum_j C[i][j] * 0.9^j over the fitted coefficients of docs/HardwareModel.md §2. */
static void nonlinearCoefficients(double coeffs[4]) {
  static const double fitted[4][4] = {{0.17393044, 0.15653739, 0.14088365, 0.12679529},
                                      {5.51975209, 4.96777688, 4.4709992, 0.0},
                                      {-1.44776001, -1.30298401, 0.0, 0.0},
                                      {46.05483778, 0.0, 0.0, 0.0}};
  for (int i = 0; i < 4; ++i) {
    double power = 1.0, sum = 0.0;
    for (int j = 0; j < 4; ++j) {
      sum += fitted[i][j] * power;
      power *= 0.9;
    }
    coeffs[i] = sum;
  }
}

void gcimHardwareInitDefault(GcimHardware *hw) {
  *hw = (GcimHardware){0};
  hw->arrayRows = 64;
  hw->arrayCols = 64;
  hw->window = 1024;
  hw->maxSubTiles = 0;
  hw->vdd = 0.9f;
  hw->midVoltage = 0.45f;
  hw->query = (GcimQuantizer){16, 1.0};
  hw->kv = (GcimQuantizer){8, 0.9};
  hw->output = (GcimQuantizer){32, 1.0};
  hw->cell = GCIM_CELL_NONLINEAR;
  nonlinearCoefficients(hw->cellCoeffs);
  hw->linearSlope = 19.3;
  hw->decayEnabled = 1;
  hw->decayLambda = 1.6e-4;
  hw->bf16Decay = 0;
  hw->firstProductSaturation = 80.0f;
  hw->outputSaturation = 40.0f;
  hw->pulseMaxNs = 15.0;
  /* docs/HardwareModel.md §3: 1,120 pJ and 700 pJ over 16 arrays, 330 pJ over 2 x 64 values. */
  hw->cost = (GcimCostTable){1120.0 / 16, 700.0 / 16, 4000.0, 330.0 / 128, 65.0};
  /* docs/HardwareModel.md section 6: one chip, a head's own periphery; a head is 0.5 mm^2,
   * of which 16 sub-tiles of 2 x 64 x 64 cells of 1 um^2 are 0.131072 mm^2. */
  hw->floorplan = (GcimFloorplan){1, 0, 64.0, 10.0, 128.0, 20.0, 0.008192, 0.368928};
}

int32_t gcimHardwareChips(const GcimHardware *hw) {
  return hw->floorplan.chips > 1 ? hw->floorplan.chips : 1;
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

int64_t gcimHardwareSubTilesPerHead(const GcimHardware *hw, int64_t headDim) {
  return ceilDiv(hw->window, hw->arrayRows) * ceilDiv(headDim, hw->arrayCols);
}

double gcimHardwareHeadTokenEnergyPJ(const GcimHardware *hw, int64_t headDim) {
  double arrays = (double)gcimHardwareSubTilesPerHead(hw, headDim);
  return arrays * (hw->cost.firstProductPerArrayPJ + hw->cost.secondProductPerArrayPJ) +
         hw->cost.digitalPerHeadTokenPJ + 2.0 * (double)headDim * hw->cost.dacPerValuePJ;
}

/* Writes the reason into message and returns 0, so checks read `return invalid(...)`. */
static int invalid(char *message, size_t size, const char *format, ...) {
  if (message && size) {
    va_list args;
    va_start(args, format);
    vsnprintf(message, size, format, args);
    va_end(args);
  }
  return 0;
}

static int checkQuantizer(const GcimQuantizer *q, const char *name, char *message, size_t size) {
  if (q->levels < 2)
    return invalid(message, size, "%s.levels must be >= 2 (got %d)", name, (int)q->levels);
  if (!isfinite(q->max) || !(q->max > 0))
    return invalid(message, size, "%s.max must be finite and > 0 (got %g)", name, q->max);
  return 1;
}

/* A finite number >= lower (strictly greater when `strict`). */
static int checkNumber(double value, double lower, int strict, const char *name, char *message,
                       size_t size) {
  if (!isfinite(value))
    return invalid(message, size, "%s must be a finite number (got %g)", name, value);
  if (strict ? !(value > lower) : !(value >= lower))
    return invalid(message, size, "%s must be %s %g (got %g)", name, strict ? ">" : ">=", lower,
                   value);
  return 1;
}

int gcimHardwareValidate(const GcimHardware *hw, char *message, size_t size) {
  if (hw->arrayRows < 1 || hw->arrayCols < 1)
    return invalid(message, size, "arrayRows and arrayCols must be >= 1 (got %d, %d)",
                   (int)hw->arrayRows, (int)hw->arrayCols);
  if (hw->window < 1)
    return invalid(message, size, "window must be >= 1 (got %d)", (int)hw->window);
  if (hw->maxSubTiles < 0)
    return invalid(message, size, "maxSubTiles must be >= 0 (got %d)", (int)hw->maxSubTiles);
  if (hw->floorplan.chips < 0 || hw->floorplan.subTilesPerPeriphery < 0)
    return invalid(message, size,
                   "floorplan.chips and floorplan.subTilesPerPeriphery must be >= 0 (got %d, %d)",
                   (int)hw->floorplan.chips, (int)hw->floorplan.subTilesPerPeriphery);
  if (hw->floorplan.chips > GCIM_MAX_CHIPS)
    return invalid(message, size, "floorplan.chips must be <= %d (got %d)", GCIM_MAX_CHIPS,
                   (int)hw->floorplan.chips);
  if (!checkQuantizer(&hw->query, "query", message, size) ||
      !checkQuantizer(&hw->kv, "kv", message, size) ||
      !checkQuantizer(&hw->output, "output", message, size))
    return 0;
  if (hw->cell != GCIM_CELL_NONLINEAR && hw->cell != GCIM_CELL_LINEAR)
    return invalid(message, size, "cell must be nonlinear or linear (got %d)", (int)hw->cell);
  for (int i = 0; i < 4; ++i)
    if (!isfinite(hw->cellCoeffs[i]))
      return invalid(message, size, "cellCoeffs[%d] must be a finite number", i);
  const struct {
    double value, lower;
    int strict;
    const char *name;
  } numbers[] = {
      {hw->vdd, 0, 1, "vdd"},
      {hw->midVoltage, 0, 0, "midVoltage"},
      {hw->linearSlope, -HUGE_VAL, 0, "linearSlope"},
      {hw->decayLambda, 0, 0, "decayLambda"},
      {hw->firstProductSaturation, 0, 1, "firstProductSaturation"},
      {hw->outputSaturation, 0, 1, "outputSaturation"},
      {hw->pulseMaxNs, 0, 1, "pulseMaxNs"},
      {hw->cost.firstProductPerArrayPJ, 0, 0, "cost.firstProductPerArrayPJ"},
      {hw->cost.secondProductPerArrayPJ, 0, 0, "cost.secondProductPerArrayPJ"},
      {hw->cost.digitalPerHeadTokenPJ, 0, 0, "cost.digitalPerHeadTokenPJ"},
      {hw->cost.dacPerValuePJ, 0, 0, "cost.dacPerValuePJ"},
      {hw->cost.headTokenLatencyNs, 0, 0, "cost.headTokenLatencyNs"},
      {hw->noise.readNoiseSnrDb, 0, 0, "noise.readNoiseSnrDb"},
      {hw->noise.writeNoiseStdV, 0, 0, "noise.writeNoiseStdV"},
      {hw->noise.retentionSpreadRel, 0, 0, "noise.retentionSpreadRel"},
      {hw->floorplan.linkBytesPerNs, 0, 0, "floorplan.linkBytesPerNs"},
      {hw->floorplan.linkPJPerByte, 0, 0, "floorplan.linkPJPerByte"},
      {hw->floorplan.spillBytesPerNs, 0, 0, "floorplan.spillBytesPerNs"},
      {hw->floorplan.spillPJPerByte, 0, 0, "floorplan.spillPJPerByte"},
      {hw->floorplan.subTileAreaMm2, 0, 0, "floorplan.subTileAreaMm2"},
      {hw->floorplan.peripheryAreaMm2, 0, 0, "floorplan.peripheryAreaMm2"},
  };
  for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; ++i)
    if (!checkNumber(numbers[i].value, numbers[i].lower, numbers[i].strict, numbers[i].name,
                     message, size))
      return 0;
  if (hw->midVoltage > hw->vdd)
    return invalid(message, size, "midVoltage must be <= vdd (got %g > %g)", (double)hw->midVoltage,
                   (double)hw->vdd);
  if (hw->decayEnabled != 0 && hw->decayEnabled != 1)
    return invalid(message, size, "decayEnabled must be 0 or 1");
  if (hw->bf16Decay != 0 && hw->bf16Decay != 1)
    return invalid(message, size, "bf16Decay must be 0 or 1");
  if (message && size)
    message[0] = '\0';
  return 1;
}

/* The fields that shape the mapping and the weights: equal or refused. */
static int sameMapping(const GcimHardware *a, const GcimHardware *b, char *message, size_t size) {
  const struct {
    double compiled, given;
    const char *name;
  } fields[] = {
      {a->arrayRows, b->arrayRows, "arrayRows"},
      {a->arrayCols, b->arrayCols, "arrayCols"},
      {a->window, b->window, "window"},
      {a->vdd, b->vdd, "vdd"},
      {a->midVoltage, b->midVoltage, "midVoltage"},
      {a->query.levels, b->query.levels, "query.levels"},
      {a->query.max, b->query.max, "query.max"},
      {a->kv.levels, b->kv.levels, "kv.levels"},
      {a->kv.max, b->kv.max, "kv.max"},
      {a->output.levels, b->output.levels, "output.levels"},
      {a->output.max, b->output.max, "output.max"},
      {a->cell, b->cell, "cell"},
      {a->cellCoeffs[0], b->cellCoeffs[0], "cellCoeffs[0]"},
      {a->cellCoeffs[1], b->cellCoeffs[1], "cellCoeffs[1]"},
      {a->cellCoeffs[2], b->cellCoeffs[2], "cellCoeffs[2]"},
      {a->cellCoeffs[3], b->cellCoeffs[3], "cellCoeffs[3]"},
      {a->linearSlope, b->linearSlope, "linearSlope"},
      {a->decayEnabled, b->decayEnabled, "decayEnabled"},
      {a->decayLambda, b->decayLambda, "decayLambda"},
      {a->bf16Decay, b->bf16Decay, "bf16Decay"},
      {a->firstProductSaturation, b->firstProductSaturation, "firstProductSaturation"},
      {a->outputSaturation, b->outputSaturation, "outputSaturation"},
  };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; ++i)
    if (fields[i].compiled != fields[i].given)
      return invalid(message, size,
                     "%s %g differs from the %g the program was compiled (and its weights "
                     "trained) for; recompile with this hardware description",
                     fields[i].name, fields[i].given, fields[i].compiled);
  return 1;
}

int gcimHardwareCheckRuntime(const GcimHardware *compiled, const GcimHardware *given,
                             int64_t subTiles, char *message, size_t size) {
  char reason[160];
  if (!gcimHardwareValidate(given, reason, sizeof reason))
    return invalid(message, size, "invalid hardware description: %s", reason);
  if (!sameMapping(compiled, given, message, size))
    return 0;
  int64_t capacity = (int64_t)given->maxSubTiles * gcimHardwareChips(given);
  if (capacity > 0 && capacity < subTiles)
    return invalid(message, size, "the program needs %lld sub-tiles but the hardware has %lld",
                   (long long)subTiles, (long long)capacity);
  if (message && size)
    message[0] = '\0';
  return 1;
}
