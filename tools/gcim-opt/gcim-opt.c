/* gcim-opt: runs gcim and upstream MLIR passes on a .mlir file, for tests and inspection. */
#include "gcim/Context.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/HardwareJson.h"
#include "gcim/Support/InputFile.h"
#include "gcim/Support/OutputFile.h"
#include "gcim/Transforms/Passes.h"
#include "gcim/Transforms/Report.h"
#include "gcim/Version.h"

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_USAGE = 2 };

/* One element of the pipeline, in command-line order. */
typedef struct PipelineStep {
  const GcimPassInfo *gcimPass; /* NULL for an upstream pass */
  const char *name;             /* points into argv */
  size_t nameLength;
  const char *optionText; /* after '=', or NULL */
} PipelineStep;

typedef struct Options {
  const char *inputPath;
  const char *outputPath;
  bool splitInputFile;
  bool printIrAfterAll;
  bool timing;
  bool printGeneric;
  bool printDebugInfo;
  const char *hwPath;     /* --hw: the pipeline's hardware */
  const char *reportPath; /* --report: the cost report after the pipeline */
  const char *schedule;   /* --schedule: gcim-schedule's objective unless its own option */
  bool reportTable;       /* --report-table */
  GcimHardware hw;
  PipelineStep *steps;
  size_t stepCount;
} Options;

static void printHelp(void) {
  printf("OVERVIEW: gcim-opt: run gcim and MLIR passes on a .mlir file\n\n"
         "USAGE: gcim-opt [options] [--<pass>[=<options>]...] [input.mlir|-]\n\n"
         "Passes run in command-line order; the input is stdin when omitted or '-'.\n\n"
         "OPTIONS:\n"
         "  -o <file>                 write the result to <file> (default: stdout); the\n"
         "                            file is replaced only when every step succeeds\n"
         "  --split-input-file        process each '// -----' chunk separately; output\n"
         "                            chunks are joined with '// -----'\n"
         "  --print-ir-after-all      print the IR after every pass to stderr\n"
         "  --timing                  print the time taken by each pass to stderr\n"
         "  --mlir-print-op-generic   print ops in generic form\n"
         "  --mlir-print-debuginfo    print locations (ONNX node names)\n"
         "  --hw <file.json>          the hardware description every gcim pass gets\n"
         "                            (default: the paper's); a pass's own hw=<file>\n"
         "                            option overrides it for that pass\n"
         "  --report <file.json>      write the cost report of the result (after\n"
         "                            gcim-map-attention; the last chunk's with\n"
         "                            --split-input-file)\n"
         "  --report-table            print the report's table to stderr\n"
         "  --schedule=<objective>    gcim-schedule's schedule= option (latency, energy or\n"
         "                            area) where the pass is not given its own\n"
         "  --help                    print this help and exit\n"
         "  --version                 print the version and exit\n\n"
         "GCIM PASSES:\n");
  for (size_t i = 0; i < gcimPassGetCount(); ++i) {
    const GcimPassInfo *info = gcimPassGetInfo(i);
    printf("  --%-24s %s\n", info->argument, info->description);
    for (size_t j = 0; j < info->optionCount; ++j)
      printf("      %s=<value>  %s (default: %s)\n", info->options[j].name,
             info->options[j].description, info->options[j].defaultValue);
    printf("      hw=<file.json>  the hardware description of this pass (default: --hw)\n");
  }
  printf("\nUPSTREAM PASSES:\n"
         "  Any pass of MLIR's transforms library, for example --canonicalize, --cse,\n"
         "  --symbol-dce, --inline; options as --canonicalize=\"max-iterations=2\".\n\n"
         "EXIT STATUS: 0 on success, 1 on any error in the input or a pass, 2 on bad usage.\n");
}

static int usageError(const char *message, const char *argument) {
  fprintf(stderr, "gcim-opt: %s%s%s\n(run 'gcim-opt --help' for usage)\n", message,
          argument ? " " : "", argument ? argument : "");
  return EXIT_USAGE;
}

