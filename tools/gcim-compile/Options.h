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

enum { EXIT_USAGE = 2 };

/// The stage after which gcim-compile stops (--emit).
typedef enum EmitStage { EMIT_ONNX, EMIT_GCIM, EMIT_TILES, EMIT_RUNTIME, EMIT_C } EmitStage;

typedef struct Options {
  const char *inputPath;
  const char *outputPath; /* a file for IR stages, the folder for C */
  EmitStage emit;
  GcimAttentionMode attention; /* --attention (default auto) */
  const char *schedule;        /* --schedule: gcim-schedule's objective (default latency) */
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
  long long elideResourcesAbove; /* -1: print every resource */
  long long elideElementsAbove;  /* -1: print every elements attribute */
  GcimOnnxInputShape *inputShapes;
  size_t inputShapeCount;
} Options;

/// Parses argv into *options; returns -1 to go on, or the exit code to return now
/// (0 after --help or --version, 2 after a usage error, which it has printed).
int gcimCompileParseArguments(int argc, char **argv, Options *options);

/// Prints the warnings a module mapped to tiles carries (gcim.warning, attention kept
/// digital by --attention=auto) to `out` as `file: 'node': warning: ...` lines
/// (Warnings.c).
void gcimCompilePrintWarnings(MlirOperation module, FILE *out);

/// Frees what parsing allocated.
void gcimCompileFreeOptions(Options *options);

#endif /* GCIM_TOOLS_GCIM_COMPILE_OPTIONS_H */
