/* Emit.c: the C emitter's driver: values, weights and one statement per op.
 *
 * Assumes one func.func @main whose tensors all have static shapes, after
 * gcim-lower-runtime: every op result has its place in the function's arena
 * (`gcim.arena_offsets`, `gcim.arena_bytes`). onnx.constant values go into the weights
 * blob; graph inputs are parameters of PREFIX_run, graph outputs are copied into the
 * caller's buffers at the end. */
#include "Emitter.h"

#include "gcim/Runtime/Kernels/MatMul.h"
#include "gcim/Runtime/Kernels/MatMulQuant.h"
#include "gcim/Runtime/Weights.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Support/TileLayer.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t alignUp(uint64_t n) {
  return (n + EMIT_ALIGNMENT - 1) / EMIT_ALIGNMENT * EMIT_ALIGNMENT;
}

/* Appends `size` bytes to the weights where they end. */
static bool writeWeights(EmitState *state, const void *data, uint64_t size) {
  uint64_t at = state->weightBytes;
  state->weightBytes += size;
  if (state->weightsStream) {
    /* hashed and written a piece at a time, so the write reads the piece from the cache */
    enum { PIECE = 1 << 18 };
    const unsigned char *bytes = data;
    for (uint64_t done = 0; done < size; done += PIECE) {
      size_t piece = size - done < PIECE ? (size_t)(size - done) : PIECE;
      gcimWeightsHasherUpdate(&state->weightsHasher, bytes + done, piece);
      if (fwrite(bytes + done, 1, piece, state->weightsStream) != piece)
        return false;
    }
    return true;
  }
  gcimWeightsHasherUpdate(&state->weightsHasher, data, size);
  if (state->weightBytes > state->weightCapacity) {
    uint64_t capacity = state->weightCapacity ? state->weightCapacity : 1 << 16;
    while (capacity < state->weightBytes)
      capacity *= 2;
    unsigned char *grown = realloc(state->weights, capacity);
    if (!grown)
      return false;
    state->weights = grown;
    state->weightCapacity = capacity;
  }
  if (size)
    memcpy(state->weights + at, data, size);
  return true;
}

/* Pads the weights to the next aligned offset, stored in *offset. */
static bool alignWeights(EmitState *state, uint64_t *offset) {
  static const unsigned char zeros[EMIT_ALIGNMENT] = {0};
  uint64_t start = alignUp(state->weightBytes);
  *offset = start;
  return writeWeights(state, zeros, start - state->weightBytes);
}

/* Appends `size` bytes to the weights at an aligned offset, stored in *offset. */
static bool appendWeights(EmitState *state, const void *data, uint64_t size, uint64_t *offset) {
  return alignWeights(state, offset) && writeWeights(state, data, size);
}

/* Bytes of a weight read from the caller's memory (the model's mapping) between two
 * GcimConstantDoneFn calls: a large weight never has more of its pages in memory. */
enum { RELEASE_BYTES = 16 << 20 };

/* Tells the caller that the bytes of `attr` read so far are written: they may leave memory
 * (what is read again is mapped back). Nothing for a dense attribute (MLIR's memory). */
static void releaseRead(EmitState *state, MlirAttribute attr) {
  if (!mlirAttributeIsADenseElements(attr) && state->options->constantDone)
    state->options->constantDone(state->options->constantDataUserData, attr);
}

/* appendWeights of the bytes of `attr`, a part of RELEASE_BYTES at a time, each released
 * once written. */
static bool appendReleasing(EmitState *state, MlirAttribute attr, const void *data, uint64_t size,
                            uint64_t *offset) {
  const unsigned char *bytes = data;
  bool ok = alignWeights(state, offset);
  for (uint64_t done = 0; ok && done < size; done += RELEASE_BYTES) {
    ok = writeWeights(state, bytes + done,
                      size - done < RELEASE_BYTES ? size - done : RELEASE_BYTES);
    if (size - done > RELEASE_BYTES)
      releaseRead(state, attr);
  }
  return ok;
}

