/* AttentionMaskEval.h: the arithmetic of the mask evaluators (private to lib/Transforms).
 *
 * AttentionMaskEval.c evaluates a mask one element at a time, AttentionMaskTensor.c a
 * tensor at a time; both compute every op through these functions, so that they give the
 * same values. */
#ifndef GCIM_LIB_TRANSFORMS_ATTENTIONMASKEVAL_H
#define GCIM_LIB_TRANSFORMS_ATTENTIONMASKEVAL_H

#include "FuseAttention.h"

/// The binary (and, for Min and Max, variadic) elementwise ops a mask may go through, in
/// the order of their names in AttentionMaskEval.c.
typedef enum GcimMaskBinaryOp {
  GCIM_MASK_OP_ADD,
  GCIM_MASK_OP_SUB,
  GCIM_MASK_OP_MUL,
  GCIM_MASK_OP_DIV,
  GCIM_MASK_OP_POW,
  GCIM_MASK_OP_MIN,
  GCIM_MASK_OP_MAX,
  GCIM_MASK_OP_MOD,
  GCIM_MASK_OP_AND,
  GCIM_MASK_OP_OR,
  GCIM_MASK_OP_XOR,
  GCIM_MASK_OP_EQUAL,
  GCIM_MASK_OP_LESS,
  GCIM_MASK_OP_LESS_EQUAL,
  GCIM_MASK_OP_GREATER,
  GCIM_MASK_OP_GREATER_EQUAL
} GcimMaskBinaryOp;

typedef double (*GcimMaskUnaryFn)(double);

/// The function of unary op `name` ("onnx.exp"), or NULL when it is not one.
GcimMaskUnaryFn gcimMaskUnaryFor(const char *name);

/// The GcimMaskBinaryOp of op `name` ("onnx.add"), or -1 when it is not one.
int gcimMaskBinaryFor(const char *name);

/// *out = a `op` b; `integer` when the operands are integers (Div truncates, Mod follows
/// the divisor's sign unless `fmodAttr`). False for an integer division by zero.
bool gcimMaskApplyBinary(GcimMaskBinaryOp op, double a, double b, bool integer, bool fmodAttr,
                         double *out);

/// How a value is stored in an element of a tensor type: as a bool, truncated to an
/// integer, rounded to float32, or as it is.
typedef enum GcimMaskFit {
  GCIM_MASK_FIT_BOOL,
  GCIM_MASK_FIT_INTEGER,
  GCIM_MASK_FIT_F32,
  GCIM_MASK_FIT_NONE
} GcimMaskFit;

/// How an element of tensor type `type` stores a value.
GcimMaskFit gcimMaskFitOf(MlirType type);

/// The value an element stored as `fit` holds after `v` is stored in it.
double gcimMaskFit(GcimMaskFit fit, double v);

/// gcimMaskFit on each of values[0 .. count).
void gcimMaskFitArray(GcimMaskFit fit, double *values, int64_t count);

/// Clip `op`'s bounds into bounds[0] (min) and bounds[1] (max), -inf and +inf where absent.
/// False when a bound is not a constant scalar.
bool gcimMaskClipBounds(MlirOperation op, double bounds[2]);

/// x clipped as Clip clips it: raised to bounds[0], then lowered to bounds[1] (NaN kept).
double gcimMaskClip(double x, const double bounds[2]);

/// Transpose `op`'s permutation of `rank` axes into perm (result axis i is operand axis
/// perm[i]): its `perm` attribute, or reversed axes when it has none of that rank. Not
/// checked to be a permutation.
void gcimMaskPermutation(MlirOperation op, int rank, int64_t *perm);

/// Every element of `value` (row-major, its static shape) with `binding` (may be NULL)
/// holding its argument at its value, as gcimMaskEvalBound gives them one at a time, into
/// *out (malloc'd; the caller frees). False, with nothing to free, when the tensor
/// evaluator does not follow the mask (an op it does not know, a non-constant leaf, too
/// many elements, an integer division by zero, ...): gcimMaskEvalBound tells why.
bool gcimMaskEvalTensor(MlirValue value, const GcimMaskBinding *binding, double **out);

#endif /* GCIM_LIB_TRANSFORMS_ATTENTIONMASKEVAL_H */
