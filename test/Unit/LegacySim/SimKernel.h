/* SimKernel.h: internal to the runtime: the simulator's product kernel and random numbers. */
#ifndef GCIM_LIB_RUNTIME_SIMKERNEL_H
#define GCIM_LIB_RUNTIME_SIMKERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Lanes per kernel block: cells are stored in blocks of this many floats. */
#define GCIM_SIM_BLOCK 16

/* out_i[0 .. GCIM_SIM_BLOCK) = sum over j < count of c_i[x] * w[x * stride + l]^(i+1),
 * x = index[j], for i < 3 (only i = 0 when `one`; the other outputs are then 0), each lane
 * summed in order of j, powers as repeated float32 products. */
typedef void GcimSimKernel(int one, int32_t count, const int32_t *restrict index, size_t stride,
                           const float *restrict c1, const float *restrict c2,
                           const float *restrict c3, const float *restrict rows, float *restrict o1,
                           float *restrict o2, float *restrict o3);

/* The fastest kernel this CPU runs; every kernel gives bit-identical results. */
GcimSimKernel *gcimSimKernelSelect(void);

/* Seeds a xoshiro256** state from a 64-bit seed (splitmix64). */
void gcimSimRandomSeed(uint64_t state[4], uint64_t seed);

/* A standard normal draw (Box-Muller) advancing `state`. */
double gcimSimRandomNormal(uint64_t state[4]);

#endif /* GCIM_LIB_RUNTIME_SIMKERNEL_H */
