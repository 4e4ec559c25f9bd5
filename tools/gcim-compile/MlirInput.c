/* MlirInput.c: gcim-compile's .mlir input and the dense resources the emitter reads from it. */
#include "MlirInput.h"

#include "gcim/Support/IRHelpers.h"
#include "gcim/Support/InputFile.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct GcimCompileConstants {
  GcimCompileConstants *next;
  size_t size;
  unsigned char bytes[]; /* the element data */
};

bool gcimCompileIsMlirPath(const char *path) {
  size_t length = strlen(path);
  return length > 5 && strcmp(path + length - 5, ".mlir") == 0;
}

/* Whether every `dense_resource<KEY>` of `text` has its data in the file's dialect_resources:
 * the emitter reads every weight, so one elided when printed is an error here. */
static bool resourcesPresent(const char *path, const char *text, size_t length) {
  size_t first = 0;
  if (gcimResourcesNoteMissing(text, length, &first) == 0)
    return true;
  const char *at = text + first, *key = strchr(at, '<') + 1, *end = strchr(key, '>');
  int line = 1;
  for (const char *c = text; c < at; ++c)
    line += *c == '\n';
  fprintf(stderr, "%s:%d: error: the constant dense_resource<%.*s> has no data in the file%s\n",
          path, line, (int)(end - key), key,
          strstr(text, "__elided__") || !strstr(text, "{-#")
              ? " (it was elided when printed: print the stage with --print-constants)"
              : "");
  return false;
}

/* Parses `text` (`length` bytes, NUL-terminated) as a module; locations name `path`. A file
 * holding one op that is not a module is wrapped in one, as when parsing a file. */
static MlirModule parseModule(MlirContext ctx, const char *path, const char *text, size_t length) {
  MlirOperation op = mlirOperationCreateParse(ctx, mlirStringRefCreate(text, length),
                                              mlirStringRefCreateFromCString(path));
  if (mlirOperationIsNull(op))
    return (MlirModule){NULL};
  MlirModule module = mlirModuleFromOperation(op);
  if (!mlirModuleIsNull(module))
    return module;
  module = mlirModuleCreateEmpty(mlirOperationGetLocation(op));
  mlirBlockAppendOwnedOperation(mlirModuleGetBody(module), op);
  return module;
}

MlirModule gcimCompileParseMlir(MlirContext ctx, const char *path) {
  /* Read once and parse what was read: a FIFO or a device cannot be read a second time. */
  char *text = NULL, *errMsg = NULL;
  size_t length = 0;
  if (gcimInputFileRead(path, GCIM_INPUT_FILE_IR_LIMIT, &text, &length, &errMsg) != GCIM_OK) {
    fprintf(stderr, "gcim-compile: error: %s\n", errMsg ? errMsg : "out of memory");
    free(errMsg);
    return (MlirModule){NULL};
  }
  MlirModule module = resourcesPresent(path, text, length) ? parseModule(ctx, path, text, length)
                                                           : (MlirModule){NULL};
  free(text);
  return module;
}

/* Element i of a dense resource of element type `elem` into `to`; false for a type the C
 * API cannot read. */
static bool readElement(MlirAttribute value, MlirType elem, intptr_t i, unsigned char *to) {
  if (mlirTypeIsAF32(elem)) {
    float x = mlirDenseFloatResourceElementsAttrGetValue(value, i);
    memcpy(to, &x, sizeof x);
  } else if (mlirTypeIsAF64(elem)) {
    double x = mlirDenseDoubleResourceElementsAttrGetValue(value, i);
    memcpy(to, &x, sizeof x);
  } else if (mlirTypeIsAInteger(elem) && mlirIntegerTypeGetWidth(elem) == 64) {
    int64_t x = mlirDenseInt64ResourceElementsAttrGetValue(value, i);
    memcpy(to, &x, sizeof x);
  } else if (mlirTypeIsAInteger(elem) && mlirIntegerTypeGetWidth(elem) == 32) {
    int32_t x = mlirDenseInt32ResourceElementsAttrGetValue(value, i);
    memcpy(to, &x, sizeof x);
  } else if (mlirTypeIsAInteger(elem) && mlirIntegerTypeGetWidth(elem) == 8) {
    *to = mlirDenseUInt8ResourceElementsAttrGetValue(value, i);
  } else if (mlirTypeIsAInteger(elem) && mlirIntegerTypeGetWidth(elem) == 1) {
    *to = mlirDenseBoolResourceElementsAttrGetValue(value, i) ? 1 : 0;
  } else {
    return false;
  }
  return true;
}

int gcimCompileReadConstant(void *userData, MlirAttribute value, const void **data, size_t *size) {
  GcimCompileConstants **list = userData;
  if (!mlirAttributeIsADenseResourceElements(value))
    return 0;
  MlirType type = mlirAttributeGetType(value), elem = mlirShapedTypeGetElementType(type);
  intptr_t count = mlirElementsAttrGetNumElements(value);
  size_t width = mlirTypeIsAInteger(elem) && mlirIntegerTypeGetWidth(elem) == 1
                     ? 1
                     : (size_t)(mlirTypeIsAFloat(elem) ? mlirFloatTypeGetWidth(elem)
                                                       : mlirIntegerTypeGetWidth(elem)) /
                           8;
  GcimCompileConstants *copy = malloc(sizeof *copy + (size_t)count * width + 1);
  if (!copy)
    return 0;
  for (intptr_t i = 0; i < count; ++i)
    if (!readElement(value, elem, i, copy->bytes + (size_t)i * width)) {
      free(copy);
      return 0;
    }
  copy->size = (size_t)count * width;
  copy->next = *list;
  *list = copy;
  *data = copy->bytes;
  *size = copy->size;
  return 1;
}

void gcimCompileConstantsDestroy(GcimCompileConstants *constants) {
  while (constants) {
    GcimCompileConstants *next = constants->next;
    free(constants);
    constants = next;
  }
}
