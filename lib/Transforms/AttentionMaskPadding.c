/* AttentionMaskPadding.c: attention masks made from a run-time padding mask.
 *
 * Hugging Face decoder exports take an `attention_mask` (batch, keys; 1 = attend) and
 * combine it with the causal mask in the graph; nn.MultiheadAttention takes a bool
 * `key_padding_mask` (batch, keys; true = ignore). Such a mask is not a constant, but when
 * its one non-constant leaf is that input, holding the input at each candidate value (1,
 * then 0) and classifying the mask (AttentionMask.c) tells which value means "no padding":
 * the one for which the mask is the causal (or full) pattern. gcim-fuse-attention may then
 * fuse the attention under that assumption; the input's argument records it
 * (gcim.no_padding, gcim.no_padding_node), and the generated program checks every element
 * of the input at run time (lib/Target/C/PaddingChecks.c). */
#include "FuseAttention.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 32, MAX_VISITS = 4096 };

/* The function arguments a value depends on (at most two are told apart). */
typedef struct Leaves {
  MlirValue args[2];
  int count, visits;
} Leaves;

static void findArguments(MlirValue value, Leaves *leaves, int depth) {
  if (depth > MAX_DEPTH || ++leaves->visits > MAX_VISITS || leaves->count > 1)
    return;
  if (mlirValueIsABlockArgument(value)) {
    if (leaves->count == 0 || !mlirValueEqual(leaves->args[0], value))
      leaves->args[leaves->count++] = value;
    return;
  }
  MlirOperation op = gcimValueDefOp(value);
  if (mlirOperationIsNull(op))
    return;
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    findArguments(mlirOperationGetOperand(op, i), leaves, depth + 1);
}

/* The func.func whose argument `arg` is, or a null op. */
static MlirOperation argumentFunction(MlirValue arg) {
  MlirOperation parent = mlirBlockGetParentOperation(mlirBlockArgumentGetOwner(arg));
  return !mlirOperationIsNull(parent) && gcimOpIsA(parent, "func.func") ? parent
                                                                        : (MlirOperation){NULL};
}

static MlirAttribute argumentAttrs(MlirOperation func) {
  return mlirOperationGetAttributeByName(func, mlirStringRefCreateFromCString("arg_attrs"));
}

void gcimMaskInputName(MlirValue arg, char *name, size_t size) {
  intptr_t number = mlirBlockArgumentGetArgNumber(arg);
  MlirOperation func = argumentFunction(arg);
  MlirAttribute attr = mlirOperationIsNull(func) ? (MlirAttribute){NULL}
                                                 : gcimFuncIoAttr(func, false, number, "onnx.name");
  snprintf(name, size, "argument %ld", (long)number);
  if (!mlirAttributeIsNull(attr) && mlirAttributeIsAString(attr)) {
    MlirStringRef text = mlirStringAttrGetValue(attr);
    snprintf(name, size, "%.*s", (int)text.length, text.data);
  }
}

MlirValue gcimMaskPaddingInput(MlirValue mask, int64_t batch, int64_t tk) {
  Leaves leaves;
  memset(&leaves, 0, sizeof leaves);
  findArguments(mask, &leaves, 0);
  if (leaves.count != 1 || leaves.visits > MAX_VISITS)
    return (MlirValue){NULL};
  MlirValue input = leaves.args[0];
  int64_t dims[GCIM_MAX_RANK];
  /* (batch, keys): its rows are sequences, whose heads (rank-3 scores: batch x heads rows)
   * share them; a (queries, keys) mask input is not a padding mask. */
  if (mlirOperationIsNull(argumentFunction(input)) ||
      gcimTensorShape(mlirValueGetType(input), dims) != 2 || dims[1] != tk || dims[0] < 1 ||
      batch % dims[0] != 0)
    return (MlirValue){NULL};
  return input;
}

