/* InputFile.c: reading a file whole into memory, up to a bound. */
#define _POSIX_C_SOURCE 200809L /* fileno, fstat */
#include "gcim/Support/InputFile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads `file` to its end, or to one byte past `limit`, into a malloc'ed, NUL-terminated
 * buffer; NULL when out of memory. A read error shows in ferror(file). The buffer never
 * grows past limit + 2 bytes, so endless input costs `limit` bytes of memory, not twice. */
static char *readStream(FILE *file, size_t limit, size_t *length) {
  size_t capacity = 1 << 12, used = 0;
  char *data = malloc(capacity);
  while (data) {
    used += fread(data + used, 1, capacity - used - 1, file);
    if (used < capacity - 1 || used > limit)
      break;
    capacity = capacity > limit / 2 ? limit + 2 : capacity * 2;
    char *grown = realloc(data, capacity);
    if (!grown)
      free(data);
    data = grown;
  }
  if (data) {
    data[used] = '\0';
    *length = used;
  }
  return data;
}

/* Whether `file` may be read to its end: a regular file, a FIFO or a terminal. A device
 * such as /dev/zero never ends (and a folder fails in fread, with its own message). */
static int readable(FILE *file) {
  struct stat info;
  int fd = fileno(file);
  return fstat(fd, &info) != 0 || S_ISREG(info.st_mode) || S_ISFIFO(info.st_mode) ||
         S_ISDIR(info.st_mode) || isatty(fd);
}

GcimStatus gcimInputFileRead(const char *path, size_t limit, char **text, size_t *length,
                             char **errMsg) {
  *text = NULL;
  *length = 0;
  int isStdin = strcmp(path, "-") == 0;
  FILE *file = isStdin ? stdin : fopen(path, "rb");
  if (!file)
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot read '%s': %s", path, strerror(errno));
  if (!isStdin && !readable(file)) {
    fclose(file);
    return gcimFail(errMsg, GCIM_ERROR_IO,
                    "cannot read '%s': not a regular file or a pipe (give a file, or '-' "
                    "for stdin)",
                    path);
  }
  size_t used = 0;
  errno = 0;
  char *data = readStream(file, limit, &used);
  int failed = ferror(file), readErrno = errno; /* EISDIR for a folder */
  if (!isStdin)
    fclose(file);
  if (!data)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  if (failed || used > limit) {
    free(data);
    if (!failed)
      return gcimFail(errMsg, GCIM_ERROR_IO,
                      "cannot read '%s': longer than the limit of %zu MiB for this input", path,
                      limit >> 20);
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot read '%s': %s", path,
                    readErrno ? strerror(readErrno) : "read error");
  }
  *text = data;
  *length = used;
  return GCIM_OK;
}
