/* LowerRuntime.h: the parts of gcim-lower-runtime (private to lib/Transforms). */
#ifndef GCIM_LIB_TRANSFORMS_LOWERRUNTIME_H
#define GCIM_LIB_TRANSFORMS_LOWERRUNTIME_H

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stdint.h>

/// Rewrites the op groups of `func` that one runtime kernel computes in a single call
/// (LowerRuntimeFuse.c); false after a diagnostic.
bool gcimLowerRuntimeFuse(MlirOperation func);

/// The onnx.add that is the only use of `product` (rows x n) and adds a float32 constant
/// of n elements along its last axis (the bias of a product); a null op otherwise. The
/// constant goes to *bias.
MlirOperation gcimLowerRuntimeBiasAdd(MlirValue product, int64_t n, MlirValue *bias);

/// Rewrites products on quantized weights, and with `weights` "int8" or "bf16" every
/// gcim.linear, into gcim.linear_narrow (LowerRuntimeNarrow.c); false after a diagnostic.
bool gcimLowerRuntimeNarrow(MlirOperation func, const char *weights);

/// A quantized weight's codes minus their zero points, A, as the importer writes them
/// (LowerRuntimeNarrowCodes.c): a float32 onnx.constant, or onnx.cast of an int8 or uint8
/// onnx.constant or of the 4-bit codes of a uint8 constant split into nibbles
/// (MatMulNBits' B: Transpose(Reshape(Concat(Mod(R, 16), Div(R, 16)))), R a Reshape of
/// it), either through an onnx.reshape, the cast minus (onnx.sub) a float32 constant of
/// zero points shaped as the scales.
typedef struct GcimNarrowCodes {
  MlirValue constant; ///< the onnx.constant of the codes
  MlirAttribute attr; ///< its value
  const void *raw;    ///< its data (dense, or a resource's from the driver's data source,
                      ///< or 4-bit codes copied); NULL: read one at a time (a splat)
  int bits;           ///< 0: float32 codes; 8: int8 (isSigned) or uint8; 4: nibbles
  int64_t rows;       ///< of 4-bit codes: the (rows, columns) codes, the constant
  int64_t columns;    ///< (columns, rows / 2) bytes, low nibble first
  uint8_t *owned;     ///< NULL, or `raw` when copied (malloc'd)
  bool isSigned;
  float *zeros;   ///< NULL, or one per scale (malloc'd)
  bool exclusive; ///< the constant and each op from it to the product have one use
} GcimNarrowCodes;

/// Reads A, operand 0 of the weight's onnx.mul, of `count` elements; `scaleType` the Mul's
/// other operand's. False when A has another form.
bool gcimNarrowCodesOf(MlirValue a, MlirType scaleType, int64_t count, GcimNarrowCodes *c);
/// Element i of the codes (zero points not taken off).
float gcimNarrowCodeAt(const GcimNarrowCodes *c, int64_t i);
void gcimNarrowCodesFree(GcimNarrowCodes *c);

#endif /* GCIM_LIB_TRANSFORMS_LOWERRUNTIME_H */
