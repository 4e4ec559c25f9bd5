/* Stream.h: the parts of gcim-stream (private to lib/Transforms). */
#ifndef GCIM_LIB_TRANSFORMS_STREAM_H
#define GCIM_LIB_TRANSFORMS_STREAM_H

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Sequence axes of values: a small open-addressing map from value to axis.
typedef struct GcimAxisMap {
  const void **keys;
  int *axes;
  size_t capacity, count;
} GcimAxisMap;

/// State of one function being turned into its step function.
typedef struct GcimStreamState {
  MlirOperation func;
  MlirBlock body;
  int64_t tokens;      /* the full-sequence length T */
  MlirValue stepIndex; /* gcim.step_index, made on first use */
  int64_t nextLayer;   /* layer number of the next attention */
  int64_t pastLength;  /* KV-cache graphs: cached tokens P (position ids equal P); -1 */
  GcimAxisMap axes;
  char reason[256];
} GcimStreamState;

/// The sequence axis of `value`, or -1.
int gcimAxisGet(const GcimAxisMap *map, MlirValue value);

/// Records the sequence axis of `value`; false when out of memory.
bool gcimAxisSet(GcimAxisMap *map, MlirValue value, int axis);

/// Frees the map's storage.
void gcimAxisMapClear(GcimAxisMap *map);

/// Rewrites one op of the step function: its results get the sequence axis shrunk to
/// one token; constants indexed by position are gathered at the step index; attention
/// becomes gcim.attention_step. False with state->reason when the op is not position-wise
/// along the sequence axis.
bool gcimStreamOp(GcimStreamState *state, MlirOperation op);

/// Fails the op being streamed: state->reason names the op (and its ONNX node) and `why`;
/// returns false.
bool gcimStreamFail(GcimStreamState *state, MlirOperation op, const char *why);

/// Shrinks `value`'s sequence axis `axis` to one token and records the axis.
void gcimStreamShrink(GcimStreamState *state, MlirValue value, int axis);

/// The step index (gcim.step_index at the top of the step function), made on first use.
MlirValue gcimStreamStepIndex(GcimStreamState *state);

/// `axis` (an ONNX attribute, negative from the end) in [0, rank).
int gcimStreamNormAxis(int64_t axis, int rank);

/// Gather (StreamGather.c): along another axis than the sequence; the last token
/// (`x[:, -1]`); or position ids, which become the step index. Else fails.
bool gcimStreamGather(GcimStreamState *state, MlirOperation op);

/// Slice (StreamGather.c) that keeps the sequence axis `axis` whole or takes the last token
/// (`x[:, -1:]`, the step function's token itself). Else fails.
bool gcimStreamSlice(GcimStreamState *state, MlirOperation op, int axis);

/// KV-cache graphs: `op` (an onnx.range) is Range(P, P + 1) of int64 with P the cached
/// length `pastLength`, the new token's position (StreamGather.c).
bool gcimStreamIsCacheRange(MlirOperation op, int64_t pastLength);

/// The row of the current token of `value` (a constant-derived value with the full
/// length along `axis`) computed from `stepIndex` and inserted before `before`, when value
/// is a position-linear float constant (row t = t * row 1: RoPE's angles folded by the
/// exporter) under unary ops (Cos, Sin, Neg, Identity); else a null value
/// (StreamPositions.c).
MlirValue gcimStreamPositionRow(MlirOperation before, MlirValue value, int axis,
                                MlirValue stepIndex);

/// Position-id inputs (StreamPositionIds.c): each argument that holds the new tokens'
/// positions (an integer (batch, tokens) input named for positions that only feeds position
/// lookups) is replaced by the step index and marked in dropArg. False when out of memory.
bool gcimStreamPositionInputs(GcimStreamState *s, bool *dropArg);

#endif /* GCIM_LIB_TRANSFORMS_STREAM_H */