/* Parses argv; returns -1 to go on, or the exit code to return now. */
static int parseArguments(int argc, char **argv, Options *options) {
  options->steps = calloc((size_t)argc, sizeof *options->steps);
  if (!options->steps)
    return EXIT_FAILURE;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      printHelp();
      return EXIT_SUCCESS;
    } else if (strcmp(arg, "--version") == 0) {
      printf("gcim-opt %s\n", GCIM_VERSION);
      return EXIT_SUCCESS;
    } else if (strcmp(arg, "-o") == 0) {
      if (++i == argc)
        return usageError("option -o needs a file name", NULL);
      options->outputPath = argv[i];
    } else if (strcmp(arg, "--split-input-file") == 0) {
      options->splitInputFile = true;
    } else if (strcmp(arg, "--print-ir-after-all") == 0) {
      options->printIrAfterAll = true;
    } else if (strcmp(arg, "--timing") == 0) {
      options->timing = true;
    } else if (strcmp(arg, "--mlir-print-op-generic") == 0) {
      options->printGeneric = true;
    } else if (strcmp(arg, "--mlir-print-debuginfo") == 0) {
      options->printDebugInfo = true;
    } else if (strcmp(arg, "--hw") == 0 || strcmp(arg, "--report") == 0) {
      if (++i == argc)
        return usageError("missing file name after", arg);
      *(arg[2] == 'h' ? &options->hwPath : &options->reportPath) = argv[i];
    } else if (strncmp(arg, "--hw=", 5) == 0) {
      options->hwPath = arg + 5;
    } else if (strncmp(arg, "--report=", 9) == 0) {
      options->reportPath = arg + 9;
    } else if (strcmp(arg, "--report-table") == 0) {
      options->reportTable = true;
    } else if (strncmp(arg, "--schedule=", 11) == 0) {
      options->schedule = arg + 11;
    } else if (strncmp(arg, "--", 2) == 0 && arg[2]) {
      PipelineStep *step = &options->steps[options->stepCount++];
      step->name = arg + 2;
      const char *equals = strchr(step->name, '=');
      step->nameLength = equals ? (size_t)(equals - step->name) : strlen(step->name);
      step->optionText = equals ? equals + 1 : NULL;
      char name[256];
      snprintf(name, sizeof name, "%.*s", (int)step->nameLength, step->name);
      step->gcimPass = gcimPassLookup(name);
    } else if (arg[0] == '-' && arg[1]) {
      return usageError("unknown option", arg);
    } else if (options->inputPath) {
      return usageError("more than one input file:", arg);
    } else {
      options->inputPath = arg;
    }
  }
  if (!options->inputPath)
    options->inputPath = "-";
  if (!options->outputPath)
    options->outputPath = "-";
  return -1;
}

static void printPipelineError(MlirStringRef message, void *userData) {
  (void)userData;
  fwrite(message.data, 1, message.length, stderr);
}

/* Reads the hardware description at `path` into *hw; says why not and returns false. */
static bool loadHardware(const char *path, GcimHardware *hw) {
  char *errMsg = NULL;
  if (gcimHardwareLoadJson(path, hw, &errMsg) == GCIM_OK)
    return true;
  fprintf(stderr, "gcim-opt: error: %s\n", errMsg ? errMsg : "out of memory");
  free(errMsg);
  return false;
}

/* Creates a gcim pass for `step`: a `hw=FILE` in its options is read here (passes do no
 * I/O) and replaces the pipeline's hardware for it; the other options go to the pass. */
static MlirPass createGcimPass(const PipelineStep *step, const Options *options) {
  const char *text = step->optionText ? step->optionText : "";
  char rest[1024] = "", path[1024] = "";
  for (const char *cursor = text; *cursor;) {
    size_t length = strcspn(cursor, " ,");
    if (length > 3 && strncmp(cursor, "hw=", 3) == 0)
      snprintf(path, sizeof path, "%.*s", (int)length - 3, cursor + 3);
    else if (length)
      snprintf(rest + strlen(rest), sizeof rest - strlen(rest), "%.*s ", (int)length, cursor);
    cursor += length;
    cursor += strspn(cursor, " ,");
  }
  if (options->schedule && step->gcimPass == gcimPassLookup("gcim-schedule") &&
      strncmp(rest, "schedule=", 9) != 0 && !strstr(rest, " schedule="))
    snprintf(rest + strlen(rest), sizeof rest - strlen(rest), "schedule=%s ", options->schedule);
  GcimHardware own;
  if (path[0] && !loadHardware(path, &own))
    return (MlirPass){NULL};
  char *errMsg = NULL;
  MlirPass pass = gcimPassCreate(step->gcimPass, path[0] ? &own : &options->hw, rest, &errMsg);
  if (!pass.ptr)
    fprintf(stderr, "gcim-opt: error: %s\n", errMsg ? errMsg : "out of memory");
  free(errMsg);
  return pass;
}

