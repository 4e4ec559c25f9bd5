/* NpyTest.c: .npy reading and writing (versions 1 and 2, the rejected kinds). */
#define _POSIX_C_SOURCE 200809L
#include "GcimTest.h"

#include "gcim/Support/Npy.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static char tempDir[64];
static char path[128];

/* Writes a .npy file with the given version, header dict and data bytes. */
static const char *writeRaw(int version, const char *dict, const void *data, size_t bytes) {
  snprintf(path, sizeof path, "%s/raw.npy", tempDir);
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
  GcimNpyArray a = {GCIM_NPY_F32, 2, {2, 3}, 6, values}, b;
  snprintf(path, sizeof path, "%s/a.npy", tempDir);
  EXPECT_EQ_INT(gcimNpyWrite(path, &a, NULL), GCIM_OK);
  EXPECT_EQ_INT(gcimNpyRead(path, &b, NULL), GCIM_OK);
  EXPECT_EQ_INT(b.type, GCIM_NPY_F32);
  EXPECT_EQ_INT(b.rank, 2);
  EXPECT_EQ_INT(b.shape[1], 3);
  EXPECT_TRUE(b.data && memcmp(b.data, values, sizeof values) == 0);
  gcimNpyArrayFree(&b);
  gcimNpyArrayFree(&b);
}

static void test_versions_and_types(void) {
  double d[2] = {0.25, -1.5};
  GcimNpyArray a;
  EXPECT_EQ_INT(gcimNpyRead(writeRaw(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", d, 16), &a, NULL), GCIM_OK);
  EXPECT_EQ_INT(a.type, GCIM_NPY_F64);
  EXPECT_EQ_INT(a.count, 2);
  EXPECT_EQ_INT(gcimNpyConvert(&a, GCIM_NPY_F32, NULL), GCIM_OK);
  EXPECT_NEAR(((float *)a.data)[1], -1.5, 0);
  gcimNpyArrayFree(&a);
  int64_t i[3] = {1, 2, -3};
  EXPECT_EQ_INT(gcimNpyRead(writeRaw(1, "{'shape': (3,), 'fortran_order': False, 'descr': '<i8'}\n", i, 24), &a, NULL), GCIM_OK);
  EXPECT_EQ_INT(a.type, GCIM_NPY_I64);
  EXPECT_EQ_INT(((int64_t *)a.data)[2], -3);
  gcimNpyArrayFree(&a);
  float s = 2.0f;
  EXPECT_EQ_INT(gcimNpyRead(writeRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n", &s, 4), &a, NULL), GCIM_OK);
  EXPECT_EQ_INT(a.rank, 0);
  EXPECT_EQ_INT(a.count, 1);
  gcimNpyArrayFree(&a);
}

static void test_rejections(void) {
  float f[4] = {0};
  expectRejected(writeRaw(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }\n", f, 16), "unsupported dtype '>f4'");
  expectRejected(writeRaw(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }\n", f, 16), "unsupported dtype '<i4'");
  expectRejected(writeRaw(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", f, 16), "Fortran-order");
  expectRejected(writeRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }\n", f, 16), "truncated data");
  expectRejected(writeRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", f, 16), "trailing bytes");
  expectRejected(writeRaw(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n", f, 16), "version 3");
  expectRejected(writeRaw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }\n", f, 16), "malformed shape");
  snprintf(path, sizeof path, "%s/missing.npy", tempDir);
  expectRejected(path, "cannot read");
  snprintf(path, sizeof path, "%s/text.npy", tempDir);
  FILE *t = fopen(path, "w");
  fputs("hello world, not numpy", t);
  fclose(t);
  expectRejected(path, "not a .npy file");
}

static void setUp(void) {
  strcpy(tempDir, "/tmp/gcim-npy-XXXXXX");
  EXPECT_TRUE(mkdtemp(tempDir) != NULL);
}

static void tearDown(void) {
  const char *names[] = {"raw.npy", "a.npy", "text.npy"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
    snprintf(path, sizeof path, "%s/%s", tempDir, names[i]);
    remove(path);
  }
  EXPECT_EQ_INT(rmdir(tempDir), 0);
}

GCIM_TEST_LIST{
    GCIM_TEST(setUp),
    GCIM_TEST(test_round_trip_float32),
    GCIM_TEST(test_versions_and_types),
    GCIM_TEST(test_rejections),
    GCIM_TEST(tearDown),
};
GCIM_TEST_MAIN
