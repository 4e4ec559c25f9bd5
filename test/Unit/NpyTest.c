/* NpyTest.c: .npy reading and writing (versions 1 and 2, the rejected kinds). */
#define _POSIX_C_SOURCE 200809L
#include "GcimTestDir.h"

#include "gcim/Support/Npy.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static GcimTestDir tempDir;
static char path[128];

/* Writes a .npy file with the given version, header dict and data bytes. */
static const char *writeRaw(int version, const char *dict, const void *data, size_t bytes) {
  snprintf(path, sizeof path, "%s/raw.npy", tempDir.path);
  FILE *f = fopen(path, "wb");
  size_t n = strlen(dict);
  fwrite("\x93NUMPY", 1, 6, f);
  fputc(version, f);
  fputc(0, f);
  if (version == 1) {
    fputc((int)(n & 0xFF), f);
    fputc((int)(n >> 8), f);
  } else {
    unsigned char len[4] = {(unsigned char)(n & 0xFF), (unsigned char)(n >> 8), 0, 0};
    fwrite(len, 1, 4, f);
  }
  fwrite(dict, 1, n, f);
  fwrite(data, 1, bytes, f);
  fclose(f);
  return path;
}

static void expectRejected(const char *file, const char *reason) {
  GcimNpyArray a;
  char *message = NULL;
  EXPECT_TRUE(gcimNpyRead(file, &a, &message) != GCIM_OK);
  EXPECT_STR_CONTAINS(message, reason);
  EXPECT_TRUE(a.data == NULL);
  free(message);
}

static void test_round_trip_float32(void) {
  float values[6] = {1, -2, 3.5f, 0, 1e-3f, 7};
  GcimNpyArray a = {GCIM_ELEM_F32, 2, {2, 3}, 6, values}, b;
  snprintf(path, sizeof path, "%s/a.npy", tempDir.path);
  EXPECT_EQ_INT(gcimNpyWrite(path, &a, NULL), GCIM_OK);
  EXPECT_EQ_INT(gcimNpyRead(path, &b, NULL), GCIM_OK);
  EXPECT_EQ_INT(b.type, GCIM_ELEM_F32);
  EXPECT_EQ_INT(b.rank, 2);
  EXPECT_EQ_INT(b.shape[1], 3);
  EXPECT_TRUE(b.data && memcmp(b.data, values, sizeof values) == 0);
  gcimNpyArrayFree(&b);
  gcimNpyArrayFree(&b);
}

