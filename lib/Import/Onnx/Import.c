/* Import.c: the public entry points of the ONNX importer (gcim/Import/Onnx.h). */
#define _XOPEN_SOURCE 700
#include "Expand.h"
#include "Importer.h"

#include "gcim/Support/Diagnostics.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct GcimOnnxImport {
  MlirModule module;
  MappingList mappings;
  char *modelDir;
};

GcimStatus gcimOnnxParseInputShape(const char *text, GcimOnnxInputShape *shape, char **errMsg) {
  memset(shape, 0, sizeof *shape);
  const char *equals = strrchr(text, '=');
  if (!equals || equals == text || !equals[1])
    return gcimFail(errMsg, GCIM_ERROR_INVALID,
                    "--input-shape '%s' is not of the form NAME=D1xD2...", text);
  shape->name = text;
  const char *p = equals + 1;
  while (*p) {
    if (shape->rank == GCIM_MAX_RANK)
      return gcimFail(errMsg, GCIM_ERROR_INVALID, "--input-shape '%s' has rank above %d", text,
                      GCIM_MAX_RANK);
    if (*p < '0' || *p > '9')
      return gcimFail(errMsg, GCIM_ERROR_INVALID,
                      "--input-shape '%s': dimensions must be positive integers", text);
    int64_t value = 0;
    for (; *p >= '0' && *p <= '9'; ++p) {
      if (value > (INT64_MAX - 9) / 10)
        return gcimFail(errMsg, GCIM_ERROR_INVALID, "--input-shape '%s': dimension overflows",
                        text);
      value = value * 10 + (*p - '0');
    }
    /* An empty input (input_ids=1x0) has nothing to compute on: a mistake, not a shape. */
    if (value == 0)
      return gcimFail(errMsg, GCIM_ERROR_INVALID,
                      "--input-shape '%s': dimension %zu of input '%.*s' is 0; dimensions must "
                      "be positive integers",
                      text, shape->rank, (int)(equals - text), text);
    shape->dims[shape->rank++] = value;
    if (*p == 'x' && p[1])
      ++p;
    else if (*p)
      return gcimFail(errMsg, GCIM_ERROR_INVALID,
                      "--input-shape '%s' is not of the form NAME=D1xD2...", text);
  }
  return GCIM_OK;
}

MlirModule gcimOnnxImportGetModule(const GcimOnnxImport *import) { return import->module; }

MlirModule gcimOnnxImportTakeModule(GcimOnnxImport *import) {
  MlirModule module = import->module;
  import->module = (MlirModule){NULL};
  return module;
}

void gcimOnnxImportDestroy(GcimOnnxImport *import) {
  if (!import)
    return;
  if (!mlirModuleIsNull(import->module))
    mlirModuleDestroy(import->module);
  for (size_t i = 0; i < import->mappings.count; ++i)
    gcimOnnxUnmapFile(&import->mappings.items[i]);
  free(import->mappings.items);
  free(import->mappings.resources);
  free(import->modelDir);
  free(import);
}

/* Imports the model held by mapping 0 of `import`. */
static MlirLogicalResult run(MlirContext ctx, GcimOnnxImport *import, const char *name,
                             const GcimOnnxImportOptions *options) {
  Importer im = {.ctx = ctx, .options = options, .mappings = &import->mappings};
  im.fileLoc = mlirLocationFileLineColGet(ctx, mlirStringRefCreateFromCString(name), 0, 0);
  Model model;
  char *errMsg = NULL;
  if (!gcimOnnxReadModel(&import->mappings.items[0], &model, &errMsg)) {
    gcimEmitError(im.fileLoc, "%s", errMsg ? errMsg : "out of memory");
    free(errMsg);
    return mlirLogicalResultFailure();
  }
  im.model = &model;
  import->module = mlirModuleCreateEmpty(im.fileLoc);
  bool ok = gcimOnnxImportGraph(&im, import->module);
  if (ok)
    gcimOnnxProbePastLength(&im, import->module);
  if (ok)
    gcimOnnxProbeRunLength(&im, import->module);
  gcimOnnxFreeValues(&im);
  gcimOnnxExpansionDestroy(im.expansion); /* after the values, which borrow its names */
  gcimOnnxFreeModel(&model);
  return ok ? mlirLogicalResultSuccess() : mlirLogicalResultFailure();
}