/* Adds the steps to `pm`; on failure says which step and returns false. */
static bool buildPipeline(MlirPassManager pm, const Options *options) {
  MlirOpPassManager top = mlirPassManagerGetAsOpPassManager(pm);
  for (size_t i = 0; i < options->stepCount; ++i) {
    const PipelineStep *step = &options->steps[i];
    if (step->gcimPass) {
      MlirPass pass = createGcimPass(step, options);
      if (!pass.ptr)
        return false;
      mlirOpPassManagerAddOwnedPass(top, pass);
      continue;
    }
    /* Upstream passes are named through MLIR's textual pipeline: name{options}. */
    char element[1024];
    if (step->optionText)
      snprintf(element, sizeof element, "%.*s{%s}", (int)step->nameLength, step->name,
               step->optionText);
    else
      snprintf(element, sizeof element, "%.*s", (int)step->nameLength, step->name);
    if (mlirLogicalResultIsFailure(mlirOpPassManagerAddPipeline(
            top, mlirStringRefCreateFromCString(element), printPipelineError, NULL))) {
      fprintf(stderr, "\ngcim-opt: error: unknown pass or option '--%s'\n", step->name);
      return false;
    }
  }
  return true;
}

/* True when the chunk's first token opens a module, so it needs no implicit wrapper. */
static bool startsWithModule(const char *text, size_t length) {
  size_t i = 0;
  while (i < length) {
    if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
      ++i;
    } else if (i + 1 < length && text[i] == '/' && text[i + 1] == '/') {
      while (i < length && text[i] != '\n')
        ++i;
    } else {
      break;
    }
  }
  return (length - i >= 6 && strncmp(text + i, "module", 6) == 0) ||
         (length - i >= 16 && strncmp(text + i, "\"builtin.module\"", 16) == 0);
}

/* Parses one chunk that begins on line `startLine` of the input, keeping the input's line
 * numbers in diagnostics: the text is padded with newlines, and ops without a module are
 * wrapped in one whose `module {` sits on the first line. */
static MlirOperation parseChunk(MlirContext ctx, const char *sourceName, const char *text,
                                size_t length, unsigned startLine) {
  bool wrap = !startsWithModule(text, length);
  size_t padded = (wrap ? 10 : 0) + startLine + length + 2;
  char *buffer = malloc(padded);
  if (!buffer)
    return (MlirOperation){NULL};
  size_t used = 0;
  if (wrap)
    used += (size_t)sprintf(buffer, "module {");
  for (unsigned line = 1; line < startLine; ++line)
    buffer[used++] = '\n';
  memcpy(buffer + used, text, length);
  used += length;
  if (wrap) {
    buffer[used++] = '\n';
    buffer[used++] = '}';
  }
  MlirOperation op = mlirOperationCreateParse(ctx, mlirStringRefCreate(buffer, used),
                                              mlirStringRefCreateFromCString(sourceName));
  free(buffer);
  return op;
}

static void writeToFile(MlirStringRef chunk, void *userData) {
  fwrite(chunk.data, 1, chunk.length, (FILE *)userData);
}

/* The cost report of `module` (--report, --report-table), with the pipeline's hardware,
 * written whole or not at all. */
static bool writeReport(const Options *options, MlirOperation module) {
  char *errMsg = NULL;
  if (gcimReportWriteFiles(module, &options->hw, options->reportTable ? stderr : NULL,
                           options->reportPath, &errMsg) == GCIM_OK)
    return true;
  fprintf(stderr, "gcim-opt: error: cannot write the report: %s\n",
          errMsg ? errMsg : "out of memory");
  free(errMsg);
  return false;
}

