/* gcim-compile: compiles an ONNX model; for now it imports it into the onnx dialect. */
#include "gcim/Context.h"
#include "gcim/Import/Onnx.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/OutputFile.h"
#include "gcim/Transforms/Passes.h"
#include "gcim/Version.h"

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EXIT_USAGE = 2 };

typedef struct Options {
  const char *inputPath;
  const char *outputPath;
  bool printDebugInfo;
  bool timing;
  long long elideResourcesAbove; /* -1: print every resource */
  long long elideElementsAbove;  /* -1: print every elements attribute */
  GcimOnnxInputShape *inputShapes;
  size_t inputShapeCount;
} Options;

static void printHelp(void) {
  printf("OVERVIEW: gcim-compile: compile an ONNX transformer for gain-cell hardware\n\n"
         "USAGE: gcim-compile [options] model.onnx\n\n"
         "OPTIONS:\n"
         "  --emit=onnx               import the model and print the verified onnx-dialect\n"
         "                            module (the default; later stages are not built yet)\n"
         "  -o <file>                 write the output to <file> (default: stdout); the\n"
         "                            file is replaced only when every step succeeds\n"
         "  --input-shape NAME=DIMS   bind the dimensions of graph input NAME, as in\n"
         "                            input_ids=1x16 (repeat for several inputs)\n"
         "  --mlir-print-debuginfo    print locations (ONNX node names)\n"
         "  --timing                  print the wall time of each stage to stderr\n"
         "  --mlir-elide-elementsattrs-if-larger=<n>\n"
         "                            print constants of more than <n> elements (weights)\n"
         "                            as an elided placeholder\n"
         "  --mlir-elide-resource-strings-if-larger=<bytes>\n"
         "                            leave weights larger than <bytes> out of the printed\n"
         "                            dialect_resources section\n"
         "  --help                    print this help and exit\n"
         "  --version                 print the version and exit\n\n"
         "EXIT STATUS: 0 on success, 1 on any error in the model, 2 on bad usage.\n");
}

static int usageError(const char *message, const char *argument) {
  fprintf(stderr, "gcim-compile: %s%s%s\n(run 'gcim-compile --help' for usage)\n", message,
          argument ? " " : "", argument ? argument : "");
  return EXIT_USAGE;
}

static int addInputShape(Options *options, const char *text) {
  char *errMsg = NULL;
  GcimOnnxInputShape *shape = &options->inputShapes[options->inputShapeCount];
  if (gcimOnnxParseInputShape(text, shape, &errMsg) != GCIM_OK) {
    int code = usageError(errMsg ? errMsg : "out of memory", NULL);
    free(errMsg);
    return code;
  }
  /* The name ends at '=': copy it out so that it is NUL-terminated. */
  size_t length = (size_t)(strrchr(text, '=') - text);
  char *name = malloc(length + 1);
  if (!name)
    return EXIT_FAILURE;
  memcpy(name, text, length);
  name[length] = '\0';
  shape->name = name;
  ++options->inputShapeCount;
  return -1;
}

/* Parses argv; returns -1 to go on, or the exit code to return now. */
static int parseArguments(int argc, char **argv, Options *options) {
  options->elideResourcesAbove = -1;
  options->elideElementsAbove = -1;
  options->inputShapes = calloc((size_t)argc, sizeof *options->inputShapes);
  if (!options->inputShapes)
    return EXIT_FAILURE;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    int code = -1;
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      printHelp();
      return EXIT_SUCCESS;
    } else if (strcmp(arg, "--version") == 0) {
      printf("gcim-compile %s\n", GCIM_VERSION);
      return EXIT_SUCCESS;
    } else if (strcmp(arg, "-o") == 0) {
      if (++i == argc)
        return usageError("option -o needs a file name", NULL);
      options->outputPath = argv[i];
    } else if (strncmp(arg, "--emit=", 7) == 0) {
      if (strcmp(arg + 7, "onnx") != 0)
        return usageError("unsupported --emit value (only 'onnx' is available):", arg + 7);
    } else if (strcmp(arg, "--input-shape") == 0) {
      if (++i == argc)
        return usageError("option --input-shape needs NAME=DIMS", NULL);
      code = addInputShape(options, argv[i]);
    } else if (strncmp(arg, "--input-shape=", 14) == 0) {
      code = addInputShape(options, arg + 14);
    } else if (strcmp(arg, "--timing") == 0) {
      options->timing = true;
    } else if (strcmp(arg, "--mlir-print-debuginfo") == 0) {
      options->printDebugInfo = true;
    } else if (strncmp(arg, "--mlir-elide-resource-strings-if-larger=", 40) == 0) {
      char *end;
      options->elideResourcesAbove = strtoll(arg + 40, &end, 10);
      if (end == arg + 40 || *end || options->elideResourcesAbove < 0)
        return usageError("bad byte count in", arg);
    } else if (strncmp(arg, "--mlir-elide-elementsattrs-if-larger=", 37) == 0) {
      char *end;
      options->elideElementsAbove = strtoll(arg + 37, &end, 10);
      if (end == arg + 37 || *end || options->elideElementsAbove < 0)
        return usageError("bad element count in", arg);
    } else if (arg[0] == '-' && arg[1]) {
      return usageError("unknown option", arg);
    } else if (options->inputPath) {
      return usageError("more than one input file:", arg);
    } else {
      options->inputPath = arg;
    }
    if (code >= 0)
      return code;
  }
  if (!options->inputPath)
    return usageError("no input model", NULL);
  if (!options->outputPath)
    options->outputPath = "-";
  return -1;
}

