/* Tensor.c: ONNX element types and tensors: checking, loading and MLIR attributes. */
#include "Importer.h"

#include "gcim/Runtime/Bf16.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The element type of ONNX data type `t`; false for the types gcim does not handle. */
static bool elemTypeFromOnnx(int32_t t, GcimElemType *type) {
  switch (t) {
#define FROM_ONNX(name, cType, size, numpy, descr, onnx, ...)                                      \
  case DT_##onnx:                                                                                  \
    *type = GCIM_ELEM_##name;                                                                      \
    return true;
    GCIM_ELEM_TYPES(FROM_ONNX)
#undef FROM_ONNX
  default:
    return false;
  }
}

bool gcimOnnxIsFloatType(int32_t t) {
  GcimElemType type;
  return elemTypeFromOnnx(t, &type) && gcimElemTypeIsFloat(type);
}

size_t gcimOnnxElemTypeSize(int32_t t) {
  GcimElemType type;
  return elemTypeFromOnnx(t, &type) ? gcimElemTypeSize(type) : 0;
}

const char *gcimOnnxElemTypeName(int32_t t) {
  GcimElemType type;
  return elemTypeFromOnnx(t, &type) ? gcimElemTypeInfo(type)->mlirName : "?";
}

MlirType gcimOnnxElemTypeToMlir(MlirContext ctx, int32_t t) {
  GcimElemType type;
  if (!elemTypeFromOnnx(t, &type))
    return (MlirType){NULL};
  const char *spelling = gcimElemTypeInfo(type)->mlirName;
  return mlirTypeParseGet(ctx, mlirStringRefCreateFromCString(spelling));
}

/* No value can hold more (a petabyte of floats); below it, byte sizes and the generated
 * code's offsets (8-byte elements, sums of many values) stay far from overflowing. */
#define MAX_ELEMENTS ((int64_t)1 << 48)

int64_t gcimOnnxTypeNumElements(const TypeInfo *type) {
  int64_t n = 1;
  for (int32_t i = 0; i < type->rank; ++i) {
    if (type->dims[i] < 0)
      return -1;
    if (type->dims[i] && n > MAX_ELEMENTS / type->dims[i])
      return -1;
    n *= type->dims[i];
  }
  return n;
}

MlirType gcimOnnxTypeToMlir(MlirContext ctx, const TypeInfo *type) {
  int64_t dims[GCIM_MAX_RANK];
  for (int32_t i = 0; i < type->rank; ++i)
    dims[i] = type->dims[i] < 0 ? mlirShapedTypeGetDynamicSize() : type->dims[i];
  return mlirRankedTensorTypeGet(type->rank, dims, gcimOnnxElemTypeToMlir(ctx, type->elemType),
                                 mlirAttributeGetNull());
}

void gcimOnnxFormatShape(const TypeInfo *type, char *buffer, size_t size) {
  size_t used = 0;
  buffer[0] = '\0';
  for (int32_t i = 0; i < type->rank && used < size; ++i) {
    int n = type->dims[i] < 0
                ? snprintf(buffer + used, size - used, "?x")
                : snprintf(buffer + used, size - used, "%lldx", (long long)type->dims[i]);
    if (n < 0)
      break;
    used += (size_t)n;
  }
  if (used < size)
    snprintf(buffer + used, size - used, "%s", gcimOnnxElemTypeName(type->elemType));
}

ConstData *gcimOnnxConstCreate(int32_t elemType, int64_t count) {
  ConstData *data = calloc(1, sizeof *data);
  if (!data)
    return NULL;
  data->count = count;
  size_t n = count > 0 ? (size_t)count : 1;
  if (gcimOnnxIsFloatType(elemType))
    data->floats = calloc(n, sizeof(double));
  else
    data->ints = calloc(n, sizeof(int64_t));
  if (!data->floats && !data->ints) {
    free(data);
    return NULL;
  }
  return data;
}

void gcimOnnxConstDestroy(ConstData *data) {
  if (!data)
    return;
  free(data->ints);
  free(data->floats);
  free(data);
}

double gcimOnnxConstGetFloat(const ConstData *d, int64_t i) {
  return d->floats ? d->floats[i] : (double)d->ints[i];
}

int64_t gcimOnnxConstGetInt(const ConstData *d, int64_t i) {
  if (d->ints)
    return d->ints[i];
  double f = d->floats[i];
  return isfinite(f) && fabs(f) < 9.2e18 ? (int64_t)f : 0;
}

