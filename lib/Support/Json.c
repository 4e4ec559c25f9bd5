/* Json.c: a small recursive-descent JSON reader and a pretty-printing writer. */
#include "gcim/Support/Json.h"

#include "gcim/Support/InputFile.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 64 };

typedef struct Parser {
  const char *p, *end;
  int line;
  char **errMsg;
} Parser;

static GcimStatus parseValue(Parser *ps, GcimJsonValue *out, int depth);

static void freeValue(GcimJsonValue *v) {
  free(v->text);
  for (size_t i = 0; i < v->count; ++i) {
    if (v->keys)
      free(v->keys[i]);
    if (v->items)
      freeValue(&v->items[i]);
  }
  free(v->keys);
  free(v->items);
}

void gcimJsonDestroy(GcimJsonValue *value) {
  if (!value)
    return;
  freeValue(value);
  free(value);
}

static GcimStatus syntax(Parser *ps, const char *what) {
  return gcimFail(ps->errMsg, GCIM_ERROR_FORMAT, "line %d: %s", ps->line, what);
}

static void skipSpace(Parser *ps) {
  for (; ps->p < ps->end; ++ps->p) {
    if (*ps->p == '\n')
      ++ps->line;
    else if (*ps->p != ' ' && *ps->p != '\t' && *ps->p != '\r')
      break;
  }
}

static int literal(Parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
    return 0;
  ps->p += n;
  return 1;
}

static void appendUtf8(char *out, size_t *n, unsigned code) {
  if (code < 0x80) {
    out[(*n)++] = (char)code;
  } else if (code < 0x800) {
    out[(*n)++] = (char)(0xC0 | code >> 6);
    out[(*n)++] = (char)(0x80 | (code & 0x3F));
  } else {
    out[(*n)++] = (char)(0xE0 | code >> 12);
    out[(*n)++] = (char)(0x80 | ((code >> 6) & 0x3F));
    out[(*n)++] = (char)(0x80 | (code & 0x3F));
  }
}

static GcimStatus parseString(Parser *ps, char **out) {
  ++ps->p; /* opening quote */
  const char *start = ps->p;
  while (ps->p < ps->end && *ps->p != '"')
    ps->p += *ps->p == '\\' && ps->p + 1 < ps->end ? 2 : 1;
  if (ps->p >= ps->end)
    return syntax(ps, "unterminated string");
  /* Escapes only shrink: the raw length bounds the decoded one. */
  char *s = malloc((size_t)(ps->p - start) + 1);
  if (!s)
    return gcimFail(ps->errMsg, GCIM_ERROR_MEMORY, "out of memory");
  size_t n = 0;
  for (const char *c = start; c < ps->p; ++c) {
    if ((unsigned char)*c < 0x20) {
      free(s);
      return syntax(ps, "control character in string");
    }
    if (*c != '\\') {
      s[n++] = *c;
      continue;
    }
    char e = *++c;
    const char *simple = strchr("\"\\/bfnrt", e);
    if (e && simple) {
      s[n++] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
    } else if (e == 'u' && ps->p - c > 4) {
      char hex[5] = {c[1], c[2], c[3], c[4], 0}, *after;
      unsigned code = (unsigned)strtoul(hex, &after, 16);
      if (after != hex + 4) {
        free(s);
        return syntax(ps, "bad \\u escape");
      }
      appendUtf8(s, &n, code);
      c += 4;
    } else {
      free(s);
      return syntax(ps, "bad escape in string");
    }
  }
  s[n] = '\0';
  ++ps->p; /* closing quote */
  *out = s;
  return GCIM_OK;
}

static GcimStatus parseNumber(Parser *ps, GcimJsonValue *out) {
  const char *start = ps->p;
  if (ps->p < ps->end && *ps->p == '-')
    ++ps->p;
  while (ps->p < ps->end && strchr("0123456789.eE+-", *ps->p) && *ps->p)
    ++ps->p;
  size_t n = (size_t)(ps->p - start);
  out->text = malloc(n + 1);
  if (!out->text)
    return gcimFail(ps->errMsg, GCIM_ERROR_MEMORY, "out of memory");
  memcpy(out->text, start, n);
  out->text[n] = '\0';
  char *after;
  out->number = strtod(out->text, &after);
  int digitFirst = out->text[out->text[0] == '-'] >= '0' && out->text[out->text[0] == '-'] <= '9';
  if (n == 0 || *after || !digitFirst)
    return syntax(ps, "malformed number");
  out->kind = GCIM_JSON_NUMBER;
  return GCIM_OK;
}

