/* gcim-compile: compiles an ONNX transformer to C whose attention runs on (simulated)
 * gain-cell hardware: import, fuse attention, map, quantise, schedule, lower, emit C (the C
 * runs the scheduled tile ops). A .mlir input is taken at the tile level. */
#include "MlirInput.h"
#include "Options.h"

#include "gcim/Context.h"
#include "gcim/Import/Onnx.h"
#include "gcim/Report/Html.h"
#include "gcim/Support/ArgParse.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"
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

/* The passes read the bytes of the model's weights (a 4-bit MatMulNBits' B) from here. */
static bool resourceData(void *import, MlirAttribute value, const void **data, size_t *size) {
  return gcimOnnxImportGetResourceData(import, value, data, size);
}

/* Once written, a weight's pages leave the process: its peak memory stays below the
 * model's size instead of growing to all of the mapped file. */
static void releaseResource(void *import, MlirAttribute value) {
  gcimOnnxImportReleaseResourceData(import, value);
}

static bool emitC(const Options *options, MlirModule module, GcimConstantDataFn constantData,
                  GcimConstantDoneFn constantDone, void *constantDataUserData) {
  GcimCEmitOptions emitOptions = {.outputDir = options->outputPath,
                                  .prefix = options->prefix,
                                  .sourceName = options->inputPath,
                                  .embedWeights = options->embedWeights,
                                  .emitMain = options->emitMain,
                                  .hw = &options->hw,
                                  .attention = options->attention,
                                  .constantData = constantData,
                                  .constantDone = constantDone,
                                  .constantDataUserData = constantDataUserData};
  if (options->verbose)
    fprintf(stderr, "gcim-compile: writing C to %s/\n", options->outputPath);
  return mlirLogicalResultIsSuccess(gcimEmitC(module, &emitOptions));
}

/* Maps attention onto sub-tiles, quantises and schedules it: the tile level the C is
 * generated from. Scalers are not folded into the projections (gcim-quantize's fold): the
 * heads apply them, as the simulator always has, so results stay bit for bit. */
static bool mapToTiles(MlirContext ctx, MlirModule module, const Options *options) {
  char map[96], schedule[512];
  snprintf(map, sizeof map, "gcim-map-attention=attention=%s gqa=%s",
           gcimAttentionModeName(options->attention), gcimCompileGqaModes[options->gqa]);
  int n = snprintf(schedule, sizeof schedule,
                   "gcim-schedule=schedule=%s max-latency-ns=%lld max-energy-pj=%lld",
                   gcimCompileScheduleObjectives[options->schedule], options->maxLatencyNs,
                   options->maxEnergyPJ);
  if (options->scheduleWeights && n > 0 && (size_t)n < sizeof schedule) {
    /* the weights' commas as ':', since pass options are separated by commas */
    const char *key = " schedule-weights=";
    snprintf(schedule + n, sizeof schedule - (size_t)n, "%s%s", key, options->scheduleWeights);
    for (char *c = schedule + n + strlen(key); *c; ++c)
      *c = *c == ',' || *c == ' ' ? ':' : *c;
  }
  const char *passes[] = {map, "gcim-quantize=fold=false", schedule, "gcim-verify"};
  return runPasses(ctx, module, passes, 4, options);
}

/* Copies the stream `from` (from its start) into `file` and commits it; `file` is taken. */
static GcimStatus copyAndCommit(FILE *from, GcimOutputFile *file, char **errMsg) {
  gcimCopyStream(from, gcimOutputFileGetStream(file)); /* a write error shows at commit */
  if (ferror(from)) {
    gcimOutputFileDestroy(file);
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot read the report back");
  }
  return gcimOutputFileCommit(file, errMsg);
}

/* The cost report of a module mapped to tiles (its table with -v) and the mapping's
 * warnings. With --report the JSON is held in a temporary file until the C is written
 * (commitReport): a compilation that fails later leaves no report behind. */
static bool writeReport(const Options *options, MlirModule tiles, FILE **held) {
  char *errMsg = NULL;
  MlirOperation module = mlirModuleGetOperation(tiles);
  GcimStatus status =
      gcimReportWriteFiles(module, &options->hw, options->verbose ? stderr : NULL, NULL, &errMsg);
  if (status == GCIM_OK && options->reportPath) {
    *held = tmpfile();
    status = *held ? gcimReportWriteJson(module, &options->hw, *held, &errMsg)
                   : gcimFail(&errMsg, GCIM_ERROR_IO, "cannot hold the report: no temporary file");
  }
  if (status == GCIM_OK) {
    if (!options->quiet)
      gcimCompilePrintWarnings(module, options->attention == GCIM_ATTENTION_ANALOG, stderr);
    return true;
  }
  fprintf(stderr, "gcim-compile: error: %s\n", errMsg ? errMsg : "out of memory");
  free(errMsg);
  return false;
}