static GcimOnnxImport *createImport(void) {
  GcimOnnxImport *import = calloc(1, sizeof *import);
  if (import)
    import->mappings.items = calloc(1, sizeof(Mapping));
  if (import && !import->mappings.items) {
    free(import);
    return NULL;
  }
  return import;
}

static MlirLogicalResult finish(GcimOnnxImport *import, MlirLogicalResult result,
                                GcimOnnxImport **out) {
  if (mlirLogicalResultIsFailure(result)) {
    gcimOnnxImportDestroy(import);
    import = NULL;
  }
  *out = import;
  return result;
}

MlirLogicalResult gcimImportOnnxFile(MlirContext ctx, const char *path,
                                     const GcimOnnxImportOptions *options, GcimOnnxImport **out) {
  *out = NULL;
  MlirLocation fileLoc =
      mlirLocationFileLineColGet(ctx, mlirStringRefCreateFromCString(path), 0, 0);
  GcimOnnxImport *import = createImport();
  if (!import) {
    gcimEmitError(fileLoc, "out of memory");
    return mlirLogicalResultFailure();
  }
  char *errMsg = NULL;
  if (!gcimOnnxMapFile(path, &import->mappings.items[0], &errMsg)) {
    gcimEmitError(fileLoc, "%s", errMsg ? errMsg : "out of memory");
    free(errMsg);
    return finish(import, mlirLogicalResultFailure(), out);
  }
  import->mappings.count = 1;
  const char *slash = strrchr(path, '/');
  import->modelDir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
  if (!import->modelDir) {
    gcimEmitError(fileLoc, "out of memory");
    return finish(import, mlirLogicalResultFailure(), out);
  }
  import->mappings.modelDir = import->modelDir;
  return finish(import, run(ctx, import, path, options), out);
}

MlirLogicalResult gcimImportOnnxBuffer(MlirContext ctx, const void *data, size_t size,
                                       const char *name, const GcimOnnxImportOptions *options,
                                       GcimOnnxImport **out) {
  *out = NULL;
  GcimOnnxImport *import = createImport();
  if (!import) {
    gcimEmitError(mlirLocationUnknownGet(ctx), "out of memory");
    return mlirLogicalResultFailure();
  }
  import->mappings.items[0] = (Mapping){.data = data, .size = size, .owned = false};
  import->mappings.count = 1;
  return finish(import, run(ctx, import, name ? name : "<buffer>", options), out);
}

bool gcimOnnxImportGetResourceData(const GcimOnnxImport *import, MlirAttribute attr,
                                   const void **data, size_t *size) {
  const MappingList *list = &import->mappings;
  for (size_t i = 0; i < list->resourceCount; ++i)
    if (list->resources[i].attr == attr.ptr) {
      *data = list->resources[i].data;
      *size = list->resources[i].size;
      return true;
    }
  return false;
}

void gcimOnnxImportReleaseAll(const GcimOnnxImport *import) {
  const MappingList *list = &import->mappings;
  for (size_t i = 0; i < list->count; ++i)
    gcimOnnxReleaseMapped(&list->items[i], list->items[i].data, list->items[i].size);
}

void gcimOnnxImportReleaseResourceData(const GcimOnnxImport *import, MlirAttribute attr) {
  const void *data;
  size_t size;
  if (!gcimOnnxImportGetResourceData(import, attr, &data, &size))
    return;
  const MappingList *list = &import->mappings;
  for (size_t i = 0; i < list->count; ++i)
    gcimOnnxReleaseMapped(&list->items[i], data, size);
}