bool gcimOnnxTensorType(Importer *im, const Onnx__TensorProto *tensor, const char *what,
                        TypeInfo *type) {
  memset(type, 0, sizeof *type);
  if (!tensor->has_data_type || !gcimOnnxElemTypeSize(tensor->data_type)) {
    gcimOnnxImportError(im, "%s has unsupported data type %d", what, (int)tensor->data_type);
    return false;
  }
  if (tensor->n_dims > GCIM_MAX_RANK) {
    gcimOnnxImportError(im, "%s has rank %zu, above the supported %d", what, tensor->n_dims,
                        GCIM_MAX_RANK);
    return false;
  }
  type->elemType = tensor->data_type;
  type->rank = (int32_t)tensor->n_dims;
  for (size_t i = 0; i < tensor->n_dims; ++i) {
    if (tensor->dims[i] < 0) {
      gcimOnnxImportError(im, "%s has negative dimension %lld", what, (long long)tensor->dims[i]);
      return false;
    }
    type->dims[i] = tensor->dims[i];
  }
  int64_t n = gcimOnnxTypeNumElements(type);
  if (n < 0 || (uint64_t)n > SIZE_MAX / 8) {
    gcimOnnxImportError(im, "%s has too many elements (more than 2^48)", what);
    return false;
  }
  return true;
}

/* Reads element i of little-endian `raw` of type t. */
static void readRaw(const uint8_t *raw, int32_t t, int64_t i, int64_t *iv, double *fv) {
  size_t size = gcimOnnxElemTypeSize(t);
  uint64_t bits = 0;
  memcpy(&bits, raw + (size_t)i * size, size);
  switch (t) {
  case DT_FLOAT: {
    float f;
    uint32_t b = (uint32_t)bits;
    memcpy(&f, &b, 4);
    *fv = f;
    break;
  }
  case DT_DOUBLE:
    memcpy(fv, &bits, 8);
    break;
  case DT_FLOAT16:
  case DT_BFLOAT16: {
    uint32_t b = (uint32_t)bits;
    if (t == DT_BFLOAT16) {
      b <<= 16;
    } else {
      uint32_t sign = (b & 0x8000u) << 16, exp = (b >> 10) & 0x1f, man = b & 0x3ff;
      float f;
      if (exp == 0)
        f = ldexpf((float)man, -24);
      else if (exp == 31)
        f = man ? NAN : INFINITY;
      else
        f = ldexpf((float)(man | 0x400), (int)exp - 25);
      memcpy(&b, &f, 4);
      b |= sign;
    }
    float f;
    memcpy(&f, &b, 4);
    *fv = f;
    break;
  }
  case DT_INT8:
    *iv = (int8_t)bits;
    break;
  case DT_INT16:
    *iv = (int16_t)bits;
    break;
  case DT_INT32:
    *iv = (int32_t)bits;
    break;
  case DT_INT64:
    *iv = (int64_t)bits;
    break;
  case DT_BOOL:
    *iv = bits != 0;
    break;
  default:
    *iv = (int64_t)bits;
    break; /* unsigned */
  }
}

/* The tensor's bytes when it has raw (stripped, inline or external) data. */
static bool rawBytes(Importer *im, const Onnx__TensorProto *tensor, const ByteView *bytes,
                     uint64_t expected, const char *what, ByteView *out) {
  if (bytes && bytes->present && bytes->size == expected) {
    *out = *bytes; /* stripped raw data, or external data resolved before */
    return true;
  }
  if (tensor->has_data_location &&
      tensor->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
    char *errMsg = NULL;
    if (!gcimOnnxResolveExternalData(im->mappings, tensor, expected, out, &errMsg)) {
      gcimOnnxImportError(im, "%s: %s", what, errMsg ? errMsg : "out of memory");
      free(errMsg);
      return false;
    }
    return true;
  }
  if (bytes && bytes->present)
    *out = *bytes;
  else if (tensor->has_raw_data)
    *out = (ByteView){tensor->raw_data.data, tensor->raw_data.len, true, false};
  else
    *out = (ByteView){0};
  if (out->present && out->size != expected) {
    gcimOnnxImportError(im, "%s has %zu bytes of raw data, its type needs %llu", what, out->size,
                        (unsigned long long)expected);
    return false;
  }
  return true;
}