static void test_versions_and_types(void) {
  double d[2] = {0.25, -1.5};
  GcimNpyArray a;
  EXPECT_EQ_INT(
      gcimNpyRead(writeRaw(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", d, 16),
                  &a, NULL),
      GCIM_OK);
  EXPECT_EQ_INT(a.type, GCIM_ELEM_F64);
  EXPECT_EQ_INT(a.count, 2);
  EXPECT_EQ_INT(gcimNpyConvert(&a, GCIM_ELEM_F32, "a", NULL), GCIM_OK);
  EXPECT_NEAR(((float *)a.data)[1], -1.5, 0);
  gcimNpyArrayFree(&a);
  int64_t i[3] = {1, 2, -3};
  EXPECT_EQ_INT(
      gcimNpyRead(writeRaw(1, "{'shape': (3,), 'fortran_order': False, 'descr': '<i8'}\n", i, 24),
                  &a, NULL),
      GCIM_OK);
  EXPECT_EQ_INT(a.type, GCIM_ELEM_I64);
  EXPECT_EQ_INT(((int64_t *)a.data)[2], -3);
  gcimNpyArrayFree(&a);
  float s = 2.0f;
  EXPECT_EQ_INT(
      gcimNpyRead(writeRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n", &s, 4),
                  &a, NULL),
      GCIM_OK);
  EXPECT_EQ_INT(a.rank, 0);
  EXPECT_EQ_INT(a.count, 1);
  gcimNpyArrayFree(&a);
}

/* Every type round-trips through a file with numpy's descr. */
static void test_round_trip_every_type(void) {
  static const struct {
    GcimElemType type;
    const char *descr;
  } types[] = {{GCIM_ELEM_I32, "'<i4'"},  {GCIM_ELEM_I8, "'|i1'"},  {GCIM_ELEM_U8, "'|u1'"},
               {GCIM_ELEM_BOOL, "'|b1'"}, {GCIM_ELEM_F16, "'<f2'"}, {GCIM_ELEM_F64, "'<f8'"},
               {GCIM_ELEM_I16, "'<i2'"},  {GCIM_ELEM_U16, "'<u2'"}, {GCIM_ELEM_U32, "'<u4'"},
               {GCIM_ELEM_U64, "'<u8'"}};
  unsigned char bytes[16] = {1, 0, 1, 1, 0, 1, 0, 1, 0x80, 0x7F, 0xFF, 1, 0, 0, 1, 0};
  for (size_t t = 0; t < sizeof types / sizeof types[0]; ++t) {
    int64_t size = (int64_t)gcimElemTypeSize(types[t].type);
    GcimNpyArray a = {types[t].type, 1, {16 / size}, 16 / size, bytes}, b;
    snprintf(path, sizeof path, "%s/a.npy", tempDir.path);
    EXPECT_EQ_INT(gcimNpyWrite(path, &a, NULL), GCIM_OK);
    FILE *f = fopen(path, "rb");
    char header[128] = {0};
    EXPECT_TRUE(f && fread(header, 1, sizeof header - 1, f) > 0);
    if (f)
      fclose(f);
    EXPECT_STR_CONTAINS(header + 10, types[t].descr);
    EXPECT_EQ_INT(gcimNpyRead(path, &b, NULL), GCIM_OK);
    EXPECT_EQ_INT(b.type, types[t].type);
    EXPECT_EQ_INT(b.count, 16 / size);
    unsigned char expected[16]; /* bools read back as 0 or 1 */
    for (int i = 0; i < 16; ++i)
      expected[i] = types[t].type == GCIM_ELEM_BOOL ? bytes[i] != 0 : bytes[i];
    EXPECT_TRUE(b.data && memcmp(b.data, expected, 16) == 0);
    gcimNpyArrayFree(&b);
  }
  EXPECT_TRUE(strcmp(gcimElemTypeInfo(GCIM_ELEM_BOOL)->numpyName, "bool") == 0);
  EXPECT_TRUE(gcimElemTypeIsFloat(GCIM_ELEM_F16) && !gcimElemTypeIsFloat(GCIM_ELEM_U8));
}

/* A bool file holding 2 reads as true (1); '<b1' and '<u1' mean '|b1' and '|u1'. */
static void test_bool_and_byte_descrs(void) {
  unsigned char raw[3] = {0, 2, 1};
  GcimNpyArray a;
  EXPECT_EQ_INT(
      gcimNpyRead(
          writeRaw(1, "{'descr': '<b1', 'fortran_order': False, 'shape': (3,), }\n", raw, 3), &a,
          NULL),
      GCIM_OK);
  EXPECT_EQ_INT(a.type, GCIM_ELEM_BOOL);
  EXPECT_EQ_INT(((unsigned char *)a.data)[1], 1);
  gcimNpyArrayFree(&a);
  EXPECT_EQ_INT(
      gcimNpyRead(
          writeRaw(1, "{'descr': '<u1', 'fortran_order': False, 'shape': (3,), }\n", raw, 3), &a,
          NULL),
      GCIM_OK);
  EXPECT_EQ_INT(a.type, GCIM_ELEM_U8);
  EXPECT_EQ_INT(((unsigned char *)a.data)[1], 2);
  gcimNpyArrayFree(&a);
}

/* The float16 bits of `value`, through gcimNpyConvert. */
static uint16_t toHalf(double value) {
  GcimNpyArray a = {GCIM_ELEM_F64, 1, {1}, 1, NULL};
  a.data = malloc(sizeof value);
  memcpy(a.data, &value, sizeof value);
  EXPECT_EQ_INT(gcimNpyConvert(&a, GCIM_ELEM_F16, "a", NULL), GCIM_OK);
  uint16_t bits = *(uint16_t *)a.data;
  gcimNpyArrayFree(&a);
  return bits;
}

static void test_float16_conversions(void) {
  EXPECT_EQ_INT(toHalf(1.0), 0x3C00);
  EXPECT_EQ_INT(toHalf(-2.0), 0xC000);
  EXPECT_EQ_INT(toHalf(65504.0), 0x7BFF);
  EXPECT_EQ_INT(toHalf(65519.0), 0x7BFF);                 /* below the midpoint to 65536 */
  EXPECT_EQ_INT(toHalf(65520.0), 0x7C00);                 /* the tie rounds to even: infinity */
  EXPECT_EQ_INT(toHalf(1.0 + 1.0 / 2048), 0x3C00);        /* tie to even: down */
  EXPECT_EQ_INT(toHalf(1.0 + 3.0 / 2048), 0x3C02);        /* tie to even: up */
  EXPECT_EQ_INT(toHalf(5.960464477539063e-08), 0x0001);   /* 2^-24, the smallest subnormal */
  EXPECT_EQ_INT(toHalf(2.98023223876953125e-08), 0x0000); /* 2^-25: tie to even 0 */
  EXPECT_EQ_INT(toHalf(3.0e-08), 0x0001);
  EXPECT_EQ_INT(toHalf(6.097555160522461e-05), 0x03FF); /* largest subnormal */
  EXPECT_EQ_INT(toHalf(-0.0), 0x8000);
  EXPECT_EQ_INT(toHalf(1e300), 0x7C00);
  EXPECT_EQ_INT(toHalf(NAN) & 0x7C00, 0x7C00);
  /* One rounding: through a float, 1 + 2^-11 + 2^-40 would become the tie 1 + 2^-11 and
     round down to 1. */
  EXPECT_EQ_INT(toHalf(1.0 + 1.0 / 2048 + 1.0 / 1099511627776.0), 0x3C01);
  uint16_t halves[5] = {0x3555, 0x0001, 0xFC00, 0x7E00, 0x8000};
  GcimNpyArray a = {GCIM_ELEM_F16, 1, {5}, 5, NULL};
  a.data = malloc(sizeof halves);
  memcpy(a.data, halves, sizeof halves);
  EXPECT_EQ_INT(gcimNpyConvert(&a, GCIM_ELEM_F32, "a", NULL), GCIM_OK);
  const float *f = a.data;
  EXPECT_NEAR(f[0], 0.333251953125, 0);
  EXPECT_NEAR(f[1], 5.9604644775390625e-08, 0);
  EXPECT_TRUE(isinf(f[2]) && f[2] < 0);
  EXPECT_TRUE(isnan(f[3]));
  EXPECT_TRUE(f[4] == 0 && signbit(f[4]));
  gcimNpyArrayFree(&a);
}

/* A copy of `count` elements of `type` at `values`, as a 1-D array. */
static GcimNpyArray arrayOf(GcimElemType type, const void *values, int64_t count) {
  GcimNpyArray a = {type, 1, {count}, count, malloc((size_t)count * gcimElemTypeSize(type))};
  memcpy(a.data, values, (size_t)count * gcimElemTypeSize(type));
  return a;
}

/* Converting `a` (then freed) to `type` must fail with `message`, leaving it unchanged. */
static void expectRefused(GcimNpyArray a, GcimElemType type, const char *message) {
  char *errMsg = NULL;
  GcimElemType before = a.type;
  EXPECT_EQ_INT(gcimNpyConvert(&a, type, "input 'x'", &errMsg), GCIM_ERROR_FORMAT);
  EXPECT_STR_CONTAINS(errMsg ? errMsg : "", message);
  EXPECT_EQ_INT(a.type, before);
  free(errMsg);
  gcimNpyArrayFree(&a);
}

static void test_integer_conversions(void) {
  /* Values that fit convert exactly, both ways across signedness and width. */
  int64_t values[5] = {127, -1, 0, -128, 100};
  GcimNpyArray a = arrayOf(GCIM_ELEM_I64, values, 5);
  EXPECT_EQ_INT(gcimNpyConvert(&a, GCIM_ELEM_I8, "a", NULL), GCIM_OK);
  EXPECT_EQ_INT(((int8_t *)a.data)[3], -128);
  EXPECT_EQ_INT(gcimNpyConvert(&a, GCIM_ELEM_I32, "a", NULL), GCIM_OK);
  EXPECT_EQ_INT(((int32_t *)a.data)[1], -1);
  EXPECT_EQ_INT(gcimNpyConvert(&a, GCIM_ELEM_F64, "a", NULL), GCIM_OK);
  EXPECT_NEAR(((double *)a.data)[3], -128, 0);
  gcimNpyArrayFree(&a);
  uint64_t big[2] = {(uint64_t)INT64_MAX, 5};
  a = arrayOf(GCIM_ELEM_U64, big, 2);
  EXPECT_EQ_INT(gcimNpyConvert(&a, GCIM_ELEM_I64, "a", NULL), GCIM_OK);
  EXPECT_TRUE(((int64_t *)a.data)[0] == INT64_MAX);
  EXPECT_EQ_INT(gcimNpyConvert(&a, GCIM_ELEM_BOOL, "a", NULL), GCIM_OK); /* value != 0 */
  EXPECT_EQ_INT(((uint8_t *)a.data)[1], 1);
  gcimNpyArrayFree(&a);

  /* Values that do not fit are refused, naming the input and the element (they wrapped:
     a uint64 2^64 - 1 became int64 -1, which a Gather takes as the last row). */
  uint64_t huge[3] = {1, 2, UINT64_MAX};
  expectRefused(arrayOf(GCIM_ELEM_U64, huge, 3), GCIM_ELEM_I64,
                "input 'x': element [2] is 18446744073709551615, outside int64");
  int64_t negative[2] = {0, -1};
  expectRefused(arrayOf(GCIM_ELEM_I64, negative, 2), GCIM_ELEM_U64,
                "input 'x': element [1] is -1, outside uint64");
  int64_t narrow[4] = {1, 2, 3, -129};
  a = arrayOf(GCIM_ELEM_I64, narrow, 4);
  a.rank = 2, a.shape[0] = 2, a.shape[1] = 2;
  expectRefused(a, GCIM_ELEM_I8, "input 'x': element [1, 1] is -129, outside int8");
  int64_t wide32[1] = {2147483648LL};
  expectRefused(arrayOf(GCIM_ELEM_I64, wide32, 1), GCIM_ELEM_I32, "is 2147483648, outside int32");
  uint16_t word[1] = {256};
  expectRefused(arrayOf(GCIM_ELEM_U16, word, 1), GCIM_ELEM_U8, "is 256, outside uint8");
  int64_t edge[2] = {INT64_MIN, 0};
  expectRefused(arrayOf(GCIM_ELEM_I64, edge, 2), GCIM_ELEM_I32,
                "is -9223372036854775808, outside int32");

  double d[4] = {-2.7, NAN, 1e30, -1e30};
  a = (GcimNpyArray){GCIM_ELEM_F64, 1, {4}, 4, NULL};
  a.data = malloc(sizeof d);
  memcpy(a.data, d, sizeof d);
  EXPECT_EQ_INT(gcimNpyConvert(&a, GCIM_ELEM_I64, "a", NULL), GCIM_OK);
  const int64_t *i = a.data;
  EXPECT_TRUE(i[0] == -2 && i[1] == 0 && i[2] == INT64_MAX && i[3] == INT64_MIN);
  gcimNpyArrayFree(&a);
  /* Float to a narrow integer saturates (the runtime's Cast); int64 to float32 rounds
     once: 2^54 + 2^30 + 1 is above the midpoint, through a double it would be the tie. */
  d[0] = 300.5;
  d[1] = -1e10;
  a = (GcimNpyArray){GCIM_ELEM_F64, 1, {4}, 4, NULL};
  a.data = malloc(sizeof d);
  memcpy(a.data, d, sizeof d);
  EXPECT_EQ_INT(gcimNpyConvert(&a, GCIM_ELEM_I8, "a", NULL), GCIM_OK);
  EXPECT_TRUE(((int8_t *)a.data)[0] == 127 && ((int8_t *)a.data)[1] == -128);
  gcimNpyArrayFree(&a);
  int64_t wide = ((int64_t)1 << 54) + ((int64_t)1 << 30) + 1;
  a = (GcimNpyArray){GCIM_ELEM_I64, 1, {1}, 1, NULL};
  a.data = malloc(sizeof wide);
  memcpy(a.data, &wide, sizeof wide);
  EXPECT_EQ_INT(gcimNpyConvert(&a, GCIM_ELEM_F32, "a", NULL), GCIM_OK);
  EXPECT_TRUE(((float *)a.data)[0] == 18014400656965632.0f); /* 2^54 + 2^31 */
  gcimNpyArrayFree(&a);
}

static void test_rejections(void) {
  float f[4] = {0};
  expectRejected(writeRaw(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }\n", f, 16),
                 "unsupported dtype '>f4'");
  expectRejected(writeRaw(1, "{'descr': '>u8', 'fortran_order': False, 'shape': (2,), }\n", f, 16),
                 "unsupported dtype '>u8'");
  expectRejected(writeRaw(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }\n", f, 16),
                 "or int64: '<f4', '<f8' or '<i8'; or int32 '<i4'");
  expectRejected(writeRaw(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", f, 16),
                 "Fortran-order");
  expectRejected(writeRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }\n", f, 16),
                 "truncated data");
  expectRejected(writeRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", f, 16),
                 "trailing bytes");
  expectRejected(writeRaw(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n", f, 16),
                 "version 3");
  expectRejected(writeRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }\n", f, 16),
                 "malformed shape");
  /* A repeated key: numpy's reader takes the last value, a reader taking the first would
   * read other data; refused whichever quotes each uses. */
  expectRejected(writeRaw(1,
                          "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), "
                          "'descr': '<f4', }\n",
                          f, 16),
                 "malformed .npy header");
  expectRejected(writeRaw(1,
                          "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), "
                          "\"shape\": (2, 2), }\n",
                          f, 16),
                 "malformed .npy header");
  snprintf(path, sizeof path, "%s/missing.npy", tempDir.path);
  expectRejected(path, "cannot read");
  snprintf(path, sizeof path, "%s/text.npy", tempDir.path);
  FILE *t = fopen(path, "w");
  fputs("hello world, not numpy", t);
  fclose(t);
  expectRejected(path, "not a .npy file");
}

/* .npy has no bfloat16: writing one fails and leaves no file behind. */
static void test_bfloat16_not_written(void) {
  uint16_t one = 0x3f80;
  GcimNpyArray a = {GCIM_ELEM_BF16, 1, {1}, 1, &one};
  char *message = NULL;
  snprintf(path, sizeof path, "%s/a.npy", tempDir.path);
  remove(path);
  EXPECT_TRUE(gcimNpyWrite(path, &a, &message) != GCIM_OK);
  EXPECT_STR_CONTAINS(message, "no bfloat16 type");
  EXPECT_TRUE(access(path, F_OK) != 0);
  free(message);
}

static void setUp(void) { gcimTestDirCreate(&tempDir, "npy"); }

static void tearDown(void) { gcimTestDirRemove(&tempDir); }

GCIM_TEST_LIST{
    GCIM_TEST(setUp),
    GCIM_TEST(test_round_trip_float32),
    GCIM_TEST(test_versions_and_types),
    GCIM_TEST(test_round_trip_every_type),
    GCIM_TEST(test_bool_and_byte_descrs),
    GCIM_TEST(test_float16_conversions),
    GCIM_TEST(test_integer_conversions),
    GCIM_TEST(test_rejections),
    GCIM_TEST(test_bfloat16_not_written),
    GCIM_TEST(tearDown),
};
GCIM_TEST_MAIN
