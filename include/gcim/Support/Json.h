/* gcim/Support/Json.h: a small JSON reader (to a tree) and writer (to a stream).
 *
 * The reader accepts RFC 8259 JSON (UTF-8 passed through, \u escapes of the BMP) with
 * a nesting limit of 64 and reports errors with a line number. The writer pretty-prints
 * with two-space indentation and writes doubles so that they read back exactly. */
#ifndef GCIM_SUPPORT_JSON_H
#define GCIM_SUPPORT_JSON_H

#include "gcim/Support/Status.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum GcimJsonKind {
  GCIM_JSON_NULL = 0,
  GCIM_JSON_BOOL,
  GCIM_JSON_NUMBER,
  GCIM_JSON_STRING,
  GCIM_JSON_ARRAY,
  GCIM_JSON_OBJECT
} GcimJsonKind;

/// A parsed JSON value. Read its fields directly; the tree is owned by its root.
typedef struct GcimJsonValue {
  GcimJsonKind kind;
  int line;                    /* 1-based line where the value starts */
  int boolean;                 /* GCIM_JSON_BOOL */
  double number;               /* GCIM_JSON_NUMBER */
  char *text;                  /* GCIM_JSON_STRING: the string; GCIM_JSON_NUMBER: the literal */
  size_t count;                /* GCIM_JSON_ARRAY and GCIM_JSON_OBJECT: number of items */
  char **keys;                 /* GCIM_JSON_OBJECT: keys, in file order */
  struct GcimJsonValue *items; /* array elements or object values */
} GcimJsonValue;

/// Parses `length` bytes of `text`. On success *out owns the tree (free with
/// gcimJsonDestroy); on failure *out is NULL and errMsg says "line N: ...".
GcimStatus gcimJsonParse(const char *text, size_t length, GcimJsonValue **out, char **errMsg);

/// Reads and parses the file `path`; errors are prefixed with the path.
GcimStatus gcimJsonParseFile(const char *path, GcimJsonValue **out, char **errMsg);

/// Frees a tree returned by a parse. Accepts NULL.
void gcimJsonDestroy(GcimJsonValue *value);

/// The value of `key` in `object` (borrowed), or NULL if absent or not an object.
const GcimJsonValue *gcimJsonObjectGet(const GcimJsonValue *object, const char *key);

/// A streaming writer; initialise with gcimJsonWriterInit, fields are private.
typedef struct GcimJsonWriter {
  FILE *stream;
  int depth;
  int needComma[64];
  int afterKey;
} GcimJsonWriter;

/// Starts writing to `stream` (borrowed). Write errors show in ferror(stream).
void gcimJsonWriterInit(GcimJsonWriter *writer, FILE *stream);
/// Opens an object or array (the value of a pending key, an array item or the root).
void gcimJsonWriteBeginObject(GcimJsonWriter *writer);
void gcimJsonWriteEndObject(GcimJsonWriter *writer);
void gcimJsonWriteBeginArray(GcimJsonWriter *writer);
void gcimJsonWriteEndArray(GcimJsonWriter *writer);
/// Writes an object key; the next value written is its value.
void gcimJsonWriteKey(GcimJsonWriter *writer, const char *key);
/// Scalars. Non-finite doubles are written as null (JSON has no NaN or infinity).
void gcimJsonWriteDouble(GcimJsonWriter *writer, double value);
/// Writes the shortest decimal that reads back as the same float32 (0.9f as 0.9).
void gcimJsonWriteFloat(GcimJsonWriter *writer, float value);
void gcimJsonWriteInt(GcimJsonWriter *writer, int64_t value);
void gcimJsonWriteUInt(GcimJsonWriter *writer, uint64_t value);
void gcimJsonWriteBool(GcimJsonWriter *writer, int value);
void gcimJsonWriteString(GcimJsonWriter *writer, const char *value);
/// Ends the document with a newline.
void gcimJsonWriterFinish(GcimJsonWriter *writer);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_JSON_H */
