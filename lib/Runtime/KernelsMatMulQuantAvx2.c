/* KernelsMatMulQuantAvx2.c: the decode-step kernel on packed narrow weights for
 * AVX2 (KernelsMatMulQuantIsa.h), chosen at run time on processors that have it;
 * the target attribute on every function lets the file build with the generated Makefile's
 * portable flags. */
#include "KernelsMatMulQuantIsa.h"

#if GCIM_KERNELS_DISPATCH
#include <immintrin.h> /* the int8 conversions (KernelsMatMulQuantRow.h) */

// Fused multiply-adds (as KernelsMatMulBase.c), and the instruction set: not "no-avx512f"
// (as the float32 file), which under -march=native on an AVX-512 host would exclude what the
// intrinsics are compiled for; such a build runs only where AVX-512 is, and picks that kernel.
#if defined(__clang__)
#pragma clang fp contract(fast)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC optimize("fp-contract=fast")
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#define GCIM_MATMUL_AVX2 1
#define GCIM_QUANT_ROW_ENTRY gcimKernelsQuantRowAvx2
#include "KernelsMatMulQuantRow.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#else
typedef int GcimKernelsNoQuantAvx2Kernel; /* ISO C wants a declaration in every file */
#endif
