/* KernelsMatMulAvx512.c: the matrix-product kernel for AVX-512F (Skylake-SP, Ice Lake, Zen 4 and
 * later), chosen at run time by KernelsMatMul.c on processors that have it. Every function here
 * carries the target attribute (GCC's and clang's per-function targets), so the file builds
 * with the portable flags of the generated Makefile. KernelsMatMulIsa.h says how the
 * instruction sets share the kernel. */
#include "KernelsMatMulIsa.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#if GCIM_KERNELS_DISPATCH
// Fused multiply-adds (see KernelsMatMulBase.c), and the instruction set.
#if defined(__clang__)
#pragma clang fp contract(fast)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#else
#pragma GCC optimize("fp-contract=fast")
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#endif

#define GCIM_MATMUL_AVX512 1
#define GCIM_MATMUL_ENTRY gcimKernelsGemmAvx512
#include "KernelsMatMulPaths.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#else
typedef int GcimKernelsNoAvx512Kernel; /* ISO C wants a declaration in every file */
#endif
