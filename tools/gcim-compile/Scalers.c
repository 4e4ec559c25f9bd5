/* Scalers.c: gcim-compile --scalers FILE.json, the calibration cache that the generated
 * program's --calibrate writes (docs/UserGuide.md), baked into the model: every fused
 * attention of every function (the k-th in program order is layer k) gets the cached
 * (heads, 8) scalers as its `scales` operand, which gcim-map-attention hands to the heads. */
#include "Options.h"

#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Support/Json.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdlib.h>
#include <string.h>

static const char *const scalerKeys[8] = {"a_q", "b_q", "a_k",   "b_k",
                                          "a_v", "b_v", "a_out", "b_out"};

typedef struct ApplyState {
  const char *path;
  GcimAttentionMode mode;
  const GcimJsonValue *layers; /* the cache's "layers" array */
  int64_t layer;               /* attentions seen in the current function */
  int64_t mostLayers;          /* the most attentions of one function */
  bool ok;
} ApplyState;

/* Reads layer `layer`'s `heads` heads of the cache into values (heads x 8); false with an
 * error at `op` if they do not fit. */
static bool readLayer(ApplyState *state, MlirOperation op, int64_t layer, int64_t heads,
                      float *values) {
  MlirLocation loc = mlirOperationGetLocation(op);
  if (layer >= (int64_t)state->layers->count) {
    gcimEmitError(loc, "the calibration cache '%s' has %zu layers; this attention is layer %lld",
                  state->path, state->layers->count, (long long)layer);
    return false;
  }
  const GcimJsonValue *list = gcimJsonObjectGet(&state->layers->items[layer], "heads");
  if (!list || list->kind != GCIM_JSON_ARRAY || (int64_t)list->count != heads) {
    gcimEmitError(loc,
                  "the calibration cache '%s' has %zu heads in layer %lld; this attention has %lld",
                  state->path, list && list->kind == GCIM_JSON_ARRAY ? list->count : 0,
                  (long long)layer, (long long)heads);
    return false;
  }
  for (int64_t h = 0; h < heads; ++h)
    for (int i = 0; i < 8; ++i) {
      const GcimJsonValue *value = gcimJsonObjectGet(&list->items[h], scalerKeys[i]);
      if (!value || value->kind != GCIM_JSON_NUMBER) {
        gcimEmitError(loc,
                      "the calibration cache '%s' has no number '%s' for head %lld of layer %lld",
                      state->path, scalerKeys[i], (long long)h, (long long)layer);
        return false;
      }
      values[h * 8 + i] = (float)value->number;
    }
  return true;
}

/* `op`'s scales operand becomes an onnx.constant of the cached scalers. */
static bool applyToAttention(ApplyState *state, MlirOperation op) {
  MlirStringRef kind = {"", 0};
  gcimOpGetStringAttr(op, "kind", &kind);
  if (state->mode == GCIM_ATTENTION_DIGITAL ||
      (state->mode == GCIM_ATTENTION_AUTO && !gcimStringRefEquals(kind, "gaincell"))) {
    gcimEmitError(mlirOperationGetLocation(op),
                  "--scalers sets the scalers of gain-cell heads, but this attention is "
                  "computed exactly (--attention=%s); use --attention=analog",
                  gcimAttentionModeName(state->mode));
    return false;
  }
  int64_t heads = gcimTensorDim(mlirValueGetType(mlirOperationGetOperand(op, 0)), 1);
  float *values = malloc((size_t)(heads > 0 ? heads : 1) * 8 * sizeof *values);
  if (!values || heads < 1 || !readLayer(state, op, state->layer, heads, values)) {
    if (!values || heads < 1)
      gcimEmitError(mlirOperationGetLocation(op),
                    "cannot apply the calibration cache '%s' to "
                    "an attention with a dynamic number of heads",
                    state->path);
    free(values);
    return false;
  }
  MlirContext ctx = mlirOperationGetContext(op);
  int64_t dims[2] = {heads, 8};
  MlirType type = mlirRankedTensorTypeGet(2, dims, mlirF32TypeGet(ctx), mlirAttributeGetNull());
  MlirNamedAttribute value =
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("value")),
                            mlirDenseElementsAttrFloatGet(type, heads * 8, values));
  free(values);
  MlirOperationState build = mlirOperationStateGet(mlirStringRefCreateFromCString("onnx.constant"),
                                                   mlirOperationGetLocation(op));
  mlirOperationStateAddResults(&build, 1, &type);
  mlirOperationStateAddAttributes(&build, 1, &value);
  MlirOperation constant = mlirOperationCreate(&build);
  mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(op), op, constant);
  MlirValue operands[4] = {mlirOperationGetOperand(op, 0), mlirOperationGetOperand(op, 1),
                           mlirOperationGetOperand(op, 2), mlirOperationGetResult(constant, 0)};
  mlirOperationSetOperands(op, 4, operands);
  return true;
}

static MlirWalkResult visit(MlirOperation op, void *userData) {
  ApplyState *state = userData;
  if (gcimOpIsA(op, "func.func")) {
    state->layer = 0;
    return MlirWalkResultAdvance;
  }
  if (!gcimOpIsA(op, "gcim.attention") && !gcimOpIsA(op, "gcim.attention_step"))
    return MlirWalkResultAdvance;
  if (!applyToAttention(state, op)) {
    state->ok = false;
    return MlirWalkResultInterrupt;
  }
  state->layer += 1;
  if (state->layer > state->mostLayers)
    state->mostLayers = state->layer;
  return MlirWalkResultAdvance;
}

bool gcimCompileApplyScalers(MlirModule module, const char *path, GcimAttentionMode mode) {
  GcimJsonValue *root = NULL;
  char *errMsg = NULL;
  if (gcimJsonParseFile(path, &root, &errMsg) != GCIM_OK) {
    fprintf(stderr, "gcim-compile: error: %s\n", errMsg ? errMsg : "out of memory");
    free(errMsg);
    return false;
  }
  const GcimJsonValue *version = gcimJsonObjectGet(root, "gcim_calibration");
  ApplyState state = {path, mode, gcimJsonObjectGet(root, "layers"), 0, 0, true};
  if (!version || version->kind != GCIM_JSON_NUMBER || version->number != 1 || !state.layers ||
      state.layers->kind != GCIM_JSON_ARRAY) {
    fprintf(stderr,
            "gcim-compile: error: '%s' is not a calibration cache (\"gcim_calibration\": 1 and "
            "\"layers\"; written by a generated program's --calibrate)\n",
            path);
    gcimJsonDestroy(root);
    return false;
  }
  mlirOperationWalk(mlirModuleGetOperation(module), visit, &state, MlirWalkPreOrder);
  if (state.ok && state.mostLayers != (int64_t)state.layers->count) {
    fprintf(stderr,
            "gcim-compile: error: the calibration cache '%s' has %zu layers but the model has "
            "%lld attentions\n",
            path, state.layers->count, (long long)state.mostLayers);
    state.ok = false;
  }
  gcimJsonDestroy(root);
  return state.ok;
}
