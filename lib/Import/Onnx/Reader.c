/* Reader.c: maps an .onnx file and parses it with protobuf-c without copying weights.
 *
 * protobuf-c copies every `bytes` field it unpacks, which would double the memory of a
 * model. So before unpacking, the reader walks the wire format of ModelProto -> graph ->
 * initializer and writes a copy of the message without the `raw_data` of large
 * initializers, recording where each one lies in the mapping instead. Everything is
 * bounds-checked: a truncated or malformed file is an error, never a read outside it. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* madvise */
#include "Importer.h"

#include "gcim/Support/Status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MODEL_GRAPH = 7, GRAPH_INITIALIZER = 5, TENSOR_RAW_DATA = 9 };
enum { STRIP_THRESHOLD = 256 }; /* smaller raw_data is left to protobuf-c */

bool gcimOnnxMapFile(const char *path, Mapping *mapping, char **errMsg) {
  memset(mapping, 0, sizeof *mapping);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    gcimFail(errMsg, GCIM_ERROR_IO, "cannot open '%s': %s", path, strerror(errno));
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    gcimFail(errMsg, GCIM_ERROR_IO, "'%s' is not a regular file", path);
    close(fd);
    return false;
  }
  mapping->size = (size_t)st.st_size;
  mapping->owned = true;
  if (mapping->size > 0) {
    void *data = mmap(NULL, mapping->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      gcimFail(errMsg, GCIM_ERROR_IO, "cannot map '%s': %s", path, strerror(errno));
      close(fd);
      return false;
    }
    mapping->data = data;
  }
  close(fd);
  return true;
}

void gcimOnnxUnmapFile(Mapping *mapping) {
  if (mapping->owned && mapping->data)
    munmap((void *)mapping->data, mapping->size);
  free(mapping->path);
  memset(mapping, 0, sizeof *mapping);
}

void gcimOnnxReleaseMapped(const Mapping *mapping, const void *data, size_t size) {
  if (!mapping->owned || !mapping->data)
    return; /* a caller's buffer: never ours to drop */
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), begin = (uintptr_t)mapping->data;
  uintptr_t from = (uintptr_t)data, to = from + size, end = begin + mapping->size;
  if (from < begin || from > end || size > end - from)
    return;
  /* Whole pages around the bytes: the mapping is read-only and private, so a page a
   * neighbour still needs is only read again from the file cache. */
  from -= (from - begin) % page;
  to += (page - (to - begin) % page) % page;
  madvise((void *)from, to - from, MADV_DONTNEED);
}

/* ---- Wire format ------------------------------------------------------------------ */

typedef struct Cursor {
  const uint8_t *p, *end;
} Cursor;

static bool readVarint(Cursor *c, uint64_t *value) {
  uint64_t result = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (c->p == c->end)
      return false;
    uint8_t byte = *c->p++;
    result |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *value = result;
      return true;
    }
  }
  return false;
}

/* One field: its number, wire type, the whole field's bytes and its payload. */
typedef struct Field {
  uint64_t number;
  unsigned wireType;
  const uint8_t *start, *payload, *end;
} Field;

static bool readField(Cursor *c, Field *f) {
  f->start = c->p;
  uint64_t key, length;
  if (!readVarint(c, &key))
    return false;
  f->number = key >> 3;
  f->wireType = key & 7;
  f->payload = c->p;
  size_t left = (size_t)(c->end - c->p);
  switch (f->wireType) {
  case 0:
    if (!readVarint(c, &length))
      return false;
    break;
  case 1:
  case 5: {
    size_t n = f->wireType == 1 ? 8 : 4;
    if (left < n)
      return false;
    c->p += n;
    break;
  }
  case 2:
    if (!readVarint(c, &length) || length > (uint64_t)(c->end - c->p))
      return false;
    f->payload = c->p;
    c->p += length;
    break;
  default: /* groups (3, 4) are not used by onnx.proto */
    return false;
  }
  f->end = c->p;
  return true;
}

typedef struct Buffer {
  uint8_t *data;
  size_t size, capacity;
  bool failed;
} Buffer;

static void append(Buffer *b, const void *data, size_t n) {
  if (b->failed)
    return;
  if (b->size + n > b->capacity) {
    size_t capacity = b->capacity ? b->capacity : 4096;
    while (capacity < b->size + n)
      capacity *= 2;
    uint8_t *grown = realloc(b->data, capacity);
    if (!grown) {
      b->failed = true;
      return;
    }
    b->data = grown;
    b->capacity = capacity;
  }
  if (n)
    memcpy(b->data + b->size, data, n);
  b->size += n;
}

static void appendVarint(Buffer *b, uint64_t value) {
  uint8_t bytes[10];
  size_t n = 0;
  do {
    bytes[n] = value & 0x7f;
    value >>= 7;
    if (value)
      bytes[n] |= 0x80;
    ++n;
  } while (value);
  append(b, bytes, n);
}

