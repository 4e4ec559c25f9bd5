/* Npy.c: reading and writing NumPy .npy files (versions 1 and 2, little-endian, C order). */
#include "gcim/Support/Npy.h"

#include "gcim/Runtime/Kernels/Data.h"
#include "gcim/Support/OutputFile.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char npyMagic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* A descr naming `type`: its own, or '<' for '|' on one-byte types (both mean the same). */
static int descrMatches(const char *descr, int length, GcimElemType type) {
  const char *own = gcimElemTypeInfo(type)->npyDescr;
  if (length != 3 || !*own || memcmp(descr + 1, own + 1, 2) != 0)
    return 0;
  return descr[0] == own[0] || (own[0] == '|' && descr[0] == '<');
}

void gcimNpyArrayFree(GcimNpyArray *array) {
  if (!array)
    return;
  free(array->data);
  memset(array, 0, sizeof *array);
}

static const char *skipSpace(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    ++p;
  return p;
}

/* The value of `key` at its first occurrence from `from` as a dict key (quoted either way,
 * then a colon): a pointer just past the colon and its spaces, NULL when there is none. */
static const char *nextKey(const char *from, const char *key) {
  char quoted[2][32];
  snprintf(quoted[0], sizeof quoted[0], "'%s'", key);
  snprintf(quoted[1], sizeof quoted[1], "\"%s\"", key);
  const char *first = NULL;
  size_t firstLength = 0;
  for (int q = 0; q < 2; ++q)
    for (const char *p = strstr(from, quoted[q]); p; p = strstr(p + 1, quoted[q]))
      if (*skipSpace(p + strlen(quoted[q])) == ':') {
        if (!first || p < first) {
          first = p;
          firstLength = strlen(quoted[q]);
        }
        break;
      }
  return first ? skipSpace(skipSpace(first + firstLength) + 1) : NULL;
}

/* The value of `key` in the header dict; NULL when missing or repeated (numpy's reader
 * takes the last of repeated keys, this one took the first: neither is a sound header). */
static const char *findKey(const char *header, const char *key) {
  const char *value = nextKey(header, key);
  return value && !nextKey(value, key) ? value : NULL;
}

/* Parses the header dict: descr, fortran_order and shape. */
static GcimStatus parseHeader(const char *path, const char *header, GcimNpyArray *out,
                              char **errMsg) {
  const char *descr = findKey(header, "descr");
  const char *order = findKey(header, "fortran_order");
  const char *shape = findKey(header, "shape");
  if (!descr || !order || !shape || (*descr != '\'' && *descr != '"') || *shape != '(')
    return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': malformed .npy header", path);
  char quote = *descr++;
  const char *end = strchr(descr, quote);
  if (!end || end - descr > 16)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': malformed .npy header", path);
  int length = (int)(end - descr);
  int type = 0;
  while (type < GCIM_ELEM_COUNT && !descrMatches(descr, length, (GcimElemType)type))
    ++type;
  if (type == GCIM_ELEM_COUNT)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT,
                    "'%s': unsupported dtype '%.*s' (need little-endian float32, float64 "
                    "or int64: '<f4', '<f8' or '<i8'; or int32 '<i4', int16 '<i2', int8 "
                    "'|i1', uint64 '<u8', uint32 '<u4', uint16 '<u2', uint8 '|u1', bool '|b1', "
                    "float16 '<f2')",
                    path, length, descr);
  out->type = (GcimElemType)type;
  if (strncmp(order, "True", 4) == 0)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT,
                    "'%s': Fortran-order arrays are not supported (need C order)", path);
  if (strncmp(order, "False", 5) != 0)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': malformed .npy header", path);
  const char *p = skipSpace(shape + 1);
  out->rank = 0;
  out->count = 1;
  while (*p != ')') {
    if (out->rank == GCIM_MAX_RANK)
      return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': rank above %d is not supported", path,
                      GCIM_MAX_RANK);
    char *after;
    errno = 0;
    long long dim = strtoll(p, &after, 10);
    if (after == p || errno || dim < 0)
      return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': malformed shape in .npy header", path);
    if (dim > 0 && out->count > (INT64_MAX / 8) / dim)
      return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': array too large", path);
    out->shape[out->rank++] = dim;
    out->count *= dim;
    p = skipSpace(after);
    if (*p == ',')
      p = skipSpace(p + 1);
    else if (*p != ')')
      return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': malformed shape in .npy header", path);
  }
  return GCIM_OK;
}

