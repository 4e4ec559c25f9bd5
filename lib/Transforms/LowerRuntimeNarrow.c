/* LowerRuntimeNarrow.c: gcim-lower-runtime's products on weights kept narrower than float32
 * (gcim.linear_narrow, run by the runtime's Kernels/MatMulQuant.h).
 *
 * - Quantized weights: the importer writes a quantized model's weight (DequantizeLinear of
 *   initializers, MatMulNBits; ExpandQuant.c) as onnx.mul(A, S), A its integer codes minus
 *   their zero points (onnx.sub(onnx.cast(an int8 or uint8 constant), float32 zero points),
 *   or a float32 constant of such values; LowerRuntimeNarrowCodes.c) and S its scales, per
 *   tensor or column ((K, N) times a scalar or (N)) or per block of rows ((G, B, N) times
 *   (G, 1, N), reshaped to (G * B, N), then sliced to its first K rows when the last block
 *   is short). int8 codes without zero points that need no 4 bits are the product's codes
 *   as they are: their constant (the model's initializer, read in place) becomes its
 *   operand when nothing else reads it, so they are never copied; so is MatMulNBits' packed
 *   4-bit B (uint8, two codes a byte), with `gcim.shifts` per block and column that make its
 *   nibbles the 4-bit codes below (the C emitter packs them from B). An
 *   onnx.mat_mul whose right operand is such a weight (used only as the
 *   right operand of products) becomes gcim.linear_narrow on int8 codes: per block and
 *   column the values of A span at most 255, so A + offset fits int8 with the offset as zero
 *   point ((c - zero) * scale is A * S exactly, as ONNX Runtime dequantizes); when every
 *   block spans at most 15 (4-bit models) the codes are i4, which the C emitter stores two
 *   a byte. A bias Add joins it as for gcim.linear. A weight read transposed (the importer
 *   writes A * S under a Transpose): onnx.gemm(x, Transpose(A * S), C) {transB = 1} with
 *   transA 0, alpha and beta 1 and C absent or a bias of N elements, and onnx.mat_mul of
 *   the Transpose of that Transpose, take the same path. Weights that do not fit stay as
 *   they are (the Mul runs).
 * - Option weights=int8|bf16 (gcim-compile --weights): every gcim.linear's float32 weight
 *   becomes int8 codes with one symmetric scale per column (scale = max |w| / 127, code =
 *   w / scale rounded to nearest even), or bfloat16 (rounded to nearest even). */
#include "LowerRuntime.h"
#include "PassUtils.h"

#include "gcim/Runtime/Bf16.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The float32 elements of constant `value` (count of them) into a malloc'd array, or NULL. */
static float *constantFloats(MlirValue value, int64_t count) {
  MlirAttribute attr = gcimValueConstantAttr(value);
  if (mlirAttributeIsNull(attr) || mlirElementsAttrGetNumElements(attr) != count)
    return NULL;
  float *out = malloc((size_t)(count > 0 ? count : 1) * sizeof *out);
  /* The raw data is float32 only if the constant's elements are: other types go through
   * gcimElementsGet. */
  if (out && mlirAttributeIsADenseElements(attr) && !mlirDenseElementsAttrIsSplat(attr) &&
      mlirTypeIsAF32(mlirShapedTypeGetElementType(mlirAttributeGetType(attr)))) {
    memcpy(out, mlirDenseElementsAttrGetRawData(attr), (size_t)count * sizeof *out);
    return out;
  }
  for (int64_t i = 0; out && i < count; ++i) {
    double v;
    if (!gcimElementsGet(attr, i, &v)) {
      free(out);
      return NULL;
    }
    out[i] = (float)v;
  }
  return out;
}

static bool isStaticF32(MlirValue value, int rank) {
  MlirType type = mlirValueGetType(value);
  return mlirTypeIsARankedTensor(type) && mlirShapedTypeHasStaticShape(type) &&
         mlirTypeIsAF32(mlirShapedTypeGetElementType(type)) &&
         (rank < 0 || mlirShapedTypeGetRank(type) == rank);
}

