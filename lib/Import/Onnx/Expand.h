/* Expand.h: the importer's graph expansion (Expand.c) and its decompositions
 * (ExpandOps.c); not a public header. */
#ifndef GCIM_LIB_IMPORT_ONNX_EXPAND_H
#define GCIM_LIB_IMPORT_ONNX_EXPAND_H

#include "Importer.h"

typedef struct Expansion Expansion;

/* Replaces im->graph by a copy whose node list has model-local function calls inlined and
 * decomposable operators decomposed. *out (freed with gcimOnnxExpansionDestroy after the import's
 * values) owns the copy; false after a diagnostic. */
bool gcimOnnxExpandGraph(Importer *im, Expansion **out);
void gcimOnnxExpansionDestroy(Expansion *ex); /* NULL allowed */

/* Building blocks for decompositions: `p` owned by the expansion (NULL stays NULL), a
 * formatted string owned by it, a node appended to the expanded list. */
void *gcimOnnxExpansionOwn(Expansion *ex, void *p);
char *gcimOnnxExpansionPrintf(Expansion *ex, const char *format, ...);
bool gcimOnnxExpansionAppend(Expansion *ex, Onnx__NodeProto *node);

/* A decomposition in progress (ExpandBuild.c): the node it replaces, named `base`; `ok`
 * turns false when memory runs out. */
typedef struct GcimOnnxBuilder {
  Importer *im;
  Expansion *ex;
  const Onnx__NodeProto *node;
  const char *base;
  bool ok;
} GcimOnnxBuilder;

/* Input or output i of `node`, NULL when absent or empty. */
const char *gcimOnnxBuildInput(const Onnx__NodeProto *node, size_t i);
const char *gcimOnnxBuildOutput(const Onnx__NodeProto *node, size_t i);
/* A value name private to the decomposition: `<node>/<part>`. */
const char *gcimOnnxBuildTemp(GcimOnnxBuilder *b, const char *part);
/* Appends `op` named `<node>/<part>` with `count` inputs and one output `out`. */
Onnx__NodeProto *gcimOnnxBuildNode(GcimOnnxBuilder *b, const char *op, const char *part,
                                   size_t count, const char *const *inputs, const char *out);
/* Gives `n` one more attribute (the caller fills it); NULL when out of memory. */
Onnx__AttributeProto *gcimOnnxBuildAttr(GcimOnnxBuilder *b, Onnx__NodeProto *n, const char *name,
                                        Onnx__AttributeProto__AttributeType type);
/* Constant nodes; their output's name. */
const char *gcimOnnxBuildConstantFloat(GcimOnnxBuilder *b, const char *part, float value);
const char *gcimOnnxBuildConstantInts(GcimOnnxBuilder *b, const char *part, int64_t *values,
                                      size_t count);
/* x transposed by `perm` (n entries), into `out` (a temporary when NULL); its name. */
const char *gcimOnnxBuildTranspose(GcimOnnxBuilder *b, const char *part, const char *x,
                                   const int64_t *perm, size_t n, const char *out);
/* x op y (into `out`, or a new temporary when NULL) and op(x); the result's name. */
const char *gcimOnnxBuildBinary(GcimOnnxBuilder *b, const char *op, const char *part, const char *x,
                                const char *y, const char *out);
const char *gcimOnnxBuildUnary(GcimOnnxBuilder *b, const char *op, const char *part, const char *x);
/* A scalar Constant `value` cast like `like` (CastLike: the decomposition keeps float16 and
 * float64 inputs' type; folded for float32); its name `<node>/<part>`. */
const char *gcimOnnxBuildConstantLike(GcimOnnxBuilder *b, const char *part, float value,
                                      const char *like);
/* Where(condition, x, y) into `out` (a temporary when NULL); its name. */
const char *gcimOnnxBuildWhere(GcimOnnxBuilder *b, const char *part, const char *condition,
                               const char *x, const char *y, const char *out);
/* Whether `node` is `op` of the default domain. */
bool gcimOnnxIsDefaultOp(const Onnx__NodeProto *node, const char *op);
/* A node's float or int attribute, `fallback` when absent. */
float gcimOnnxNodeFloatAttr(const Onnx__NodeProto *node, const char *name, float fallback);
int64_t gcimOnnxNodeIntAttr(const Onnx__NodeProto *node, const char *name, int64_t fallback);

/* Values the importer never reads (gcimOnnxKnownConst): a quantized weight's integer codes,
 * so that no op on them is folded into a wider copy. `name` is borrowed. */
bool gcimOnnxExpansionMarkOpaque(Expansion *ex, const char *name); /* false: out of memory */
bool gcimOnnxExpansionIsOpaque(const Expansion *ex, const char *name);

/* True when `t` is an int4 or uint4 initializer that no node of g reads (the quantization
 * expansion read it), which the importer then does not define (ExpandQuantCodes.c). */
bool gcimOnnxQuantPackedUnread(const Onnx__GraphProto *g, const Onnx__TensorProto *t);

/* DequantizeLinear, QuantizeLinear and com.microsoft MatMulNBits (ExpandQuant.c). */
bool gcimOnnxIsQuantOp(const Onnx__NodeProto *node);
/* Decomposes b->node, one of them: 1 when done, -1 after a diagnostic. */
int gcimOnnxExpandQuant(GcimOnnxBuilder *b);

/* The shape `name` is declared with (graph input, value_info, output, initializer,
 * Constant): its rank with dims[] (-1 for a dynamic dimension), or -1 when undeclared
 * (ExpandShape.c). */
