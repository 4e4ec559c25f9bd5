/* Emitter.h: state shared by the C emitter's files (not a public header). */
#ifndef GCIM_LIB_TARGET_C_EMITTER_H
#define GCIM_LIB_TARGET_C_EMITTER_H

#include "gcim/Runtime/Chip.h"
#include "gcim/Runtime/ElemType.h"
#include "gcim/Runtime/Weights.h"
#include "gcim/Target/C.h"

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum { EMIT_ALIGNMENT = 64 };

/// Where a value's data lives in the generated code.
typedef enum ValueStorage {
  STORAGE_INPUT,  /* a graph input: a parameter of PREFIX_run */
  STORAGE_WEIGHT, /* an onnx.constant: an offset into the weights blob */
  STORAGE_ARENA   /* an op result: an offset into the state's arena */
} ValueStorage;

typedef struct ValueInfo {
  MlirValue value;
  ValueStorage storage;
  GcimElemType elem;
  int rank;
  int64_t dims[GCIM_MAX_RANK];
  int64_t count;   /* elements */
  uint64_t bytes;  /* count * element size */
  uint64_t offset; /* in the arena or the weights blob */
  int index;       /* input position for STORAGE_INPUT */
  bool declared;   /* its C pointer variable exists in PREFIX_run */
  bool dimsUsed;   /* its shape table NAME_d is referenced */
  bool stored;     /* a weight whose offset is known (its onnx.constant was emitted) */
  bool packed;   /* a weight stored packed: gcimKernelPackBF32 (gcim.linear's), gcimKernelPackCodes
                   (gcim.linear_narrow's) */
  bool fourBit;  /* i4 codes, elem I8 (one a byte, as MLIR holds them): a weight that only
                    gcim.linear_narrow reads, stored two a byte (GCIM_PACKED_Q4) */
  bool nibbles;  /* MatMulNBits' packed B (ui8) that gcim.linear_narrow reads, stored as
                    GCIM_PACKED_Q4 codes (elem then I8, as for i4 codes) */
  char name[24]; /* C name: in3, w7, v12 */
} ValueInfo;

/// Where one of a tile layer's scaler pairs (a, b) comes from: columns aIndex and bIndex of
/// the (rows, 8) float constant at `offset` in the weights (head h reads row h % rows), or
/// the identity (a = 1, b = 0: the scaler was folded away).
typedef struct TileScalerSource {
  bool present;
  uint64_t offset;
  int64_t rows, aIndex, bIndex;
} TileScalerSource;

/// The command table of one mapped attention layer's heads (OpsTiles.c): head h of
/// sequence b (h / heads) of the group starts at sub-tile firstSubTile + b * sequenceStride
/// + (h % heads) * subTilesPerHead while b < residentSequences, else at spillSlot + (h %
/// heads) * subTilesPerHead, spilled; every head on a simulator chip of its own.
typedef struct TileCommandTable {
  int64_t layer, firstSubTile, subTilesPerHead, heads;
  int64_t chip, residentSequences, sequenceStride, spillSlot; /* gcim-schedule's placement */
  int64_t rounds, spilledRounds, transferBytes;               /* periphery turns, link */
  GcimTileQuantizer q, k, v;
  double tokenPeriodNs, startNs[GCIM_TILE_OP_COUNT];
  TileScalerSource scalers[4]; /* q, k, v, output */
  int64_t kvGroup; /* --gqa=share: query heads per head (its scalers: the group's first's) */
} TileCommandTable;

/// The end of the sub-tiles a layer's resident sequences (at most `sequences`) hold, or of
/// its spill slot when none stays (OpsTiles.c).
int64_t gcimCEmitPlacedEnd(const TileCommandTable *t, int64_t sequences);

