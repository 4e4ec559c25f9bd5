/* Npy.c: reading and writing NumPy .npy files (versions 1 and 2, little-endian, C order). */
#include "gcim/Support/Npy.h"

#include "gcim/Support/OutputFile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char npyMagic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* Per type: size, .npy descr, numpy name; GcimNpyType order. */
static const struct {
  int64_t size;
  const char *descr;
  const char *name;
} typeTable[] = {{4, "<f4", "float32"}, {8, "<f8", "float64"}, {8, "<i8", "int64"},
                 {4, "<i4", "int32"},   {1, "|i1", "int8"},    {1, "|u1", "uint8"},
                 {1, "|b1", "bool"},    {2, "<f2", "float16"}, {2, "<i2", "int16"},
                 {2, "<u2", "uint16"},  {4, "<u4", "uint32"},  {8, "<u8", "uint64"}};
enum { TYPE_COUNT = sizeof typeTable / sizeof typeTable[0] };

int64_t gcimNpyTypeSize(GcimNpyType type) { return typeTable[type].size; }

const char *gcimNpyTypeName(GcimNpyType type) { return typeTable[type].name; }

int gcimNpyTypeIsFloat(GcimNpyType type) {
  return type == GCIM_NPY_F32 || type == GCIM_NPY_F64 || type == GCIM_NPY_F16;
}

static const char *typeDescr(GcimNpyType type) { return typeTable[type].descr; }

/* A descr naming `type`: its own, or '<' for '|' on one-byte types (both mean the same). */
static int descrMatches(const char *descr, int length, GcimNpyType type) {
  const char *own = typeTable[type].descr;
  if (length != 3 || memcmp(descr + 1, own + 1, 2) != 0)
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

/* Finds the value of 'key' in the header dict; returns a pointer just past "'key':". */
static const char *findKey(const char *header, const char *key) {
  char quoted[32];
  snprintf(quoted, sizeof quoted, "'%s'", key);
  const char *p = strstr(header, quoted);
  if (!p) {
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    p = strstr(header, quoted);
  }
  if (!p)
    return NULL;
  p = skipSpace(p + strlen(quoted));
  return *p == ':' ? skipSpace(p + 1) : NULL;
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
  while (type < TYPE_COUNT && !descrMatches(descr, length, (GcimNpyType)type))
    ++type;
  if (type == TYPE_COUNT)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT,
                    "'%s': unsupported dtype '%.*s' (need little-endian float32, float64 "
                    "or int64: '<f4', '<f8' or '<i8'; or int32 '<i4', int16 '<i2', int8 "
                    "'|i1', uint64 '<u8', uint32 '<u4', uint16 '<u2', uint8 '|u1', bool '|b1', "
                    "float16 '<f2')",
                    path, length, descr);
  out->type = (GcimNpyType)type;
  if (strncmp(order, "False", 5) != 0)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT,
                    "'%s': Fortran-order arrays are not supported (need C order)", path);
  const char *p = skipSpace(shape + 1);
  out->rank = 0;
  out->count = 1;
  while (*p != ')') {
    if (out->rank == GCIM_NPY_MAX_RANK)
      return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': rank above %d is not supported",
                      path, GCIM_NPY_MAX_RANK);
    char *after;
    errno = 0;
    long long dim = strtoll(p, &after, 10);
    if (after == p || errno || dim < 0)
      return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': malformed shape in .npy header",
                      path);
    if (dim > 0 && out->count > (INT64_MAX / 8) / dim)
      return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': array too large", path);
    out->shape[out->rank++] = dim;
    out->count *= dim;
    p = skipSpace(after);
    if (*p == ',')
      p = skipSpace(p + 1);
    else if (*p != ')')
      return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': malformed shape in .npy header",
                      path);
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
    headerLength = prefix[8] | (size_t)prefix[9] << 8 | (size_t)prefix[10] << 16 |
                   (size_t)prefix[11] << 24;
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
  size_t bytes = (size_t)(out->count * gcimNpyTypeSize(out->type));
  out->data = malloc(bytes ? bytes : 1);
  if (!out->data)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory reading '%s'", path);
  if (fread(out->data, 1, bytes, f) != bytes)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT,
                    "'%s': truncated data (header promises %lld elements)", path,
                    (long long)out->count);
  if (fgetc(f) != EOF)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT, "'%s': trailing bytes after the array data",
                    path);
  if (out->type == GCIM_NPY_BOOL) /* numpy writes 0 and 1; anything else is true */
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

