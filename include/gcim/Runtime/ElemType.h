/* gcim/Runtime/ElemType.h: what every layer shares about tensors, defined once for the
 * kernels, the .npy files, the ONNX importer, the passes and the C emitter: the element
 * types and the largest rank. */
#ifndef GCIM_RUNTIME_ELEMTYPE_H
#define GCIM_RUNTIME_ELEMTYPE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The largest tensor rank anything in gcim accepts (the importer rejects more).
enum { GCIM_MAX_RANK = 8 };

/// X(NAME, C storage type, bytes, numpy name, .npy descr ("" = none), ONNX
/// TensorProto.DataType name, MLIR spelling, is a float). BOOL is a byte holding 0 or 1;
/// F16 (IEEE binary16) and BF16 (bfloat16) are stored in a uint16_t.
#define GCIM_ELEM_TYPES(X)                                                                         \
  X(F32, float, 4, "float32", "<f4", FLOAT, "f32", 1)                                              \
  X(F64, double, 8, "float64", "<f8", DOUBLE, "f64", 1)                                            \
  X(I64, int64_t, 8, "int64", "<i8", INT64, "i64", 0)                                              \
  X(I32, int32_t, 4, "int32", "<i4", INT32, "i32", 0)                                              \
  X(I16, int16_t, 2, "int16", "<i2", INT16, "i16", 0)                                              \
  X(I8, int8_t, 1, "int8", "|i1", INT8, "i8", 0)                                                   \
  X(U8, uint8_t, 1, "uint8", "|u1", UINT8, "ui8", 0)                                               \
  X(BOOL, uint8_t, 1, "bool", "|b1", BOOL, "i1", 0)                                                \
  X(F16, uint16_t, 2, "float16", "<f2", FLOAT16, "f16", 1)                                         \
  X(BF16, uint16_t, 2, "bfloat16", "", BFLOAT16, "bf16", 1)                                        \
  X(U16, uint16_t, 2, "uint16", "<u2", UINT16, "ui16", 0)                                          \
  X(U32, uint32_t, 4, "uint32", "<u4", UINT32, "ui32", 0)                                          \
  X(U64, uint64_t, 8, "uint64", "<u8", UINT64, "ui64", 0)

/// An element type: GCIM_ELEM_F32, GCIM_ELEM_BOOL, ...
typedef enum GcimElemType {
#define GCIM_ELEM_ENUMERATOR(name, ...) GCIM_ELEM_##name,
  GCIM_ELEM_TYPES(GCIM_ELEM_ENUMERATOR)
#undef GCIM_ELEM_ENUMERATOR
} GcimElemType;

/// The number of element types (outside GcimElemType, so switches need not handle it).
#define GCIM_ELEM_PLUS_ONE(...) +1
enum { GCIM_ELEM_COUNT = 0 GCIM_ELEM_TYPES(GCIM_ELEM_PLUS_ONE) };
#undef GCIM_ELEM_PLUS_ONE

/// One row of GCIM_ELEM_TYPES; gcimElemTypeInfo gives it.
typedef struct GcimElemTypeInfo {
  const char *enumName; /* "GCIM_ELEM_F32" */
  const char *cType;    /* "float", "uint16_t", ... */
  size_t size;
  const char *numpyName;
  const char *npyDescr; /* "" when .npy has no such type (bfloat16) */
  const char *mlirName;
  int isFloat;
} GcimElemTypeInfo;

/// The row of `type` (a valid GcimElemType); never NULL, static storage.
static inline const GcimElemTypeInfo *gcimElemTypeInfo(GcimElemType type) {
  static const GcimElemTypeInfo rows[] = {
#define GCIM_ELEM_ROW(name, cType, size, numpy, descr, onnx, mlir, isFloat)                        \
  {"GCIM_ELEM_" #name, #cType, size, numpy, descr, mlir, isFloat},
      GCIM_ELEM_TYPES(GCIM_ELEM_ROW)
#undef GCIM_ELEM_ROW
  };
  return &rows[type];
}

/// Size in bytes of one element of `type`.
static inline size_t gcimElemTypeSize(GcimElemType type) { return gcimElemTypeInfo(type)->size; }

/// Whether `type` is float32, float64, float16 or bfloat16.
static inline int gcimElemTypeIsFloat(GcimElemType type) { return gcimElemTypeInfo(type)->isFloat; }

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_ELEMTYPE_H */
