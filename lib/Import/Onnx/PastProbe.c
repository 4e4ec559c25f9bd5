/* PastProbe.c: finds what an imported KV-cache graph computed from its cached length.
 *
 * A KV-cache export is imported for one past length P (bound by --input-shape or --max),
 * and the importer folds every shape computation: positions, masks, a CumSum along an
 * all-ones mask (OPT) become constants or fixed shapes of P. gcim-stream turns the graph
 * into a step function that serves every length; the forms it recognises (the position P,
 * Range(P, P + 1), the cache itself) follow the step, any other value of P would stay
 * frozen and give wrong tokens without a word. Rather than tracking the past length
 * through every fold, the graph is imported again with the past one token longer and with
 * a past of one token (the probes), and the functions are compared op by op: an op whose
 * attributes (a constant's value) or result types differ, and an argument whose type
 * differs, is tagged `gcim.from_past_length`. A constant one larger in every element at
 * P + 1 and P - 1 smaller at 1 is the past length plus constants (a position P + i, a
 * Slice's bounds P and P + 1): its tag is "position", and gcim-stream computes it from the
 * step index (the past length of each step). A float constant larger by the same other
 * step s in every element (s * P plus constants: a position divided by Llama's linear
 * rope-scaling factor), and s * (P - 1) smaller at 1, is a "position" too, with
 * `gcim.past_slope` s. What the step function still uses of the others makes it refuse the
 * step function. The probe at one token catches what is P plus constants only from some
 * length on, or constant only from some length on (a sliding window's start
 * max(0, P + 1 - w), positions counted from it, with P beyond the window): it differs there
 * from what P and P + 1 make of it. Lengths between 1 and P are not probed.
 *
 * When the import at P + 1 differs in its ops (a fold taken at one length only, or inputs
 * bound in a way the probe does not lengthen alike), nothing is tagged: the comparison
 * says nothing then, and the step function is made as without it. When only the import
 * at one token fails or differs so, no constant is taken for a position (each is frozen).
 *
 * A graph whose sequence axis is a run-time one (bounded at T by --max or a position
 * table) is likewise imported at a shorter length (T - 1, at most 5 tokens): a float
 * constant of the same node, type and another value there was computed from the sequence
 * length, not sized by it (dynamic NTK rope scaling grows its base with the length). Its tag
 * `gcim.from_run_length` makes gcim-stream refuse the step function, through which the program
 * would run every other length with T's value. */
#include "Expand.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"

#include "gcim/Support/IRHelpers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const kFromPastLength = "gcim.from_past_length";
static const char *const kPastSlope = "gcim.past_slope"; /* a "position"'s step, when not 1 */
enum { RUN_PROBE_LENGTH = 5 }; /* the run-length probe's tokens, at most */

static MlirIdentifier tagName(MlirContext ctx) {
  return mlirIdentifierGet(ctx, mlirStringRefCreateFromCString(kFromPastLength));
}

static MlirOperation mainFunc(MlirModule module) {
  return mlirBlockGetFirstOperation(mlirModuleGetBody(module));
}

static MlirBlock funcBody(MlirOperation func) {
  return mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
}

/* Weights are dense resources named per import: the same tensor whenever the types agree. */
static bool sameAttribute(MlirAttribute a, MlirAttribute b) {
  if (mlirAttributeIsADenseResourceElements(a) || mlirAttributeIsADenseResourceElements(b))
    return mlirAttributeIsADenseResourceElements(a) && mlirAttributeIsADenseResourceElements(b) &&
           mlirTypeEqual(mlirAttributeGetType(a), mlirAttributeGetType(b));
  return mlirAttributeEqual(a, b);
}

/* The values of constants `a` and `b` when both are dense elements of one type (not
 * weights): what the probes compare element by element. */
static bool constantPair(MlirOperation a, MlirOperation b, MlirAttribute *x, MlirAttribute *y) {
  *x = mlirOperationGetAttributeByName(a, mlirStringRefCreateFromCString("value"));
  *y = mlirOperationGetAttributeByName(b, mlirStringRefCreateFromCString("value"));
  return !mlirAttributeIsNull(*x) && !mlirAttributeIsNull(*y) &&
         mlirAttributeIsADenseElements(*x) && !mlirAttributeIsADenseResourceElements(*x) &&
         mlirTypeEqual(mlirAttributeGetType(*x), mlirAttributeGetType(*y));
}

/* Whether constant `b` is constant `a` plus the same *slope in every element: of the form
 * slope * past + c. The slope is 1 (a position), or for floats another non-zero step s
 * with every element s times a whole position (a position divided by a factor, as Llama's
 * linear rope scaling): one element always differs by some step, and log(P + 1) must not
 * pass for a position. */