/// Simulated heads of one attention (a gcim.attention op, or a mapped layer's tile ops with
/// its command table), created in PREFIX_create.
typedef struct SimHeadGroup {
  size_t function;      /* 0: PREFIX_run, 1: PREFIX_step */
  int64_t first, count; /* indices into the state's head array */
  int64_t headDim, window;
  int64_t headsPerScalers; /* heads of the scalers table: head i uses row i % this */
  bool hasScalers;         /* else the default scalers with a_q = queryScale */
  double queryScale;       /* the attention's `scale`, as gcim-map-attention folds it */
  uint64_t scalerOffset;   /* of the (heads, 8) float scalers in the weights blob */
  bool fromTiles;          /* made from a mapped layer: `tiles` holds its commands */
  TileCommandTable tiles;
} SimHeadGroup;

/// One emitted C function: PREFIX_run from @main, PREFIX_step from its step function.
typedef struct EmittedFunction {
  MlirOperation func;
  FILE *body;        /* its statements */
  ValueInfo *inputs; /* copies of the graph inputs' infos, in order */
  size_t inputCount;
  ValueInfo *outputs; /* copies of the graph outputs' infos, in order */
  size_t outputCount;
} EmittedFunction;

/// The exact K/V cache of one softmax gcim.attention_step (--attention=digital).
typedef struct KvCache {
  int64_t offset; /* in floats, into the state's cache block: K then V */
  int64_t batch, heads, capacity, headDim, valueDim;
} KvCache;

/// A constant already in the weights blob (constants shared by functions are stored once).
typedef struct StoredConstant {
  const void *attr;
  uint64_t offset;
  bool packed;        /* stored as packed by gcimKernelPackBF32 */
  const void *shifts; /* of 4-bit codes packed from MatMulNBits' B: the shifts' attribute */
} StoredConstant;

/// The emitter's state for one module; the value table is that of the current function.
typedef struct EmitState {
  const GcimCEmitOptions *options;
  MlirLocation moduleLoc; /* where errors about the output files are reported */
  MlirOperation func;
  char valuePrefix[4]; /* "" for @main, "s" for the step function: unique C names */
  FILE *body;          /* the current function's statements */
  FILE *decls;         /* file-scope tables (shapes) */
  EmittedFunction functions[2];
  size_t functionCount;
  StoredConstant *stored;
  size_t storedCount;
  uint64_t arenaMax; /* the arena the largest function needs */
  KvCache *caches;
  size_t cacheCount;
  int64_t cacheFloats;
  int64_t contextCapacity; /* the full-sequence attention's tokens */
  int64_t stepLimit;       /* positions the step function's tables hold; 0: no limit */
  /* a gain-cell step whose mask shows no window past the compiled sequence */
  bool simStepUnverified;
  ValueInfo *values;
  size_t valueCount, valueCapacity;
  size_t *slots; /* open-addressing table: value index + 1, or 0 */
  size_t slotCount;
  uint64_t arenaBytes; /* the current function's arena (gcim.arena_bytes) */
  /* The weights: EMIT_ALIGNMENT-aligned entries, streamed to the weights file after its
   * header (so a large model is never copied in memory), or kept in `weights` for
   * --embed-weights. */
  FILE *weightsStream;
  struct GcimOutputFile *weightsFile; /* owns weightsStream */
  char *weightsBuffer;                /* weightsStream's buffer */
  bool madeOutputDir;
  unsigned char *weights;
  uint64_t weightBytes, weightCapacity;
  GcimWeightsHasher weightsHasher;
  uint64_t weightsChecksum; /* the hasher's result, once every weight is written */
  int64_t simHeads;         /* GcimSimHead objects the model needs */
  SimHeadGroup *headGroups;
  size_t headGroupCount;
  int64_t attentionScratch; /* floats of the exact attention kernel's scratch */
  ValueInfo **outputs;      /* graph outputs, in order */
  size_t outputCount;
  size_t inputCount;
  bool usesFail; /* the body calls fail() */
  bool failed;
} EmitState;

