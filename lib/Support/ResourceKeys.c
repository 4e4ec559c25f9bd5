/* ResourceKeys.c: which dense resources of a textual IR have no data, and where the bytes of
 * those a driver made over its own memory lie.
 *
 * A stage printed without --print-constants keeps its weights' uses, `dense_resource<KEY>`,
 * but leaves their blobs out of the `dialect_resources` section (or writes the key
 * `__elided__`). MLIR parses such a use into a constant without data, and the C API cannot
 * tell it from one with data: reading it gives garbage or a crash. So the drivers scan the
 * text before parsing and gcimElementsElided consults what they found.
 *
 * The C API reads a resource one element at a time (a call each: seconds for a model's
 * 4-bit weights), but gcim-compile made the model's resources over the file it mapped: it
 * names that mapping as the data source, which the passes read the bytes from (and drop
 * the pages of once read). */
#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_KEY = 255 };

/* The first occurrence of `needle` in text[from, length), or length. */
static size_t find(const char *text, size_t length, size_t from, const char *needle) {
  size_t size = strlen(needle);
  for (size_t at = from; at + size <= length; ++at)
    if (text[at] == needle[0] && memcmp(text + at, needle, size) == 0)
      return at;
  return length;
}

/* A list of keys (the missing ones, or those the text defines). */
typedef struct KeyList {
  char **keys;
  size_t count;
} KeyList;

/* The keys found missing so far: written before passes run, then only read. */
static KeyList missing;

static bool listed(const KeyList *list, const char *key, size_t length) {
  for (size_t i = 0; i < list->count; ++i)
    if (strlen(list->keys[i]) == length && memcmp(list->keys[i], key, length) == 0)
      return true;
  return false;
}

static bool add(KeyList *list, const char *key, size_t length) {
  if (listed(list, key, length))
    return true;
  char **grown = realloc(list->keys, (list->count + 1) * sizeof *grown);
  if (!grown)
    return false;
  list->keys = grown;
  char *copy = malloc(length + 1);
  if (!copy)
    return false;
  memcpy(copy, key, length);
  copy[length] = '\0';
  list->keys[list->count++] = copy;
  return true;
}

static void clear(KeyList *list) {
  for (size_t i = 0; i < list->count; ++i)
    free(list->keys[i]);
  free(list->keys);
  *list = (KeyList){NULL, 0};
}

/* The keys with a blob in the dialect_resources section text[section, length): lines
 * `KEY: "0x...` (one pass; a blob is one long line). */
static void definedKeys(const char *text, size_t length, size_t section, KeyList *out) {
  for (size_t at = section; at < length; ++at) {
    if (text[at] != '\n')
      continue;
    size_t key = at + 1;
    while (key < length && text[key] == ' ')
      ++key;
    size_t end = key;
    while (end < length && end - key <= MAX_KEY && text[end] != ':' && text[end] != ' ' &&
           text[end] != '\n')
      ++end;
    if (end > key && end + 5 <= length && memcmp(text + end, ": \"0x", 5) == 0)
      add(out, text + key, end - key);
  }
}

size_t gcimResourcesNoteMissing(const char *text, size_t length, size_t *first) {
  static const char use[] = "dense_resource<";
  KeyList defined = {NULL, 0};
  size_t section = find(text, length, 0, "{-#"), count = 0;
  definedKeys(text, length, section, &defined);
  for (size_t at = find(text, length, 0, use); at < section; at = find(text, length, at + 1, use)) {
    size_t key = at + sizeof use - 1, end = key;
    while (end < length && text[end] != '>' && end - key <= MAX_KEY)
      ++end;
    if (end >= length || text[end] != '>' || listed(&defined, text + key, end - key))
      continue; /* a bad use is the parser's to report */
    if (count++ == 0 && first)
      *first = at;
    add(&missing, text + key, end - key);
  }
  clear(&defined);
  return count;
}

bool gcimResourceIsMissing(const char *key, size_t length) {
  return (length == 10 && memcmp(key, "__elided__", 10) == 0) || listed(&missing, key, length);
}

/* The data source: set by the driver before passes run, then only read. */
static GcimResourceDataFn dataSource;
static GcimResourceReleaseFn dataRelease;
static void *dataSourceUserData;

void gcimResourcesSetDataSource(GcimResourceDataFn fn, GcimResourceReleaseFn release,
                                void *userData) {
  dataSource = fn;
  dataRelease = release;
  dataSourceUserData = userData;
}

bool gcimResourceGetData(MlirAttribute attr, const void **data, size_t *size) {
  return dataSource && mlirAttributeIsADenseResourceElements(attr) &&
         dataSource(dataSourceUserData, attr, data, size);
}

void gcimResourceRelease(MlirAttribute attr) {
  if (dataRelease && mlirAttributeIsADenseResourceElements(attr))
    dataRelease(dataSourceUserData, attr);
}
