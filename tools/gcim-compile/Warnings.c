/* Warnings.c: what gcim-compile tells the user on stderr about the mapping of a model.
 *
 * Passes do no I/O: they mark what the user must hear (gcim.warning on a kv_write,
 * gcim.digital_reason on attention kept exact), and the driver prints it here, in the
 * diagnostics' `file: 'node': warning: ...` form. */
#include "Options.h"

#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"

#include <string.h>

enum { MAX_LAYERS = 256 };

/* Layer numbers seen; a streamed layer has a full-sequence twin of the same number. */
typedef struct LayerSet {
  int64_t layers[MAX_LAYERS];
  int count;
} LayerSet;

/* One text of gcim.warning and the layers whose K/V writes carry it: printed once, at the
 * first, with the number of layers (a 12-layer model would otherwise repeat it 12 times). */
typedef struct HeadWarning {
  MlirStringRef text;
  MlirLocation first;
  LayerSet layers;
} HeadWarning;

enum { MAX_HEAD_WARNINGS = 4 };

typedef struct WarningWalk {
  HeadWarning headWarnings[MAX_HEAD_WARNINGS];
  int headWarningCount;
  LayerSet digital;
  MlirLocation firstDigital;
  int unfused;                /* attention-like ops gcim-fuse-attention left alone */
  MlirOperation firstUnfused; /* the first of them, with its gcim.unfused reason */
  int heads, softmaxes;       /* K/V writes to the gain cells; Softmax ops left */
  MlirLocation firstSoftmax;
} WarningWalk;

/* Adds `layer`; false when it was there already. */
static bool addLayer(LayerSet *set, int64_t layer) {
  for (int i = 0; i < set->count; ++i)
    if (set->layers[i] == layer)
      return false;
  if (set->count < MAX_LAYERS)
    set->layers[set->count++] = layer;
  return true;
}

static void addHeadWarning(WarningWalk *walk, MlirStringRef text, MlirOperation op) {
  int64_t layer = -1;
  gcimOpGetIntAttr(op, "layer", &layer);
  for (int i = 0; i < walk->headWarningCount; ++i)
    if (mlirStringRefEqual(walk->headWarnings[i].text, text)) {
      addLayer(&walk->headWarnings[i].layers, layer);
      return;
    }
  if (walk->headWarningCount == MAX_HEAD_WARNINGS)
    return;
  HeadWarning *warning = &walk->headWarnings[walk->headWarningCount++];
  warning->text = text;
  warning->first = mlirOperationGetLocation(op);
  addLayer(&warning->layers, layer);
}

static MlirWalkResult collectWarning(MlirOperation op, void *userData) {
  WarningWalk *walk = userData;
  MlirStringRef text;
  int64_t layer = -1;
  walk->heads += gcimOpIsA(op, "gcim.kv_write");
  if (gcimOpIsA(op, "onnx.softmax") && walk->softmaxes++ == 0)
    walk->firstSoftmax = mlirOperationGetLocation(op);
  if (gcimOpIsA(op, "gcim.kv_write") && gcimOpGetStringAttr(op, "gcim.warning", &text)) {
    addHeadWarning(walk, text, op);
  } else if (gcimOpGetStringAttr(op, "gcim.unfused", &text)) {
    if (walk->unfused++ == 0)
      walk->firstUnfused = op;
  } else if (gcimOpGetStringAttr(op, "gcim.digital_reason", &text)) {
    gcimOpGetIntAttr(op, "gcim.layer", &layer);
    if (walk->digital.count == 0)
      walk->firstDigital = mlirOperationGetLocation(op);
    addLayer(&walk->digital, layer);
  }
  return MlirWalkResultAdvance;
}

/* One line per padding input that attention was compiled to assume unpadded
 * (gcim.no_padding, set by gcim-fuse-attention under --padding-mask=unpadded): the program
 * refuses padding at run time, which the user must know before running it. The step
 * function carries the full-sequence function's inputs, so @main's are the ones. */
static MlirWalkResult warnNoPadding(MlirOperation op, void *userData) {
  FILE *out = userData;
  MlirStringRef name;
  if (!gcimOpIsA(op, "func.func") || !gcimOpGetStringAttr(op, "sym_name", &name) ||
      !gcimStringRefEquals(name, "main"))
    return MlirWalkResultAdvance;
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0));
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(body); ++i) {
    MlirAttribute value = gcimFuncIoAttr(op, false, i, "gcim.no_padding");
    MlirAttribute input = gcimFuncIoAttr(op, false, i, "onnx.name");
    MlirAttribute node = gcimFuncIoAttr(op, false, i, "gcim.no_padding_node");
    if (mlirAttributeIsNull(value) || !mlirAttributeIsAInteger(value) ||
        mlirAttributeIsNull(input) || !mlirAttributeIsAString(input) || mlirAttributeIsNull(node) ||
        !mlirAttributeIsAString(node))
      continue;
    MlirStringRef inputName = mlirStringAttrGetValue(input);
    MlirStringRef nodeName = mlirStringAttrGetValue(node);
    gcimLocationPrint(mlirValueGetLocation(mlirBlockGetArgument(body, i)), out);
    fprintf(out,
            ": warning: attention (node '%.*s') is compiled assuming input '%.*s' holds no "
            "padding (all %lld): the program refuses a padded sequence at run time; "
            "--padding-mask=exact keeps such attention exact as the model's ops\n",
            (int)nodeName.length, nodeName.data, (int)inputName.length, inputName.data,
            (long long)mlirIntegerAttrGetValueInt(value));
  }
  return MlirWalkResultAdvance;
}

