/* Options.h: gcim-compile's command line. */
#ifndef GCIM_TOOLS_GCIM_COMPILE_OPTIONS_H
#define GCIM_TOOLS_GCIM_COMPILE_OPTIONS_H

#include "gcim/Import/Onnx.h"
#include "gcim/Runtime/Hardware.h"
#include "gcim/Support/AttentionMode.h"

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/// The stage after which gcim-compile stops (--emit).
typedef enum EmitStage { EMIT_ONNX, EMIT_GCIM, EMIT_TILES, EMIT_RUNTIME, EMIT_C } EmitStage;

typedef struct Options {
  const char *inputPath;
  const char *outputPath; /* a file for IR stages, the folder for C */
  int emit;               /* an EmitStage (--emit is parsed as an index into the stage names) */
  GcimAttentionMode attention; /* --attention (default auto) */
  int gqa;                     /* --gqa: index into gcimCompileGqaModes (default 0, replicate) */
  int schedule;                /* --schedule: gcim-schedule's objective, an index into
                                  gcimCompileScheduleObjectives (default 0, latency) */
  int weights;                 /* --weights: an index into gcimCompileWeightFormats (0, f32) */
  int paddingMask;             /* --padding-mask: an index into gcimCompilePaddingMasks (0,
                                  auto) */
  const char *hwPath;
  GcimHardware hw;
  const char *prefix; /* --name, or NULL: from the model's file name */
  char defaultPrefix[64];
  const char *reportPath;
  bool embedWeights;
  bool emitMain;
  bool verbose;
  bool quiet; /* -q: no warnings */
  bool printDebugInfo;
  bool timing;
  bool printConstants;           /* --print-constants: no default elision in text stages */
  long long elideResourcesAbove; /* -1: print every resource */
  long long elideElementsAbove;  /* -1: print every elements attribute */
  GcimOnnxInputShape *inputShapes;
  size_t inputShapeCount;
  const char *scheduleWeights;         /* --schedule-weights, or NULL */
  long long maxLatencyNs, maxEnergyPJ; /* --max-latency-ns, --max-energy-pj: 0 = none */
  const char *scalersPath;             /* --scalers: a calibration cache baked into the scalers */
} Options;

/// The choices of --gqa, in gcim-map-attention's spelling; NULL-terminated.
extern const char *const gcimCompileGqaModes[];

/// The objectives of --schedule, in gcim-schedule's spelling; NULL-terminated.
extern const char *const gcimCompileScheduleObjectives[];

/// The formats of --weights, in gcim-lower-runtime's spelling; NULL-terminated.
extern const char *const gcimCompileWeightFormats[];

/// The choices of --padding-mask (auto, unpadded, exact); NULL-terminated.
extern const char *const gcimCompilePaddingMasks[];

/// gcim-fuse-attention's `padding` for the compilation: --padding-mask, whose auto is
/// unpadded under --attention=analog (the gain cells take no padding) and exact otherwise.
const char *gcimCompilePaddingMode(const Options *options);

/// Parses argv into *options (gcim/Support/ArgParse.h) and reads --hw; returns
/// GCIM_ARG_CONTINUE to go on, or the exit status to return now (0 after --help or
/// --version, 1 for an unreadable --hw, 2 after a usage error; the error is printed).
int gcimCompileParseArguments(int argc, char **argv, Options *options);

/// Prints the warnings a module mapped to tiles carries (gcim.warning, attention kept
/// digital by --attention=auto, and with `analog` Softmax ops left while no head was
/// mapped) to `out` as `file: 'node': warning: ...` lines (Warnings.c).
void gcimCompilePrintWarnings(MlirOperation module, bool analog, FILE *out);

/// Gives every fused attention of `module` the scalers of the calibration cache `path`
/// (--scalers, Scalers.c); false after printing an error naming the file and the layer, or
/// the attention that `mode` keeps digital.
bool gcimCompileApplyScalers(MlirModule module, const char *path, GcimAttentionMode mode);

/// Frees what parsing allocated.
void gcimCompileFreeOptions(Options *options);

#endif /* GCIM_TOOLS_GCIM_COMPILE_OPTIONS_H */
