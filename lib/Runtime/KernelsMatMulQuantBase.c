/* KernelsMatMulQuantBase.c: the decode-step kernel on packed narrow weights for the target
 * the compiler was given (any processor, any compiler; KernelsMatMulQuantIsa.h). */
// Fused multiply-adds where the target has them (as KernelsMatMulBase.c).
#if defined(__clang__)
#pragma clang fp contract(fast)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=fast")
#endif

#define GCIM_QUANT_ROW_ENTRY gcimKernelsQuantRowBase
#include "KernelsMatMulQuantRow.h"
