/* OpEmitters.h: the C emitter's per-op functions, listed in Ops.c's table. */
#ifndef GCIM_LIB_TARGET_C_OPEMITTERS_H
#define GCIM_LIB_TARGET_C_OPEMITTERS_H

#include "Emitter.h"

/* OpsElementwise.c, OpsData.c, OpsNn.c and OpsAttention.c. */
bool gcimCEmitBinary(EmitState *state, MlirOperation op);
bool gcimCEmitVariadic(EmitState *state, MlirOperation op);
bool gcimCEmitUnary(EmitState *state, MlirOperation op);
bool gcimCEmitCopy(EmitState *state, MlirOperation op);
bool gcimCEmitHardSigmoid(EmitState *state, MlirOperation op);
bool gcimCEmitClip(EmitState *state, MlirOperation op);
bool gcimCEmitCompare(EmitState *state, MlirOperation op);
bool gcimCEmitLogical(EmitState *state, MlirOperation op);
bool gcimCEmitNot(EmitState *state, MlirOperation op);
bool gcimCEmitCast(EmitState *state, MlirOperation op);
bool gcimCEmitTranspose(EmitState *state, MlirOperation op);
bool gcimCEmitConcat(EmitState *state, MlirOperation op);
bool gcimCEmitSplit(EmitState *state, MlirOperation op);
bool gcimCEmitSlice(EmitState *state, MlirOperation op);
bool gcimCEmitGather(EmitState *state, MlirOperation op);
bool gcimCEmitExpand(EmitState *state, MlirOperation op);
bool gcimCEmitWhere(EmitState *state, MlirOperation op);
bool gcimCEmitTrilu(EmitState *state, MlirOperation op);
bool gcimCEmitRange(EmitState *state, MlirOperation op);
bool gcimCEmitConstantOfShape(EmitState *state, MlirOperation op);
bool gcimCEmitShape(EmitState *state, MlirOperation op);
bool gcimCEmitMatMul(EmitState *state, MlirOperation op);
bool gcimCEmitGemm(EmitState *state, MlirOperation op);
bool gcimCEmitLinear(EmitState *state, MlirOperation op);
/* OpsLinearNarrow.c. */
bool gcimCEmitLinearNarrow(EmitState *state, MlirOperation op);
bool gcimCEmitSoftmax(EmitState *state, MlirOperation op);
bool gcimCEmitLayerNorm(EmitState *state, MlirOperation op);
bool gcimCEmitReduce(EmitState *state, MlirOperation op);
bool gcimCEmitAttention(EmitState *state, MlirOperation op);
bool gcimCEmitAttentionStep(EmitState *state, MlirOperation op);
bool gcimCEmitStepIndex(EmitState *state, MlirOperation op);
/* OpsTiles.c: the op that ends a mapped attention layer's tile ops. */
bool gcimCEmitTileLayer(EmitState *state, MlirOperation op);
/* OpsMath.c. */
bool gcimCEmitMod(EmitState *state, MlirOperation op);
bool gcimCEmitIsInfNaN(EmitState *state, MlirOperation op);
bool gcimCEmitTile(EmitState *state, MlirOperation op);
bool gcimCEmitCumSum(EmitState *state, MlirOperation op);
bool gcimCEmitGatherElements(EmitState *state, MlirOperation op);
bool gcimCEmitScatterND(EmitState *state, MlirOperation op);
bool gcimCEmitGatherND(EmitState *state, MlirOperation op);
/* OpsIndex.c. */
bool gcimCEmitArgReduce(EmitState *state, MlirOperation op);
bool gcimCEmitTopK(EmitState *state, MlirOperation op);

#endif /* GCIM_LIB_TARGET_C_OPEMITTERS_H */