/* Values (Values.c). */
ValueInfo *gcimCEmitLookup(EmitState *state, MlirValue value);
ValueInfo *gcimCEmitAddValue(EmitState *state, MlirValue value, ValueStorage storage);
bool gcimCEmitDescribeType(EmitState *state, MlirType type, MlirLocation loc, ValueInfo *info);
const char *gcimCEmitElemCType(GcimElemType elem);
const char *gcimCEmitElemEnum(GcimElemType elem);
/* The name of a value's shape table, or "NULL" for rank 0. */
const char *gcimCEmitDims(EmitState *state, ValueInfo *info, char buffer[32]);

/* Stores the value of an onnx.constant in the weights (once; a later call does nothing). */
bool gcimCEmitConstant(EmitState *state, MlirOperation op);

/* True when every use of `value` is the weight of a gcim.linear (the emitter then stores
 * it packed for the matrix kernel). */
bool gcimCEmitIsLinearWeight(MlirValue value);

/* True when every use of `value` is the weight of a gcim.linear_narrow (the emitter then
 * stores its codes packed by gcimKernelPackCodes; OpsLinearNarrow.c). */
bool gcimCEmitIsNarrowLinearWeight(MlirValue value);

/* MatMulNBits' packed B as gcim.linear_narrow's weight (a ui8 constant; OpsLinearNarrow.c):
 * the product's k and n, B's bytes per column (half), the block and the op's `gcim.shifts`
 * (`shifts` their raw data, one byte when splatShifts; NULL: none). */
typedef struct GcimCNibbleWeight {
  int64_t k, n, half, block;
  MlirAttribute shiftsAttr;
  const uint8_t *shifts;
  bool splatShifts;
} GcimCNibbleWeight;

/* The layout of `value`, a ui8 weight of gcim.linear_narrow ops: false when a product's
 * shapes do not fit it or two products read it differently. */
bool gcimCEmitNibbleWeight(EmitState *state, MlirValue value, GcimCNibbleWeight *out);

/* Operations (Ops*.c). Each returns false after a diagnostic when it cannot emit. */
typedef bool (*EmitOpFn)(EmitState *state, MlirOperation op);
EmitOpFn gcimCEmitLookupOp(MlirOperation op);
bool gcimCEmitUnsupported(EmitState *state, MlirOperation op, const char *why);
void gcimCEmitComment(EmitState *state, MlirOperation op);
/* Writes `length` bytes of `text` as the inside of a C string literal: '"', '\\' and '?'
 * (no trigraph under -std=c99) escaped, bytes outside printable ASCII as octal escapes. */
void gcimCEmitStringChars(FILE *out, const char *text, size_t length);
/* A value's C pointer, declared in PREFIX_run at its first reference. Call for every
 * value of a statement before printing the statement. */
const char *gcimCEmitRef(EmitState *state, ValueInfo *info);
ValueInfo *gcimCEmitOperand(EmitState *state, MlirOperation op, intptr_t i);
ValueInfo *gcimCEmitResult(EmitState *state, MlirOperation op, intptr_t i);
/* Operand `index` of optional/variadic group `group` (operandSegmentSizes), or NULL;
 * gcimCEmitGroupValue does not declare its C pointer (for compile-time constants). */
ValueInfo *gcimCEmitGroupValue(EmitState *state, MlirOperation op, int group, int index);
ValueInfo *gcimCEmitGroupOperand(EmitState *state, MlirOperation op, int group, int index);
/* Writes `name, dims, rank` of one kernel operand to the body. */
void gcimCEmitTensorArgs(EmitState *state, ValueInfo *info);
/* Writes `KERNEL([LEADING, ]t0 args, t1 args, ...[, TRAILING]);` for `count` tensors. */
void gcimCEmitKernelCall(EmitState *state, const char *kernel, const char *leading,
                         ValueInfo *const *tensors, int count, const char *trailing);
/* Writes a float literal that C99 reads back exactly (INFINITY, NAN included). */
void gcimCEmitFloatLiteral(FILE *out, double value);
/* Writes `static const int64_t NAME[] = {...};` to the declarations. */
void gcimCEmitIntTable(EmitState *state, const char *name, const int64_t *values, int64_t count);
bool gcimCEmitAttrInt(MlirOperation op, const char *name, int64_t fallback, int64_t *value);
bool gcimCEmitAttrFloat(MlirOperation op, const char *name, double fallback, double *value);