GcimStatus gcimNpyWrite(const char *path, const GcimNpyArray *array, char **errMsg) {
  char dict[512];
  int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                   typeDescr(array->type));
  for (int32_t i = 0; i < array->rank; ++i)
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%lld,%s", (long long)array->shape[i],
                  i + 1 < array->rank ? " " : "");
  if (array->rank > 1)
    --n; /* (2, 3) rather than (2, 3,) */
  n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
  /* Pad with spaces and a newline so that the data starts at a multiple of 64. */
  size_t total = ((size_t)10 + (size_t)n + 1 + 63) / 64 * 64;
  size_t headerLength = total - 10;
  unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                              (unsigned char)(headerLength & 0xFF),
                              (unsigned char)(headerLength >> 8)};
  GcimOutputFile *file;
  GcimStatus status = gcimOutputFileCreate(path, &file, errMsg);
  if (status != GCIM_OK)
    return status;
  FILE *f = gcimOutputFileGetStream(file);
  fwrite(prefix, 1, sizeof prefix, f);
  fwrite(dict, 1, (size_t)n, f);
  for (size_t i = (size_t)n; i + 1 < headerLength; ++i)
    fputc(' ', f);
  fputc('\n', f);
  size_t bytes = (size_t)(array->count * gcimNpyTypeSize(array->type));
  if (bytes && fwrite(array->data, 1, bytes, f) != bytes) {
    gcimOutputFileDestroy(file);
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot write '%s'", path);
  }
  return gcimOutputFileCommit(file, errMsg);
}

/* IEEE binary16 to double (exact). */
static double halfToDouble(uint16_t h) {
  unsigned exponent = h >> 10 & 0x1F, mantissa = h & 0x3FF;
  double magnitude;
  if (exponent == 0) {
    magnitude = mantissa / 16777216.0; /* 2^-24 */
  } else if (exponent == 31) {
    magnitude = mantissa ? NAN : INFINITY;
  } else {
    uint64_t bits = (uint64_t)(exponent - 15 + 1023) << 52 | (uint64_t)mantissa << 42;
    memcpy(&magnitude, &bits, sizeof magnitude);
  }
  return h & 0x8000 ? -magnitude : magnitude;
}

/* Rounds `value` >> `shift` to nearest even (shift 1 to 63). */
static uint64_t shiftRoundEven(uint64_t value, unsigned shift) {
  uint64_t kept = value >> shift, rest = value & ((UINT64_C(1) << shift) - 1);
  uint64_t half = UINT64_C(1) << (shift - 1);
  return kept + (rest > half || (rest == half && (kept & 1)));
}

/* Double to IEEE binary16, rounding to nearest even (a single rounding). */
static uint16_t doubleToHalf(double value) {
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  uint16_t sign = (uint16_t)(bits >> 48 & 0x8000);
  int exponent = (int)(bits >> 52 & 0x7FF);
  uint64_t mantissa = bits & ((UINT64_C(1) << 52) - 1);
  if (exponent == 0x7FF)
    return sign | (mantissa ? 0x7E00 : 0x7C00);
  int e = exponent - 1023;
  if (exponent == 0 || e < -25) /* below half the smallest subnormal: +-0 */
    return sign;
  if (e > 15)
    return sign | 0x7C00;
  if (e < -14) /* subnormal: the significand in units of 2^-24 */
    return sign | (uint16_t)shiftRoundEven(mantissa | UINT64_C(1) << 52, (unsigned)(28 - e));
  uint64_t rounded = shiftRoundEven(mantissa, 42); /* may carry into the exponent */
  uint64_t half = ((uint64_t)(e + 15) << 10) + rounded;
  return sign | (uint16_t)(half >= 0x7C00 ? 0x7C00 : half);
}

