/* Values.c: the importer's table of named values, known constants and diagnostics. */
#define _XOPEN_SOURCE 700
#include "Expand.h"

#include "gcim/Support/Diagnostics.h"
#include "mlir-c/BuiltinAttributes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t hashString(const char *s) {
  size_t h = 1469598103934665603ull;
  for (; *s; ++s)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static bool strMapGrow(StrMap *map) {
  size_t capacity = map->capacity ? 2 * map->capacity : 64;
  const char **keys = calloc(capacity, sizeof *keys);
  void **items = calloc(capacity, sizeof *items);
  if (!keys || !items) {
    free(keys);
    free(items);
    return false;
  }
  for (size_t i = 0; i < map->capacity; ++i) {
    if (!map->keys[i])
      continue;
    size_t j = hashString(map->keys[i]) & (capacity - 1);
    while (keys[j])
      j = (j + 1) & (capacity - 1);
    keys[j] = map->keys[i];
    items[j] = map->items[i];
  }
  free(map->keys);
  free(map->items);
  map->keys = keys;
  map->items = items;
  map->capacity = capacity;
  return true;
}

bool gcimOnnxStrMapPut(StrMap *map, const char *key, void *item) {
  if (2 * (map->count + 1) > map->capacity && !strMapGrow(map))
    return false;
  size_t j = hashString(key) & (map->capacity - 1);
  while (map->keys[j] && strcmp(map->keys[j], key) != 0)
    j = (j + 1) & (map->capacity - 1);
  if (!map->keys[j])
    ++map->count;
  map->keys[j] = key;
  map->items[j] = item;
  return true;
}

void *gcimOnnxStrMapGet(const StrMap *map, const char *key) {
  if (!map->capacity)
    return NULL;
  size_t j = hashString(key) & (map->capacity - 1);
  while (map->keys[j]) {
    if (strcmp(map->keys[j], key) == 0)
      return map->items[j];
    j = (j + 1) & (map->capacity - 1);
  }
  return NULL;
}

void gcimOnnxStrMapFree(StrMap *map) {
  free(map->keys);
  free(map->items);
  memset(map, 0, sizeof *map);
}

Value *gcimOnnxLookupValue(Importer *im, const char *name) {
  return gcimOnnxStrMapGet(&im->values, name);
}

Value *gcimOnnxDefineValue(Importer *im, const char *name) {
  Value *v = calloc(1, sizeof *v);
  char *copy = strdup(name);
  if (!v || !copy || !gcimOnnxStrMapPut(&im->values, copy, v)) {
    free(v);
    free(copy);
    gcimOnnxImportError(im, "out of memory");
    return NULL;
  }
  v->name = copy;
  return v;
}

void gcimOnnxFreeValues(Importer *im) {
  for (size_t i = 0; i < im->values.capacity; ++i) {
    Value *v = im->values.items[i];
    if (!im->values.keys[i] || !v)
      continue;
    gcimOnnxConstDestroy(v->constant);
    free(v->name);
    free(v);
  }
  gcimOnnxStrMapFree(&im->values);
  gcimOnnxStrMapFree(&im->valueInfos);
}

MlirLocation gcimOnnxNameLoc(Importer *im, const char *name) {
  return mlirLocationNameGet(im->ctx, mlirStringRefCreateFromCString(name), im->fileLoc);
}

