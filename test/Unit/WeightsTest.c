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
  /* XXH64 (seed 0) reference values, as libxxhash 0.8 gives them; the lengths take every
   * path: no stripe, a partial one, whole stripes with 8- and 4-byte and single-byte tails */
  EXPECT_TRUE(gcimWeightsChecksum("", 0) == 0xef46db3751d8e999ull);
  EXPECT_TRUE(gcimWeightsChecksum("a", 1) == 0xd24ec4f1a98c6e5bull);
  EXPECT_TRUE(gcimWeightsChecksum("abc", 3) == 0x44bc2cf5ad770999ull);
  EXPECT_TRUE(gcimWeightsChecksum(data, 31) == 0xa2aa5f33cc4a6119ull);
  EXPECT_TRUE(gcimWeightsChecksum(data, 32) == 0x23c3c17ef790fd97ull);
  EXPECT_TRUE(gcimWeightsChecksum(data, 300) == 0x240004dbee0ba6dcull);
  unsigned char longer[303];
  for (int i = 0; i < 303; ++i)
    longer[i] = (unsigned char)(i * 7 + 3);
  EXPECT_TRUE(gcimWeightsChecksum(longer, 303) == 0xa35ccc3821884de8ull);
}

/* Pieces of every size, split anywhere, give the checksum of the whole. */
static void test_checksum_in_pieces(void) {
  for (unsigned split = 1; split <= 70; split += 3) {
    GcimWeightsHasher hasher;
    gcimWeightsHasherInit(&hasher);
    for (unsigned at = 0; at < DATA_BYTES; at += split)
      gcimWeightsHasherUpdate(&hasher, data + at,
                              at + split < DATA_BYTES ? split : DATA_BYTES - at);
    EXPECT_TRUE(gcimWeightsHasherFinish(&hasher) == checksum);
  }
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
  gcimWeightsFormatHeader(header, 0, gcimWeightsChecksum("", 0));
  const char *file = writeFile("empty.weights", header, sizeof header, 0);
  GcimWeightsMapping mapping;
  char error[256];
  EXPECT_EQ_INT(gcimWeightsMap(file, 0, gcimWeightsChecksum("", 0), &mapping, error, sizeof error),
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
    GCIM_TEST(test_checksum_in_pieces),
    GCIM_TEST(test_map_good_file),
    GCIM_TEST(test_map_no_data),
    GCIM_TEST(test_refuse_damaged_files),
    GCIM_TEST(test_refuse_trailing_data),
    GCIM_TEST(test_refuse_missing_file_and_folder),
    GCIM_TEST(tearDown),
};
GCIM_TEST_MAIN
