/* gcim/Runtime/Kernels/Elementwise.h: elementwise arithmetic, activations, comparisons
 * and logic, with numpy broadcasting (ONNX Add Sub Mul Div Pow Min Max Sqrt Reciprocal Neg
 * Abs Exp Log Tanh Erf Sigmoid HardSigmoid Relu Gelu Clip Equal Less Greater Not And Or,
 * LessOrEqual GreaterOrEqual Xor Floor Ceil Sin Cos Sign Softplus Mish; Mod IsInf IsNaN
 * are in Math.h). */
#ifndef GCIM_RUNTIME_KERNELS_ELEMENTWISE_H
#define GCIM_RUNTIME_KERNELS_ELEMENTWISE_H

#include "gcim/Runtime/Kernels/Common.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Binary arithmetic ops. MIN and MAX propagate NaN (as numpy); POW is powf (a scalar
/// exponent 2 or 3 is computed as products, within 1 ulp); for int64, DIV truncates toward
/// zero (as C and ONNX Runtime; a zero divisor gives 0) and POW is not supported.
typedef enum GcimBinaryOp {
  GCIM_BINARY_ADD = 0,
  GCIM_BINARY_SUB,
  GCIM_BINARY_MUL,
  GCIM_BINARY_DIV,
  GCIM_BINARY_POW,
  GCIM_BINARY_MIN,
  GCIM_BINARY_MAX
} GcimBinaryOp;

/// out = a `op` b, elementwise, a and b broadcast (numpy rules) to `outDims` (the
/// broadcast of their shapes; rank at most GCIM_MAX_RANK). `out` may be `a` or `b`
/// when that operand has exactly the output's shape; otherwise no overlap.
void gcimKernelBinaryF32(GcimBinaryOp op, const float *a, const int64_t *aDims, int aRank,
                         const float *b, const int64_t *bDims, int bRank, float *out,
                         const int64_t *outDims, int outRank);

/// gcimKernelBinaryF32 on int64 (ADD SUB MUL DIV MIN MAX; wrap-around is the caller's).
void gcimKernelBinaryI64(GcimBinaryOp op, const int64_t *a, const int64_t *aDims, int aRank,
                         const int64_t *b, const int64_t *bDims, int bRank, int64_t *out,
                         const int64_t *outDims, int outRank);

/// Variadic ONNX Sum/Min/Max (op ADD, MIN or MAX; also MUL): out = in[0] op in[1] op ...,
/// every input broadcast to `outDims`. `count` >= 1; `inputs[i]` has shape
/// `(dims[i], ranks[i])`. `out` may be inputs[0] or inputs[1] if it has the output's
/// shape, and no other input.
void gcimKernelVariadicF32(GcimBinaryOp op, int count, const float *const *inputs,
                           const int64_t *const *dims, const int *ranks, float *out,
                           const int64_t *outDims, int outRank);

/// Unary ops of gcimKernelUnaryF32. GELU is the exact x/2 (1 + erf(x/sqrt 2)); GELU_TANH
/// the tanh approximation x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (ONNX Gelu with
/// approximate="tanh"); SIGMOID is 1 / (1 + exp(-x)), computed without overflow; SIGN is
/// -1, 0 or 1 (NaN stays NaN); SOFTPLUS is log(1 + exp(x)) and MISH x tanh(softplus(x)),
/// both without overflow.
typedef enum GcimUnaryOp {
  GCIM_UNARY_IDENTITY = 0,
  GCIM_UNARY_NEG,
  GCIM_UNARY_ABS,
  GCIM_UNARY_SQRT,
  GCIM_UNARY_RECIPROCAL,
  GCIM_UNARY_EXP,
  GCIM_UNARY_LOG,
  GCIM_UNARY_TANH,
  GCIM_UNARY_ERF,
  GCIM_UNARY_SIGMOID,
  GCIM_UNARY_RELU,
  GCIM_UNARY_GELU,
  GCIM_UNARY_GELU_TANH,
  GCIM_UNARY_FLOOR,
  GCIM_UNARY_CEIL,
  GCIM_UNARY_SIN,
  GCIM_UNARY_COS,
  GCIM_UNARY_SIGN,
  GCIM_UNARY_SOFTPLUS,
  GCIM_UNARY_MISH
} GcimUnaryOp;

/// y[i] = op(x[i]) for i < count. `y` may equal `x` (in place); no partial overlap.
void gcimKernelUnaryF32(GcimUnaryOp op, const float *x, float *y, int64_t count);

/// gcimKernelUnaryF32 on float64, each op computed in double.
void gcimKernelUnaryF64(GcimUnaryOp op, const double *x, double *y, int64_t count);