/* Appends the k x n row-major float matrix `b` (the bytes of `attr`) packed as
 * gcimKernelPackBF32 lays it out, one panel at a time (the runtime's own function packs
 * each panel, so the layouts agree), so a large weight is never copied whole in memory;
 * every RELEASE_BYTES of it read are released before the next panel (a panel reads a strip
 * of every row's pages; the caller releases the whole). */
static bool appendPackedWeights(EmitState *state, MlirAttribute attr, const void *b, int64_t k,
                                int64_t n, uint64_t *offset) {
  const unsigned char *bytes = b;
  int64_t panel = k > 0 ? gcimKernelPackedBCount(k, 1) / k : 1; /* columns per panel */
  float *slab = malloc((size_t)(k * panel + 1) * sizeof *slab);
  float *packed = malloc((size_t)(k * panel + 1) * sizeof *packed);
  bool ok = slab && packed && alignWeights(state, offset);
  uint64_t read = 0;
  for (int64_t j0 = 0; ok && j0 < n; j0 += panel) {
    int64_t nr = n - j0 < panel ? n - j0 : panel;
    for (int64_t p = 0; p < k; ++p) /* the raw data need not be aligned for floats */
      memcpy(slab + p * nr, bytes + (size_t)(p * n + j0) * sizeof *slab, (size_t)nr * sizeof *slab);
    gcimKernelPackBF32(slab, k, nr, 0, packed);
    ok = writeWeights(state, packed, (uint64_t)(k * panel) * sizeof *packed);
    if ((read += (uint64_t)(k * nr) * sizeof *slab) >= RELEASE_BYTES && j0 + panel < n) {
      releaseRead(state, attr);
      read = 0;
    }
  }
  free(slab);
  free(packed);
  return ok;
}

/* Appends the k x n int8, 4-bit or bfloat16 codes `b` packed by gcimKernelPackCodes. */
static bool appendNarrowWeights(EmitState *state, const void *b, const ValueInfo *info, int64_t k,
                                int64_t n, uint64_t *offset) {
  GcimPackedFormat format = info->elem == GCIM_ELEM_BF16 ? GCIM_PACKED_BF16
                            : info->fourBit              ? GCIM_PACKED_Q4
                                                         : GCIM_PACKED_Q8;
  int64_t bytes = gcimKernelPackedCodesBytes(format, k, n);
  void *packed = malloc((size_t)bytes + 1);
  if (packed)
    gcimKernelPackCodes(format, b, k, n, packed);
  bool ok = packed && appendWeights(state, packed, (uint64_t)bytes, offset);
  free(packed);
  return ok;
}

/* Appends MatMulNBits' packed B (`w`, bytes `b`) as gcimKernelPackCodes packs its 4-bit
 * codes, one panel at a time: a panel's codes, one a byte, from B's columns and the shifts,
 * then packed by the runtime's own function (so the layouts agree), so that the codes are
 * never held whole in memory. */
static bool appendNibbleWeights(EmitState *state, const uint8_t *b, const GcimCNibbleWeight *w,
                                uint64_t *offset) {
  int64_t k = w->k, n = w->n;
  int64_t panel = gcimKernelPackedCodesBytes(GCIM_PACKED_Q4, k, 1) * 2 / k; /* its columns */
  int64_t panelBytes = gcimKernelPackedCodesBytes(GCIM_PACKED_Q4, k, panel);
  int8_t *slab = malloc((size_t)(k * panel) + 1);
  unsigned char *packed = malloc((size_t)panelBytes + 1);
  bool ok = slab && packed && alignWeights(state, offset);
  for (int64_t j0 = 0; ok && j0 < n; j0 += panel) {
    int64_t nr = n - j0 < panel ? n - j0 : panel;
    for (int64_t j = 0; j < nr; ++j) {
      const uint8_t *column = b + (j0 + j) * w->half;
      for (int64_t p0 = 0; p0 < k; p0 += w->block) {
        unsigned shift = !w->shifts       ? 0u
                         : w->splatShifts ? w->shifts[0]
                                          : w->shifts[p0 / w->block * n + j0 + j];
        for (int64_t p = p0; p < k && p < p0 + w->block; ++p) {
          unsigned nibble = (unsigned)(column[p / 2] >> (4 * (p % 2))) & 15u;
          slab[p * nr + j] = (int8_t)((int)((nibble + shift) & 15u) - 8);
        }
      }
    }
    gcimKernelPackCodes(GCIM_PACKED_Q4, slab, k, nr, packed);
    ok = writeWeights(state, packed, (uint64_t)panelBytes);
  }
  free(slab);
  free(packed);
  return ok;
}

