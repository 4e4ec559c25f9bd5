/* OutputFile.c: write to a temporary file, rename into place on success. */
#define _POSIX_C_SOURCE 200809L
#include "gcim/Support/OutputFile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct GcimOutputFile {
  FILE *stream;
  char *finalPath; /* NULL for stdout */
  char *tempPath;
};

GcimStatus gcimOutputFileCreate(const char *path, GcimOutputFile **out, char **errMsg) {
  *out = NULL;
  GcimOutputFile *file = calloc(1, sizeof *file);
  if (!file)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  if (strcmp(path, "-") == 0) {
    file->stream = stdout;
    *out = file;
    return GCIM_OK;
  }
  size_t length = strlen(path);
  file->finalPath = malloc(length + 1);
  file->tempPath = malloc(length + sizeof ".tmp-XXXXXX");
  if (!file->finalPath || !file->tempPath) {
    gcimOutputFileDestroy(file);
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  }
  memcpy(file->finalPath, path, length + 1);
  memcpy(file->tempPath, path, length);
  memcpy(file->tempPath + length, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
  int fd = mkstemp(file->tempPath);
  if (fd < 0) {
    GcimStatus status =
        gcimFail(errMsg, GCIM_ERROR_IO, "cannot write '%s': %s", path, strerror(errno));
    free(file->tempPath);
    file->tempPath = NULL;
    gcimOutputFileDestroy(file);
    return status;
  }
  /* mkstemp creates the file private; give it the mode a plain fopen would. */
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  file->stream = fdopen(fd, "wb");
  if (!file->stream) {
    close(fd);
    GcimStatus status =
        gcimFail(errMsg, GCIM_ERROR_IO, "cannot write '%s': %s", path, strerror(errno));
    gcimOutputFileDestroy(file);
    return status;
  }
  *out = file;
  return GCIM_OK;
}

FILE *gcimOutputFileGetStream(GcimOutputFile *file) { return file->stream; }

GcimStatus gcimOutputFileCommit(GcimOutputFile *file, char **errMsg) {
  if (!file->finalPath) {
    int failed = fflush(stdout) != 0 || ferror(stdout);
    free(file);
    return failed ? gcimFail(errMsg, GCIM_ERROR_IO, "cannot write to stdout") : GCIM_OK;
  }
  int failed = ferror(file->stream);
  failed |= fclose(file->stream) != 0;
  file->stream = NULL;
  if (failed || rename(file->tempPath, file->finalPath) != 0) {
    GcimStatus status =
        gcimFail(errMsg, GCIM_ERROR_IO, "cannot write '%s': %s", file->finalPath, strerror(errno));
    gcimOutputFileDestroy(file);
    return status;
  }
  free(file->tempPath);
  file->tempPath = NULL;
  gcimOutputFileDestroy(file);
  return GCIM_OK;
}

void gcimOutputFileDestroy(GcimOutputFile *file) {
  if (!file)
    return;
  if (file->stream && file->stream != stdout)
    fclose(file->stream);
  if (file->tempPath)
    remove(file->tempPath);
  free(file->tempPath);
  free(file->finalPath);
  free(file);
}