/* An onnx.constant of `type` holding `bytes` raw bytes, before `before`. */
static MlirValue buildConstant(MlirOperation before, MlirLocation loc, MlirType type,
                               const void *bytes, size_t size) {
  MlirContext ctx = mlirOperationGetContext(before);
  MlirAttribute value = mlirDenseElementsAttrRawBufferGet(type, size, bytes);
  MlirNamedAttribute attr =
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("value")), value);
  return mlirOperationGetResult(
      gcimBuildOp(before, "onnx.constant", loc, 0, NULL, 1, &type, 1, &attr), 0);
}

/* A narrow weight: codes (int8, 4-bit codes one a byte, or bfloat16 bits, k x n), and for
 * integer codes scales and optional zero points (blocks x n). */
typedef struct Narrow {
  bool bf16;
  int bits; /* of integer codes: 8 or 4 */
  int64_t k, n, block;
  void *codes;
  MlirValue kept;        /* instead of `codes`: the int8 constant they already are, or
                            MatMulNBits' packed B (4 bits, with `shifts`) */
  float *scales, *zeros; /* zeros NULL when all are 0 */
  uint8_t *shifts;       /* of B: added to its nibbles mod 16 (blocks x n; NULL: all 0) */
} Narrow;

static void narrowFree(Narrow *w) {
  free(w->codes);
  free(w->scales);
  free(w->zeros);
  free(w->shifts);
}

/* Replaces `replaced` (the product, or its bias Add) by gcim.linear_narrow(x, w, bias). */
static void buildLinearNarrow(MlirOperation replaced, MlirLocation loc, MlirValue x,
                              const Narrow *w, MlirValue bias) {
  MlirContext ctx = mlirOperationGetContext(replaced);
  int64_t blocks = (w->k + w->block - 1) / w->block, codeDims[2] = {w->k, w->n};
  int64_t scaleDims[2] = {blocks, w->n};
  MlirType codeType = gcimTensorType(
      2, codeDims, w->bf16 ? mlirBF16TypeGet(ctx) : mlirIntegerTypeGet(ctx, (unsigned)w->bits));
  MlirType scaleType = gcimTensorType(2, scaleDims, mlirF32TypeGet(ctx));
  MlirValue operands[5] = {x};
  int32_t segments[5] = {1, 1, w->bf16 ? 0 : 1, w->zeros ? 1 : 0, mlirValueIsNull(bias) ? 0 : 1};
  intptr_t count = 0;
  operands[count++] = x;
  if (!mlirValueIsNull(w->kept)) /* where a new one would go: the weights file's order */
    mlirOperationMoveBefore(mlirOpResultGetOwner(w->kept), replaced);
  operands[count++] = !mlirValueIsNull(w->kept)
                          ? w->kept
                          : buildConstant(replaced, loc, codeType, w->codes,
                                          (size_t)(w->k * w->n) * (w->bf16 ? 2 : 1));
  size_t scaleBytes = (size_t)(blocks * w->n) * sizeof(float);
  if (!w->bf16)
    operands[count++] = buildConstant(replaced, loc, scaleType, w->scales, scaleBytes);
  if (w->zeros)
    operands[count++] = buildConstant(replaced, loc, scaleType, w->zeros, scaleBytes);
  if (!mlirValueIsNull(bias))
    operands[count++] = bias;
  MlirNamedAttribute attrs[3] = {gcimSegmentSizesAttr(ctx, "operandSegmentSizes", segments, 5),
                                 gcimNamedInt(ctx, "block", w->block)};
  if (w->shifts) { /* read at compile time only: an attribute, not a weight */
    MlirType shiftType = gcimTensorType(2, scaleDims, mlirIntegerTypeUnsignedGet(ctx, 8));
    attrs[2] = mlirNamedAttributeGet(
        mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("gcim.shifts")),
        mlirDenseElementsAttrRawBufferGet(shiftType, (size_t)(blocks * w->n), w->shifts));
  }
  MlirType resultType = mlirValueGetType(mlirOperationGetResult(replaced, 0));
  MlirOperation linear = gcimBuildOp(replaced, "gcim.linear_narrow", loc, count, operands, 1,
                                     &resultType, w->shifts ? 3 : 2, attrs);
  mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(replaced, 0),
                                mlirOperationGetResult(linear, 0));
  gcimEraseDeadOps(replaced);
}

/* ---- Quantized weights ---- */

