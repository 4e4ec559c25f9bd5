/* QuantizeFold.h: gcim-quantize's folding of a scaler into the projections before it. */
#ifndef GCIM_TRANSFORMS_QUANTIZEFOLD_H
#define GCIM_TRANSFORMS_QUANTIZEFOLD_H

#include "mlir-c/IR.h"

#include <stdbool.h>

/// Folds `scaler` (a gcim.scaler) into the constant projection that feeds it, when there is
/// one; returns whether it did (QuantizeFold.c).
bool gcimFoldScaler(MlirOperation scaler);

#endif
