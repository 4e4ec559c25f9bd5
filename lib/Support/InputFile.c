/* InputFile.c: reading a file whole into memory. */
#include "gcim/Support/InputFile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads `file` to its end into a malloc'ed, NUL-terminated buffer; NULL when out of
 * memory. A read error shows in ferror(file). */
static char *readStream(FILE *file, size_t *length) {
  size_t capacity = 1 << 12, used = 0;
  char *data = malloc(capacity);
  while (data) {
    used += fread(data + used, 1, capacity - used - 1, file);
    if (used < capacity - 1)
      break;
    char *grown = realloc(data, capacity *= 2);
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

GcimStatus gcimInputFileRead(const char *path, char **text, size_t *length, char **errMsg) {
  *text = NULL;
  *length = 0;
  int isStdin = strcmp(path, "-") == 0;
  FILE *file = isStdin ? stdin : fopen(path, "rb");
  if (!file)
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot read '%s': %s", path, strerror(errno));
  size_t used = 0;
  errno = 0;
  char *data = readStream(file, &used);
  int failed = ferror(file), readErrno = errno; /* EISDIR for a folder */
  if (!isStdin)
    fclose(file);
  if (!data)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  if (failed) {
    free(data);
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot read '%s': %s", path,
                    readErrno ? strerror(readErrno) : "read error");
  }
  *text = data;
  *length = used;
  return GCIM_OK;
}