/* True when every use of `w` is the right operand of a two-operand onnx.mat_mul. */
static bool onlyProductWeight(MlirValue w) {
  MlirOpOperand use = mlirValueGetFirstUse(w);
  if (mlirOpOperandIsNull(use))
    return false;
  for (; !mlirOpOperandIsNull(use); use = mlirOpOperandGetNextUse(use)) {
    MlirOperation user = mlirOpOperandGetOwner(use);
    if (!gcimOpIsA(user, "onnx.mat_mul") || mlirOperationGetNumOperands(user) != 2 ||
        mlirOpOperandGetOperandNumber(use) != 1)
      return false;
  }
  return true;
}

/* Scale (and zero point) index of block b, column j. */
static int64_t scaleAt(int64_t sCount, const Narrow *w, int64_t b, int64_t j) {
  return sCount == 1 ? 0 : sCount == w->n ? j : b * w->n + j;
}

/* A's element (p, j) of block b: the code less its zero point. */
static float valueAt(const GcimNarrowCodes *a, int64_t sCount, const Narrow *w, int64_t p,
                     int64_t j, int64_t b) {
  float code = gcimNarrowCodeAt(a, p * w->n + j);
  return a->zeros ? code - a->zeros[scaleAt(sCount, w, b, j)] : code;
}

/* Per column, the smallest and largest value of A's block b of rows, read row by row (in
 * the codes' order, so that a stop early touches only their first pages); false when one
 * is not an integer below 2^16 in magnitude. Stops once a column spans more than `enough`
 * (*widest, the widest span seen, is then above it). */
static bool blockRange(const GcimNarrowCodes *a, int64_t sCount, const Narrow *w, int64_t b,
                       float enough, float *lo, float *hi, float *widest) {
  int64_t p0 = b * w->block, p1 = w->k - p0 < w->block ? w->k : p0 + w->block;
  for (int64_t j = 0; j < w->n; ++j) {
    lo[j] = INFINITY;
    hi[j] = -INFINITY;
  }
  for (int64_t p = p0; p < p1 && *widest <= enough; ++p)
    for (int64_t j = 0; j < w->n; ++j) {
      float v = valueAt(a, sCount, w, p, j, b);
      if (v != nearbyintf(v) || !(fabsf(v) < 65536.0f))
        return false;
      lo[j] = v < lo[j] ? v : lo[j];
      hi[j] = v > hi[j] ? v : hi[j];
      *widest = hi[j] - lo[j] > *widest ? hi[j] - lo[j] : *widest;
    }
  return true;
}

/* The widest span (largest less smallest value) of A's blocks of rows per column, or -1
 * when A is not integral (or memory runs out); once a span exceeds `enough`, that span. */
static float widestSpan(const GcimNarrowCodes *a, int64_t sCount, const Narrow *w, float enough) {
  float *range = malloc((size_t)(2 * w->n) * sizeof *range), widest = 0.0f;
  bool integral = range != NULL;
  for (int64_t b = 0; integral && b * w->block < w->k && widest <= enough; ++b)
    integral = blockRange(a, sCount, w, b, enough, range, range + w->n, &widest);
  free(range);
  return integral ? widest : -1.0f;
}

/* The codes of the weight (k, n) = A * S when A is MatMulNBits' packed B less its zero
 * points and nothing else reads B (a->exclusive): B itself, code = (nibble + shift) mod 16
 * - 8 = nibble - zero + offset with shift = (offset - zero + 8) mod 16 per block and
 * column, and the zero points (offsets) the codes quantizedCodes would make have (so the
 * C emitter packs the same weight). B is read column by column, in its order. False when
 * a zero point is not an integer. */
