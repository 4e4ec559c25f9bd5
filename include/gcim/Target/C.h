/* gcim/Target/C.h: the C emitter, a module of onnx and gcim ops to a C source folder. */
#ifndef GCIM_TARGET_C_H
#define GCIM_TARGET_C_H

#include "gcim/Runtime/Hardware.h"
#include "gcim/Support/AttentionMode.h"

#include "mlir-c/IR.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Returns the raw little-endian bytes of a constant whose attribute the emitter cannot
/// read through the C API (dense resources over the model file). On success *data (borrowed,
/// valid until the emitter returns) and *size are set and the result is nonzero.
typedef int (*GcimConstantDataFn)(void *userData, MlirAttribute value, const void **data,
                                  size_t *size);

/// Tells the caller that the emitter has written the bytes `value`'s GcimConstantDataFn
/// gave, or (for a large constant, while it writes it) those it has read so far: the
/// caller may drop them from memory (a mapped file's pages) but must keep them readable,
/// since the emitter reads the rest, or all again if another constant holds the same
/// attribute (a dropped page of a mapping is read back from the file).
typedef void (*GcimConstantDoneFn)(void *userData, MlirAttribute value);

/// What to emit and where.
typedef struct GcimCEmitOptions {
  const char *outputDir;           /* created if missing; existing files are replaced */
  const char *prefix;              /* C symbol and file prefix, a C identifier */
  const char *sourceName;          /* the model file, named in the generated banner */
  int embedWeights;                /* weights as a C array in PREFIX.c instead of PREFIX.weights */
  int emitMain;                    /* also PREFIX_main.c and a `PREFIX` program target */
  const GcimHardware *hw;          /* the hardware the simulator defaults to; not NULL */
  GcimAttentionMode attention;     /* which attention runs on the simulated gain cells (the
                                      same mode gcim-map-attention was given) */
  GcimConstantDataFn constantData; /* may be NULL */
  GcimConstantDoneFn constantDone; /* may be NULL; given constantDataUserData */
  void *constantDataUserData;
} GcimCEmitOptions;

/// Emits `module` (one func.func @main of onnx ops and gcim.attention ops) as PREFIX.h,
/// PREFIX.c, PREFIX.weights, a Makefile and the runtime sources into options->outputDir.
/// Unsupported ops or types are reported as diagnostics at their location and nothing is
/// written; files are written to temporary names and renamed only when all succeeded.
MlirLogicalResult gcimEmitC(MlirModule module, const GcimCEmitOptions *options);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_TARGET_C_H */
