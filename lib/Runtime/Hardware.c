/* Hardware.c: the default hardware description and the cost model. */
#include "gcim/Runtime/Hardware.h"

const float gcimDefaultScalers[GCIM_SCALER_COUNT] = {1.0f, 0.0f,  1.0f, 0.45f,
                                                     1.0f, 0.45f, 1.0f, 0.0f};

/* a_i = sum_j C[i][j] * 0.9^j over the fitted coefficients of hardware-model.md §2. */
static void nonlinearCoefficients(double coeffs[4]) {
  static const double fitted[4][4] = {
      {0.17393044, 0.15653739, 0.14088365, 0.12679529},
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
  hw->query = (GcimQuantizer){16, 1.0f};
  hw->kv = (GcimQuantizer){8, 0.9f};
  hw->output = (GcimQuantizer){32, 1.0f};
  hw->cell = GCIM_CELL_NONLINEAR;
  nonlinearCoefficients(hw->cellCoeffs);
  hw->linearSlope = 19.3;
  hw->decayEnabled = 1;
  hw->decayLambda = 1.6e-4;
  hw->bf16Decay = 0;
  hw->firstProductSaturation = 80.0f;
  hw->outputSaturation = 40.0f;
  hw->pulseMaxNs = 15.0;
  /* hardware-model.md §3: 1,120 pJ and 700 pJ over 16 arrays, 330 pJ over 2 x 64 values. */
  hw->cost = (GcimCostTable){1120.0 / 16, 700.0 / 16, 4000.0, 330.0 / 128, 65.0};
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