static bool nibbleCodes(const GcimNarrowCodes *a, int64_t sCount, Narrow *w) {
  int64_t blocks = (w->k + w->block - 1) / w->block, n = w->n, half = a->rows / 2;
  const uint8_t *bytes = a->raw;
  w->bits = 4;
  w->zeros = calloc((size_t)(blocks * n), sizeof(float));
  w->shifts = calloc((size_t)(blocks * n), 1);
  bool ok = w->zeros && w->shifts, anyZero = false, anyShift = false;
  for (int64_t j = 0; ok && j < n; ++j)
    for (int64_t b = 0; ok && b < blocks; ++b) {
      unsigned lo = 15, hi = 0;
      for (int64_t p = b * w->block; p < w->k && p < (b + 1) * w->block; ++p) {
        unsigned nibble = bytes[j * half + p / 2] >> (4 * (p % 2)) & 15u;
        lo = nibble < lo ? nibble : lo;
        hi = nibble > hi ? nibble : hi;
      }
      float zero = a->zeros ? a->zeros[scaleAt(sCount, w, b, j)] : 0.0f;
      float low = (float)lo - zero, high = (float)hi - zero;
      ok = low == nearbyintf(low) && fabsf(low) < 65536.0f && fabsf(high) < 65536.0f;
      float offset = low >= -8.0f && high <= 7.0f ? 0.0f : -8.0f - low;
      int shift = ((int)(offset - zero + 8.0f) % 16 + 16) % 16;
      w->zeros[b * n + j] = offset;
      w->shifts[b * n + j] = (uint8_t)shift;
      anyZero = anyZero || offset != 0.0f;
      anyShift = anyShift || shift != 0;
    }
  if (ok && !anyZero) {
    free(w->zeros);
    w->zeros = NULL;
  }
  if (ok && !anyShift) {
    free(w->shifts);
    w->shifts = NULL;
  }
  w->kept = a->constant;
  return ok;
}

/* Codes of the weight (k, n) = A * S: A's values per block of rows (the last may be
 * shorter) and column offset into int8, or into 4 bits when every block spans at most 15
 * (the offset is the zero point). int8 codes without zero points that need no 4 bits are
 * kept as they are (w->kept) when nothing else reads them. False when A is not integral
 * or a block's values span more than 255. */
static bool quantizedCodes(const GcimNarrowCodes *a, const float *s, int64_t sCount, Narrow *w) {
  int64_t blocks = (w->k + w->block - 1) / w->block, n = w->n;
  w->scales = malloc((size_t)(blocks * n) * sizeof(float));
  for (int64_t b = 0; w->scales && b < blocks; ++b)
    for (int64_t j = 0; j < n; ++j)
      w->scales[b * n + j] = s[scaleAt(sCount, w, b, j)];
  if (a->bits == 4 && a->exclusive) /* nibbles less zero points: every span is at most 15 */
    return w->scales && nibbleCodes(a, sCount, w);
  bool asInt8 = a->bits == 8 && a->isSigned && !a->zeros; /* every span is at most 255 */
  float span = widestSpan(a, sCount, w, asInt8 ? 15.0f : 255.0f);
  if (span < 0.0f || (!asInt8 && span > 255.0f))
    return false;
  w->bits = span <= 15.0f ? 4 : 8;
  MlirType type = mlirValueGetType(a->constant);
  if (w->scales && asInt8 && w->bits == 8 && a->exclusive && mlirShapedTypeGetRank(type) == 2 &&
      mlirShapedTypeGetDimSize(type, 0) == w->k && mlirShapedTypeGetDimSize(type, 1) == n) {
    w->kept = a->constant;
    return true;
  }
  float low = w->bits == 4 ? -8.0f : -128.0f, high = w->bits == 4 ? 7.0f : 127.0f;
  int8_t *codes = malloc((size_t)(w->k * n + 1));
  float *range = malloc((size_t)(2 * n) * sizeof *range), *lo = range, *hi = range + n;
  w->codes = codes;
  w->zeros = calloc((size_t)(blocks * n), sizeof(float));
  bool ok = codes && range && w->scales && w->zeros, anyZero = false;
  for (int64_t b = 0; ok && b < blocks; ++b) {
    float widest = 0.0f;
    ok = blockRange(a, sCount, w, b, INFINITY, lo, hi, &widest);
    float *offset = w->zeros + b * n;
    for (int64_t j = 0; ok && j < n; ++j) {
      offset[j] = lo[j] >= low && hi[j] <= high ? 0.0f : low - lo[j];
      anyZero = anyZero || offset[j] != 0.0f;
    }
    for (int64_t p = b * w->block; ok && p < w->k && p < (b + 1) * w->block; ++p)
      for (int64_t j = 0; j < n; ++j) { /* 4 bits: the low nibble, as MLIR keeps an i4 */
        int code = (int)(valueAt(a, sCount, w, p, j, b) + offset[j]);
        codes[p * n + j] = (int8_t)(w->bits == 4 ? code & 15 : code);
      }
  }
  free(range);
  if (ok && !anyZero) {
    free(w->zeros);
    w->zeros = NULL;
  }
  return ok;
}

/* Element 0 of the constant operand `index` of `op` when it has one element, else
 * `fallback` when the operand is absent, else -1. */
