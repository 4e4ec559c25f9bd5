/* gcim/Support/InputFile.h: files read whole. */
#ifndef GCIM_SUPPORT_INPUTFILE_H
#define GCIM_SUPPORT_INPUTFILE_H

#include "gcim/Support/Status.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The most bytes read from a JSON file (hardware descriptions, scalers, reports).
#define GCIM_INPUT_FILE_JSON_LIMIT ((size_t)64 << 20)

/// The most bytes read from an MLIR text file: 1 GiB holds a GPT-2-small-sized model with
/// its weights printed as hex (124 M float32 weights: 950 MiB of text), and bounds what an
/// endless pipe costs (about a second and 1 GiB of memory).
#define GCIM_INPUT_FILE_IR_LIMIT ((size_t)1 << 30)

/// Reads all of `path` ("-" means stdin) into *text, NUL-terminated (the terminator is not
/// counted in *length). A path that is neither a regular file, a FIFO nor a terminal (a
/// device such as /dev/zero, which never ends) is refused; so is input longer than `limit`
/// bytes (an endless pipe). On success the caller owns *text (free it); on failure *text is
/// NULL, *length 0, and errMsg says "cannot read 'PATH': REASON" or "out of memory".
GcimStatus gcimInputFileRead(const char *path, size_t limit, char **text, size_t *length,
                             char **errMsg);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_INPUTFILE_H */