static double loadFloat(const void *data, GcimNpyType type, size_t i) {
  if (type == GCIM_NPY_F32)
    return ((const float *)data)[i];
  if (type == GCIM_NPY_F64)
    return ((const double *)data)[i];
  return halfToDouble(((const uint16_t *)data)[i]);
}

static int64_t loadInt(const void *data, GcimNpyType type, size_t i) {
  switch (type) {
  case GCIM_NPY_I64:
    return ((const int64_t *)data)[i];
  case GCIM_NPY_I32:
    return ((const int32_t *)data)[i];
  case GCIM_NPY_I8:
    return ((const int8_t *)data)[i];
  case GCIM_NPY_I16:
    return ((const int16_t *)data)[i];
  case GCIM_NPY_U16:
    return ((const uint16_t *)data)[i];
  case GCIM_NPY_U32:
    return ((const uint32_t *)data)[i];
  case GCIM_NPY_U64: /* its bits; to float it converts as unsigned (convertOne) */
    return (int64_t)((const uint64_t *)data)[i];
  default: /* U8, BOOL */
    return ((const uint8_t *)data)[i];
  }
}

/* Stores an integer, narrowed by keeping its low bits. */
static void storeInt(void *data, GcimNpyType type, size_t i, int64_t value) {
  uint64_t bits = (uint64_t)value;
  switch (type) {
  case GCIM_NPY_I64:
  case GCIM_NPY_U64:
    ((uint64_t *)data)[i] = bits;
    break;
  case GCIM_NPY_I32:
  case GCIM_NPY_U32:
    ((uint32_t *)data)[i] = (uint32_t)bits; /* the same bytes as an int32_t */
    break;
  case GCIM_NPY_I16:
  case GCIM_NPY_U16:
    ((uint16_t *)data)[i] = (uint16_t)bits;
    break;
  case GCIM_NPY_BOOL:
    ((uint8_t *)data)[i] = value != 0;
    break;
  default: /* I8, U8 */
    ((uint8_t *)data)[i] = (uint8_t)bits;
    break;
  }
}

static int64_t floatToInt(double value) {
  if (value != value)
    return 0;
  if (value >= 9223372036854775807.0)
    return INT64_MAX;
  if (value <= -9223372036854775808.0)
    return INT64_MIN;
  return (int64_t)value;
}

static void convertOne(const void *from, GcimNpyType fromType, void *to, GcimNpyType toType,
                       size_t i) {
  int fromFloat = gcimNpyTypeIsFloat(fromType);
  if (gcimNpyTypeIsFloat(toType)) {
    uint64_t u = fromType == GCIM_NPY_U64 ? ((const uint64_t *)from)[i] : 0;
    if (!fromFloat && toType == GCIM_NPY_F32) /* one rounding, not two */
      ((float *)to)[i] = fromType == GCIM_NPY_U64 ? (float)u : (float)loadInt(from, fromType, i);
    else {
      double value = fromFloat                    ? loadFloat(from, fromType, i)
                     : fromType == GCIM_NPY_U64 ? (double)u
                                                  : (double)loadInt(from, fromType, i);
      if (toType == GCIM_NPY_F32)
        ((float *)to)[i] = (float)value;
      else if (toType == GCIM_NPY_F64)
        ((double *)to)[i] = value;
      else
        ((uint16_t *)to)[i] = doubleToHalf(value);
    }
  } else if (toType == GCIM_NPY_BOOL && fromFloat) {
    ((uint8_t *)to)[i] = loadFloat(from, fromType, i) != 0.0; /* NaN is true */
  } else {
    storeInt(to, toType, i,
             fromFloat ? floatToInt(loadFloat(from, fromType, i)) : loadInt(from, fromType, i));
  }
}

GcimStatus gcimNpyConvert(GcimNpyArray *array, GcimNpyType type, char **errMsg) {
  if (array->type == type)
    return GCIM_OK;
  size_t count = (size_t)array->count;
  void *data = malloc(count ? count * (size_t)gcimNpyTypeSize(type) : 1);
  if (!data)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  for (size_t i = 0; i < count; ++i)
    convertOne(array->data, array->type, data, type, i);
  free(array->data);
  array->data = data;
  array->type = type;
  return GCIM_OK;
}
