/* KernelsMatMulBase.c: the matrix-product kernel for the target the compiler was given (the
 * generated Makefile's portable default; any processor, any compiler). KernelsMatMulIsa.h
 * says how the instruction sets share the kernel. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

// Fused multiply-adds where the target has them: ISO C modes (-std=c99, as the generated
// Makefile builds) turn GCC's contraction off, which doubles the micro-kernel's
// instructions. The products' rounding changes within the documented k * 2^-24.
#if defined(__clang__)
#pragma clang fp contract(fast)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=fast")
#endif

#define GCIM_MATMUL_ENTRY gcimKernelsGemmBase
#include "KernelsMatMulPaths.h"
