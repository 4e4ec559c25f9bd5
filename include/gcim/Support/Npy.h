/* gcim/Support/Npy.h: NumPy .npy files (format versions 1 and 2), read and written whole.
 *
 * Supported: little-endian float32, float64 and int64 ('<f4', '<f8', '<i8'), and int32,
 * int16, int8, uint64, uint32, uint16, uint8, bool and float16 ('<i4', '<i2', '|i1', '<u8',
 * '<u4', '<u2', '|u1', '|b1', '<f2'), C order, rank 0 to 8.
 * Anything else (big-endian, Fortran order, other types, version 3 headers, truncated
 * data) is rejected with a message naming the file and the reason. */
#ifndef GCIM_SUPPORT_NPY_H
#define GCIM_SUPPORT_NPY_H

#include "gcim/Runtime/ElemType.h"
#include "gcim/Support/Status.h"

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An array in memory: `count` elements of `type` (any but GCIM_ELEM_BF16 in a file), row-major, in
/// `data` (malloc'ed; owned by whoever holds the struct and freed with gcimNpyArrayFree).
typedef struct GcimNpyArray {
  GcimElemType type;
  int32_t rank;
  int64_t shape[GCIM_MAX_RANK];
  int64_t count;
  void *data;
} GcimNpyArray;

/// Reads `path` into *out. On failure *out is zeroed (nothing to free) and errMsg says why,
/// e.g. "'x.npy': unsupported dtype '>f4' (need little-endian float32, float64 or int64)".
GcimStatus gcimNpyRead(const char *path, GcimNpyArray *out, char **errMsg);

/// Writes *array to `path` ("-" = stdout) as a version 1 file (its header is short), with
/// the data 64-byte aligned, through a temporary file renamed into place. The array is
/// only borrowed. A bfloat16 array is an error (.npy has no such type).
GcimStatus gcimNpyWrite(const char *path, const GcimNpyArray *array, char **errMsg);

/// Writes *array as gcimNpyWrite does to `out` (borrowed), so that a caller can write
/// several files and commit them together; `path` names the file in messages. GCIM_OK, or
/// GCIM_ERROR_FORMAT for bfloat16, GCIM_ERROR_IO when a write failed.
GcimStatus gcimNpyWriteStream(FILE *out, const char *path, const GcimNpyArray *array,
                              char **errMsg);

/// Converts *array in place to `type` with the runtime's Cast (gcimKernelCast): to a float
/// type rounds once to nearest even (float16 overflows to infinity); float to integer
/// truncates toward zero and saturates to the type's range (NaN gives 0); to bool is
/// value != 0. Integer to integer refuses a value outside `type` (GCIM_ERROR_FORMAT,
/// *array unchanged, errMsg "NAME: element [i, j] is V, outside TYPE", `name` being e.g.
/// "input 'x'"). GCIM_ERROR_MEMORY when out of memory.
GcimStatus gcimNpyConvert(GcimNpyArray *array, GcimElemType type, const char *name, char **errMsg);

/// Frees array->data and zeroes *array. Accepts NULL and an already freed array.
void gcimNpyArrayFree(GcimNpyArray *array);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_NPY_H */
