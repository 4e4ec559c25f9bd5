/* Values.c: the C emitter's table of values, their types, shapes and storage. */
#include "Emitter.h"

#include "gcim/Support/Diagnostics.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdlib.h>
#include <string.h>

static size_t hashPointer(const void *ptr) {
  uintptr_t bits = (uintptr_t)ptr;
  bits ^= bits >> 17;
  bits *= 0x9E3779B97F4A7C15ull;
  return (size_t)(bits ^ (bits >> 29));
}

static bool growSlots(EmitState *state) {
  size_t count = state->slotCount ? state->slotCount * 2 : 1024;
  size_t *slots = calloc(count, sizeof *slots);
  if (!slots)
    return false;
  for (size_t i = 0; i < state->valueCount; ++i) {
    size_t slot = hashPointer(state->values[i].value.ptr) & (count - 1);
    while (slots[slot])
      slot = (slot + 1) & (count - 1);
    slots[slot] = i + 1;
  }
  free(state->slots);
  state->slots = slots;
  state->slotCount = count;
  return true;
}

ValueInfo *gcimCEmitLookup(EmitState *state, MlirValue value) {
  if (!state->slotCount)
    return NULL;
  size_t slot = hashPointer(value.ptr) & (state->slotCount - 1);
  for (; state->slots[slot]; slot = (slot + 1) & (state->slotCount - 1)) {
    ValueInfo *info = &state->values[state->slots[slot] - 1];
    if (mlirValueEqual(info->value, value))
      return info;
  }
  return NULL;
}

ValueInfo *gcimCEmitAddValue(EmitState *state, MlirValue value, ValueStorage storage) {
  if (state->valueCount == state->valueCapacity) {
    size_t capacity = state->valueCapacity ? state->valueCapacity * 2 : 256;
    ValueInfo *values = realloc(state->values, capacity * sizeof *values);
    if (!values)
      return NULL;
    state->values = values;
    state->valueCapacity = capacity;
  }
  if ((state->valueCount + 1) * 2 > state->slotCount && !growSlots(state))
    return NULL;
  ValueInfo *info = &state->values[state->valueCount];
  memset(info, 0, sizeof *info);
  info->value = value;
  info->storage = storage;
  static const char prefixes[] = {'i', 'w', 'v'};
  snprintf(info->name, sizeof info->name, "%s%c%zu", state->valuePrefix, prefixes[storage],
           state->valueCount);
  size_t slot = hashPointer(value.ptr) & (state->slotCount - 1);
  while (state->slots[slot])
    slot = (slot + 1) & (state->slotCount - 1);
  state->slots[slot] = ++state->valueCount;
  return info;
}

static bool elemKindOf(MlirType type, GcimElemType *kind) {
  if (mlirTypeIsAF32(type))
    *kind = GCIM_ELEM_F32;
  else if (mlirTypeIsAF64(type))
    *kind = GCIM_ELEM_F64;
  else if (mlirTypeIsAF16(type))
    *kind = GCIM_ELEM_F16;
  else if (mlirTypeIsABF16(type))
    *kind = GCIM_ELEM_BF16;
  else if (mlirTypeIsAInteger(type)) {
    unsigned width = mlirIntegerTypeGetWidth(type);
    bool isUnsigned = mlirIntegerTypeIsUnsigned(type);
    if (width == 1)
      *kind = GCIM_ELEM_BOOL;
    else if (width == 64)
      *kind = isUnsigned ? GCIM_ELEM_U64 : GCIM_ELEM_I64;
    else if (width == 32)
      *kind = isUnsigned ? GCIM_ELEM_U32 : GCIM_ELEM_I32;
    else if (width == 16)
      *kind = isUnsigned ? GCIM_ELEM_U16 : GCIM_ELEM_I16;
    else if (width == 8)
      *kind = isUnsigned ? GCIM_ELEM_U8 : GCIM_ELEM_I8;
    else
      return false;
  } else {
    return false;
  }
  return true;
}

bool gcimCEmitDescribeType(EmitState *state, MlirType type, MlirLocation loc, ValueInfo *info) {
  if (!mlirTypeIsARankedTensor(type) || !mlirShapedTypeHasStaticShape(type)) {
    gcimEmitError(loc, "code generation needs tensors of static shape (bind dynamic "
                       "dimensions with --input-shape)");
    state->failed = true;
    return false;
  }
  int64_t rank = mlirShapedTypeGetRank(type);
  MlirType elem = mlirShapedTypeGetElementType(type);
  info->fourBit = mlirTypeIsAInteger(elem) && mlirIntegerTypeGetWidth(elem) == 4 &&
                  !mlirIntegerTypeIsUnsigned(elem);
  if (info->fourBit && info->storage != STORAGE_WEIGHT) {
    gcimEmitError(loc, "code generation supports 4-bit integers only as constant weights of "
                       "gcim.linear_narrow");
    state->failed = true;
    return false;
  }
  if (info->fourBit)
    info->elem = GCIM_ELEM_I8;
  else if (rank > GCIM_MAX_RANK || !elemKindOf(elem, &info->elem)) {
    gcimEmitError(loc, "code generation does not support this tensor type (rank at most "
                       "8; f32, f64, f16, bf16, i64, ui64, i32, ui32, i16, ui16, i8, ui8, i1)");
    state->failed = true;
    return false;
  }
  info->rank = (int)rank;
  info->count = 1;
  for (int i = 0; i < info->rank; ++i) {
    info->dims[i] = mlirShapedTypeGetDimSize(type, i);
    info->count *= info->dims[i];
  }
  info->bytes = (uint64_t)info->count * gcimElemTypeSize(info->elem);
  return true;
}

const char *gcimCEmitElemCType(GcimElemType elem) { return gcimElemTypeInfo(elem)->cType; }

const char *gcimCEmitElemEnum(GcimElemType elem) { return gcimElemTypeInfo(elem)->enumName; }

const char *gcimCEmitDims(EmitState *state, ValueInfo *info, char buffer[32]) {
  (void)state;
  if (info->rank == 0)
    return "NULL";
  info->dimsUsed = true;
  snprintf(buffer, 32, "%s_d", info->name);
  return buffer;
}
