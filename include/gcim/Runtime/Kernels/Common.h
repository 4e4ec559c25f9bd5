/* gcim/Runtime/Kernels/Common.h: types and limits shared by the digital kernels. */
#ifndef GCIM_RUNTIME_KERNELS_COMMON_H
#define GCIM_RUNTIME_KERNELS_COMMON_H

#include "gcim/Runtime/ElemType.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The number of elements of a shape: the product of `dims[0..rank)` (1 for rank 0).
int64_t gcimKernelNumElements(const int64_t *dims, int rank);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_COMMON_H */