static int64_t singleIntOperand(MlirOperation op, intptr_t index, int64_t fallback) {
  if (mlirOperationGetNumOperands(op) <= index)
    return fallback;
  MlirAttribute attr = gcimValueConstantAttr(mlirOperationGetOperand(op, index));
  int64_t value;
  if (mlirAttributeIsNull(attr) || mlirElementsAttrGetNumElements(attr) != 1 ||
      !gcimElementsGetInt64(attr, 0, &value))
    return -1;
  return value;
}

/* True when `slice` keeps the first rows of a 2-D tensor (start 0 on axis 0, step 1). */
static bool slicesFirstRows(MlirOperation slice) {
  int64_t axis = singleIntOperand(slice, 3, 0);
  return mlirOperationGetNumOperands(slice) >= 3 && singleIntOperand(slice, 1, -1) == 0 &&
         (axis == 0 || axis == -2) && singleIntOperand(slice, 4, 1) == 1;
}

/* True when `op` is an onnx.transpose swapping the two axes of a matrix. */
static bool isSwap(MlirOperation op) {
  int64_t perm[2];
  return gcimOpIsA(op, "onnx.transpose") && gcimOpGetI64Array(op, "perm", perm, 2) == 2 &&
         perm[0] == 1 && perm[1] == 0;
}

/* The narrow form of weight `value` when it is A * S as the file comment says, or the
 * transpose of the transpose of that; `exclusive`: only one product reads `value`. */
static bool quantizedWeight(MlirValue value, Narrow *w, bool exclusive) {
  MlirOperation mul, inner;
  exclusive = exclusive && gcimValueUseCount(value) == 1;
  if (gcimValueIsOp(value, "onnx.transpose", &mul) && isSwap(mul) &&
      gcimValueIsOp(mlirOperationGetOperand(mul, 0), "onnx.transpose", &inner) && isSwap(inner)) {
    exclusive = exclusive && gcimValueUseCount(mlirOperationGetOperand(mul, 0)) == 1;
    value = mlirOperationGetOperand(inner, 0);
    exclusive = exclusive && gcimValueUseCount(value) == 1;
  }
  int64_t rows = -1; /* of a Slice of the first rows (a short last block) */
  if (gcimValueIsOp(value, "onnx.slice", &mul)) {
    if (!slicesFirstRows(mul) || !isStaticF32(value, 2))
      return false;
    rows = mlirShapedTypeGetDimSize(mlirValueGetType(value), 0);
    value = mlirOperationGetOperand(mul, 0);
    exclusive = exclusive && gcimValueUseCount(value) == 1;
  }
  if (gcimValueIsOp(value, "onnx.reshape", &mul)) {
    value = mlirOperationGetOperand(mul, 0);
    exclusive = exclusive && gcimValueUseCount(value) == 1;
  }
  if (!gcimValueIsOp(value, "onnx.mul", &mul) || mlirOperationGetNumOperands(mul) != 2)
    return false;
  MlirValue a = mlirOperationGetOperand(mul, 0), s = mlirOperationGetOperand(mul, 1);
  if (!gcimValueIsOp(s, "onnx.constant", NULL) || !isStaticF32(a, -1) || !isStaticF32(s, -1))
    return false;
  MlirType aType = mlirValueGetType(a), sType = mlirValueGetType(s);
  intptr_t aRank = mlirShapedTypeGetRank(aType), sRank = mlirShapedTypeGetRank(sType);
  int64_t sCount = gcimTensorNumElements(sType);
  if (aRank == 2) {
    w->k = mlirShapedTypeGetDimSize(aType, 0);
    w->n = mlirShapedTypeGetDimSize(aType, 1);
    w->block = w->k;
    if (sCount != 1 && !(sCount == w->n && mlirShapedTypeGetDimSize(sType, sRank - 1) == w->n))
      return false;
  } else if (aRank == 3 && sRank == 3) {
    w->block = mlirShapedTypeGetDimSize(aType, 1);
    w->n = mlirShapedTypeGetDimSize(aType, 2);
    w->k = mlirShapedTypeGetDimSize(aType, 0) * w->block;
    if (mlirShapedTypeGetDimSize(sType, 0) != mlirShapedTypeGetDimSize(aType, 0) ||
        mlirShapedTypeGetDimSize(sType, 1) != 1 || mlirShapedTypeGetDimSize(sType, 2) != w->n)
      return false;
  } else {
    return false;
  }
  int64_t elements = w->k * w->n;
  if (rows >= 0 && rows <= w->k && rows > w->k - w->block) {
    w->k = rows; /* the last block shorter: A's first rows only */
    w->block = w->block < rows ? w->block : rows;
  } else if (rows >= 0) {
    return false;
  }
  if (w->k < 1 || w->n < 1)
    return false;
  GcimNarrowCodes codes;
  bool ok = gcimNarrowCodesOf(a, sType, elements, &codes);
  codes.exclusive = codes.exclusive && exclusive && gcimValueUseCount(value) == 1;
  float *sData = ok ? constantFloats(s, sCount) : NULL;
  ok = sData && quantizedCodes(&codes, sData, sCount, w);
  gcimNarrowCodesFree(&codes);
  free(sData);
  return ok;
}