/// ONNX HardSigmoid: y = max(0, min(1, alpha x + beta)). `y` may equal `x`.
void gcimKernelHardSigmoidF32(const float *x, float alpha, float beta, float *y, int64_t count);

/// ONNX Clip: y = min(max(x, lo), hi); pass -INFINITY / INFINITY for an absent bound. NaN
/// stays NaN. `y` may equal `x`.
void gcimKernelClipF32(const float *x, float lo, float hi, float *y, int64_t count);

/// ONNX LeakyRelu: y = x >= 0 ? x : alpha x. `y` may equal `x`.
void gcimKernelLeakyReluF32(const float *x, float alpha, float *y, int64_t count);

/// Comparisons; the result is a bool tensor (uint8 0 or 1). NaN compares false.
typedef enum GcimCompareOp {
  GCIM_COMPARE_EQUAL = 0,
  GCIM_COMPARE_LESS,
  GCIM_COMPARE_GREATER,
  GCIM_COMPARE_LESS_EQUAL,
  GCIM_COMPARE_GREATER_EQUAL
} GcimCompareOp;

/// out = a `op` b on float32, broadcast to `outDims` (no overlap).
void gcimKernelCompareF32(GcimCompareOp op, const float *a, const int64_t *aDims, int aRank,
                          const float *b, const int64_t *bDims, int bRank, uint8_t *out,
                          const int64_t *outDims, int outRank);

/// out = a `op` b on int64, broadcast to `outDims` (no overlap).
void gcimKernelCompareI64(GcimCompareOp op, const int64_t *a, const int64_t *aDims, int aRank,
                          const int64_t *b, const int64_t *bDims, int bRank, uint8_t *out,
                          const int64_t *outDims, int outRank);

/// out = a `op` b on bool or uint8 (ONNX Equal on bool), broadcast to `outDims`.
void gcimKernelCompareU8(GcimCompareOp op, const uint8_t *a, const int64_t *aDims, int aRank,
                         const uint8_t *b, const int64_t *bDims, int bRank, uint8_t *out,
                         const int64_t *outDims, int outRank);

/// Logical ops on bool (uint8; any non-zero input counts as true, outputs are 0 or 1).
typedef enum GcimLogicalOp {
  GCIM_LOGICAL_AND = 0,
  GCIM_LOGICAL_OR,
  GCIM_LOGICAL_XOR
} GcimLogicalOp;

/// out = a `op` b, broadcast to `outDims`. `out` may be an operand of the output's shape.
void gcimKernelLogical(GcimLogicalOp op, const uint8_t *a, const int64_t *aDims, int aRank,
                       const uint8_t *b, const int64_t *bDims, int bRank, uint8_t *out,
                       const int64_t *outDims, int outRank);

/// ONNX Not: y[i] = !x[i]. `y` may equal `x`.
void gcimKernelNot(const uint8_t *x, uint8_t *y, int64_t count);

/// Binary arithmetic on the types the float32/int64 kernels lack (one element at a time:
/// a reference path, not a fast one). a, b and out have the types `aType`, `bType` and
/// `outType`, all equal except POW's exponent. A float output is computed in double and
/// rounded once into its type; an integer output in int64 and stored with its low bits
/// kept (DIV truncates and gives 0 for a zero divisor; POW of integers is exact, 0 for a
/// negative exponent unless the base is 1 or -1; an integer base to a float exponent is
/// pow() truncated toward zero). MIN and MAX propagate NaN. Bool counts as an integer;
/// uint64 divides and compares unsigned.
/// Broadcasting and overlap as gcimKernelBinaryF32.
void gcimKernelBinaryAny(GcimBinaryOp op, const void *a, GcimElemType aType, const int64_t *aDims,
                         int aRank, const void *b, GcimElemType bType, const int64_t *bDims,
                         int bRank, void *out, GcimElemType outType, const int64_t *outDims,
                         int outRank);

/// Comparisons of two operands of one type `type` (float types compared as doubles,
/// integer types and bool as int64, uint64 as uint64), broadcast to `outDims`. No overlap.
void gcimKernelCompareAny(GcimCompareOp op, GcimElemType type, const void *a, const int64_t *aDims,
                          int aRank, const void *b, const int64_t *bDims, int bRank, uint8_t *out,
                          const int64_t *outDims, int outRank);

/// ONNX Clip on any element type: y = min(max(x, *lo), *hi), `lo` and `hi` NULL (absent)
/// or one element of `type`. NaN stays NaN. `y` may equal `x`.
void gcimKernelClipAny(GcimElemType type, const void *x, const void *lo, const void *hi, void *y,
                       int64_t count);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_ELEMENTWISE_H */