/* Number of values in the tensor's typed field for its data type. */
static size_t typedCount(const Onnx__TensorProto *t) {
  switch (t->data_type) {
  case DT_FLOAT:
    return t->n_float_data;
  case DT_DOUBLE:
    return t->n_double_data;
  case DT_INT64:
    return t->n_int64_data;
  case DT_UINT32:
  case DT_UINT64:
    return t->n_uint64_data;
  default:
    return t->n_int32_data;
  }
}

static void readTyped(const Onnx__TensorProto *t, int64_t i, int64_t *iv, double *fv) {
  switch (t->data_type) {
  case DT_FLOAT:
    *fv = t->float_data[i];
    break;
  case DT_DOUBLE:
    *fv = t->double_data[i];
    break;
  case DT_INT64:
    *iv = t->int64_data[i];
    break;
  case DT_UINT32:
  case DT_UINT64:
    *iv = (int64_t)t->uint64_data[i];
    break;
  case DT_FLOAT16:
  case DT_BFLOAT16: {
    uint16_t bits = (uint16_t)t->int32_data[i];
    readRaw((const uint8_t *)&bits, t->data_type, 0, iv, fv);
    break;
  }
  case DT_BOOL:
    *iv = t->int32_data[i] != 0;
    break;
  default:
    *iv = t->int32_data[i];
    break;
  }
}

bool gcimOnnxTensorCheck(Importer *im, const Onnx__TensorProto *tensor, ByteView *bytes,
                         const TypeInfo *type, const char *what) {
  int64_t n = gcimOnnxTypeNumElements(type);
  ByteView raw;
  if (!rawBytes(im, tensor, bytes, (uint64_t)n * gcimOnnxElemTypeSize(type->elemType), what, &raw))
    return false;
  if (!raw.present && typedCount(tensor) != (size_t)n) {
    gcimOnnxImportError(im, "%s has %zu values, its shape needs %lld", what, typedCount(tensor),
                        (long long)n);
    return false;
  }
  *bytes = raw;
  return true;
}

ConstData *gcimOnnxTensorLoad(Importer *im, const Onnx__TensorProto *tensor, const ByteView *bytes,
                              const TypeInfo *type, const char *what) {
  int64_t n = gcimOnnxTypeNumElements(type);
  ByteView raw;
  if (!rawBytes(im, tensor, bytes, (uint64_t)n * gcimOnnxElemTypeSize(type->elemType), what, &raw))
    return NULL;
  if (!raw.present && typedCount(tensor) != (size_t)n) {
    gcimOnnxImportError(im, "%s has %zu values, its shape needs %lld", what, typedCount(tensor),
                        (long long)n);
    return NULL;
  }
  ConstData *data = gcimOnnxConstCreate(type->elemType, n);
  if (!data) {
    gcimOnnxImportError(im, "out of memory");
    return NULL;
  }
  for (int64_t i = 0; i < n; ++i) {
    int64_t iv = 0;
    double fv = 0;
    if (raw.present)
      readRaw(raw.data, type->elemType, i, &iv, &fv);
    else
      readTyped(tensor, i, &iv, &fv);
    if (data->floats)
      data->floats[i] = fv;
    else
      data->ints[i] = iv;
  }
  return data;
}

/* Writes element value into `out` in the storage format of type t. */
static void writeRaw(uint8_t *out, int32_t t, int64_t iv, double fv) {
  switch (t) {
  case DT_FLOAT: {
    float f = (float)fv;
    memcpy(out, &f, 4);
    return;
  }
  case DT_DOUBLE:
    memcpy(out, &fv, 8);
    return;
  case DT_FLOAT16:
  case DT_BFLOAT16: {
    float f = (float)fv;
    uint32_t b;
    memcpy(&b, &f, 4);
    uint16_t h;
    if (t == DT_BFLOAT16) {
      h = gcimBf16FromFloat(f);
    } else {
      uint32_t sign = (b >> 16) & 0x8000u;
      int exp = (int)((b >> 23) & 0xff) - 127 + 15;
      uint32_t man = b & 0x7fffff;
      if (isnan(f))
        h = 0x7e00;
      else if (exp >= 31)
        h = (uint16_t)(sign | 0x7c00);
      else if (exp <= 0)
        h = (uint16_t)(sign | (uint32_t)lrintf(fabsf(f) * 16777216.0f));
      else
        h = (uint16_t)(sign | (uint32_t)exp << 10 | (man + 0x1000) >> 13);
    }
    memcpy(out, &h, 2);
    return;
  }
  default: {
    uint64_t bits = (uint64_t)iv;
    memcpy(out, &bits, gcimOnnxElemTypeSize(t));
    return;
  }
  }
}