/* Writes the held report into `file` (--report, created before the compilation so that a
 * path that cannot be written stops it before any work), as JSON or, for a .html file, as
 * the page; `file` is taken. */
static bool commitReport(const Options *options, FILE *held, GcimOutputFile *file) {
  const char *path = options->reportPath;
  size_t length = strlen(path);
  char *errMsg = NULL;
  GcimStatus status;
  if (length > 5 && strcmp(path + length - 5, ".html") == 0) {
    gcimOutputFileDestroy(file); /* the page is written through a file of its own */
    const char *slash = strrchr(options->inputPath, '/');
    GcimHtmlReportOptions page = {.title = slash ? slash + 1 : options->inputPath};
    status = gcimHtmlReportConvertStream(held, &page, path, &errMsg);
  } else {
    status = copyAndCommit(held, file, &errMsg);
  }
  if (status == GCIM_OK)
    return true;
  fprintf(stderr, "gcim-compile: error: %s\n", errMsg ? errMsg : "out of memory");
  free(errMsg);
  return false;
}

/* The tile level (printed with --emit=tiles) becomes the runtime level and C: the generated
 * code runs the mapped, quantised and scheduled ops, so the report and the program's
 * counters come from the same ops. */
static bool lowerAndEmit(MlirContext ctx, MlirModule module, const Options *options,
                         GcimConstantDataFn constantData, GcimConstantDoneFn constantDone,
                         void *constantDataUserData, double *start) {
  char lowerPass[64];
  snprintf(lowerPass, sizeof lowerPass, "gcim-lower-runtime=weights=%s",
           gcimCompileWeightFormats[options->weights]);
  const char *const lower[] = {lowerPass};
  if (options->emit == EMIT_TILES)
    return printModule(options, module);
  if (!runPasses(ctx, module, lower, 1, options))
    return false;
  lap(options, start, "lower");
  /* The model's bytes the passes read (a 4-bit MatMulNBits' B, whose products now have
   * codes of their own) would stay resident through the emission: dropped, the emitter
   * maps back what it writes. */
  if (constantDone == releaseResource)
    gcimOnnxImportReleaseAll(constantDataUserData);
  return options->emit == EMIT_C
             ? emitC(options, module, constantData, constantDone, constantDataUserData)
             : printModule(options, module);
}

/* One line on stderr for a function gcim-widen-float widened (a float16 or bfloat16 model):
 * the user learns it computes in float32 and keeps its interface. */
static MlirWalkResult noteWidened(MlirOperation op, void *userData) {
  (void)userData;
  MlirStringRef from;
  if (!gcimOpIsA(op, "func.func") || !gcimOpGetStringAttr(op, "gcim.widened", &from))
    return MlirWalkResultAdvance;
  gcimLocationPrint(mlirOperationGetLocation(op), stderr);
  fprintf(stderr,
          ": note: a %.*s model: computed in float32 (its constants widened), its inputs and "
          "outputs kept as the model declares them\n",
          (int)from.length, from.data);
  return MlirWalkResultInterrupt; /* one note per model */
}

static bool compile(MlirContext ctx, GcimOnnxImport *import, const Options *options, double *start,
                    FILE **report) {
  MlirModule module = gcimOnnxImportGetModule(import);
  static const char *const verify[] = {"gcim-verify"};
  char fuseAttention[64];
  snprintf(fuseAttention, sizeof fuseAttention, "gcim-fuse-attention=padding=%s",
           gcimCompilePaddingMode(options));
  const char *const fuse[] = {"gcim-widen-float", fuseAttention, "gcim-stream", "gcim-verify"};
  if (!runPasses(ctx, module, verify, 1, options))
    return false;
  lap(options, start, "verify");
  if (options->emit == EMIT_ONNX)
    return printModule(options, module);
  if (!runPasses(ctx, module, fuse, 4, options) ||
      (options->scalersPath &&
       !gcimCompileApplyScalers(module, options->scalersPath, options->attention)))
    return false;
  if (!options->quiet)
    mlirOperationWalk(mlirModuleGetOperation(module), noteWidened, NULL, MlirWalkPreOrder);
  lap(options, start, "fuse");
  if (options->emit == EMIT_GCIM)
    return printModule(options, module);
  if (!mapToTiles(ctx, module, options) || !writeReport(options, module, report))
    return false;
  lap(options, start, "map");
  return lowerAndEmit(ctx, module, options, readResource, releaseResource, import, start);
}