int gcimMaskClassifyPadding(MlirValue mask, GcimMaskMode mode, int64_t batch, int64_t tq,
                            int64_t tk, GcimPaddingMask *padding, char *reason, size_t reasonSize) {
  memset(padding, 0, sizeof *padding);
  MlirValue input = gcimMaskPaddingInput(mask, batch, tk);
  if (mlirValueIsNull(input))
    return 0;
  char name[128], why[2][160];
  gcimMaskInputName(input, name, sizeof name);
  static const double candidates[2] = {1.0, 0.0};
  GcimMaskInfo infos[2];
  bool fits[2];
  for (int c = 0; c < 2; ++c) {
    GcimMaskBinding binding = {input, candidates[c]};
    fits[c] = gcimMaskClassifyBound(mask, mode, &binding, tq, tk, &infos[c], why[c], sizeof why[c]);
  }
  if (!fits[0] && !fits[1]) {
    snprintf(reason, reasonSize,
             "the mask depends on input '%s' and is neither causal nor full with it all 1 "
             "(%s) or all 0 (%s)",
             name, why[0], why[1]);
    return -1;
  }
  if (fits[0] && fits[1] &&
      (infos[0].causal != infos[1].causal || infos[0].window != infos[1].window)) {
    snprintf(reason, reasonSize,
             "the mask depends on input '%s' and is a different recognised pattern with it "
             "all 1 and all 0: which value means no padding is unclear",
             name);
    return -1;
  }
  int chosen = fits[0] ? 0 : 1;
  *padding = (GcimPaddingMask){input, candidates[chosen], infos[chosen]};
  return 1;
}

/* `dict` with `added` appended (entries already named so are kept as they are). */
static MlirAttribute dictionaryWith(MlirContext ctx, MlirAttribute dict, MlirNamedAttribute *added,
                                    intptr_t addedCount) {
  MlirNamedAttribute entries[64];
  intptr_t n = 0;
  if (!mlirAttributeIsNull(dict) && mlirAttributeIsADictionary(dict))
    for (intptr_t i = 0; i < mlirDictionaryAttrGetNumElements(dict) && n < 62; ++i)
      entries[n++] = mlirDictionaryAttrGetElement(dict, i);
  for (intptr_t a = 0; a < addedCount; ++a) {
    MlirStringRef key = mlirIdentifierStr(added[a].name);
    bool present = !mlirAttributeIsNull(dict) && mlirAttributeIsADictionary(dict) &&
                   !mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(dict, key));
    if (!present && n < 64)
      entries[n++] = added[a];
  }
  return mlirDictionaryAttrGet(ctx, n, entries);
}

bool gcimMarkNoPadding(const GcimPaddingMask *padding, MlirLocation node) {
  MlirOperation func = argumentFunction(padding->input);
  MlirContext ctx = mlirOperationGetContext(func);
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  intptr_t count = mlirBlockGetNumArguments(body);
  intptr_t number = mlirBlockArgumentGetArgNumber(padding->input);
  MlirAttribute all = argumentAttrs(func);
  bool hasAll = !mlirAttributeIsNull(all) && mlirAttributeIsAArray(all) &&
                mlirArrayAttrGetNumElements(all) == count;
  char nodeName[256];
  gcimLocationName(node, nodeName, sizeof nodeName);
  MlirNamedAttribute added[2] = {gcimNamedInt(ctx, "gcim.no_padding", (int64_t)padding->noPadding),
                                 gcimNamedString(ctx, "gcim.no_padding_node", nodeName)};
  MlirAttribute *dicts = malloc((size_t)count * sizeof *dicts);
  if (!dicts)
    return false;
  for (intptr_t i = 0; i < count; ++i) {
    MlirAttribute dict =
        hasAll ? mlirArrayAttrGetElement(all, i) : mlirDictionaryAttrGet(ctx, 0, NULL);
    dicts[i] = i == number ? dictionaryWith(ctx, dict, added, 2) : dict;
  }
  mlirOperationSetInherentAttributeByName(func, mlirStringRefCreateFromCString("arg_attrs"),
                                          mlirArrayAttrGet(ctx, count, dicts));
  free(dicts);
  return true;
}
