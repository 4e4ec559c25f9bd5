/* WeightsTest.c: the weights file: checksum, mapping a good file, refusing damaged ones.
 * Built twice: mapped (mmap) and, with GCIM_WEIGHTS_NO_MMAP, read into a buffer. */
#define _POSIX_C_SOURCE 200809L
#include "GcimTestDir.h"

#include "gcim/Runtime/Weights.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

enum { DATA_BYTES = 300 };

static GcimTestDir tempDir;
static char path[128];
static unsigned char data[DATA_BYTES];
static uint64_t checksum; /* the model's: of data as setUp fills it */

/* Writes `name` in tempDir: `header`, then `dataBytes` bytes of `data`; returns its path. */
static const char *writeFile(const char *name, const unsigned char *header, size_t headerBytes,
                             size_t dataBytes) {
  snprintf(path, sizeof path, "%s/%s", tempDir.path, name);
  FILE *f = fopen(path, "wb");
  EXPECT_TRUE(f != NULL);
  if (!f)
    return path;
  EXPECT_EQ_INT(fwrite(header, 1, headerBytes, f), headerBytes);
  EXPECT_EQ_INT(fwrite(data, 1, dataBytes, f), dataBytes);
  EXPECT_EQ_INT(fclose(f), 0);
  return path;
}

/* The header of a good file for `data`. */
static void goodHeader(unsigned char header[GCIM_WEIGHTS_HEADER_BYTES]) {
  gcimWeightsFormatHeader(header, DATA_BYTES, checksum);
}

/* Mapping `file` as the model's DATA_BYTES fails with a message naming it and `problem`, and
 * leaves an empty mapping that unmaps safely. */
static void expectRefused(const char *file, const char *problem) {
  GcimWeightsMapping mapping;
  char error[256] = "";
  EXPECT_EQ_INT(gcimWeightsMap(file, DATA_BYTES, checksum, &mapping, error, sizeof error), -1);
  EXPECT_STR_CONTAINS(error, file);
  EXPECT_STR_CONTAINS(error, problem);
  EXPECT_TRUE(mapping.data == NULL && mapping.region == NULL);
  gcimWeightsUnmap(&mapping);
}

static void test_checksum(void) {
  /* FNV-1a 64 reference values: no data is the seed; "a" is 0xaf63dc4c8601ec8c */
  EXPECT_TRUE(gcimWeightsChecksum("", 0) == GCIM_WEIGHTS_CHECKSUM_SEED);
  EXPECT_TRUE(gcimWeightsChecksum("a", 1) == 0xaf63dc4c8601ec8cull);
  EXPECT_TRUE(gcimWeightsChecksumUpdate(gcimWeightsChecksum("ab", 2), "cd", 2) ==
              gcimWeightsChecksum("abcd", 4));
}

static void test_map_good_file(void) {
  unsigned char header[GCIM_WEIGHTS_HEADER_BYTES];
  goodHeader(header);
  const char *file = writeFile("good.weights", header, sizeof header, DATA_BYTES);
  GcimWeightsMapping mapping;
  char error[256] = "";
  EXPECT_EQ_INT(gcimWeightsMap(file, DATA_BYTES, checksum, &mapping, error, sizeof error), 0);
  EXPECT_EQ_INT(error[0], 0);
  EXPECT_TRUE(mapping.data != NULL && memcmp(mapping.data, data, DATA_BYTES) == 0);
  EXPECT_EQ_INT((uintptr_t)mapping.data % 64, 0);
  gcimWeightsUnmap(&mapping);
  EXPECT_TRUE(mapping.data == NULL && mapping.region == NULL);
  gcimWeightsUnmap(&mapping); /* twice is safe: the mapping is empty */
}

static void test_map_no_data(void) {
  unsigned char header[GCIM_WEIGHTS_HEADER_BYTES];
  gcimWeightsFormatHeader(header, 0, GCIM_WEIGHTS_CHECKSUM_SEED);
  const char *file = writeFile("empty.weights", header, sizeof header, 0);
  GcimWeightsMapping mapping;
  char error[256];
  EXPECT_EQ_INT(gcimWeightsMap(file, 0, GCIM_WEIGHTS_CHECKSUM_SEED, &mapping, error, sizeof error),
                0);
  gcimWeightsUnmap(&mapping);
}

static void test_refuse_damaged_files(void) {
  unsigned char header[GCIM_WEIGHTS_HEADER_BYTES];
  goodHeader(header);
  header[0] = 'X';
  expectRefused(writeFile("bad.weights", header, sizeof header, DATA_BYTES),
                "not a gcim weights file");
  goodHeader(header);
  header[8] = GCIM_WEIGHTS_VERSION + 1;
  expectRefused(writeFile("bad.weights", header, sizeof header, DATA_BYTES),
                "unsupported weights file version");
  gcimWeightsFormatHeader(header, DATA_BYTES - 1, gcimWeightsChecksum(data, DATA_BYTES - 1));
  expectRefused(writeFile("bad.weights", header, sizeof header, DATA_BYTES - 1),
                "the weights belong to another model");
  gcimWeightsFormatHeader(header, DATA_BYTES, 42);
  expectRefused(writeFile("bad.weights", header, sizeof header, DATA_BYTES),
                "the weights belong to another model");
  goodHeader(header);
  expectRefused(writeFile("bad.weights", header, sizeof header, DATA_BYTES - 1),
                "the file is truncated");
  expectRefused(writeFile("bad.weights", header, sizeof header, 0), "the file is truncated");
  expectRefused(writeFile("bad.weights", header, 10, 0), "not a gcim weights file");
  data[DATA_BYTES - 1] ^= 0xFF; /* the header keeps the good checksum */
  expectRefused(writeFile("bad.weights", header, sizeof header, DATA_BYTES),
                "the data is corrupt (checksum mismatch)");
  data[DATA_BYTES - 1] ^= 0xFF;
}

static void test_refuse_trailing_data(void) {
  unsigned char header[GCIM_WEIGHTS_HEADER_BYTES];
  goodHeader(header);
  const char *file = writeFile("bad.weights", header, sizeof header, DATA_BYTES);
  FILE *f = fopen(file, "ab");
  EXPECT_TRUE(f != NULL && fputc(0, f) == 0 && fclose(f) == 0);
  expectRefused(file, "the file has trailing data");
}

static void test_refuse_missing_file_and_folder(void) {
  snprintf(path, sizeof path, "%s/missing.weights", tempDir.path);
  expectRefused(path, "cannot open weights file");
  expectRefused(tempDir.path, "weights file");
}

static void setUp(void) {
  gcimTestDirCreate(&tempDir, "weights");
  for (int i = 0; i < DATA_BYTES; ++i)
    data[i] = (unsigned char)(i * 7 + 3);
  checksum = gcimWeightsChecksum(data, DATA_BYTES);
}

static void tearDown(void) { gcimTestDirRemove(&tempDir); }

GCIM_TEST_LIST{
    GCIM_TEST(setUp),
    GCIM_TEST(test_checksum),
    GCIM_TEST(test_map_good_file),
    GCIM_TEST(test_map_no_data),
    GCIM_TEST(test_refuse_damaged_files),
    GCIM_TEST(test_refuse_trailing_data),
    GCIM_TEST(test_refuse_missing_file_and_folder),
    GCIM_TEST(tearDown),
};
GCIM_TEST_MAIN