/* Parses, transforms and prints one chunk; false on any error (already reported). */
static bool processChunk(MlirContext ctx, const Options *options, const char *text, size_t length,
                         unsigned startLine, FILE *out) {
  const char *sourceName = strcmp(options->inputPath, "-") == 0 ? "<stdin>" : options->inputPath;
  MlirOperation module = parseChunk(ctx, sourceName, text, length, startLine);
  if (mlirOperationIsNull(module))
    return false;
  MlirOpPrintingFlags flags = mlirOpPrintingFlagsCreate();
  if (options->printGeneric)
    mlirOpPrintingFlagsPrintGenericOpForm(flags);
  if (options->printDebugInfo)
    mlirOpPrintingFlagsEnableDebugInfo(flags, true, false);
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  if (options->printIrAfterAll)
    mlirPassManagerEnableIRPrinting(pm, false, true, true, false, false, flags,
                                    mlirStringRefCreate(NULL, 0));
  if (options->timing)
    mlirPassManagerEnableTiming(pm);
  bool ok = buildPipeline(pm, options) &&
            mlirLogicalResultIsSuccess(mlirPassManagerRunOnOp(pm, module)) &&
            writeReport(options, module);
  mlirPassManagerDestroy(pm);
  if (ok) {
    mlirOperationPrintWithFlags(module, flags, writeToFile, out);
    fputc('\n', out);
  }
  mlirOpPrintingFlagsDestroy(flags);
  mlirOperationDestroy(module);
  return ok;
}

static bool isSplitMarker(const char *line, size_t length) {
  while (length && (*line == ' ' || *line == '\t')) {
    ++line;
    --length;
  }
  return length >= 8 && strncmp(line, "// -----", 8) == 0;
}

/* Runs every chunk (the whole input without --split-input-file); true if all succeed. */
static bool processInput(MlirContext ctx, const Options *options, const char *input, size_t length,
                         FILE *out) {
  if (!options->splitInputFile)
    return processChunk(ctx, options, input, length, 1, out);
  bool allOk = true;
  size_t chunkStart = 0, lineStart = 0;
  unsigned line = 1, chunkLine = 1;
  bool first = true;
  while (lineStart <= length) {
    const char *newline = memchr(input + lineStart, '\n', length - lineStart);
    size_t lineEnd = newline ? (size_t)(newline - input) : length;
    bool marker = isSplitMarker(input + lineStart, lineEnd - lineStart);
    if (marker || lineEnd == length) {
      size_t chunkEnd = marker ? lineStart : length;
      if (!first)
        fputs("// -----\n", out);
      first = false;
      allOk &=
          processChunk(ctx, options, input + chunkStart, chunkEnd - chunkStart, chunkLine, out);
      chunkStart = lineEnd + 1;
      chunkLine = line + 1;
    }
    if (lineEnd == length)
      break;
    lineStart = lineEnd + 1;
    ++line;
  }
  return allOk;
}

int main(int argc, char **argv) {
  Options options = {0};
  int early = parseArguments(argc, argv, &options);
  if (early >= 0) {
    free(options.steps);
    return early;
  }
  int exitCode = EXIT_FAILURE;
  MlirContext ctx = {NULL};
  GcimOutputFile *output = NULL;
  size_t length = 0;
  char *input = NULL, *readError = NULL;
  gcimHardwareInitDefault(&options.hw);
  if (options.hwPath && !loadHardware(options.hwPath, &options.hw))
    goto cleanup;
  if (gcimInputFileRead(options.inputPath, &input, &length, &readError) != GCIM_OK) {
    fprintf(stderr, "gcim-opt: error: %s\n", readError);
    free(readError);
    goto cleanup;
  }
  ctx = gcimContextCreate();
  if (mlirContextIsNull(ctx))
    goto cleanup;
  if (options.printIrAfterAll)
    mlirContextEnableMultithreading(ctx, false); /* module-scope printing needs it */
  gcimDiagnosticPrinterAttach(ctx, stderr);
  char *errMsg = NULL;
  if (gcimOutputFileCreate(options.outputPath, &output, &errMsg) != GCIM_OK) {
    fprintf(stderr, "gcim-opt: error: %s\n", errMsg);
    free(errMsg);
    goto cleanup;
  }
  if (!processInput(ctx, &options, input, length, gcimOutputFileGetStream(output)))
    goto cleanup;
  GcimOutputFile *committing = output;
  output = NULL;
  if (gcimOutputFileCommit(committing, &errMsg) != GCIM_OK) {
    fprintf(stderr, "gcim-opt: error: %s\n", errMsg);
    free(errMsg);
    goto cleanup;
  }
  exitCode = EXIT_SUCCESS;
cleanup:
  gcimOutputFileDestroy(output);
  if (!mlirContextIsNull(ctx))
    mlirContextDestroy(ctx);
  free(input);
  free(options.steps);
  return exitCode;
}