static GcimStatus readFile(const char *path, FILE *f, GcimNpyArray *out, char **errMsg) {
  unsigned char prefix[12];
  if (fread(prefix, 1, 10, f) != 10 || memcmp(prefix, npyMagic, 6) != 0)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': not a .npy file", path);
  unsigned major = prefix[6];
  size_t headerLength;
  if (major == 1) {
    headerLength = prefix[8] | (size_t)prefix[9] << 8;
  } else if (major == 2) {
    if (fread(prefix + 10, 1, 2, f) != 2)
      return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': truncated .npy header", path);
    headerLength =
        prefix[8] | (size_t)prefix[9] << 8 | (size_t)prefix[10] << 16 | (size_t)prefix[11] << 24;
  } else {
    return gcimFail(errMsg, GCIM_ERROR_FORMAT,
                    "'%s': unsupported .npy format version %u (need 1 or 2)", path, major);
  }
  char *header = malloc(headerLength + 1);
  if (!header)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  if (fread(header, 1, headerLength, f) != headerLength) {
    free(header);
    return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': truncated .npy header", path);
  }
  header[headerLength] = '\0';
  GcimStatus status = parseHeader(path, header, out, errMsg);
  free(header);
  if (status != GCIM_OK)
    return status;
  size_t bytes = (size_t)(out->count * gcimElemTypeSize(out->type));
  out->data = malloc(bytes ? bytes : 1);
  if (!out->data)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory reading '%s'", path);
  if (fread(out->data, 1, bytes, f) != bytes)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT,
                    "'%s': truncated data (header promises %lld elements)", path,
                    (long long)out->count);
  if (fgetc(f) != EOF)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': trailing bytes after the array data", path);
  if (out->type == GCIM_ELEM_BOOL) /* numpy writes 0 and 1; anything else is true */
    for (int64_t i = 0; i < out->count; ++i)
      ((unsigned char *)out->data)[i] = ((unsigned char *)out->data)[i] != 0;
  return GCIM_OK;
}

GcimStatus gcimNpyRead(const char *path, GcimNpyArray *out, char **errMsg) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f)
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot read '%s': %s", path, strerror(errno));
  GcimStatus status = readFile(path, f, out, errMsg);
  if (status == GCIM_OK && ferror(f))
    status = gcimFail(errMsg, GCIM_ERROR_IO, "cannot read '%s'", path);
  fclose(f);
  if (status != GCIM_OK)
    gcimNpyArrayFree(out);
  return status;
}

GcimStatus gcimNpyWriteStream(FILE *f, const char *path, const GcimNpyArray *array, char **errMsg) {
  if (!*gcimElemTypeInfo(array->type)->npyDescr)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT, "cannot write '%s': .npy has no %s type", path,
                    gcimElemTypeInfo(array->type)->numpyName);
  char dict[512];
  int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                   gcimElemTypeInfo(array->type)->npyDescr);
  for (int32_t i = 0; i < array->rank; ++i)
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%lld,%s", (long long)array->shape[i],
                  i + 1 < array->rank ? " " : "");
  if (array->rank > 1)
    --n; /* (2, 3) rather than (2, 3,) */
  n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
  /* Pad with spaces and a newline so that the data starts at a multiple of 64. */
  size_t total = ((size_t)10 + (size_t)n + 1 + 63) / 64 * 64;
  size_t headerLength = total - 10;
  unsigned char prefix[10] = {0x93,
                              'N',
                              'U',
                              'M',
                              'P',
                              'Y',
                              1,
                              0,
                              (unsigned char)(headerLength & 0xFF),
                              (unsigned char)(headerLength >> 8)};
  fwrite(prefix, 1, sizeof prefix, f);
  fwrite(dict, 1, (size_t)n, f);
  for (size_t i = (size_t)n; i + 1 < headerLength; ++i)
    fputc(' ', f);
  fputc('\n', f);
  size_t bytes = (size_t)(array->count * gcimElemTypeSize(array->type));
  if (bytes && fwrite(array->data, 1, bytes, f) != bytes)
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot write '%s'", path);
  return GCIM_OK;
}

GcimStatus gcimNpyWrite(const char *path, const GcimNpyArray *array, char **errMsg) {
  GcimOutputFile *file;
  GcimStatus status = gcimOutputFileCreate(path, &file, errMsg);
  if (status != GCIM_OK)
    return status;
  status = gcimNpyWriteStream(gcimOutputFileGetStream(file), path, array, errMsg);
  if (status != GCIM_OK) {
    gcimOutputFileDestroy(file);
    return status;
  }
  return gcimOutputFileCommit(file, errMsg);
}

/* Element `i` of an integer array: its value in *negative (int64) when below zero, else in
 * *nonNegative (uint64), so that every integer type's range compares exactly. Returns
 * whether it is below zero. */
