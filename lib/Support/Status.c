/* Status.c: error messages of the layers that do not use MLIR. */
#include "gcim/Support/Status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

GcimStatus gcimFail(char **errMsg, GcimStatus status, const char *format, ...) {
  if (!errMsg)
    return status;
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  int length = vsnprintf(NULL, 0, format, args);
  va_end(args);
  *errMsg = length >= 0 ? malloc((size_t)length + 1) : NULL;
  if (*errMsg)
    vsnprintf(*errMsg, (size_t)length + 1, format, again);
  va_end(again);
  return status;
}