typedef struct Stripper {
  Buffer out;
  ByteView *views;
  size_t viewCount, viewCapacity;
  char *error;
} Stripper;

static bool fail(Stripper *s, const char *what) {
  if (!s->error)
    gcimFail(&s->error, GCIM_ERROR_FORMAT, "%s", what);
  return false;
}

/* Writes a length-delimited field whose payload is produced by `body` into `s->out`. */
typedef bool (*BodyFn)(Stripper *s, const uint8_t *data, size_t size);

static bool rewriteNested(Stripper *s, const Field *f, BodyFn body) {
  Buffer saved = s->out;
  s->out = (Buffer){0};
  bool ok = body(s, f->payload, (size_t)(f->end - f->payload));
  Buffer inner = s->out;
  s->out = saved;
  if (ok) {
    appendVarint(&s->out, f->number << 3 | 2);
    appendVarint(&s->out, inner.size);
    append(&s->out, inner.data, inner.size);
    ok = !inner.failed;
  }
  free(inner.data);
  return ok;
}

static bool stripTensor(Stripper *s, const uint8_t *data, size_t size) {
  ByteView *view = &s->views[s->viewCount - 1];
  Cursor c = {data, data + size};
  while (c.p < c.end) {
    Field f;
    if (!readField(&c, &f))
      return fail(s, "malformed initializer tensor");
    if (f.number == TENSOR_RAW_DATA && f.wireType == 2 &&
        (size_t)(f.end - f.payload) >= STRIP_THRESHOLD) {
      view->data = f.payload;
      view->size = (size_t)(f.end - f.payload);
      view->present = true;
      view->mapped = true;
      continue;
    }
    append(&s->out, f.start, (size_t)(f.end - f.start));
  }
  return true;
}

static bool stripGraph(Stripper *s, const uint8_t *data, size_t size) {
  Cursor c = {data, data + size};
  while (c.p < c.end) {
    Field f;
    if (!readField(&c, &f))
      return fail(s, "malformed graph");
    if (f.number == GRAPH_INITIALIZER && f.wireType == 2) {
      if (s->viewCount == s->viewCapacity) {
        size_t capacity = s->viewCapacity ? 2 * s->viewCapacity : 64;
        ByteView *grown = realloc(s->views, capacity * sizeof *grown);
        if (!grown)
          return fail(s, "out of memory");
        s->views = grown;
        s->viewCapacity = capacity;
      }
      s->views[s->viewCount++] = (ByteView){0};
      if (!rewriteNested(s, &f, stripTensor))
        return false;
      continue;
    }
    append(&s->out, f.start, (size_t)(f.end - f.start));
  }
  return true;
}

static bool stripModel(Stripper *s, const uint8_t *data, size_t size) {
  Cursor c = {data, data + size};
  bool sawGraph = false;
  while (c.p < c.end) {
    Field f;
    if (!readField(&c, &f))
      return fail(s, "not an ONNX model (malformed or truncated protobuf)");
    if (f.number == MODEL_GRAPH && f.wireType == 2) {
      if (sawGraph)
        return fail(s, "the model has more than one 'graph' field");
      sawGraph = true;
      if (!rewriteNested(s, &f, stripGraph))
        return false;
      continue;
    }
    append(&s->out, f.start, (size_t)(f.end - f.start));
  }
  return true;
}

bool gcimOnnxReadModel(const Mapping *mapping, Model *model, char **errMsg) {
  memset(model, 0, sizeof *model);
  if (mapping->size == 0) {
    gcimFail(errMsg, GCIM_ERROR_FORMAT, "not an ONNX model (empty file)");
    return false;
  }
  Stripper s = {0};
  bool ok = stripModel(&s, mapping->data, mapping->size);
  if (ok && s.out.failed)
    ok = fail(&s, "out of memory");
  if (ok) {
    model->proto =
        onnx__model_proto__unpack(NULL, s.out.size, s.out.data ? s.out.data : (uint8_t *)"");
    if (!model->proto)
      ok = fail(&s, "not an ONNX model (protobuf-c cannot parse it)");
  }
  free(s.out.data);
  if (ok && (!model->proto->graph || model->proto->graph->n_initializer != s.viewCount))
    ok = fail(&s, model->proto->graph ? "inconsistent initializer list" : "the model has no graph");
  if (!ok) {
    if (errMsg)
      *errMsg = s.error;
    else
      free(s.error);
    free(s.views);
    gcimOnnxFreeModel(model);
    return false;
  }
  model->initializerBytes = s.views;
  model->initializerCount = s.viewCount;
  return true;
}

void gcimOnnxFreeModel(Model *model) {
  if (model->proto)
    onnx__model_proto__free_unpacked(model->proto, NULL);
  free(model->initializerBytes);
  memset(model, 0, sizeof *model);
}
