/* FuseAttention.h: the parts of gcim-fuse-attention (private to lib/Transforms). */
#ifndef GCIM_LIB_TRANSFORMS_FUSEATTENTION_H
#define GCIM_LIB_TRANSFORMS_FUSEATTENTION_H

#include "gcim/Runtime/Hardware.h"
#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// How a mask tensor selects the allowed score entries.
typedef enum GcimMaskMode {
  GCIM_MASK_TRUE_KEEPS, /* Where(mask, scores, fill): true entries are kept */
  GCIM_MASK_TRUE_MASKS, /* Where(mask, fill, scores): true entries are masked */
  GCIM_MASK_ADDITIVE,   /* Add(scores, mask): 0 keeps, a large negative value masks */
  GCIM_MASK_MULTIPLY    /* Mul(weights, mask) after the nonlinearity: 1 keeps, 0 masks */
} GcimMaskMode;

/// What a mask does: causal (keys after the query masked, bottom-right aligned when
/// there are more keys than queries) and a sliding window (0: unbounded).
typedef struct GcimMaskInfo {
  int causal;
  int64_t window;
} GcimMaskInfo;

/// Evaluates element `idx` of `value` by following constants, the elementwise ops
/// (arithmetic, comparisons, logic, Where, Cast, Clip, IsInf, unary math) and the shape
/// ops (Trilu, Slice, Expand, Reshape, Unsqueeze, Squeeze, Flatten, Transpose, Tile, Range,
/// ConstantOfShape) of AttentionMaskEval.c. False when the value is not computable, with
/// the reason in `reason` (may be NULL).
bool gcimMaskEval(MlirValue value, const int64_t *idx, double *out, char *reason,
                  size_t reasonSize);

/// Classifies `mask` (broadcastable to (batch, heads, tq, tk), constant along batch and
/// heads) under `mode`. False with a reason when it is not computable or not a causal or
/// full mask.
bool gcimMaskClassify(MlirValue mask, GcimMaskMode mode, int64_t tq, int64_t tk, GcimMaskInfo *info,
                      char *reason, size_t reasonSize);

/// True when `value` is a large negative fill (at most -1e4, or -inf), as masks use.
bool gcimIsMaskFill(MlirValue value);

/// When `value` holds K/V heads repeated for grouped-query attention (Unsqueeze, Expand,
/// Reshape as transformers' repeat_kv writes it, or Tile), the chain's first op, whose
/// operand 0 holds the unrepeated heads; else a null op.
MlirOperation gcimHeadRepeatFirst(MlirValue value);

/// Creates the gcim.attention op before `before`; q, k, v are (batch, heads, tokens,
/// head_dim); `scales` may be a null value. Returns its result.
MlirValue gcimBuildAttention(MlirOperation before, MlirLocation loc, MlirValue q, MlirValue k,
                             MlirValue v, MlirValue scales, const char *kind, int causal,
                             int64_t window, double scale);

/// K/V heads `x` (batch, kv_heads, tokens, head_dim) repeated `group` times each, as
/// transformers' repeat_kv writes it (Unsqueeze, Expand, Reshape: query head h reads K/V
/// head h / group), built before `before` so that gcim-stream and gcim-map-attention follow
/// it (gcimHeadRepeatFirst). Returns `x` itself when `group` is 1 or `x` is not rank 4.
MlirValue gcimBuildHeadRepeat(MlirOperation before, MlirLocation loc, MlirValue x, int64_t group);

/// Rewrites the operator forms (onnx.attention, onnx.ms_attention,
/// onnx.ms_multi_head_attention, onnx.gcim_gain_cell_attention) into gcim.attention.
/// Returns 1 when rewritten, 0 when left as it is with a reason, -1 after an error
/// diagnostic. A GainCellAttention must match the hardware description `hw`.
int gcimFuseAttentionOperator(MlirOperation op, const GcimHardware *hw, char *reason,
                              size_t reasonSize);

#endif /* GCIM_LIB_TRANSFORMS_FUSEATTENTION_H */
