/* gcim/Support/HardwareJson.h: the hardware description as a JSON file.
 *
 * The file gcim-sim and gcim-compile take with --hw. Keys mirror the fields of GcimHardware
 * (docs/Simulator.md lists them); absent keys keep the paper's defaults, unknown keys,
 * values of the wrong type, non-finite numbers and invalid values are rejected. */
#ifndef GCIM_SUPPORT_HARDWAREJSON_H
#define GCIM_SUPPORT_HARDWAREJSON_H

#include "gcim/Runtime/Hardware.h"
#include "gcim/Support/Status.h"

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Sets *hw to the defaults, then applies the JSON object in `text` (`length` bytes) and
/// validates the result. On failure *hw holds the defaults and errMsg says why, naming the
/// key and line, e.g. "line 3: unknown key 'cost.foo'".
GcimStatus gcimHardwareParseJson(const char *text, size_t length, GcimHardware *hw, char **errMsg);

/// gcimHardwareParseJson on the contents of `path`; messages are prefixed with the path.
GcimStatus gcimHardwareLoadJson(const char *path, GcimHardware *hw, char **errMsg);

/// Like gcimHardwareLoadJson, but the keys of the file apply over *base (borrowed) instead
/// of the defaults: a generated program reads its run-time --hw over the description it
/// was compiled for. On failure *hw is left unchanged.
GcimStatus gcimHardwareLoadJsonOver(const char *path, const GcimHardware *base, GcimHardware *hw,
                                    char **errMsg);

/// Writes every field of *hw (borrowed) as a JSON object to `stream`. Never fails itself;
/// write errors show in ferror(stream).
void gcimHardwareWriteJson(FILE *stream, const GcimHardware *hw);

/// Writes *hw to `path` ("-" = stdout) through a temporary file renamed into place.
GcimStatus gcimHardwareSaveJson(const char *path, const GcimHardware *hw, char **errMsg);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_HARDWAREJSON_H */