/* The operands and result of gcim.attention or gcim.attention_step, their pointers
 * declared; `exact` when it is computed exactly rather than on the simulated gain cells
 * (the attention mode's decision, gcim/Support/AttentionMode.h), `softmax` for its kind.
 * False after a diagnostic. */
typedef struct AttentionValues {
  ValueInfo *q, *k, *v, *scalers, *y;
  bool exact, softmax, gaincell;
} AttentionValues;
bool gcimCEmitReadAttention(EmitState *state, MlirOperation op, AttentionValues *values);

/* Writes the call of the exact hardsigmoid or gain-cell function (gcim/Runtime/SimExact.h)
 * for `a` with the descriptor `desc` (a C expression of a GcimAttentionDesc) and the K/V
 * pointers and head strides as C text, and reserves its scratch. */
void gcimCEmitExactAnalogCall(EmitState *state, const AttentionValues *a, const char *desc,
                              const char *keys, long long kStride, const char *values,
                              long long vStride);
/* Makes the state's scratch hold what gcimParallelAttentionF32 needs for `pairs`
 * (batch, head) pairs of `queries` queries against `keys` keys (the kernel's own
 * gcimKernelAttentionScratchSize per pair). */
void gcimCEmitReserveAttentionScratch(EmitState *state, int64_t pairs, int64_t queries,
                                      int64_t keys, int64_t headDim, int64_t valueDim);

/* The positions a step function can take: the fewest rows of a table it gathers at its
 * step index (learned positions), or 0 when none does (OpsAttentionStep.c). */
int64_t gcimCEmitStepPositionLimit(MlirOperation stepFunction);
/* Notes a gain-cell step (kind GainCellAttention or not; the window its model's mask
 * showed, 0: none) whose ring may attend past the compiled sequence as the model does not:
 * the step then takes as many tokens as an exact one. False (with an error at `op`) when
 * the full-sequence graph gives no length. */
bool gcimCEmitBoundSimulatedStep(EmitState *state, MlirOperation op, bool gaincell,
                                 int64_t modelWindow);
/* Tokens PREFIX_step takes after a reset: the position limit, else the compiled sequence
 * for an exact attention's cache or a gain-cell step bound above, else -1 (none: the
 * simulated heads' window slides as the model's does). */
int64_t gcimCEmitStepCapacity(const EmitState *state);

/* Adds `heads` simulated heads created in PREFIX_create; head i uses row i % scalerRows
 * of the constant `scalers` (heads, 8), or when it is NULL the default scalers with
 * a_q = queryScale (the attention's scale, as gcim-map-attention maps it). */
/* The calls that run simulated heads s->heads[first ..]: `count` heads for one token each
 * (gcimSimHeadsStep), or `heads` heads over `batch` sequences of `tokens`
 * (gcimSimHeadsRunSequences); q, k, v in, y out (OpsAttention.c). */
void gcimCEmitSimHeadsStep(EmitState *state, int64_t first, int64_t count, int64_t dim,
                           const ValueInfo *q, const ValueInfo *k, const ValueInfo *v,
                           const ValueInfo *y);
void gcimCEmitSimHeadsRun(EmitState *state, int64_t first, int64_t heads, int64_t batch,
                          int64_t tokens, int64_t dim, const ValueInfo *q, const ValueInfo *k,
                          const ValueInfo *v, const ValueInfo *y);
bool gcimCEmitAddHeadGroup(EmitState *state, int64_t heads, int64_t scalerRows, int64_t headDim,
                           int64_t window, ValueInfo *scalers, double queryScale);
/* The same for attention `op` (gcim.attention or its step): its window and scale attributes,
 * refused (diagnostic, false) when the window is longer than the hardware's. */
bool gcimCEmitAddAttentionHeads(EmitState *state, MlirOperation op, int64_t heads,
                                int64_t scalerRows, int64_t headDim, ValueInfo *scalers);

