/* gcim-compile: compiles an ONNX transformer to C whose attention runs on (simulated)
 * gain-cell hardware: import, fuse attention, map, quantise, schedule, emit C. */
#include "Options.h"

#include "gcim/Context.h"
#include "gcim/Import/Onnx.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/OutputFile.h"
#include "gcim/Target/C.h"
#include "gcim/Transforms/Passes.h"
#include "gcim/Transforms/Report.h"

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* With --timing, reports the stage that ended now and starts the next. */
static void lap(const Options *options, double *start, const char *stage) {
  double end = now();
  if (options->timing)
    fprintf(stderr, "gcim-compile: %-10s %8.3f s\n", stage, end - *start);
  *start = end;
}

/* Runs the gcim passes `arguments` ("name" or "name=options") in order on `module`, each
 * made for the compilation's one hardware description. */
static bool runPasses(MlirContext ctx, MlirModule module, const char *const *arguments,
                      size_t count, const Options *options) {
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirOpPassManager top = mlirPassManagerGetAsOpPassManager(pm);
  bool ok = true;
  for (size_t i = 0; ok && i < count; ++i) {
    char name[64];
    const char *equals = strchr(arguments[i], '=');
    snprintf(name, sizeof name, "%.*s",
             (int)(equals ? (size_t)(equals - arguments[i]) : strlen(arguments[i])), arguments[i]);
    const GcimPassInfo *info = gcimPassLookup(name);
    char *errMsg = NULL;
    MlirPass pass = info ? gcimPassCreate(info, &options->hw, equals ? equals + 1 : NULL, &errMsg)
                         : (MlirPass){NULL};
    if (!pass.ptr) {
      fprintf(stderr, "gcim-compile: internal error: pass '%s': %s\n", name,
              errMsg ? errMsg : "not built");
      free(errMsg);
      ok = false;
      break;
    }
    if (options->verbose)
      fprintf(stderr, "gcim-compile: running %s\n", arguments[i]);
    mlirOpPassManagerAddOwnedPass(top, pass);
  }
  ok = ok && mlirLogicalResultIsSuccess(mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module)));
  mlirPassManagerDestroy(pm);
  return ok;
}

static void writeToFile(MlirStringRef chunk, void *userData) {
  fwrite(chunk.data, 1, chunk.length, (FILE *)userData);
}

/* Prints an IR stage to options->outputPath through a temporary file. */
static bool printModule(const Options *options, MlirModule module) {
  GcimOutputFile *output = NULL;
  char *errMsg = NULL;
  if (gcimOutputFileCreate(options->outputPath, &output, &errMsg) != GCIM_OK) {
    fprintf(stderr, "gcim-compile: error: %s\n", errMsg ? errMsg : "out of memory");
    free(errMsg);
    return false;
  }
  MlirOpPrintingFlags flags = mlirOpPrintingFlagsCreate();
  if (options->printDebugInfo)
    mlirOpPrintingFlagsEnableDebugInfo(flags, true, false);
  if (options->elideElementsAbove >= 0)
    mlirOpPrintingFlagsElideLargeElementsAttrs(flags, (intptr_t)options->elideElementsAbove);
  if (options->elideResourcesAbove >= 0)
    mlirOpPrintingFlagsElideLargeResourceString(flags, (intptr_t)options->elideResourcesAbove);
  FILE *out = gcimOutputFileGetStream(output);
  mlirOperationPrintWithFlags(mlirModuleGetOperation(module), flags, writeToFile, out);
  fputc('\n', out);
  mlirOpPrintingFlagsDestroy(flags);
  if (gcimOutputFileCommit(output, &errMsg) != GCIM_OK) {
    fprintf(stderr, "gcim-compile: error: %s\n", errMsg ? errMsg : "out of memory");
    free(errMsg);
    return false;
  }
  return true;
}

/* The emitter reads weights the importer left in the mapped model file from here. */
static int readResource(void *import, MlirAttribute value, const void **data, size_t *size) {
  return gcimOnnxImportGetResourceData(import, value, data, size);
}

static bool emitC(const Options *options, MlirModule module, GcimOnnxImport *import) {
  GcimCEmitOptions emitOptions = {.outputDir = options->outputPath,
                                  .prefix = options->prefix,
                                  .sourceName = options->inputPath,
                                  .embedWeights = options->embedWeights,
                                  .emitMain = options->emitMain,
                                  .hw = &options->hw,
                                  .attention = options->attention,
                                  .constantData = readResource,
                                  .constantDataUserData = import};
  if (options->verbose)
    fprintf(stderr, "gcim-compile: writing C to %s/\n", options->outputPath);
  return mlirLogicalResultIsSuccess(gcimEmitC(module, &emitOptions));
}

