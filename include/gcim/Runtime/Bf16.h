/* gcim/Runtime/Bf16.h: bfloat16 conversions, written once for Cast, the simulator's decay
 * powers and the importer's folded constants. */
#ifndef GCIM_RUNTIME_BF16_H
#define GCIM_RUNTIME_BF16_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The bfloat16 nearest to `f` (ties to even); a NaN stays a (quiet) NaN.
static inline uint16_t gcimBf16FromFloat(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  if (f != f)
    return (uint16_t)((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return (uint16_t)(bits >> 16);
}

/// The float holding bfloat16 `h` exactly.
static inline float gcimBf16ToFloat(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_BF16_H */