/* The first cache appended one new token to (a decode step's). */
static MlirWalkResult findCacheAppend(MlirOperation op, void *userData) {
  if (!gcimOpIsA(op, "gcim.cache_append") ||
      gcimTensorDim(mlirValueGetType(mlirOperationGetOperand(op, 1)), 2) != 1)
    return MlirWalkResultAdvance;
  *(MlirOperation *)userData = op;
  return MlirWalkResultInterrupt;
}

/* A one-token KV-cache export is made to decode token by token: when gcim-stream could not
 * give it a step function (gcim.unstreamed), say why at its first cache, as --generate will
 * not run. (One of several new tokens is a prefill chunk: PREFIX_run is what it is for.) */
static MlirWalkResult warnUnstreamedCache(MlirOperation op, void *userData) {
  MlirStringRef reason;
  if (!gcimOpIsA(op, "func.func") || !gcimOpGetStringAttr(op, "gcim.unstreamed", &reason))
    return MlirWalkResultAdvance;
  MlirOperation cache = {NULL};
  mlirOperationWalk(op, findCacheAppend, &cache, MlirWalkPreOrder);
  if (mlirOperationIsNull(cache))
    return MlirWalkResultSkip;
  FILE *out = userData;
  gcimLocationPrint(mlirOperationGetLocation(cache), out);
  fprintf(out,
          ": warning: this KV-cache graph has no step function (no --generate, no PREFIX_step): "
          "%.*s\n",
          (int)reason.length, reason.data);
  return MlirWalkResultSkip;
}

void gcimCompilePrintWarnings(MlirOperation module, bool analog, FILE *out) {
  mlirOperationWalk(module, warnNoPadding, out, MlirWalkPreOrder);
  mlirOperationWalk(module, warnUnstreamedCache, out, MlirWalkPreOrder);
  WarningWalk walk;
  memset(&walk, 0, sizeof walk);
  mlirOperationWalk(module, collectWarning, &walk, MlirWalkPreOrder);
  for (int i = 0; i < walk.headWarningCount; ++i) {
    const HeadWarning *warning = &walk.headWarnings[i];
    gcimLocationPrint(warning->first, out);
    fprintf(out, ": warning: %.*s", (int)warning->text.length, warning->text.data);
    if (warning->layers.count > 1)
      fprintf(out, " (%d layers; --report lists each)", warning->layers.count);
    fputc('\n', out);
  }
  MlirStringRef reason;
  if (walk.unfused > 0 && gcimOpGetStringAttr(walk.firstUnfused, "gcim.unfused", &reason)) {
    /* Not an attention to the compiler: its ops run digitally, whatever --attention says. */
    gcimLocationPrint(mlirOperationGetLocation(walk.firstUnfused), out);
    fprintf(out,
            ": warning: an attention was not recognised (%.*s); it runs digitally as the "
            "model's own ops, not on the gain cells",
            (int)reason.length, reason.data);
    if (walk.unfused > 1)
      fprintf(out, " (%d such ops; --report lists each with its reason)", walk.unfused);
    fputc('\n', out);
  } else if (analog && walk.heads == 0 && walk.softmaxes > 0) {
    /* Softmax over scores the fusion does not take for attention (Bloom's ALiBi bias
     * added to q k^T on (batch x heads) tensors): say that nothing went to the hardware. */
    gcimLocationPrint(walk.firstSoftmax, out);
    fprintf(out, ": warning: --attention=analog found no attention to map: this Softmax");
    if (walk.softmaxes > 1)
      fprintf(out, " and %d other%s", walk.softmaxes - 1, walk.softmaxes > 2 ? "s" : "");
    fprintf(out, " run%s digitally as the model's own ops, nothing on the gain cells\n",
            walk.softmaxes > 1 ? "" : "s");
  }
  if (walk.digital.count == 0)
    return;
  gcimLocationPrint(walk.firstDigital, out);
  fprintf(out,
          ": warning: attention that is not GainCellAttention stays digital (%d "
          "layer%s, computed exactly); --attention=analog runs it on the gain cells\n",
          walk.digital.count, walk.digital.count == 1 ? "" : "s");
}