static bool pastSlope(MlirOperation a, MlirOperation b, double *slope) {
  MlirAttribute x, y;
  if (!constantPair(a, b, &x, &y))
    return false;
  int64_t count = mlirElementsAttrGetNumElements(x);
  for (int64_t i = 0; i < count; ++i) {
    double u, v;
    if (!gcimElementsGet(x, i, &u) || !gcimElementsGet(y, i, &v) || (i > 0 && v - u != *slope))
      return false;
    *slope = v - u;
  }
  if (count == 0 || *slope == 1.0)
    return count > 0;
  if (!mlirTypeIsAFloat(mlirShapedTypeGetElementType(mlirAttributeGetType(x))) || *slope == 0.0)
    return false;
  for (int64_t i = 0; i < count; ++i) {
    double u, position;
    gcimElementsGet(x, i, &u);
    position = u / *slope;
    if (fabs(position - nearbyint(position)) > 1e-3)
      return false;
  }
  return true;
}

/* Whether two ops of the same name compute the same values: attributes and result types. */
static bool sameValues(MlirOperation a, MlirOperation b) {
  intptr_t attrs = mlirOperationGetNumAttributes(a), results = mlirOperationGetNumResults(a);
  if (attrs != mlirOperationGetNumAttributes(b) || results != mlirOperationGetNumResults(b))
    return false;
  for (intptr_t i = 0; i < attrs; ++i) {
    MlirNamedAttribute x = mlirOperationGetAttribute(a, i), y = mlirOperationGetAttribute(b, i);
    if (!mlirIdentifierEqual(x.name, y.name) || !sameAttribute(x.attribute, y.attribute))
      return false;
  }
  for (intptr_t i = 0; i < results; ++i)
    if (!mlirTypeEqual(mlirValueGetType(mlirOperationGetResult(a, i)),
                       mlirValueGetType(mlirOperationGetResult(b, i))))
      return false;
  return true;
}

static bool sameOpNames(MlirOperation a, MlirOperation b) {
  return mlirIdentifierEqual(mlirOperationGetName(a), mlirOperationGetName(b));
}

/* Whether the two bodies hold the same ops in the same order (their values aside). */
static bool sameStructure(MlirBlock a, MlirBlock b) {
  if (mlirBlockGetNumArguments(a) != mlirBlockGetNumArguments(b))
    return false;
  MlirOperation x = mlirBlockGetFirstOperation(a), y = mlirBlockGetFirstOperation(b);
  for (; !mlirOperationIsNull(x) && !mlirOperationIsNull(y);
       x = mlirOperationGetNextInBlock(x), y = mlirOperationGetNextInBlock(y))
    if (!sameOpNames(x, y))
      return false;
  return mlirOperationIsNull(x) && mlirOperationIsNull(y);
}

/* Adds the tag to the attribute dictionary of each argument whose type differs. */
static void tagArguments(MlirOperation func, MlirBlock body, MlirBlock probe) {
  MlirContext ctx = mlirOperationGetContext(func);
  MlirStringRef argAttrsName = mlirStringRefCreateFromCString("arg_attrs");
  MlirAttribute all = mlirOperationGetInherentAttributeByName(func, argAttrsName);
  intptr_t n = mlirBlockGetNumArguments(body);
  MlirAttribute *dicts = malloc((size_t)(n + 1) * sizeof *dicts);
  if (!dicts || mlirAttributeIsNull(all) || !mlirAttributeIsAArray(all) ||
      mlirArrayAttrGetNumElements(all) != n) {
    free(dicts);
    return;
  }
  for (intptr_t i = 0; i < n; ++i) {
    dicts[i] = mlirArrayAttrGetElement(all, i);
    if (mlirTypeEqual(mlirValueGetType(mlirBlockGetArgument(body, i)),
                      mlirValueGetType(mlirBlockGetArgument(probe, i))) ||
        !mlirAttributeIsADictionary(dicts[i]))
      continue;
    intptr_t count = mlirDictionaryAttrGetNumElements(dicts[i]);
    MlirNamedAttribute *entries = malloc((size_t)(count + 1) * sizeof *entries);
    if (!entries)
      continue;
    for (intptr_t j = 0; j < count; ++j)
      entries[j] = mlirDictionaryAttrGetElement(dicts[i], j);
    entries[count] = mlirNamedAttributeGet(tagName(ctx), mlirUnitAttrGet(ctx));
    dicts[i] = mlirDictionaryAttrGet(ctx, count + 1, entries);
    free(entries);
  }
  mlirOperationSetInherentAttributeByName(func, argAttrsName, mlirArrayAttrGet(ctx, n, dicts));
  free(dicts);
}

/* Whether constant `b` is constant `a` plus `delta` in every element (to a millionth of
 * delta: float positions such as P / 3 round). */
