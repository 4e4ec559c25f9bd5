/* VerifyTiles.h: gcim-verify's checks of the step- and tile-level ops (private). */
#ifndef GCIM_LIB_TRANSFORMS_VERIFYTILES_H
#define GCIM_LIB_TRANSFORMS_VERIFYTILES_H

#include "mlir-c/IR.h"

#include <stdbool.h>

/// Checks one op if it is a gcim step- or tile-level op; emits a diagnostic and returns
/// false when it is broken, true otherwise (also for other ops).
bool gcimVerifyTileOp(MlirOperation op);

/// Checks that every product reads a layer written earlier in its block, and that each
/// layer is written once per block; one diagnostic per broken op.
bool gcimVerifyStateUse(MlirOperation module);

#endif /* GCIM_LIB_TRANSFORMS_VERIFYTILES_H */
