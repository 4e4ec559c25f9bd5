/* MapAttentionSources.h: whether an attention's keys are its queries' tokens' (private). */
#ifndef GCIM_LIB_TRANSFORMS_MAPATTENTIONSOURCES_H
#define GCIM_LIB_TRANSFORMS_MAPATTENTIONSOURCES_H

#include "mlir-c/IR.h"

/// Where an attention's keys and values come from, relative to its queries.
typedef enum GcimKeySource {
  GCIM_KEYS_UNTRACED, /* no projection found (q, k, v given as they are): the shapes decide */
  GCIM_KEYS_OWN,      /* q, k and v all read one hidden state (self-attention) */
  GCIM_KEYS_FOREIGN   /* k or v read none of the hidden states q reads (cross-attention) */
} GcimKeySource;

/// Traces the q, k and v operands of `attention` (a gcim.attention) back through their
/// projections to the hidden states they read (see MapAttentionSources.c). Never fails:
/// what cannot be traced is GCIM_KEYS_UNTRACED.
GcimKeySource gcimAttentionKeySource(MlirOperation attention);

#endif /* GCIM_LIB_TRANSFORMS_MAPATTENTIONSOURCES_H */