static bool offsetEach(MlirOperation a, MlirOperation b, double delta) {
  MlirAttribute x, y;
  if (!constantPair(a, b, &x, &y))
    return false;
  int64_t count = mlirElementsAttrGetNumElements(x);
  for (int64_t i = 0; i < count; ++i) {
    double u, v;
    if (!gcimElementsGet(x, i, &u) || !gcimElementsGet(y, i, &v) ||
        fabs(v - u - delta) > 1e-6 * fmax(1.0, fabs(delta)))
      return false;
  }
  return count > 0;
}

/* The body of the probe's function when it has the same ops as `body`; else null. */
static MlirBlock comparableBody(MlirBlock body, MlirModule probe) {
  MlirOperation func = mlirModuleIsNull(probe) ? (MlirOperation){NULL} : mainFunc(probe);
  if (mlirOperationIsNull(func) || !sameStructure(body, funcBody(func)))
    return (MlirBlock){NULL};
  return funcBody(func);
}

/* Tags the ops and arguments of `module` (imported at past length `past`) whose values
 * differ in `longer` (at past + 1) or `shorter` (at 1; may be null); nothing when
 * `longer` differs in its ops. */
static void tagDifferences(MlirModule module, int64_t past, MlirModule longer, MlirModule shorter) {
  MlirOperation func = mainFunc(module);
  if (mlirOperationIsNull(func))
    return;
  MlirBlock body = funcBody(func), longBody = comparableBody(body, longer);
  MlirBlock shortBody = comparableBody(body, shorter);
  if (mlirBlockIsNull(longBody))
    return;
  MlirContext ctx = mlirOperationGetContext(func);
  MlirAttribute frozen = mlirUnitAttrGet(ctx);
  MlirAttribute position = mlirStringAttrGet(ctx, mlirStringRefCreateFromCString("position"));
  bool hasShort = !mlirBlockIsNull(shortBody);
  MlirOperation z = hasShort ? mlirBlockGetFirstOperation(shortBody) : (MlirOperation){NULL};
  for (MlirOperation x = mlirBlockGetFirstOperation(body), y = mlirBlockGetFirstOperation(longBody);
       !mlirOperationIsNull(x);
       x = mlirOperationGetNextInBlock(x), y = mlirOperationGetNextInBlock(y),
                     z = hasShort ? mlirOperationGetNextInBlock(z) : z) {
    if (sameValues(x, y) && (!hasShort || sameValues(x, z)))
      continue;
    double slope = 1.0;
    /* At P = 1 there is no shorter past to check (the step function then serves 0 and 1). */
    bool followed = pastSlope(x, y, &slope) &&
                    (past == 1 || (hasShort && offsetEach(x, z, slope * (double)(1 - past))));
    mlirOperationSetDiscardableAttributeByName(x, mlirStringRefCreateFromCString(kFromPastLength),
                                               followed ? position : frozen);
    if (followed && slope != 1.0)
      mlirOperationSetDiscardableAttributeByName(
          x, mlirStringRefCreateFromCString(kPastSlope),
          mlirFloatAttrDoubleGet(ctx, mlirF64TypeGet(ctx), slope));
  }
  tagArguments(func, body, longBody);
}

/* A float constant's value attribute, or null. */
static MlirAttribute floatConstant(MlirOperation op) {
  MlirAttribute a = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("value"));
  return !mlirAttributeIsNull(a) && mlirAttributeIsADenseElements(a) &&
                 !mlirAttributeIsADenseResourceElements(a) &&
                 mlirTypeIsAFloat(mlirShapedTypeGetElementType(mlirAttributeGetType(a)))
             ? a
             : mlirAttributeGetNull();
}

/* The node name of a constant's location (NUL-terminated, malloc'd), or NULL. */
static char *constantName(MlirOperation op) {
  MlirLocation loc = mlirOperationGetLocation(op);
  if (!mlirLocationIsAName(loc))
    return NULL;
  MlirStringRef name = mlirIdentifierStr(mlirLocationNameGetName(loc));
  char *copy = name.length ? malloc(name.length + 1) : NULL;
  if (copy) {
    memcpy(copy, name.data, name.length);
    copy[name.length] = '\0';
  }
  return copy;
}

/* Tags the float constants of `module` whose value, not type, differs in `probe` (the
 * graph at a shorter length): computed from the sequence length rather than sized by it.
 * Constants are matched by the node that computed them (names are unique), not by their
 * order: the shorter graph may fold what the longer one could not. */