/* Bytes of a dense attribute in the generated code's layout (bool: one byte each). */
static bool constantBytes(EmitState *state, MlirAttribute attr, ValueInfo *info,
                          unsigned char **owned, const void **data) {
  *owned = NULL;
  if (mlirAttributeIsADenseElements(attr)) {
    bool splat = mlirDenseElementsAttrIsSplat(attr);
    size_t elemSize = gcimElemTypeSize(info->elem);
    if (info->elem != GCIM_ELEM_BOOL && !splat) {
      *data = mlirDenseElementsAttrGetRawData(attr);
      return true;
    }
    *owned = malloc(info->bytes ? info->bytes : 1);
    if (!*owned)
      return false;
    const void *one = info->elem == GCIM_ELEM_BOOL ? NULL : mlirDenseElementsAttrGetRawData(attr);
    for (int64_t i = 0; i < info->count; ++i) {
      if (info->elem == GCIM_ELEM_BOOL)
        (*owned)[i] = mlirDenseElementsAttrGetBoolValue(attr, splat ? 0 : (intptr_t)i);
      else
        memcpy(*owned + (size_t)i * elemSize, one, elemSize);
    }
    *data = *owned;
    return true;
  }
  size_t size = 0;
  const GcimCEmitOptions *options = state->options;
  return options->constantData &&
         options->constantData(options->constantDataUserData, attr, data, &size) &&
         size == info->bytes;
}

bool gcimCEmitConstant(EmitState *state, MlirOperation op) {
  MlirValue result = mlirOperationGetResult(op, 0);
  ValueInfo *info = gcimCEmitLookup(state, result);
  if (info->stored) /* already stored, ahead of its place, by a statement that uses it */
    return true;
  MlirAttribute attr = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("value"));
  /* gcim.linear's weight is stored packed, for the kernel that reads it (and only packed:
   * gcim-lower-runtime makes it only when no other op uses the weight). */
  bool packed = info->rank == 2 && info->elem == GCIM_ELEM_F32 && gcimCEmitIsLinearWeight(result);
  bool narrow = info->rank == 2 && (info->elem == GCIM_ELEM_I8 || info->elem == GCIM_ELEM_BF16) &&
                gcimCEmitIsNarrowLinearWeight(result);
  bool nibbles = info->elem == GCIM_ELEM_U8 && gcimCEmitIsNarrowLinearWeight(result);
  GcimCNibbleWeight layout = {0};
  packed = packed || narrow || nibbles;
  if (info->fourBit && !narrow)
    return gcimCEmitUnsupported(state, op,
                                "a 4-bit constant must be a 2-D weight that only "
                                "gcim.linear_narrow ops read");
  if (nibbles && !gcimCEmitNibbleWeight(state, result, &layout))
    return gcimCEmitUnsupported(state, op,
                                "its products must read it as 4-bit codes of one k and block, "
                                "n rows of at least k / 2 bytes, with the same ui8 "
                                "(ceil(k / block), n) gcim.shifts or none");
  info->stored = true;
  info->packed = packed;
  info->nibbles = nibbles;
  if (nibbles) /* declared as int8 codes, as i4 ones */
    info->elem = GCIM_ELEM_I8;
  for (size_t i = 0; i < state->storedCount; ++i) /* attributes are uniqued: same data */
    if (state->stored[i].attr == attr.ptr && state->stored[i].packed == packed &&
        state->stored[i].shifts == layout.shiftsAttr.ptr) {
      info->offset = state->stored[i].offset;
      return true;
    }
  StoredConstant *stored = realloc(state->stored, (state->storedCount + 1) * sizeof *stored);
  if (!stored)
    return false;
  state->stored = stored;
  unsigned char *owned = NULL;
  const void *data = NULL;
  if (mlirAttributeIsNull(attr) || !constantBytes(state, attr, info, &owned, &data)) {
    free(owned);
    return gcimCEmitUnsupported(state, op, "its value cannot be read");
  }
  bool ok =
      nibbles  ? appendNibbleWeights(state, data, &layout, &info->offset)
      : narrow ? appendNarrowWeights(state, data, info, info->dims[0], info->dims[1], &info->offset)
      : packed ? appendPackedWeights(state, attr, data, info->dims[0], info->dims[1], &info->offset)
               : appendReleasing(state, attr, data, info->bytes, &info->offset);
  free(owned);
  releaseRead(state, attr);
  state->stored[state->storedCount++] =
      (StoredConstant){attr.ptr, info->offset, packed, layout.shiftsAttr.ptr};
  return ok;
}