static double now(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* With --timing, reports the stage that ended now and starts the next. */
static void lap(const Options *options, double *start, const char *stage) {
  double end = now();
  if (options->timing)
    fprintf(stderr, "gcim-compile: %-8s %8.3f s\n", stage, end - *start);
  *start = end;
}

static void writeToFile(MlirStringRef chunk, void *userData) {
  fwrite(chunk.data, 1, chunk.length, (FILE *)userData);
}

static bool verify(MlirContext ctx, MlirModule module) {
  const GcimPassInfo *info = gcimPassLookup("gcim-verify");
  MlirPass pass = gcimPassCreate(info, NULL, NULL);
  if (!pass.ptr)
    return false;
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  mlirOpPassManagerAddOwnedPass(mlirPassManagerGetAsOpPassManager(pm), pass);
  bool ok = mlirLogicalResultIsSuccess(
      mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module)));
  mlirPassManagerDestroy(pm);
  return ok;
}

static bool print(const Options *options, MlirModule module, FILE *out) {
  MlirOpPrintingFlags flags = mlirOpPrintingFlagsCreate();
  if (options->printDebugInfo)
    mlirOpPrintingFlagsEnableDebugInfo(flags, true, false);
  if (options->elideElementsAbove >= 0)
    mlirOpPrintingFlagsElideLargeElementsAttrs(flags, (intptr_t)options->elideElementsAbove);
  if (options->elideResourcesAbove >= 0)
    mlirOpPrintingFlagsElideLargeResourceString(flags,
                                                (intptr_t)options->elideResourcesAbove);
  mlirOperationPrintWithFlags(mlirModuleGetOperation(module), flags, writeToFile, out);
  fputc('\n', out);
  mlirOpPrintingFlagsDestroy(flags);
  return true;
}

int main(int argc, char **argv) {
  Options options = {0};
  int exitCode = parseArguments(argc, argv, &options);
  MlirContext ctx = {NULL};
  GcimOnnxImport *import = NULL;
  GcimOutputFile *output = NULL;
  if (exitCode >= 0)
    goto cleanup;
  exitCode = EXIT_FAILURE;
  ctx = gcimContextCreate();
  if (mlirContextIsNull(ctx))
    goto cleanup;
  gcimDiagnosticPrinterAttach(ctx, stderr);
  double start = now();
  GcimOnnxImportOptions importOptions = {.inputShapes = options.inputShapes,
                                         .inputShapeCount = options.inputShapeCount};
  if (mlirLogicalResultIsFailure(
          gcimImportOnnxFile(ctx, options.inputPath, &importOptions, &import)))
    goto cleanup;
  lap(&options, &start, "import");
  MlirModule module = gcimOnnxImportGetModule(import);
  if (!mlirOperationVerify(mlirModuleGetOperation(module)) || !verify(ctx, module))
    goto cleanup;
  lap(&options, &start, "verify");
  char *errMsg = NULL;
  if (gcimOutputFileCreate(options.outputPath, &output, &errMsg) != GCIM_OK) {
    fprintf(stderr, "gcim-compile: error: %s\n", errMsg ? errMsg : "out of memory");
    free(errMsg);
    goto cleanup;
  }
  print(&options, module, gcimOutputFileGetStream(output));
  lap(&options, &start, "print");
  GcimOutputFile *committing = output;
  output = NULL;
  if (gcimOutputFileCommit(committing, &errMsg) != GCIM_OK) {
    fprintf(stderr, "gcim-compile: error: %s\n", errMsg ? errMsg : "out of memory");
    free(errMsg);
    goto cleanup;
  }
  exitCode = EXIT_SUCCESS;
cleanup:
  gcimOutputFileDestroy(output);
  gcimOnnxImportDestroy(import);
  if (!mlirContextIsNull(ctx))
    mlirContextDestroy(ctx);
  for (size_t i = 0; i < options.inputShapeCount; ++i)
    free((char *)options.inputShapes[i].name);
  free(options.inputShapes);
  return exitCode;
}