/* Maps attention onto sub-tiles, quantises and schedules it; `fold` folds scalers into
 * the projections (only the printed tile stage needs it, not the report). */
static bool mapToTiles(MlirContext ctx, MlirModule module, const Options *options, bool fold) {
  char map[64], schedule[64];
  snprintf(map, sizeof map, "gcim-map-attention=attention=%s",
           gcimAttentionModeName(options->attention));
  snprintf(schedule, sizeof schedule, "gcim-schedule=schedule=%s", options->schedule);
  const char *passes[] = {map, fold ? "gcim-quantize" : "gcim-quantize=fold=false", schedule,
                          "gcim-verify"};
  return runPasses(ctx, module, passes, 4, options);
}

/* The cost report (--report, and its table with -v) of a module mapped to tiles. */
static bool writeReport(const Options *options, MlirModule tiles) {
  char *errMsg = NULL;
  if (gcimReportWriteFiles(mlirModuleGetOperation(tiles), &options->hw,
                           options->verbose ? stderr : NULL, options->reportPath,
                           &errMsg) == GCIM_OK)
    return true;
  fprintf(stderr, "gcim-compile: error: %s\n", errMsg ? errMsg : "out of memory");
  free(errMsg);
  return false;
}

/* C is generated from the graph level; a copy mapped to tiles checks that the hardware
 * holds the attention, gives the warnings and the report. */
static bool checkOnTiles(MlirContext ctx, MlirModule module, const Options *options) {
  MlirModule tiles = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(module)));
  bool ok = mapToTiles(ctx, tiles, options, false) && writeReport(options, tiles);
  if (ok && !options->quiet)
    gcimCompilePrintWarnings(mlirModuleGetOperation(tiles), stderr);
  mlirModuleDestroy(tiles);
  return ok;
}

static bool compile(MlirContext ctx, GcimOnnxImport *import, const Options *options,
                    double *start) {
  MlirModule module = gcimOnnxImportGetModule(import);
  static const char *const verify[] = {"gcim-verify"};
  const char *const fuse[] = {"gcim-fuse-attention", "gcim-stream", "gcim-verify"};
  if (!runPasses(ctx, module, verify, 1, options))
    return false;
  lap(options, start, "verify");
  if (options->emit == EMIT_ONNX)
    return printModule(options, module);
  if (!runPasses(ctx, module, fuse, 3, options))
    return false;
  lap(options, start, "fuse");
  if (options->emit == EMIT_GCIM)
    return printModule(options, module);
  static const char *const lower[] = {"gcim-lower-runtime"};
  if (options->emit == EMIT_RUNTIME || options->emit == EMIT_C) {
    /* The check and the report come from the graph level, before the buffers are
     * placed. */
    if (!checkOnTiles(ctx, module, options))
      return false;
    lap(options, start, "map");
    if (!runPasses(ctx, module, lower, 1, options))
      return false;
    lap(options, start, "lower");
    return options->emit == EMIT_C ? emitC(options, module, import) : printModule(options, module);
  }
  if (!mapToTiles(ctx, module, options, true) || !writeReport(options, module))
    return false;
  if (!options->quiet)
    gcimCompilePrintWarnings(mlirModuleGetOperation(module), stderr);
  return printModule(options, module);
}

int main(int argc, char **argv) {
  Options options = {0};
  int exitCode = gcimCompileParseArguments(argc, argv, &options);
  MlirContext ctx = {NULL};
  GcimOnnxImport *import = NULL;
  if (exitCode >= 0)
    goto cleanup;
  exitCode = EXIT_FAILURE;
  ctx = gcimContextCreate();
  if (mlirContextIsNull(ctx))
    goto cleanup;
  gcimDiagnosticPrinterAttach(ctx, stderr);
  GcimOnnxImportOptions importOptions = {.inputShapes = options.inputShapes,
                                         .inputShapeCount = options.inputShapeCount};
  if (options.verbose)
    fprintf(stderr, "gcim-compile: importing %s\n", options.inputPath);
  double start = now();
  if (mlirLogicalResultIsFailure(
          gcimImportOnnxFile(ctx, options.inputPath, &importOptions, &import)))
    goto cleanup;
  lap(&options, &start, "import");
  if (compile(ctx, import, &options, &start)) {
    exitCode = EXIT_SUCCESS;
    lap(&options, &start, options.emit == EMIT_C ? "emit" : "print");
  }
cleanup:
  gcimOnnxImportDestroy(import);
  if (!mlirContextIsNull(ctx))
    mlirContextDestroy(ctx);
  gcimCompileFreeOptions(&options);
  return exitCode;
}