static bool isOp(MlirOperation op, const char *name) { return gcimOpIsA(op, name); }

/* First pass: every value with its type and storage, and the index of its last use. */
static bool collectValues(EmitState *state, MlirBlock body) {
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(body); ++i) {
    MlirValue arg = mlirBlockGetArgument(body, i);
    ValueInfo *info = gcimCEmitAddValue(state, arg, STORAGE_INPUT);
    if (!info || !gcimCEmitDescribeType(state, mlirValueGetType(arg),
                                        mlirOperationGetLocation(state->func), info))
      return false;
    info->index = (int)i;
    state->inputCount++;
  }
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    ValueStorage storage = isOp(op, "onnx.constant") ? STORAGE_WEIGHT : STORAGE_ARENA;
    for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i) {
      MlirValue result = mlirOperationGetResult(op, i);
      ValueInfo *info = gcimCEmitAddValue(state, result, storage);
      if (!info || !gcimCEmitDescribeType(state, mlirValueGetType(result),
                                          mlirOperationGetLocation(op), info))
        return false;
    }
  }
  return true;
}

static void writeShapeTables(EmitState *state) {
  for (size_t i = 0; i < state->valueCount; ++i) {
    ValueInfo *info = &state->values[i];
    if (!info->dimsUsed)
      continue;
    fprintf(state->decls, "static const int64_t %s_d[] = {", info->name);
    for (int d = 0; d < info->rank; ++d)
      fprintf(state->decls, "%s%lld", d ? ", " : "", (long long)info->dims[d]);
    fputs("};\n", state->decls);
  }
}

/* The graph outputs, copied into the caller's buffers at the end of PREFIX_run. */
static bool recordOutputs(EmitState *state, MlirOperation returnOp) {
  state->outputCount = (size_t)mlirOperationGetNumOperands(returnOp);
  state->outputs = calloc(state->outputCount ? state->outputCount : 1, sizeof(ValueInfo *));
  if (!state->outputs)
    return false;
  for (size_t i = 0; i < state->outputCount; ++i) {
    ValueInfo *info = gcimCEmitLookup(state, mlirOperationGetOperand(returnOp, (intptr_t)i));
    state->outputs[i] = info;
    fprintf(state->body, "  memcpy(o%zu, %s, %llu);\n", i, gcimCEmitRef(state, info),
            (unsigned long long)info->bytes);
  }
  return true;
}

/* The arena offsets gcim-lower-runtime gave the results of `op`; false after a
 * diagnostic when they are missing. */