/* Appends an item (and key) to an array or object value. */
static GcimJsonValue *grow(Parser *ps, GcimJsonValue *v, char *key) {
  GcimJsonValue *items = realloc(v->items, (v->count + 1) * sizeof *items);
  if (items)
    v->items = items;
  char **keys =
      v->kind == GCIM_JSON_OBJECT ? realloc(v->keys, (v->count + 1) * sizeof *keys) : NULL;
  if (keys)
    v->keys = keys;
  if (!items || (v->kind == GCIM_JSON_OBJECT && !keys)) {
    free(key);
    gcimFail(ps->errMsg, GCIM_ERROR_MEMORY, "out of memory");
    return NULL;
  }
  if (keys)
    keys[v->count] = key;
  memset(&items[v->count], 0, sizeof *items);
  return &items[v->count++];
}

static GcimStatus parseContainer(Parser *ps, GcimJsonValue *out, int depth) {
  int isObject = *ps->p == '{';
  char close = isObject ? '}' : ']';
  out->kind = isObject ? GCIM_JSON_OBJECT : GCIM_JSON_ARRAY;
  ++ps->p;
  skipSpace(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ++ps->p;
    return GCIM_OK;
  }
  for (;;) {
    char *key = NULL;
    skipSpace(ps);
    if (isObject) {
      if (ps->p >= ps->end || *ps->p != '"')
        return syntax(ps, "expected a string key");
      GcimStatus status = parseString(ps, &key);
      if (status != GCIM_OK)
        return status;
      for (size_t i = 0; i < out->count; ++i)
        if (strcmp(out->keys[i], key) == 0) {
          free(key);
          return syntax(ps, "duplicate key");
        }
      skipSpace(ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        free(key);
        return syntax(ps, "expected ':'");
      }
      ++ps->p;
    }
    GcimJsonValue *item = grow(ps, out, key);
    if (!item)
      return GCIM_ERROR_MEMORY;
    GcimStatus status = parseValue(ps, item, depth + 1);
    if (status != GCIM_OK)
      return status;
    skipSpace(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ++ps->p;
      continue;
    }
    if (ps->p < ps->end && *ps->p == close) {
      ++ps->p;
      return GCIM_OK;
    }
    return syntax(ps, isObject ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

static GcimStatus parseValue(Parser *ps, GcimJsonValue *out, int depth) {
  if (depth > MAX_DEPTH)
    return syntax(ps, "nesting too deep");
  skipSpace(ps);
  out->line = ps->line;
  if (ps->p >= ps->end)
    return syntax(ps, "unexpected end of input");
  char c = *ps->p;
  if (c == '{' || c == '[')
    return parseContainer(ps, out, depth);
  if (c == '"') {
    out->kind = GCIM_JSON_STRING;
    return parseString(ps, &out->text);
  }
  if (literal(ps, "true") || literal(ps, "false")) {
    out->kind = GCIM_JSON_BOOL;
    out->boolean = ps->p[-1] == 'e' && ps->p[-2] == 'u';
    return GCIM_OK;
  }
  if (literal(ps, "null")) {
    out->kind = GCIM_JSON_NULL;
    return GCIM_OK;
  }
  if (c == '-' || (c >= '0' && c <= '9'))
    return parseNumber(ps, out);
  return syntax(ps, "unexpected character");
}

GcimStatus gcimJsonParse(const char *text, size_t length, GcimJsonValue **out, char **errMsg) {
  *out = NULL;
  GcimJsonValue *root = calloc(1, sizeof *root);
  if (!root)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  Parser ps = {text, text + length, 1, errMsg};
  GcimStatus status = parseValue(&ps, root, 0);
  if (status == GCIM_OK) {
    skipSpace(&ps);
    if (ps.p != ps.end)
      status = syntax(&ps, "trailing characters after the value");
  }
  if (status != GCIM_OK) {
    gcimJsonDestroy(root);
    return status;
  }
  *out = root;
  return GCIM_OK;
}

GcimStatus gcimJsonParseFile(const char *path, GcimJsonValue **out, char **errMsg) {
  *out = NULL;
  char *text;
  size_t size;
  GcimStatus status = gcimInputFileRead(path, GCIM_INPUT_FILE_JSON_LIMIT, &text, &size, errMsg);
  if (status != GCIM_OK)
    return status;
  char *message = NULL;
  status = gcimJsonParse(text, size, out, &message);
  free(text);
  if (status != GCIM_OK) {
    status = gcimFail(errMsg, status, "'%s': %s", path, message ? message : "invalid JSON");
    free(message);
  }
  return status;
}

const GcimJsonValue *gcimJsonObjectGet(const GcimJsonValue *object, const char *key) {
  if (!object || object->kind != GCIM_JSON_OBJECT)
    return NULL;
  for (size_t i = 0; i < object->count; ++i)
    if (strcmp(object->keys[i], key) == 0)
      return &object->items[i];
  return NULL;
}

/* ---- writer ---- */

void gcimJsonWriterInit(GcimJsonWriter *writer, FILE *stream) {
  memset(writer, 0, sizeof *writer);
  writer->stream = stream;
}

static void indent(GcimJsonWriter *w) {
  fputc('\n', w->stream);
  for (int i = 0; i < w->depth; ++i)
    fputs("  ", w->stream);
}

/* Separates a new value from the previous one, unless it follows a key. */
static void beginValue(GcimJsonWriter *w) {
  if (w->afterKey) {
    w->afterKey = 0;
    return;
  }
  if (w->depth > 0) {
    if (w->needComma[w->depth])
      fputc(',', w->stream);
    indent(w);
  }
  w->needComma[w->depth] = 1;
}

static void openContainer(GcimJsonWriter *w, char c) {
  beginValue(w);
  fputc(c, w->stream);
  if (w->depth + 1 < (int)(sizeof w->needComma / sizeof w->needComma[0]))
    ++w->depth;
  w->needComma[w->depth] = 0;
}

static void closeContainer(GcimJsonWriter *w, char c) {
  int empty = !w->needComma[w->depth];
  --w->depth;
  if (!empty)
    indent(w);
  fputc(c, w->stream);
}

void gcimJsonWriteBeginObject(GcimJsonWriter *writer) { openContainer(writer, '{'); }
void gcimJsonWriteEndObject(GcimJsonWriter *writer) { closeContainer(writer, '}'); }
void gcimJsonWriteBeginArray(GcimJsonWriter *writer) { openContainer(writer, '['); }
void gcimJsonWriteEndArray(GcimJsonWriter *writer) { closeContainer(writer, ']'); }

void gcimJsonWriteKey(GcimJsonWriter *writer, const char *key) {
  gcimJsonWriteString(writer, key);
  fputs(": ", writer->stream);
  writer->afterKey = 1;
}

void gcimJsonWriteDouble(GcimJsonWriter *writer, double value) {
  beginValue(writer);
  if (!isfinite(value)) {
    fputs("null", writer->stream);
    return;
  }
  /* The shortest of %.15g and %.17g that reads back exactly. */
  char text[32];
  snprintf(text, sizeof text, "%.15g", value);
  if (strtod(text, NULL) != value)
    snprintf(text, sizeof text, "%.17g", value);
  fputs(text, writer->stream);
}

void gcimJsonWriteFloat(GcimJsonWriter *writer, float value) {
  if (!isfinite(value)) {
    gcimJsonWriteDouble(writer, value);
    return;
  }
  beginValue(writer);
  char text[32];
  for (int precision = 1; precision <= 9; ++precision) {
    snprintf(text, sizeof text, "%.*g", precision, (double)value);
    if ((float)strtod(text, NULL) == value)
      break;
  }
  fputs(text, writer->stream);
}

void gcimJsonWriteInt(GcimJsonWriter *writer, int64_t value) {
  beginValue(writer);
  fprintf(writer->stream, "%" PRId64, value);
}

void gcimJsonWriteUInt(GcimJsonWriter *writer, uint64_t value) {
  beginValue(writer);
  fprintf(writer->stream, "%" PRIu64, value);
}

void gcimJsonWriteBool(GcimJsonWriter *writer, int value) {
  beginValue(writer);
  fputs(value ? "true" : "false", writer->stream);
}

void gcimJsonWriteString(GcimJsonWriter *writer, const char *value) {
  beginValue(writer);
  fputc('"', writer->stream);
  for (const unsigned char *c = (const unsigned char *)value; *c; ++c) {
    if (*c == '"' || *c == '\\')
      fprintf(writer->stream, "\\%c", *c);
    else if (*c < 0x20)
      fprintf(writer->stream, "\\u%04x", *c);
    else
      fputc(*c, writer->stream);
  }
  fputc('"', writer->stream);
}

void gcimJsonWriterFinish(GcimJsonWriter *writer) { fputc('\n', writer->stream); }