static int integerAt(const void *data, GcimElemType type, size_t i, int64_t *negative,
                     uint64_t *nonNegative) {
  int64_t v = 0;
  uint64_t u = 0;
  switch (type) {
  case GCIM_ELEM_I64:
    v = ((const int64_t *)data)[i];
    break;
  case GCIM_ELEM_I32:
    v = ((const int32_t *)data)[i];
    break;
  case GCIM_ELEM_I16:
    v = ((const int16_t *)data)[i];
    break;
  case GCIM_ELEM_I8:
    v = ((const int8_t *)data)[i];
    break;
  case GCIM_ELEM_U64:
    u = ((const uint64_t *)data)[i];
    break;
  case GCIM_ELEM_U32:
    u = ((const uint32_t *)data)[i];
    break;
  case GCIM_ELEM_U16:
    u = ((const uint16_t *)data)[i];
    break;
  default:
    u = ((const uint8_t *)data)[i];
    break;
  }
  *negative = v;
  *nonNegative = v > 0 ? (uint64_t)v : u;
  return v < 0;
}

/* The range of an integer type (not bool): its least value and its greatest. */
static void integerRange(GcimElemType type, int64_t *least, uint64_t *greatest) {
  size_t bits = gcimElemTypeSize(type) * 8;
  int isUnsigned = type == GCIM_ELEM_U8 || type == GCIM_ELEM_U16 || type == GCIM_ELEM_U32 ||
                   type == GCIM_ELEM_U64;
  *greatest = isUnsigned ? UINT64_MAX >> (64 - bits) : UINT64_MAX >> (65 - bits);
  *least = isUnsigned ? 0 : -(int64_t)(*greatest) - 1;
}

/* "[1, 0, 2]": the index of flat element `i` of *array, into `out`. */
static void formatIndex(const GcimNpyArray *array, size_t i, char *out, size_t size) {
  uint64_t index[GCIM_MAX_RANK];
  for (int32_t d = array->rank - 1; d >= 0; --d) {
    index[d] = (uint64_t)(i % (size_t)array->shape[d]);
    i /= (size_t)array->shape[d];
  }
  size_t n = (size_t)snprintf(out, size, "[");
  for (int32_t d = 0; d < array->rank && n < size; ++d)
    n += (size_t)snprintf(out + n, size - n, "%s%llu", d ? ", " : "", (unsigned long long)index[d]);
  if (n < size)
    snprintf(out + n, size - n, "]");
}

/* Integer to integer: every element must fit `type`, else a message naming `name` and the
 * element (the Cast kernel would keep its low bits: a uint64 2^64 - 1 read as int64 becomes
 * -1, which a Gather takes as the last row). */
static GcimStatus checkIntegersFit(const GcimNpyArray *array, GcimElemType type, const char *name,
                                   char **errMsg) {
  if (gcimElemTypeIsFloat(array->type) || gcimElemTypeIsFloat(type) ||
      array->type == GCIM_ELEM_BOOL || type == GCIM_ELEM_BOOL)
    return GCIM_OK;
  int64_t least, negative;
  uint64_t greatest, nonNegative;
  integerRange(type, &least, &greatest);
  for (size_t i = 0; i < (size_t)array->count; ++i) {
    int isNegative = integerAt(array->data, array->type, i, &negative, &nonNegative);
    if (isNegative ? negative >= least : nonNegative <= greatest)
      continue;
    char index[GCIM_MAX_RANK * 22 + 4], value[24];
    formatIndex(array, i, index, sizeof index);
    if (isNegative)
      snprintf(value, sizeof value, "%lld", (long long)negative);
    else
      snprintf(value, sizeof value, "%llu", (unsigned long long)nonNegative);
    return gcimFail(errMsg, GCIM_ERROR_FORMAT, "%s: element %s is %s, outside %s", name, index,
                    value, gcimElemTypeInfo(type)->numpyName);
  }
  return GCIM_OK;
}

GcimStatus gcimNpyConvert(GcimNpyArray *array, GcimElemType type, const char *name, char **errMsg) {
  if (array->type == type)
    return GCIM_OK;
  GcimStatus status = checkIntegersFit(array, type, name, errMsg);
  if (status != GCIM_OK)
    return status;
  size_t count = (size_t)array->count;
  void *data = malloc(count ? count * (size_t)gcimElemTypeSize(type) : 1);
  if (!data)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  /* The runtime's Cast: the generated program links both, so there is one conversion. */
  gcimKernelCast(array->data, array->type, data, type, (int64_t)count);
  free(array->data);
  array->data = data;
  array->type = type;
  return GCIM_OK;
}
