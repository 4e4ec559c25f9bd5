/* OpEmitters.h: the C emitter's per-op functions, listed in Ops.c's table. */
#ifndef GCIM_LIB_TARGET_C_OPEMITTERS_H
#define GCIM_LIB_TARGET_C_OPEMITTERS_H

#include "Emitter.h"

/* OpsElementwise.c, OpsData.c, OpsNn.c and OpsAttention.c. */
bool emitBinary(EmitState *state, MlirOperation op);
bool emitVariadic(EmitState *state, MlirOperation op);
bool emitUnary(EmitState *state, MlirOperation op);
bool emitCopy(EmitState *state, MlirOperation op);
bool emitHardSigmoid(EmitState *state, MlirOperation op);
bool emitClip(EmitState *state, MlirOperation op);
bool emitCompare(EmitState *state, MlirOperation op);
bool emitLogical(EmitState *state, MlirOperation op);
bool emitNot(EmitState *state, MlirOperation op);
bool emitCast(EmitState *state, MlirOperation op);
bool emitTranspose(EmitState *state, MlirOperation op);
bool emitConcat(EmitState *state, MlirOperation op);
bool emitSplit(EmitState *state, MlirOperation op);
bool emitSlice(EmitState *state, MlirOperation op);
bool emitGather(EmitState *state, MlirOperation op);
bool emitExpand(EmitState *state, MlirOperation op);
bool emitWhere(EmitState *state, MlirOperation op);
bool emitTrilu(EmitState *state, MlirOperation op);
bool emitRange(EmitState *state, MlirOperation op);
bool emitConstantOfShape(EmitState *state, MlirOperation op);
bool emitShape(EmitState *state, MlirOperation op);
bool emitMatMul(EmitState *state, MlirOperation op);
bool emitGemm(EmitState *state, MlirOperation op);
bool emitLinear(EmitState *state, MlirOperation op);
bool emitSoftmax(EmitState *state, MlirOperation op);
bool emitLayerNorm(EmitState *state, MlirOperation op);
bool emitReduce(EmitState *state, MlirOperation op);
bool emitAttention(EmitState *state, MlirOperation op);
bool emitAttentionStep(EmitState *state, MlirOperation op);
bool emitStepIndex(EmitState *state, MlirOperation op);
/* OpsMath.c. */
bool emitMod(EmitState *state, MlirOperation op);
bool emitIsInfNaN(EmitState *state, MlirOperation op);
bool emitTile(EmitState *state, MlirOperation op);
bool emitCumSum(EmitState *state, MlirOperation op);
bool emitGatherElements(EmitState *state, MlirOperation op);

#endif /* GCIM_LIB_TARGET_C_OPEMITTERS_H */