static bool placeResults(EmitState *state, MlirOperation op) {
  intptr_t results = mlirOperationGetNumResults(op);
  MlirAttribute offsets =
      mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("gcim.arena_offsets"));
  if (results == 0)
    return true;
  if (mlirAttributeIsNull(offsets) || !mlirAttributeIsADenseI64Array(offsets) ||
      mlirDenseArrayGetNumElements(offsets) != results)
    return gcimCEmitUnsupported(state, op,
                                "its results have no arena offsets (run gcim-lower-runtime first)");
  for (intptr_t i = 0; i < results; ++i) {
    ValueInfo *info = gcimCEmitLookup(state, mlirOperationGetResult(op, i));
    int64_t offset = mlirDenseI64ArrayGetElement(offsets, i);
    if (offset < 0 || (uint64_t)offset + info->bytes > state->arenaBytes)
      return gcimCEmitUnsupported(state, op, "its arena offsets lie outside gcim.arena_bytes");
    info->offset = (uint64_t)offset;
  }
  return true;
}

/* An op without a code generator: an attention operator (com.microsoft Attention, ONNX
 * Attention) that gcim-fuse-attention left says why, which is what the user can change. */
static bool unsupportedOp(EmitState *state, MlirOperation op) {
  MlirStringRef unfused;
  if (!gcimOpGetStringAttr(op, "gcim.unfused", &unfused))
    return gcimCEmitUnsupported(state, op, "it has no code generator");
  char why[512];
  snprintf(why, sizeof why, "it has no code generator and was not fused into an attention: %.*s",
           (int)unfused.length, unfused.data);
  return gcimCEmitUnsupported(state, op, why);
}

/* Second pass: weights and one statement per op. */
static bool emitBody(EmitState *state, MlirBlock body) {
  bool ok = true;
  for (MlirOperation op = mlirBlockGetFirstOperation(body); ok && !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    if (isOp(op, "func.return")) {
      ok = recordOutputs(state, op);
      continue;
    }
    if (isOp(op, "onnx.constant")) {
      ok = gcimCEmitConstant(state, op);
      continue;
    }
    if (gcimTileOpStaysInChip(op)) /* the op that ends its layer emits the layer */
      continue;
    EmitOpFn emitFn = gcimCEmitLookupOp(op);
    if (!emitFn) {
      ok = unsupportedOp(state, op);
      break;
    }
    ok = placeResults(state, op);
    if (ok) {
      gcimCEmitComment(state, op);
      ok = emitFn(state, op);
    }
  }
  return ok && !state->failed;
}

static MlirOperation findFunction(MlirModule module, MlirStringRef name) {
  MlirBlock body = mlirModuleGetBody(module);
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    MlirAttribute symbol =
        mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("sym_name"));
    if (isOp(op, "func.func") && !mlirAttributeIsNull(symbol) &&
        mlirStringRefEqual(mlirStringAttrGetValue(symbol), name))
      return op;
  }
  return (MlirOperation){NULL};
}

/* Copies the current function's I/O infos, which outlive its value table. */
static bool snapshotFunction(EmitState *state, EmittedFunction *fn) {
  fn->func = state->func;
  fn->body = state->body;
  fn->inputs = calloc(state->inputCount + 1, sizeof *fn->inputs);
  fn->outputs = calloc(state->outputCount + 1, sizeof *fn->outputs);
  if (!fn->inputs || !fn->outputs)
    return false;
  for (size_t i = 0; i < state->valueCount; ++i)
    if (state->values[i].storage == STORAGE_INPUT)
      fn->inputs[fn->inputCount++] = state->values[i];
  for (size_t i = 0; i < state->outputCount; ++i)
    fn->outputs[fn->outputCount++] = *state->outputs[i];
  return true;
}