void gcimOnnxImportError(Importer *im, const char *format, ...) {
  char message[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  im->failed = true;
  if (im->nodeName) {
    gcimEmitError(im->loc, "'%s' node '%s': %s", im->opType, im->nodeName, message);
  } else {
    gcimEmitError(mlirLocationIsNull(im->loc) ? im->fileLoc : im->loc, "%s", message);
  }
}

const ConstData *gcimOnnxKnownConst(Importer *im, Value *v) {
  if (!v)
    return NULL;
  if (v->constant || !v->initializer ||
      (im->expansion && gcimOnnxExpansionIsOpaque(im->expansion, v->name)))
    return v->constant;
  int64_t n = gcimOnnxTypeNumElements(&v->type);
  // Integer tensors are shapes, axes and indices; large float tensors are weights, which
  // are never read at import time.
  if (n < 0 || n > GCIM_FOLD_LIMIT || (gcimOnnxIsFloatType(v->type.elemType) && n > 16))
    return NULL;
  v->constant = gcimOnnxTensorLoad(im, v->initializer, &v->initializerBytes, &v->type, "tensor");
  return v->constant;
}

bool gcimOnnxValueInfoType(Importer *im, const Onnx__TypeProto *proto, const char *what,
                           TypeInfo *type) {
  memset(type, 0, sizeof *type);
  if (!proto || proto->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !proto->tensor_type) {
    gcimOnnxImportError(im, "%s is not a tensor", what);
    return false;
  }
  const Onnx__TypeProto__Tensor *tensor = proto->tensor_type;
  if (!gcimOnnxElemTypeSize(tensor->elem_type)) {
    gcimOnnxImportError(im, "%s has unsupported data type %d", what, (int)tensor->elem_type);
    return false;
  }
  type->elemType = tensor->elem_type;
  if (!tensor->shape) {
    type->rank = -1;
    return true;
  }
  if (tensor->shape->n_dim > GCIM_MAX_RANK) {
    gcimOnnxImportError(im, "%s has rank %zu, above the supported %d", what, tensor->shape->n_dim,
                        GCIM_MAX_RANK);
    return false;
  }
  type->rank = (int32_t)tensor->shape->n_dim;
  for (size_t i = 0; i < tensor->shape->n_dim; ++i) {
    const Onnx__TensorShapeProto__Dimension *dim = tensor->shape->dim[i];
    if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
      if (dim->dim_value < 0) {
        gcimOnnxImportError(im, "%s has negative dimension %lld", what, (long long)dim->dim_value);
        return false;
      }
      type->dims[i] = dim->dim_value;
    } else {
      type->dims[i] = -1;
    }
  }
  TypeInfo known = *type;
  for (int32_t d = 0; d < known.rank; ++d)
    known.dims[d] = known.dims[d] < 0 ? 1 : known.dims[d];
  if (gcimOnnxTypeNumElements(&known) < 0) {
    gcimOnnxImportError(im, "%s has too many elements (more than 2^48)", what);
    return false;
  }
  return true;
}

MlirValue gcimOnnxMaterialize(Importer *im, Value *v) {
  if (!mlirValueIsNull(v->value))
    return v->value;
  MlirAttribute attr;
  if (v->initializer)
    attr = gcimOnnxTensorAttr(im, v->initializer, &v->initializerBytes, &v->type, "tensor");
  else if (v->constant)
    attr = gcimOnnxConstAttr(im, v->constant, &v->type);
  else
    return v->value; /* a bug: every value is defined before use */
  if (mlirAttributeIsNull(attr)) {
    if (!im->failed)
      gcimOnnxImportError(im, "cannot build the constant '%s'", v->name);
    return v->value;
  }
  MlirLocation loc = mlirLocationIsNull(v->loc) ? gcimOnnxNameLoc(im, v->name) : v->loc;
  MlirOperationState state =
      mlirOperationStateGet(mlirStringRefCreateFromCString("onnx.constant"), loc);
  MlirType type = gcimOnnxTypeToMlir(im->ctx, &v->type);
  mlirOperationStateAddResults(&state, 1, &type);
  MlirNamedAttribute named = mlirNamedAttributeGet(
      mlirIdentifierGet(im->ctx, mlirStringRefCreateFromCString("value")), attr);
  mlirOperationStateAddAttributes(&state, 1, &named);
  MlirOperation op = mlirOperationCreate(&state);
  mlirBlockAppendOwnedOperation(im->block, op);
  v->value = mlirOperationGetResult(op, 0);
  return v->value;
}
