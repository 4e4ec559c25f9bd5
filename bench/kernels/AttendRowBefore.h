/* AttendRowBefore.h: the decode step's attention as it was before issue 16's vector exp
 * (bench/README.md, "Decode attention's exp (issue 16)"), the baseline of
 * gcim-row-kernels-bench --pairs. Not part of the runtime. */
#ifndef GCIM_BENCH_KERNELS_ATTENDROWBEFORE_H
#define GCIM_BENCH_KERNELS_ATTENDROWBEFORE_H

#include "gcim/Runtime/Kernels/Nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/// gcimKernelAttentionF32 for queryLen 1 (decode, no window) with the attention row of
/// 99b874f (scalar expf, one value row at a time): out = softmax(scale q k^T) v per head;
/// scratch holds keyLen floats.
void benchAttendDecodeBefore(const GcimAttentionDesc *desc, const float *q, const float *k,
                             const float *v, float *out, float *scratch);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_BENCH_KERNELS_ATTENDROWBEFORE_H */
