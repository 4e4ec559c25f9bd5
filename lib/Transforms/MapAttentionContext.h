/* MapAttentionContext.h: the model's context an attention's window is fitted to (private). */
#ifndef GCIM_LIB_TRANSFORMS_MAPATTENTIONCONTEXT_H
#define GCIM_LIB_TRANSFORMS_MAPATTENTIONCONTEXT_H

#include "mlir-c/IR.h"

#include <stdint.h>

/// The most tokens `attention` (a gcim.attention or gcim.attention_step) can ever hold,
/// or 0 when that is not known (see MapAttentionContext.c).
int64_t gcimAttentionContext(MlirOperation attention);

#endif /* GCIM_LIB_TRANSFORMS_MAPATTENTIONCONTEXT_H */
