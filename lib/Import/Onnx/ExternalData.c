/* ExternalData.c: tensors stored beside the model (`data_location: EXTERNAL`).
 *
 * The location must be a relative path inside the model's folder: absolute paths, `..`
 * components and symbolic links that lead out of the folder are rejected, and the byte
 * range (offset, length) must lie inside the file. Each file is mapped once. */
#define _XOPEN_SOURCE 700
#include "Importer.h"

#include "gcim/Support/Status.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parseUnsigned(const char *text, uint64_t *value) {
  if (!text || !*text)
    return false;
  uint64_t result = 0;
  for (const char *p = text; *p; ++p) {
    if (*p < '0' || *p > '9' || result > (UINT64_MAX - 9) / 10)
      return false;
    result = result * 10 + (uint64_t)(*p - '0');
  }
  *value = result;
  return true;
}

/* Rejects locations that could leave the folder before touching the file system. */
static bool locationIsSafe(const char *location) {
  if (!*location || location[0] == '/' || location[0] == '\\')
    return false;
  const char *p = location;
  while (*p) {
    size_t n = strcspn(p, "/\\");
    if (n == 2 && p[0] == '.' && p[1] == '.')
      return false;
    p += n;
    if (*p)
      ++p;
  }
  return true;
}

/* Maps the file `location` (relative to the model folder) once; NULL on error. */
static const Mapping *mapExternal(MappingList *list, const char *location, char **errMsg) {
  for (size_t i = 1; i < list->count; ++i)
    if (strcmp(list->items[i].path, location) == 0)
      return &list->items[i];
  char joined[PATH_MAX], resolved[PATH_MAX], folder[PATH_MAX];
  if ((size_t)snprintf(joined, sizeof joined, "%s/%s", list->modelDir, location) >= sizeof joined) {
    gcimFail(errMsg, GCIM_ERROR_FORMAT, "external data location '%s' is too long", location);
    return NULL;
  }
  if (!realpath(list->modelDir, folder) || !realpath(joined, resolved)) {
    gcimFail(errMsg, GCIM_ERROR_IO, "cannot open external data '%s': %s", location,
             strerror(errno));
    return NULL;
  }
  size_t folderLength = strlen(folder);
  if (strncmp(resolved, folder, folderLength) != 0 ||
      (resolved[folderLength] != '/' && folderLength > 1)) {
    gcimFail(errMsg, GCIM_ERROR_FORMAT,
             "external data location '%s' leads out of the model's folder", location);
    return NULL;
  }
  Mapping *grown = realloc(list->items, (list->count + 1) * sizeof *grown);
  if (!grown) {
    gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
    return NULL;
  }
  list->items = grown;
  Mapping *mapping = &list->items[list->count];
  if (!gcimOnnxMapFile(resolved, mapping, errMsg))
    return NULL;
  mapping->path = strdup(location);
  if (!mapping->path) {
    gcimOnnxUnmapFile(mapping);
    gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
    return NULL;
  }
  ++list->count;
  return mapping;
}

bool gcimOnnxResolveExternalData(MappingList *list, const Onnx__TensorProto *tensor, uint64_t bytes,
                                 ByteView *view, char **errMsg) {
  const char *location = NULL;
  uint64_t offset = 0, length = 0;
  bool hasLength = false;
  for (size_t i = 0; i < tensor->n_external_data; ++i) {
    const Onnx__StringStringEntryProto *entry = tensor->external_data[i];
    if (!entry->key || !entry->value)
      continue;
    if (strcmp(entry->key, "location") == 0) {
      location = entry->value;
    } else if (strcmp(entry->key, "offset") == 0) {
      if (!parseUnsigned(entry->value, &offset)) {
        gcimFail(errMsg, GCIM_ERROR_FORMAT, "external data offset '%s' is not a valid number",
                 entry->value);
        return false;
      }
    } else if (strcmp(entry->key, "length") == 0) {
      if (!parseUnsigned(entry->value, &length)) {
        gcimFail(errMsg, GCIM_ERROR_FORMAT, "external data length '%s' is not a valid number",
                 entry->value);
        return false;
      }
      hasLength = true;
    }
  }
  if (!location) {
    gcimFail(errMsg, GCIM_ERROR_FORMAT, "external data has no 'location'");
    return false;
  }
  if (!list->modelDir) {
    gcimFail(errMsg, GCIM_ERROR_FORMAT,
             "external data '%s' cannot be resolved without the model's folder", location);
    return false;
  }
  if (!locationIsSafe(location)) {
    gcimFail(errMsg, GCIM_ERROR_FORMAT,
             "external data location '%s' leads out of the model's folder", location);
    return false;
  }
  const Mapping *mapping = mapExternal(list, location, errMsg);
  if (!mapping)
    return false;
  if (!hasLength)
    length = offset <= mapping->size ? mapping->size - offset : 0;
  if (offset > mapping->size || length > mapping->size - offset) {
    gcimFail(errMsg, GCIM_ERROR_FORMAT,
             "external data range [%llu, %llu + %llu) lies outside '%s' (%zu bytes)",
             (unsigned long long)offset, (unsigned long long)offset, (unsigned long long)length,
             location, mapping->size);
    return false;
  }
  if (length != bytes) {
    gcimFail(errMsg, GCIM_ERROR_FORMAT,
             "external data in '%s' has %llu bytes, the tensor needs %llu", location,
             (unsigned long long)length, (unsigned long long)bytes);
    return false;
  }
  view->data = mapping->data + offset;
  view->size = (size_t)length;
  view->present = true;
  view->mapped = true;
  return true;
}