/* Emits one function into state->functions[state->functionCount]. */
static bool emitFunction(EmitState *state, MlirOperation func, const char *valuePrefix) {
  state->func = func;
  snprintf(state->valuePrefix, sizeof state->valuePrefix, "%s", valuePrefix);
  state->valueCount = state->inputCount = state->outputCount = 0;
  if (state->slots)
    memset(state->slots, 0, state->slotCount * sizeof *state->slots);
  free(state->outputs);
  state->outputs = NULL;
  state->body = tmpfile();
  EmittedFunction *fn = &state->functions[state->functionCount++];
  fn->body = state->body;
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  MlirAttribute arenaBytes =
      mlirOperationGetAttributeByName(func, mlirStringRefCreateFromCString("gcim.arena_bytes"));
  if (mlirAttributeIsNull(arenaBytes) || !mlirAttributeIsAInteger(arenaBytes) ||
      mlirIntegerAttrGetValueInt(arenaBytes) < 0) {
    gcimEmitError(mlirOperationGetLocation(func),
                  "code generation needs the function's gcim.arena_bytes (run "
                  "gcim-lower-runtime first)");
    return false;
  }
  state->arenaBytes = (uint64_t)mlirIntegerAttrGetValueInt(arenaBytes);
  if (!state->body || !collectValues(state, body) || !emitBody(state, body))
    return false;
  char dims[32];
  for (size_t i = 0; i < state->valueCount; ++i) /* the I/O tables name these shapes */
    if (state->values[i].storage == STORAGE_INPUT)
      gcimCEmitDims(state, &state->values[i], dims);
  for (size_t i = 0; i < state->outputCount; ++i)
    gcimCEmitDims(state, state->outputs[i], dims);
  writeShapeTables(state);
  if (state->arenaBytes > state->arenaMax)
    state->arenaMax = state->arenaBytes;
  return snapshotFunction(state, fn);
}

static void freeState(EmitState *state) {
  for (size_t i = 0; i < state->functionCount; ++i) {
    if (state->functions[i].body)
      fclose(state->functions[i].body);
    free(state->functions[i].inputs);
    free(state->functions[i].outputs);
  }
  if (state->decls)
    fclose(state->decls);
  free(state->values);
  free(state->slots);
  free(state->weights);
  free(state->weightsBuffer); /* after gcimCEmitWriteOutputs closed its stream */
  free(state->outputs);
  free(state->stored);
  free(state->headGroups);
  free(state->caches);
}

MlirLogicalResult gcimEmitC(MlirModule module, const GcimCEmitOptions *options) {
  EmitState state = {0};
  state.options = options;
  state.moduleLoc = mlirOperationGetLocation(mlirModuleGetOperation(module));
  MlirOperation main = findFunction(module, mlirStringRefCreateFromCString("main"));
  if (mlirOperationIsNull(main)) {
    gcimEmitError(mlirOperationGetLocation(mlirModuleGetOperation(module)),
                  "code generation needs a function '@main'");
    return mlirLogicalResultFailure();
  }
  state.decls = tmpfile();
  gcimWeightsHasherInit(&state.weightsHasher);
  bool ok = state.decls && gcimCEmitOpenWeights(&state) && emitFunction(&state, main, "");
  MlirAttribute stepName =
      mlirOperationGetAttributeByName(main, mlirStringRefCreateFromCString("gcim.step_function"));
  if (ok && !mlirAttributeIsNull(stepName) && mlirAttributeIsAString(stepName)) {
    MlirOperation step = findFunction(module, mlirStringAttrGetValue(stepName));
    if ((ok = !mlirOperationIsNull(step)))
      state.stepLimit = gcimCEmitStepPositionLimit(step);
    ok = ok && emitFunction(&state, step, "s");
  }
  ok = ok && gcimCEmitCheckRunTimeAxes(&state);
  ok = gcimCEmitWriteOutputs(&state, ok && !state.failed);
  freeState(&state);
  return ok ? mlirLogicalResultSuccess() : mlirLogicalResultFailure();
}
