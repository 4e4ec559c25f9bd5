/* gcim/Support/InputFile.h: files read whole. */
#ifndef GCIM_SUPPORT_INPUTFILE_H
#define GCIM_SUPPORT_INPUTFILE_H

#include "gcim/Support/Status.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Reads all of `path` ("-" means stdin) into *text, NUL-terminated (the terminator is not
/// counted in *length). On success the caller owns *text (free it); on failure *text is
/// NULL, *length 0, and errMsg says "cannot read 'PATH': REASON" or "out of memory".
GcimStatus gcimInputFileRead(const char *path, char **text, size_t *length, char **errMsg);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_INPUTFILE_H */