/* Rewrites `matMul` into gcim.linear_narrow when its weight is quantized; false only after
 * a diagnostic. */
static bool narrowQuantized(MlirOperation matMul) {
  if (mlirOperationGetNumOperands(matMul) != 2 || mlirOperationGetNumResults(matMul) != 1)
    return true;
  MlirValue x = mlirOperationGetOperand(matMul, 0), weight = mlirOperationGetOperand(matMul, 1);
  MlirValue product = mlirOperationGetResult(matMul, 0);
  if (!isStaticF32(x, -1) || !isStaticF32(weight, 2) || !isStaticF32(product, -1) ||
      !onlyProductWeight(weight))
    return true;
  Narrow w = {0};
  MlirType wType = mlirValueGetType(weight);
  if (!quantizedWeight(weight, &w, true) || mlirShapedTypeGetDimSize(wType, 0) != w.k ||
      mlirShapedTypeGetDimSize(wType, 1) != w.n) {
    narrowFree(&w);
    return true;
  }
  MlirValue bias = {NULL};
  MlirOperation add = gcimLowerRuntimeBiasAdd(product, w.n, &bias);
  buildLinearNarrow(mlirOperationIsNull(add) ? matMul : add, mlirOperationGetLocation(matMul), x,
                    &w, bias);
  narrowFree(&w);
  return true;
}

/* Rewrites onnx.gemm(x, transpose(W), C) {transB = 1} (transA 0, alpha and beta 1) into
 * gcim.linear_narrow when W (K, N) is quantized and C is absent or a constant bias of N
 * elements (a Linear layer's QDQ form). */
static void narrowGemm(MlirOperation gemm) {
  int64_t transA = 0, transB = 0;
  double alpha = 1.0, beta = 1.0;
  gcimOpGetIntAttr(gemm, "transA", &transA);
  gcimOpGetIntAttr(gemm, "transB", &transB);
  gcimOpGetFloatAttr(gemm, "alpha", &alpha);
  gcimOpGetFloatAttr(gemm, "beta", &beta);
  intptr_t operands = mlirOperationGetNumOperands(gemm);
  if (transA != 0 || transB != 1 || alpha != 1.0 || beta != 1.0 || operands < 2 ||
      mlirOperationGetNumResults(gemm) != 1)
    return;
  MlirValue x = mlirOperationGetOperand(gemm, 0), swapped = mlirOperationGetOperand(gemm, 1);
  MlirValue bias = operands > 2 ? mlirOperationGetOperand(gemm, 2) : (MlirValue){NULL};
  MlirOperation swap;
  if (!isStaticF32(x, 2) || !isStaticF32(mlirOperationGetResult(gemm, 0), 2) ||
      !gcimValueIsOp(swapped, "onnx.transpose", &swap) || !isSwap(swap))
    return;
  MlirValue weight = mlirOperationGetOperand(swap, 0);
  Narrow w = {0};
  MlirType wType = mlirValueGetType(weight);
  bool fits =
      isStaticF32(weight, 2) && quantizedWeight(weight, &w, gcimValueUseCount(swapped) == 1) &&
      mlirShapedTypeGetDimSize(wType, 0) == w.k && mlirShapedTypeGetDimSize(wType, 1) == w.n;
  if (fits && !mlirValueIsNull(bias)) {
    MlirType type = mlirValueGetType(bias);
    intptr_t rank = isStaticF32(bias, -1) ? mlirShapedTypeGetRank(type) : 0;
    fits = gcimValueIsOp(bias, "onnx.constant", NULL) && rank >= 1 && rank <= 2 &&
           mlirShapedTypeGetDimSize(type, rank - 1) == w.n && gcimTensorNumElements(type) == w.n;
  }
  if (fits)
    buildLinearNarrow(gemm, mlirOperationGetLocation(gemm), x, &w, bias);
  narrowFree(&w);
}