/* A .mlir input is a module at the tile level (--emit=tiles, possibly changed with
 * gcim-opt): checked, reported, lowered and emitted as it is. */
static bool compileMlir(MlirContext ctx, const Options *options, double *start, FILE **report) {
  if (options->emit == EMIT_ONNX || options->emit == EMIT_GCIM) {
    fprintf(stderr, "gcim-compile: error: a .mlir input is at the tile level; --emit=tiles, "
                    "runtime or c\n");
    return false;
  }
  MlirModule module = gcimCompileParseMlir(ctx, options->inputPath);
  if (mlirModuleIsNull(module))
    return false;
  lap(options, start, "parse");
  static const char *const verify[] = {"gcim-verify"};
  GcimCompileConstants *constants = NULL;
  bool ok = runPasses(ctx, module, verify, 1, options) && writeReport(options, module, report) &&
            lowerAndEmit(ctx, module, options, gcimCompileReadConstant, NULL, &constants, start);
  gcimCompileConstantsDestroy(constants);
  mlirModuleDestroy(module);
  return ok;
}

int main(int argc, char **argv) {
  Options options = {0};
  int exitCode = gcimCompileParseArguments(argc, argv, &options);
  MlirContext ctx = {NULL};
  GcimOnnxImport *import = NULL;
  GcimOutputFile *reportFile = NULL;
  FILE *report = NULL; /* the report, held until the output is written */
  if (exitCode != GCIM_ARG_CONTINUE)
    goto cleanup;
  exitCode = GCIM_EXIT_INPUT_ERROR;
  char *errMsg = NULL;
  if (options.reportPath && gcimOutputFileCreate(options.reportPath, &reportFile, &errMsg)) {
    fprintf(stderr, "gcim-compile: error: %s\n", errMsg ? errMsg : "out of memory");
    free(errMsg);
    goto cleanup;
  }
  ctx = gcimContextCreate();
  if (mlirContextIsNull(ctx))
    goto cleanup;
  gcimDiagnosticPrinterAttach(ctx, stderr);
  GcimOnnxImportOptions importOptions = {.inputShapes = options.inputShapes,
                                         .inputShapeCount = options.inputShapeCount,
                                         .notes = options.quiet ? NULL : stderr};
  if (options.verbose)
    fprintf(stderr, "gcim-compile: importing %s\n", options.inputPath);
  double start = now();
  if (gcimCompileIsMlirPath(options.inputPath)) {
    if (compileMlir(ctx, &options, &start, &report))
      exitCode = GCIM_EXIT_SUCCESS;
    goto cleanup;
  }
  if (mlirLogicalResultIsFailure(
          gcimImportOnnxFile(ctx, options.inputPath, &importOptions, &import)))
    goto cleanup;
  lap(&options, &start, "import");
  /* The pages the import read (the model's protobuf) are not needed again: dropped, and
   * what the passes read they release (or gcimOnnxImportReleaseAll does after them). */
  gcimOnnxImportReleaseAll(import);
  gcimResourcesSetDataSource(resourceData, releaseResource, import);
  if (compile(ctx, import, &options, &start, &report)) {
    exitCode = GCIM_EXIT_SUCCESS;
    lap(&options, &start, options.emit == EMIT_C ? "emit" : "print");
  }
cleanup:
  if (exitCode == GCIM_EXIT_SUCCESS && report) {
    if (!commitReport(&options, report, reportFile))
      exitCode = GCIM_EXIT_INPUT_ERROR;
    reportFile = NULL;
  }
  gcimOutputFileDestroy(reportFile);
  if (report)
    fclose(report);
  gcimResourcesSetDataSource(NULL, NULL, NULL);
  gcimOnnxImportDestroy(import);
  if (!mlirContextIsNull(ctx))
    mlirContextDestroy(ctx);
  gcimCompileFreeOptions(&options);
  return exitCode;
}
