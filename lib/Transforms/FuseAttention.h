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

/// A function argument held at one value while a mask is evaluated: a padding mask input
/// assumed to hold its no-padding value (AttentionMaskPadding.c).
typedef struct GcimMaskBinding {
  MlirValue input;
  double value;
} GcimMaskBinding;

/// A mask made from one padding input: the input (a rank-2 (batch, keys) function
/// argument), the value of its elements that means no padding, and the mask's pattern then.
typedef struct GcimPaddingMask {
  MlirValue input;
  double noPadding;
  GcimMaskInfo info;
} GcimPaddingMask;

/// Evaluates element `idx` of `value` by following constants, the elementwise ops
/// (arithmetic, comparisons, logic, Where, Cast, Clip, IsInf, unary math) and the shape
/// ops (Trilu, Slice, Expand, Reshape, Unsqueeze, Squeeze, Flatten, Transpose, Tile, Range,
/// ConstantOfShape) of AttentionMaskEval.c. False when the value is not computable, with
/// the reason in `reason` (may be NULL).
bool gcimMaskEval(MlirValue value, const int64_t *idx, double *out, char *reason,
                  size_t reasonSize);

/// gcimMaskEval with `binding`'s argument (when not NULL) holding its value everywhere.
bool gcimMaskEvalBound(MlirValue value, const GcimMaskBinding *binding, const int64_t *idx,
                       double *out, char *reason, size_t reasonSize);

/// Classifies `mask` (broadcastable to (batch, heads, tq, tk)) under `mode`, at every batch
/// and head index. False with a reason when it is not computable, not a causal or full mask,
/// or not the same pattern at every batch and head index.
bool gcimMaskClassify(MlirValue mask, GcimMaskMode mode, int64_t tq, int64_t tk, GcimMaskInfo *info,
                      char *reason, size_t reasonSize);

/// gcimMaskClassify with `binding` (may be NULL) holding its argument at its value.
bool gcimMaskClassifyBound(MlirValue mask, GcimMaskMode mode, const GcimMaskBinding *binding,
                           int64_t tq, int64_t tk, GcimMaskInfo *info, char *reason,
                           size_t reasonSize);

/// The mask's only non-constant leaf when it is a rank-2 (sequences, tk) argument of a
/// func.func, the sequences dividing `batch` (a padding input); else a null value. Cheap:
/// the mask's entries are not evaluated.
MlirValue gcimMaskPaddingInput(MlirValue mask, int64_t batch, int64_t tk);

/// Classifies a mask whose only non-constant leaf is a rank-2 (sequences, tk) argument of
/// a func.func, the sequences dividing `batch` (the scores' first extent): the input held
/// all 1, then all 0; the value for which the mask is causal or full means no padding. 1
/// with *padding filled; 0 when the mask has no such single input; -1 when it has one but
/// no value gives a recognised pattern (or both give different ones), with the reason.
int gcimMaskClassifyPadding(MlirValue mask, GcimMaskMode mode, int64_t batch, int64_t tq,
                            int64_t tk, GcimPaddingMask *padding, char *reason, size_t reasonSize);

/// The ONNX name of function argument `arg` (its `onnx.name`), else "argument N".
void gcimMaskInputName(MlirValue arg, char *name, size_t size);

/// Records on the input's function argument that the attention at `node` assumes it holds
/// no padding: `gcim.no_padding` (the value, i64) and `gcim.no_padding_node` (the node's
/// name; the first attention's is kept). False when out of memory.
bool gcimMarkNoPadding(const GcimPaddingMask *padding, MlirLocation node);

/// True when `value` is a large negative fill (at most -1e4, or -inf), as masks use.
bool gcimIsMaskFill(MlirValue value);

/// When `value` holds K/V heads repeated for grouped-query attention (Unsqueeze, Expand,
/// Reshape as transformers' repeat_kv writes it, or Tile), the chain's first op, whose
/// operand 0 holds the unrepeated heads; else a null op.
MlirOperation gcimHeadRepeatFirst(MlirValue value);

/// Whether `value` is a gcim.cache_append result (*append, when asked), directly or under a
/// grouped-query head repeat (gcimHeadRepeatFirst).
bool gcimReadsCache(MlirValue value, MlirOperation *append);

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

/// Whether Reshape `op` is a view of attention's (batch x heads) rows: (B*H, X, Y) to
/// (B, H, X, Y) or back, X and Y unchanged (lead = (B, H)), or a Reshape to its own shape
/// (lead untouched). Static shapes only.
bool gcimIsHeadsView(MlirOperation op, int64_t lead[2]);

/// `x` of (B*H, X, Y) as (B, H, X, Y), lead = (B, H): the input of the Reshape that merged
/// it when that input is (B, H, X, Y), else a Reshape built before `before`. Other ranks:
/// `x` itself.
MlirValue gcimHeadsFromRows(MlirOperation before, MlirLocation loc, MlirValue x,
                            const int64_t lead[2]);

/// When `bias`, added to `scores`, is shaped as a bias per head over the keys, as ALiBi's
/// (a (.., heads, 1, keys) or (batch x heads, 1, keys) term), or over queries and keys, as
/// T5's relative position bias (a (batch, heads, queries, keys) term), writes the reason it
/// is not fused and returns true.
bool gcimExplainHeadBias(MlirValue bias, MlirValue scores, char *reason, size_t size);

/// Rewrites the operator forms (onnx.attention, onnx.ms_attention,
/// onnx.ms_multi_head_attention, onnx.gcim_gain_cell_attention) into gcim.attention.
/// Returns 1 when rewritten, 0 when left as it is with a reason, -1 after an error
/// diagnostic. A GainCellAttention must match the hardware description `hw`. `unpadded`:
/// com.microsoft Attention's mask_index from a graph input is assumed to hold no padding.
int gcimFuseAttentionOperator(MlirOperation op, const GcimHardware *hw, bool unpadded, char *reason,
                              size_t reasonSize);

#endif /* GCIM_LIB_TRANSFORMS_FUSEATTENTION_H */