/* ---- weights=int8|bf16 ---- */

/* The weight (k, n) in `format` ("int8": one symmetric scale per column; "bf16"). */
static bool convertWeight(const float *f, bool bf16, Narrow *w) {
  w->bf16 = bf16;
  w->bits = 8;
  w->block = w->k;
  w->codes = malloc((size_t)(w->k * w->n) * (bf16 ? 2 : 1) + 1);
  w->scales = bf16 ? NULL : malloc((size_t)w->n * sizeof(float));
  if (!w->codes || (!bf16 && !w->scales))
    return false;
  if (bf16) {
    uint16_t *codes = w->codes;
    for (int64_t i = 0; i < w->k * w->n; ++i)
      codes[i] = gcimBf16FromFloat(f[i]);
    return true;
  }
  int8_t *codes = w->codes;
  for (int64_t j = 0; j < w->n; ++j) {
    float largest = 0.0f;
    for (int64_t p = 0; p < w->k; ++p)
      largest = fabsf(f[p * w->n + j]) > largest ? fabsf(f[p * w->n + j]) : largest;
    float scale = largest > 0.0f && isfinite(largest) ? largest / 127.0f : 1.0f;
    w->scales[j] = scale;
    for (int64_t p = 0; p < w->k; ++p) {
      float code = nearbyintf(f[p * w->n + j] / scale); /* the default rounding: to even */
      codes[p * w->n + j] = (int8_t)(code > 127.0f ? 127 : code < -127.0f ? -127 : code);
    }
  }
  return true;
}

/* Rewrites gcim.linear `linear` on its weight converted to `format`; false after a
 * diagnostic. */
static bool narrowLinear(MlirOperation linear, bool bf16) {
  MlirValue x = mlirOperationGetOperand(linear, 0), weight = mlirOperationGetOperand(linear, 1);
  MlirValue bias = mlirOperationGetNumOperands(linear) == 3 ? mlirOperationGetOperand(linear, 2)
                                                            : (MlirValue){NULL};
  MlirType type = mlirValueGetType(weight);
  Narrow w = {.k = mlirShapedTypeGetDimSize(type, 0), .n = mlirShapedTypeGetDimSize(type, 1)};
  float *f = constantFloats(weight, w.k * w.n);
  bool ok = f && convertWeight(f, bf16, &w);
  free(f);
  if (ok)
    buildLinearNarrow(linear, mlirOperationGetLocation(linear), x, &w, bias);
  else
    gcimEmitError(mlirOperationGetLocation(linear), "out of memory");
  narrowFree(&w);
  return ok;
}

static bool isMatMul(MlirOperation op) { return gcimOpIsA(op, "onnx.mat_mul"); }
static bool isGemm(MlirOperation op) { return gcimOpIsA(op, "onnx.gemm"); }
static bool isLinear(MlirOperation op) { return gcimOpIsA(op, "gcim.linear"); }

bool gcimLowerRuntimeNarrow(MlirOperation func, const char *weights) {
  MlirOperation *ops = NULL;
  size_t count = 0;
  bool ok = gcimCollectOps(func, MlirWalkPreOrder, isMatMul, &ops, &count);
  for (size_t i = 0; ok && i < count; ++i)
    ok = narrowQuantized(ops[i]);
  free(ops);
  ops = NULL;
  ok = ok && gcimCollectOps(func, MlirWalkPreOrder, isGemm, &ops, &count);
  for (size_t i = 0; ok && i < count; ++i)
    narrowGemm(ops[i]);
  free(ops);
  ops = NULL;
  bool bf16 = strcmp(weights, "bf16") == 0;
  if (!ok || (!bf16 && strcmp(weights, "int8") != 0))
    return ok;
  ok = gcimCollectOps(func, MlirWalkPreOrder, isLinear, &ops, &count);
  for (size_t i = 0; ok && i < count; ++i)
    ok = narrowLinear(ops[i], bf16);
  free(ops);
  return ok;
}