static void tagRunLength(MlirModule module, MlirModule probe) {
  MlirOperation func = mainFunc(module), probeFunc = mainFunc(probe);
  if (mlirOperationIsNull(func) || mlirOperationIsNull(probeFunc))
    return;
  StrMap probed = {0};
  size_t count = 0;
  for (MlirOperation y = mlirBlockGetFirstOperation(funcBody(probeFunc)); !mlirOperationIsNull(y);
       y = mlirOperationGetNextInBlock(y))
    count += !mlirAttributeIsNull(floatConstant(y));
  char **names = calloc(count + 1, sizeof *names);
  size_t used = 0;
  for (MlirOperation y = mlirBlockGetFirstOperation(funcBody(probeFunc));
       names && !mlirOperationIsNull(y); y = mlirOperationGetNextInBlock(y)) {
    char *name = mlirAttributeIsNull(floatConstant(y)) ? NULL : constantName(y);
    if (!name)
      continue;
    names[used++] = name;
    /* A name met twice (one node's outputs, empty names) matches nothing. */
    void *seen = gcimOnnxStrMapGet(&probed, name);
    gcimOnnxStrMapPut(&probed, name, seen ? (void *)&probed : y.ptr);
  }
  MlirContext ctx = mlirOperationGetContext(func);
  for (MlirOperation x = mlirBlockGetFirstOperation(funcBody(func));
       names && !mlirOperationIsNull(x); x = mlirOperationGetNextInBlock(x)) {
    MlirAttribute a = floatConstant(x);
    char *name = mlirAttributeIsNull(a) ? NULL : constantName(x);
    void *match = name ? gcimOnnxStrMapGet(&probed, name) : NULL;
    free(name);
    if (!match || match == (void *)&probed)
      continue;
    MlirAttribute b = floatConstant((MlirOperation){match});
    if (mlirTypeEqual(mlirAttributeGetType(a), mlirAttributeGetType(b)) && !sameAttribute(a, b))
      mlirOperationSetDiscardableAttributeByName(
          x, mlirStringRefCreateFromCString("gcim.from_run_length"), mlirUnitAttrGet(ctx));
  }
  gcimOnnxStrMapFree(&probed);
  for (size_t i = 0; names && i < used; ++i)
    free(names[i]);
  free(names);
}

/* The probe's diagnostics are not the user's: its import may even fail (a binding that
 * does not lengthen alike), which only means there is nothing to compare. */
static MlirLogicalResult swallow(MlirDiagnostic diagnostic, void *userData) {
  (void)diagnostic;
  (void)userData;
  return mlirLogicalResultSuccess();
}

/* The graph imported again with `probe`'s binding (a past of another length, or a shorter
 * sequence), diagnostics swallowed; a null module when that import fails. The caller
 * destroys it. */
static MlirModule importAgain(const Importer *im, Importer probe) {
  GcimOnnxImportOptions quiet = {0};
  if (im->options)
    quiet = *im->options;
  quiet.notes = NULL;
  probe.ctx = im->ctx;
  probe.fileLoc = im->fileLoc;
  probe.options = &quiet;
  probe.mappings = im->mappings;
  probe.model = im->model;
  MlirModule probeModule = mlirModuleCreateEmpty(im->fileLoc);
  MlirDiagnosticHandlerID handler =
      mlirContextAttachDiagnosticHandler(im->ctx, swallow, NULL, NULL);
  bool imported = gcimOnnxImportGraph(&probe, probeModule);
  mlirContextDetachDiagnosticHandler(im->ctx, handler);
  gcimOnnxFreeValues(&probe);
  gcimOnnxExpansionDestroy(probe.expansion);
  if (!imported) {
    mlirModuleDestroy(probeModule);
    return (MlirModule){NULL};
  }
  return probeModule;
}

static MlirModule importWithPast(const Importer *im, int64_t length) {
  return importAgain(im, (Importer){.probePastLength = im->pastLength, .probeLength = length});
}

void gcimOnnxProbePastLength(const Importer *im, MlirModule module) {
  if (im->pastLength <= 0)
    return;
  MlirModule longer = importWithPast(im, im->pastLength + 1);
  MlirModule shorter =
      im->pastLength > 1 && !mlirModuleIsNull(longer) ? importWithPast(im, 1) : (MlirModule){NULL};
  if (!mlirModuleIsNull(longer))
    tagDifferences(module, im->pastLength, longer, shorter);
  if (!mlirModuleIsNull(shorter))
    mlirModuleDestroy(shorter);
  if (!mlirModuleIsNull(longer))
    mlirModuleDestroy(longer);
}

void gcimOnnxProbeRunLength(const Importer *im, MlirModule module) {
  /* At most RUN_PROBE_LENGTH tokens: its constants sized by the length (masks of T x T)
   * stay small, and the context keeps every constant it makes. */
  int64_t shorter = im->runLength - 1 < RUN_PROBE_LENGTH ? im->runLength - 1 : RUN_PROBE_LENGTH;
  if (im->runLength <= 2 || im->pastLength != 0)
    return;
  MlirModule probe = importAgain(im, (Importer){.probeRunLength = shorter});
  if (!mlirModuleIsNull(probe)) {
    tagRunLength(module, probe);
    mlirModuleDestroy(probe);
  }
}