MlirAttribute gcimOnnxConstAttr(Importer *im, const ConstData *data, const TypeInfo *type) {
  MlirType shaped = gcimOnnxTypeToMlir(im->ctx, type);
  size_t size = gcimOnnxElemTypeSize(type->elemType);
  size_t n = (size_t)data->count;
  if (type->elemType == DT_BOOL) {
    int *values = malloc((n ? n : 1) * sizeof(int));
    if (!values)
      return mlirAttributeGetNull();
    for (size_t i = 0; i < n; ++i)
      values[i] = gcimOnnxConstGetInt(data, (int64_t)i) != 0;
    MlirAttribute attr = mlirDenseElementsAttrBoolGet(shaped, (intptr_t)n, values);
    free(values);
    return attr;
  }
  uint8_t *raw = malloc(n ? n * size : 1);
  if (!raw)
    return mlirAttributeGetNull();
  for (size_t i = 0; i < n; ++i)
    writeRaw(raw + i * size, type->elemType, data->ints ? data->ints[i] : 0,
             data->floats ? data->floats[i] : 0.0);
  MlirAttribute attr = mlirDenseElementsAttrRawBufferGet(shaped, n * size, raw);
  free(raw);
  return attr;
}

/* Remembers where a resource's bytes are, for gcimOnnxImportGetResourceData. */
static bool recordResource(Importer *im, MlirAttribute attr, const void *data, size_t size) {
  MappingList *list = im->mappings;
  if (list->resourceCount == list->resourceCapacity) {
    size_t capacity = list->resourceCapacity ? 2 * list->resourceCapacity : 64;
    ResourceEntry *grown = realloc(list->resources, capacity * sizeof *grown);
    if (!grown) {
      gcimOnnxImportError(im, "out of memory");
      return false;
    }
    list->resources = grown;
    list->resourceCapacity = capacity;
  }
  list->resources[list->resourceCount++] = (ResourceEntry){attr.ptr, data, size};
  return true;
}

/* A resource name from a tensor name: letters, digits and '_' only. */
static void resourceName(const char *name, char *out, size_t size) {
  size_t n = 0;
  for (const char *p = name; *p && n + 1 < size; ++p) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out[n++] = ok ? c : '_';
  }
  if (n == 0)
    out[n++] = 'w';
  out[n] = '\0';
}

/* The mappings belong to the GcimOnnxImport, not to MLIR: nothing to free. */
static void keepMapping(void *userData, const void *data, size_t size, size_t align) {
  (void)userData;
  (void)data;
  (void)size;
  (void)align;
}

MlirAttribute gcimOnnxTensorAttr(Importer *im, const Onnx__TensorProto *tensor,
                                 const ByteView *bytes, const TypeInfo *type, const char *what) {
  int64_t n = gcimOnnxTypeNumElements(type);
  size_t size = gcimOnnxElemTypeSize(type->elemType);
  ByteView raw;
  if (!rawBytes(im, tensor, bytes, (uint64_t)n * size, what, &raw))
    return mlirAttributeGetNull();
  size_t threshold =
      im->options && im->options->resourceThreshold ? im->options->resourceThreshold : 1024;
  // Only bytes in a mapping may be referenced: protobuf-c's copies die with the import.
  if (raw.present && raw.mapped && raw.size >= threshold && type->elemType != DT_BOOL) {
    char name[128];
    resourceName(tensor->name ? tensor->name : "", name, sizeof name);
    size_t align = ((uintptr_t)raw.data % size) == 0 ? size : 1;
    MlirAttribute attr = mlirUnmanagedDenseResourceElementsAttrGet(
        gcimOnnxTypeToMlir(im->ctx, type), mlirStringRefCreateFromCString(name), (void *)raw.data,
        raw.size, align, false, keepMapping, NULL);
    return recordResource(im, attr, raw.data, raw.size) ? attr : mlirAttributeGetNull();
  }
  if (raw.present && type->elemType != DT_BOOL)
    return mlirDenseElementsAttrRawBufferGet(gcimOnnxTypeToMlir(im->ctx, type), raw.size, raw.data);
  ConstData *data = gcimOnnxTensorLoad(im, tensor, bytes, type, what);
  if (!data)
    return mlirAttributeGetNull();
  MlirAttribute attr = gcimOnnxConstAttr(im, data, type);
  gcimOnnxConstDestroy(data);
  return attr;
}
