/* SupportTest.c: unit tests of the MLIR-free support code (status, output files). */
#define _POSIX_C_SOURCE 200809L
#include "GcimTestDir.h"

#include "gcim/Support/OutputFile.h"
#include "gcim/Support/Status.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

static GcimTestDir tempDir;

static int countEntries(const char *dir) {
  DIR *d = opendir(dir);
  int count = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    count += e->d_name[0] != '.';
  if (d)
    closedir(d);
  return count;
}

static void test_fail_formats_message(void) {
  char *message = NULL;
  EXPECT_EQ_INT(gcimFail(&message, GCIM_ERROR_FORMAT, "bad '%s' at %d", "x", 3), GCIM_ERROR_FORMAT);
  EXPECT_STR_CONTAINS(message, "bad 'x' at 3");
  free(message);
  EXPECT_EQ_INT(gcimFail(NULL, GCIM_ERROR_IO, "ignored"), GCIM_ERROR_IO);
}

static void test_output_commit_renames(void) {
  gcimTestDirCreate(&tempDir, "support");
  char path[128];
  snprintf(path, sizeof path, "%s/out.txt", tempDir.path);
  GcimOutputFile *file = NULL;
  EXPECT_EQ_INT(gcimOutputFileCreate(path, &file, NULL), GCIM_OK);
  fputs("hello", gcimOutputFileGetStream(file));
  EXPECT_EQ_INT(access(path, F_OK), -1); /* not there before the commit */
  EXPECT_EQ_INT(gcimOutputFileCommit(file, NULL), GCIM_OK);
  FILE *in = fopen(path, "r");
  char text[16] = {0};
  EXPECT_TRUE(in && fgets(text, sizeof text, in));
  EXPECT_STR_CONTAINS(text, "hello");
  if (in)
    fclose(in);
  EXPECT_EQ_INT(countEntries(tempDir.path), 1);
  gcimTestDirRemove(&tempDir);
}

static void test_output_destroy_leaves_nothing(void) {
  gcimTestDirCreate(&tempDir, "support");
  char path[128];
  snprintf(path, sizeof path, "%s/out.txt", tempDir.path);
  GcimOutputFile *file = NULL;
  EXPECT_EQ_INT(gcimOutputFileCreate(path, &file, NULL), GCIM_OK);
  fputs("half", gcimOutputFileGetStream(file));
  gcimOutputFileDestroy(file);
  EXPECT_EQ_INT(countEntries(tempDir.path), 0);
  gcimTestDirRemove(&tempDir);
  gcimOutputFileDestroy(NULL);
}

static void test_output_missing_dir_fails(void) {
  GcimOutputFile *file = NULL;
  char *message = NULL;
  EXPECT_EQ_INT(gcimOutputFileCreate("/nonexistent-dir/x.txt", &file, &message), GCIM_ERROR_IO);
  EXPECT_TRUE(file == NULL);
  EXPECT_STR_CONTAINS(message, "cannot write '/nonexistent-dir/x.txt'");
  free(message);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_fail_formats_message),
    GCIM_TEST(test_output_commit_renames),
    GCIM_TEST(test_output_destroy_leaves_nothing),
    GCIM_TEST(test_output_missing_dir_fails),
};
GCIM_TEST_MAIN
