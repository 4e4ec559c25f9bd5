/* gcim/Runtime/Kernels.h: the runtime's digital kernels, one function per ONNX op family.
 *
 * The generated C calls one kernel per non-attention op (and, with --attention=digital, the
 * exact attention kernel). Kernels are portable C99 + libm: no global state, no allocation
 * (the caller passes every buffer; the few kernels that need scratch take a pointer whose
 * size a `...ScratchSize()` function returns), no I/O. docs/Runtime.md ("Digital kernels")
 * describes the whole API.
 *
 * Conventions shared by every kernel:
 * - A tensor is dense and row-major, described by `(data, dims, rank)`: `dims` points to
 *   `rank` extents (`rank` in 0..GCIM_MAX_RANK; rank 0 is a scalar, `dims` may then
 *   be NULL). Extents may be 0 (an empty tensor: the kernel writes nothing).
 * - Element types: float32 for arithmetic, int64 for indices and shapes, bool as uint8
 *   (0 or 1). Data-movement kernels are type-generic and take `elemSize` in bytes.
 * - Binary and ternary ops broadcast like numpy; the caller passes the output shape (the
 *   code generator knows it statically).
 * - Axes may be negative (counted from the end), as in ONNX.
 * - Unless a declaration says otherwise, outputs must not overlap inputs. Elementwise
 *   kernels (unary, and binary when the output has an input's shape) allow out == input.
 * - Shape errors are bugs of the caller and are `assert`ed; only data-dependent errors
 *   (an out-of-range Gather index) are reported, by a non-zero return value. */
#ifndef GCIM_RUNTIME_KERNELS_H
#define GCIM_RUNTIME_KERNELS_H

#include "gcim/Runtime/Kernels/Common.h"
#include "gcim/Runtime/Kernels/Data.h"
#include "gcim/Runtime/Kernels/Elementwise.h"
#include "gcim/Runtime/Kernels/GatherND.h"
#include "gcim/Runtime/Kernels/Index.h"
#include "gcim/Runtime/Kernels/MatMul.h"
#include "gcim/Runtime/Kernels/MatMulQuant.h"
#include "gcim/Runtime/Kernels/Math.h"
#include "gcim/Runtime/Kernels/Nn.h"
#include "gcim/Runtime/Kernels/Parallel.h"
#include "gcim/Runtime/Kernels/Reduce.h"
#include "gcim/Runtime/Kernels/Scatter.h"

#endif /* GCIM_RUNTIME_KERNELS_H */
