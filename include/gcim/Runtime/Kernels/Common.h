/* gcim/Runtime/Kernels/Common.h: types and limits shared by the digital kernels. */
#ifndef GCIM_RUNTIME_KERNELS_COMMON_H
#define GCIM_RUNTIME_KERNELS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The largest tensor rank any kernel accepts.
enum { GCIM_KERNEL_MAX_RANK = 8 };

/// Element types of gcimKernelCast.
typedef enum GcimElemType {
  GCIM_ELEM_F32 = 0,
  GCIM_ELEM_F64,
  GCIM_ELEM_I64,
  GCIM_ELEM_I32,
  GCIM_ELEM_I16,
  GCIM_ELEM_I8,
  GCIM_ELEM_U8,
  GCIM_ELEM_BOOL, /* uint8 holding 0 or 1 */
  GCIM_ELEM_F16,  /* IEEE binary16 stored in uint16 */
  GCIM_ELEM_BF16, /* bfloat16 stored in uint16 */
  GCIM_ELEM_U16,
  GCIM_ELEM_U32,
  GCIM_ELEM_U64
} GcimElemType;

/// The number of elements of a shape: the product of `dims[0..rank)` (1 for rank 0).
int64_t gcimKernelNumElements(const int64_t *dims, int rank);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_COMMON_H */