int gcimOnnxDeclaredShape(const Onnx__GraphProto *g, const char *name, int64_t *dims);
/* The rank of `name` in g: declared, or followed back through the nodes computing it;
 * -1 when unknown. *cache (NULL at first, freed with gcimOnnxRankCacheDestroy) keeps the
 * ranks found for later calls on the same graph. */
typedef struct GcimOnnxRankCache GcimOnnxRankCache;
int gcimOnnxValueRank(GcimOnnxRankCache **cache, const Onnx__GraphProto *g, const char *name);
void gcimOnnxRankCacheDestroy(GcimOnnxRankCache *cache); /* NULL allowed */
/* The expansion's rank cache (Expand.c). */
GcimOnnxRankCache **gcimOnnxExpansionRanks(Expansion *ex);

/* A rotary embedding (ExpandRotary.c) of x, (B, S, heads * dim) (rank 3) or (B, heads, S,
 * dim) (rank 4), by the cos and sin caches: rows `positions` (B or 1, S) of (positions,
 * half) caches, or when positions is NULL caches of (B, S, half) rows. `rotaryDim` 0
 * rotates whole heads; a 3-D x is split into `heads` heads, or heads of `headDim` when
 * heads is 0. The parts are named `<node>/<part><name>`; the result goes to `out` (a
 * temporary when NULL) and its name is returned. */
typedef struct GcimOnnxRotary {
  const char *x, *cos, *sin, *positions;
  int rank;
  int64_t heads, headDim, rotaryDim;
  bool interleaved;
  const char *part, *out;
} GcimOnnxRotary;
const char *gcimOnnxBuildRotary(GcimOnnxBuilder *b, const GcimOnnxRotary *r);
/* A scalar int64 Constant named `<node>/<name>`. */
const char *gcimOnnxBuildScalarInt(GcimOnnxBuilder *b, const char *name, int64_t value);
/* Dimension `axis` of x as a scalar (Shape, Gather). */
const char *gcimOnnxBuildDim(GcimOnnxBuilder *b, const char *name, const char *x, int64_t axis);
/* Positions first .. first + count - 1 (scalars), plus `offset` when not NULL, as (1, count). */
const char *gcimOnnxBuildPositions(GcimOnnxBuilder *b, const char *name, const char *first,
                                   const char *count, const char *offset);
/* ONNX (opset 23) or com.microsoft (`contrib`) RotaryEmbedding b->node: 1 when done, -1
 * after a diagnostic. */
int gcimOnnxExpandRotary(GcimOnnxBuilder *b, bool contrib);

/* com.microsoft GroupQueryAttention b->node as opset-23 Attention (ExpandGqa.c): 1 when
 * done, -1 after a diagnostic. */
int gcimOnnxExpandGroupQueryAttention(GcimOnnxBuilder *b);

/* Einsum b->node as Transpose/MatMul/Reshape (ExpandEinsum.c): 1 when done, -1 after a
 * diagnostic naming the equation. */
int gcimOnnxExpandEinsum(GcimOnnxBuilder *b);

/* A Conv b->node: a 2-D patch embedding as Reshape/Transpose/MatMul (ExpandConv.c), a 1-D
 * one by gcimOnnxExpandConv1d: 1 when done, -1 after a diagnostic saying why the Conv is
 * not taken. */
int gcimOnnxExpandConv(GcimOnnxBuilder *b);
/* A 1-D Conv b->node (one 'kernel_shape' entry or a weight declared (M, C/G, k)) as
 * Slice/Concat/MatMul (ExpandConv1d.c): 1 when done, -1 after a diagnostic. */
int gcimOnnxExpandConv1d(GcimOnnxBuilder *b);

/* InstanceNormalization b->node as Reshape/ReduceMean/elementwise ops
 * (ExpandInstanceNorm.c): 1 when done, -1 after a diagnostic. */
int gcimOnnxExpandInstanceNorm(GcimOnnxBuilder *b);

/* com.microsoft FusedMatMul or FusedGemm b->node as the ops it fuses (ExpandFused.c): 1
 * when done, -1 after a diagnostic. */
int gcimOnnxExpandFused(GcimOnnxBuilder *b);

/* Rewrites default-domain `node` of a model at an opset below 13 into the importer's form
 * (ExpandLegacy.c): 1 when its nodes were appended, 0 when it is already in that form, -1
 * after a diagnostic naming the node, its op and the opset. */
int gcimOnnxExpandLegacy(Importer *im, Expansion *ex, Onnx__NodeProto *node);
/* Elu, Celu, Selu, LeakyRelu, PRelu, ThresholdedRelu, Softsign, HardSwish, Shrink, Round,
 * Sum and Mean (ExpandActivations.c); ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSum
 * and ReduceLogSumExp (ExpandReduce.c); OneHot and Hardmax (ExpandOneHot.c). Whether
 * `node` is one, and its decomposition: 1 when done, -1 after a diagnostic. */
bool gcimOnnxIsActivationOp(const Onnx__NodeProto *node);
int gcimOnnxExpandActivation(GcimOnnxBuilder *b);
bool gcimOnnxIsReduceOp(const Onnx__NodeProto *node);
int gcimOnnxExpandReduce(GcimOnnxBuilder *b);
bool gcimOnnxIsOneHotOp(const Onnx__NodeProto *node);
int gcimOnnxExpandOneHot(GcimOnnxBuilder *b);

/* Decomposes `node` when it is one of ExpandOps.c's operators: 1 when its nodes were
 * appended, 0 when it is not such an operator, -1 after a diagnostic. */
int gcimOnnxExpandDecomposition(Importer *im, Expansion *ex, Onnx__NodeProto *node);

#endif /* GCIM_LIB_IMPORT_ONNX_EXPAND_H */