/* The C of PREFIX_create's simulated heads, the tracing of their chips (PREFIX_set_trace)
 * and their release (CreateHeads.c). */
void gcimCEmitCreateHeads(EmitState *state, FILE *out);
void gcimCEmitHeadFunctions(EmitState *state, FILE *out);
/* `head_layer`, the layer of each head (for the stats' latency), `head_schedule`, each
 * layer's schedule (for the stats' `schedule`), and the sub-tiles the heads occupy
 * (SUB_TILES). */
void gcimCEmitHeadLayers(EmitState *state, FILE *out);
int64_t gcimCEmitProgramSubTiles(const EmitState *state);
/* The generated files' parts: PREFIX.h (Header.c); `, const T *i0, ..., T *o0, ...` of a
 * function's parameters. */
void gcimCEmitHeader(EmitState *state, FILE *out);
/* PREFIX_main.c, the input/output info tables and `compiled_hw` (GeneratedMain.c). */
void gcimCEmitGeneratedMain(EmitState *state, FILE *out);
void gcimCEmitIoTables(EmitState *state, FILE *out);
void gcimCEmitHardwareInitializer(EmitState *state, FILE *out);
/* A template's named value (GeneratedMain.c): every @NAME@ becomes `value` or, when that is
 * NULL, the parameter list of `parameters` (gcimCEmitParameters). */
typedef struct GcimCTemplateValue {
  const char *name;
  const char *value;
  const EmittedFunction *parameters;
} GcimCTemplateValue;
/* A template with every @PREFIX@ replaced by the prefix. */
void gcimCEmitTemplate(EmitState *state, const char *text, FILE *out);
/* A template up to `marker` (the whole text when `marker` is NULL or absent) with every
 * @PREFIX@ and @NAME@ of values[0..count) replaced; returns the text after the marker, or
 * NULL when it was not found. */
const char *gcimCEmitTemplateUntil(EmitState *state, const char *text, const char *marker,
                                   const GcimCTemplateValue *values, size_t count, FILE *out);
void gcimCEmitParameters(const EmittedFunction *fn, FILE *out);
/* The check, at the start of a function, that each padding input attention was compiled
 * to assume unpadded (`gcim.no_padding` on its argument) holds no padding (PaddingChecks.c). */
void gcimCEmitPaddingChecks(const EmitState *state, const EmittedFunction *fn, FILE *out);
/* A string attribute (a name) as a C string literal, `fallback` when it is not a string,
 * cut to 32 bytes so that a message always fits the state's 256-byte error (and compilers
 * see no truncation). */
void gcimCEmitNameLiteral(MlirAttribute attr, const char *fallback, FILE *out);
/* That check for input i of `fn` (with gcim.no_padding), on the C array `data` of `count`
 * (a C expression) elements; returns -1 from the function with PREFIX_run's message. */
void gcimCEmitPaddingCheck(const EmittedFunction *fn, size_t i, const char *data, const char *count,
                           FILE *out);
/* The tables and helpers of PREFIX_run_tokens: each graph input's and output's sequence
 * axis, the step function's input for each graph input, and the checks and padding of the
 * graph inputs it does not take (SequenceAxes.c). */
void gcimCEmitSequenceAxes(EmitState *state, FILE *out);
/* Refuses (reported) an input whose run-time axes (`gcim.run_time_axes`) the program could
 * not run at another length: no step function, or not its sequence axis. */
bool gcimCEmitCheckRunTimeAxes(EmitState *state);

/* Files (Files.c). gcimCEmitOpenWeights creates the output folder when missing and starts the
 * weights file; gcimCEmitWriteOutputs writes every other file and, when `ok`, renames them all
 * into place; otherwise it removes them (and the folder if it made it). */
bool gcimCEmitOpenWeights(EmitState *state);
bool gcimCEmitWriteOutputs(EmitState *state, bool ok);

#endif /* GCIM_LIB_TARGET_C_EMITTER_H */
