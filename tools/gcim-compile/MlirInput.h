/* MlirInput.h: gcim-compile's .mlir input, a module at the tile level (what --emit=tiles
 * prints, possibly changed with gcim-opt), and the constants the emitter reads from it. */
#ifndef GCIM_TOOLS_GCIM_COMPILE_MLIRINPUT_H
#define GCIM_TOOLS_GCIM_COMPILE_MLIRINPUT_H

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stddef.h>

/// True when `path` names a .mlir file.
bool gcimCompileIsMlirPath(const char *path);

/// Parses the .mlir file at `path` in `ctx`; a null module after a diagnostic.
MlirModule gcimCompileParseMlir(MlirContext ctx, const char *path);

/// The element bytes of the dense resources of a parsed module, copied out once each (the
/// C API reads them element by element); freed by gcimCompileConstantsDestroy.
typedef struct GcimCompileConstants GcimCompileConstants;

/// A GcimConstantDataFn (gcim/Target/C.h) over `*constants` (userData: GcimCompileConstants
/// **, *constants NULL at first).
int gcimCompileReadConstant(void *userData, MlirAttribute value, const void **data, size_t *size);

/// Frees the copies. Accepts NULL.
void gcimCompileConstantsDestroy(GcimCompileConstants *constants);

#endif /* GCIM_TOOLS_GCIM_COMPILE_MLIRINPUT_H */
