/* ExpandQuant.h: the weight-quantized operators' expansions, ExpandQuant.c (DequantizeLinear,
 * QuantizeLinear), ExpandQuantWeights.c (weights as integer codes times scales,
 * MatMulNBits) and ExpandQuantCodes.c (their initializers opened); not a public header. */
#ifndef GCIM_LIB_IMPORT_ONNX_EXPANDQUANT_H
#define GCIM_LIB_IMPORT_ONNX_EXPANDQUANT_H

#include "Expand.h"

/* True when `node` is `op` of `domain` ("" also matches "ai.onnx"). */
bool gcimOnnxQuantNodeIs(const Onnx__NodeProto *node, const char *domain, const char *op);

/* Initializer `name` of `g` (its position in *index unless index is NULL); NULL when there
 * is none (ExpandQuantCodes.c, as the two openers below). */
const Onnx__TensorProto *gcimOnnxQuantFindInitializer(const Onnx__GraphProto *g, const char *name,
                                                      size_t *index);

/* The value of initializer `name` and its type; NULL when `name` is no initializer (or
 * after a diagnostic: b->ok turns false). */
ConstData *gcimOnnxQuantInitializer(GcimOnnxBuilder *b, const char *name, TypeInfo *type);

/* How the graph reads a 2-D weight `name` of `rows` rows. */
typedef enum GcimOnnxWeightUse {
  GCIM_ONNX_WEIGHT_OTHER,     /* by another op too, not at all, or as a graph output */
  GCIM_ONNX_WEIGHT_MATMUL,    /* only as the right operand of MatMuls: (K, N) */
  GCIM_ONNX_WEIGHT_TRANSPOSED /* only as B of Gemms with transB 1 (transA 0, alpha and beta 1,
                                 C absent or an initializer of `rows` elements) or through
                                 Transposes (perm 1, 0) that only MatMuls read as their right
                                 operand: (N, K) */
} GcimOnnxWeightUse;
GcimOnnxWeightUse gcimOnnxQuantWeightUse(const Onnx__GraphProto *g, const char *name, int64_t rows);

/* malloc'd floats, or NULL after an out-of-memory diagnostic. */
float *gcimOnnxQuantFloats(GcimOnnxBuilder *b, int64_t count);

/* A Constant node of float32 `values` (taken, owned by the expansion) of shape dims into
 * `out`. */
void gcimOnnxQuantConstantF32(GcimOnnxBuilder *b, const char *part, const char *out,
                              const int64_t *dims, size_t rank, float *values, int64_t count);

/* The codes of an integer initializer, read where they lie (ExpandQuantCodes.c). */
typedef struct GcimOnnxQuantCodes {
  const char *name;
  TypeInfo type; /* elemType is the ONNX type, also int4 (22) and uint4 (21) */
  int64_t count;
  bool integer;  /* false: a float tensor (nothing read) */
  int bits;      /* 8 or 4: `bytes` holds them (4: two a byte, low nibble first); 0: `loaded` */
  bool isSigned; /* int8 or int4 */
  bool mapped;   /* `bytes` outlive the import (a mapped file) */
  const uint8_t *bytes;
  uint8_t *owned; /* 4-bit codes copied from int32_data */
  ConstData *loaded;
} GcimOnnxQuantCodes;
/* Opens initializer `name`: false when it is none (c->name NULL) or after a diagnostic
 * (b->ok false). */
bool gcimOnnxQuantCodesOpen(GcimOnnxBuilder *b, const char *name, GcimOnnxQuantCodes *c);
int64_t gcimOnnxQuantCodeAt(const GcimOnnxQuantCodes *c, int64_t i); /* of an integer tensor */
void gcimOnnxQuantCodesClose(GcimOnnxQuantCodes *c);                 /* a zeroed c allowed */

/* A quantized weight (k, n) for the products that read it (ExpandQuantWeights.c): `codes`
 * names a (rows, n) tensor, rows = k padded to whole blocks with zero codes, of 8-bit
 * integer codes (`integral`) or of float32 codes minus zero points; `scales` and `zeros`
 * (NULL: none) hold `scaleCount` values each (1, n, or per block of rows (G, n)), taken. */
typedef struct GcimOnnxQuantWeight {
  const char *codes;
  bool integral;
  int64_t k, n, block; /* block 0: per tensor or per column */
  float *scales, *zeros;
  int64_t scaleCount;
  bool transposed; /* `out` is the (n, k) transpose */
} GcimOnnxQuantWeight;
/* The weight as (Cast(codes) - zeros) * scales into `out` (per block: the codes reshaped to
 * (G, block, n), times (G, 1, n) scales, reshaped to (G * block, n) and, when the last
 * block is short, sliced to its first k rows: the form LowerRuntimeNarrow.c reads), or
 * with `transposed` into a temporary whose Transpose (perm 1, 0) is `out`. */
void gcimOnnxQuantCodesTimesScales(GcimOnnxBuilder *b, const char *out,
                                   const GcimOnnxQuantWeight *w);
/* A Constant node `out` of (rows, n) 8-bit codes (taken), int8 or uint8. */
void gcimOnnxQuantConstantCodes(GcimOnnxBuilder *b, const char *out, int64_t rows, int64_t n,
                                uint8_t *codes, bool isSigned);

/* com.microsoft MatMulNBits (ExpandQuantWeights.c; b->ok false after a diagnostic). */
void gcimOnnxExpandMatMulNBits(GcimOnnxBuilder *b);

#endif /* GCIM_LIB_IMPORT_ONNX_EXPANDQUANT_H */
