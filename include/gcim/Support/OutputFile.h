/* gcim/Support/OutputFile.h: files written whole or not at all. */
#ifndef GCIM_SUPPORT_OUTPUTFILE_H
#define GCIM_SUPPORT_OUTPUTFILE_H

#include "gcim/Support/Status.h"

#include <stdbool.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An output written to a temporary file beside its final path and renamed into place by
/// gcimOutputFileCommit, so that a failed run never leaves a half-written file.
typedef struct GcimOutputFile GcimOutputFile;

/// Opens a temporary file for `path` ("-" means stdout, written directly; an existing
/// device or pipe, as /dev/null or /dev/stdout, is written in place, never replaced; a
/// folder is an error). On success *out owns the new object; on failure *out is NULL and
/// errMsg says why.
GcimStatus gcimOutputFileCreate(const char *path, GcimOutputFile **out, char **errMsg);

/// Returns the stream to write to; borrowed, valid until commit or destroy.
FILE *gcimOutputFileGetStream(GcimOutputFile *file);

/// Flushes, checks every write succeeded and renames the file into place, then frees
/// `file` (which the call takes, whatever the result).
GcimStatus gcimOutputFileCommit(GcimOutputFile *file, char **errMsg);

/// Removes the temporary file without renaming it and frees `file`. Accepts NULL.
void gcimOutputFileDestroy(GcimOutputFile *file);

/// Copies `from`, from its start, to the end of `to`; 0, or -1 on a read or write error.
int gcimCopyStream(FILE *from, FILE *to);

/// Whether `output` names the file `input` names (both exist and are one file, or else the
/// real paths of their folders and their last names are the same, so `./x` is `x` before
/// either exists): an output that would replace an input the user still needs, or another
/// output. Devices (/dev/null, /dev/stdout) are never the same as anything. Accepts NULL
/// (false).
bool gcimOutputIsInput(const char *output, const char *input);

/// Checks that the output folder `path` of a generated program may be written: it does not
/// exist yet, is empty, or holds an earlier output (a Makefile gcim-compile wrote), whose
/// files are replaced. GCIM_ERROR_INVALID, with errMsg naming the path, for a file or a
/// folder holding anything else (`-o .` in a project, `-o /`): nothing of the user's is
/// replaced. Creates and changes nothing.
GcimStatus gcimOutputFolderCheck(const char *path, char **errMsg);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_OUTPUTFILE_H */
