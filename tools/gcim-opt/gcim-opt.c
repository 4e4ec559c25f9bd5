/* gcim-opt: runs gcim and upstream MLIR passes on a .mlir file, for tests and inspection. */
#include "gcim/Context.h"
#include "gcim/Support/ArgParse.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/HardwareJson.h"
#include "gcim/Support/IRHelpers.h"
#include "gcim/Support/InputFile.h"
#include "gcim/Support/OutputFile.h"
#include "gcim/Transforms/Passes.h"
#include "gcim/Transforms/Report.h"
#include "gcim/Version.h"

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  const char *reportPath; /* --report: the cost report after the pipeline (.html: a page) */
  const char *schedule;   /* --schedule: gcim-schedule's objective unless its own option */
  bool reportTable;       /* --report-table */
  GcimHardware hw;
  PipelineStep *steps;
  size_t stepCount;
} Options;

static GcimStatus addStep(void *target, const char *arg, char **errMsg) {
  (void)errMsg;
  Options *options = target;
  PipelineStep *step = &options->steps[options->stepCount++];
  step->name = arg + 2;
  const char *equals = strchr(step->name, '=');
  step->nameLength = equals ? (size_t)(equals - step->name) : strlen(step->name);
  step->optionText = equals ? equals + 1 : NULL;
  char name[256];
  snprintf(name, sizeof name, "%.*s", (int)step->nameLength, step->name);
  step->gcimPass = gcimPassLookup(name);
  return GCIM_OK;
}

static GcimStatus setInput(void *target, const char *value, char **errMsg) {
  Options *options = target;
  if (options->inputPath)
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "more than one input file: '%s' and '%s'",
                    options->inputPath, value);
  options->inputPath = value;
  return GCIM_OK;
}

static void printPasses(FILE *out) {
  fputs("GCIM PASSES (--<pass>[=\"<option>=<value> ...\"]):\n", out);
  for (size_t i = 0; i < gcimPassGetCount(); ++i) {
    const GcimPassInfo *info = gcimPassGetInfo(i);
    fprintf(out, "  --%-24s %s\n", info->argument, info->description);
    for (size_t j = 0; j < info->optionCount; ++j)
      fprintf(out, "      %s=<value>  %s (default: %s)\n", info->options[j].name,
              info->options[j].description, info->options[j].defaultValue);
    fprintf(out, "      hw=<file.json>  the hardware description of this pass (default: --hw)\n");
  }
  fputs("\nUPSTREAM PASSES:\n"
        "  Any pass of MLIR's transforms library, for example --canonicalize, --cse,\n"
        "  --symbol-dce, --inline; options as --canonicalize=\"max-iterations=2\".\n",
        out);
}

#define FIELD(name) offsetof(Options, name)
static const GcimArgOption optionTable[] = {
    {.name = "-o",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file>",
     .offset = FIELD(outputPath),
     .help = "write the result to <file> (default and '-': stdout); the file is replaced only "
             "when every step succeeds"},
    {.name = "--split-input-file",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(splitInputFile),
     .help = "process each '// -----' chunk separately; output chunks are joined with "
             "'// -----'"},
    {.name = "--print-ir-after-all",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(printIrAfterAll),
     .help = "print the IR after every pass to stderr"},
    {.name = "--timing",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(timing),
     .help = "print the time taken by each pass to stderr"},
    {.name = "--mlir-print-op-generic",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(printGeneric),
     .help = "print ops in generic form"},
    {.name = "--mlir-print-debuginfo",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(printDebugInfo),
     .help = "print locations (ONNX node names)"},
    {.name = "--hw",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file.json>",
     .offset = FIELD(hwPath),
     .help = "the hardware description every gcim pass gets (default: the paper's); a pass's own "
             "hw=<file> option overrides it for that pass"},
    {.name = "--report",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file.json|file.html>",
     .offset = FIELD(reportPath),
     .help = "write the cost report of the result (after gcim-map-attention; the last chunk's "
             "with --split-input-file; a .html file: the report as one page)"},
    {.name = "--schedule",
     .kind = GCIM_ARG_STRING,
     .valueName = "<objective>",
     .offset = FIELD(schedule),
     .help = "gcim-schedule's schedule= option (latency, energy or area) where the pass is not "
             "given its own"},
    {.name = "--report-table",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(reportTable),
     .help = "print the report's table to stderr"},
};
#undef FIELD

static const GcimArgParser parser = {
    .program = "gcim-opt",
    .version = GCIM_VERSION,
    .overview = "run gcim and MLIR passes on a .mlir file",
    .usage = "gcim-opt [options] [--<pass>[=<options>]...] [input.mlir|-]",
    .details = "Passes run in command-line order; the input is stdin when omitted or '-'.",
    .options = optionTable,
    .optionCount = sizeof optionTable / sizeof optionTable[0],
    .positional = setInput,
    .unknownLong = addStep,
    .printMoreHelp = printPasses,
};

/* Parses argv; returns GCIM_ARG_CONTINUE to go on, or the exit status to return now. */
static int parseArguments(int argc, char **argv, Options *options) {
  options->steps = calloc((size_t)argc, sizeof *options->steps);
  if (!options->steps)
    return gcimArgError(parser.program, "out of memory");
  int code = gcimArgParse(&parser, argc, argv, options);
  if (code != GCIM_ARG_CONTINUE)
    return code;
  if (!options->inputPath)
    options->inputPath = "-";
  if (!options->outputPath)
    options->outputPath = "-";
  /* -o may be the input (it is read whole first: an edit in place); the report may not */
  if (gcimOutputIsInput(options->reportPath, options->inputPath) ||
      gcimOutputIsInput(options->reportPath, options->hwPath))
    return gcimArgUsageError(&parser, "--report '%s' is an input: it would be replaced",
                             options->reportPath);
  if (gcimOutputIsInput(options->reportPath, options->outputPath))
    return gcimArgUsageError(&parser, "-o and --report name the same file '%s'",
                             options->reportPath);
  return GCIM_ARG_CONTINUE;
}

/* The reason in MLIR's message: its first non-empty line, after any "...: error: " and
 * leading ": ". */
static const char *pipelineReason(GcimPrintedText *message) {
  char *reason = message->text + strspn(message->text, "\n");
  reason[strcspn(reason, "\n")] = '\0';
  char *error = strstr(reason, "error: ");
  if (error)
    reason = error + strlen("error: ");
  reason += strspn(reason, ": ");
  return reason[0] ? reason : "not a registered pass";
}

/* Reads the hardware description at `path` into *hw; says why not and returns false. */
static bool loadHardware(const char *path, GcimHardware *hw) {
  char *errMsg = NULL;
  if (gcimHardwareLoadJson(path, hw, &errMsg) == GCIM_OK)
    return true;
  gcimArgError(parser.program, "%s", errMsg ? errMsg : "out of memory");
  free(errMsg);
  return false;
}

/* Creates a gcim pass for `step` into *pass: a `hw=FILE` in its options is read here (passes
 * do no I/O) and replaces the pipeline's hardware for it; the other options go to the pass.
 * Returns GCIM_ARG_CONTINUE, or the exit status of the error it printed. */
static int createGcimPass(const PipelineStep *step, const Options *options, MlirPass *pass) {
  const char *text = step->optionText ? step->optionText : "";
  char rest[1024] = "", path[1024] = "";
  for (const char *cursor = text; *cursor;) {
    size_t length = strcspn(cursor, " ,");
    if (length == 3 && strncmp(cursor, "hw=", 3) == 0)
      return gcimArgUsageError(&parser, "option 'hw' of pass '%s' needs a file: hw=<file.json>",
                               step->gcimPass->argument);
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
    return GCIM_EXIT_INPUT_ERROR;
  char *errMsg = NULL;
  *pass = gcimPassCreate(step->gcimPass, path[0] ? &own : &options->hw, rest, &errMsg);
  int code = GCIM_ARG_CONTINUE;
  if (!pass->ptr)
    code = errMsg ? gcimArgUsageError(&parser, "%s", errMsg)
                  : gcimArgError(parser.program, "out of memory");
  free(errMsg);
  return code;
}

/* Adds the steps to `pm`. Returns GCIM_ARG_CONTINUE, or the exit status of the error it
 * printed: a usage error for an unknown pass or option. */
static int buildPipeline(MlirPassManager pm, const Options *options) {
  MlirOpPassManager top = mlirPassManagerGetAsOpPassManager(pm);
  for (size_t i = 0; i < options->stepCount; ++i) {
    const PipelineStep *step = &options->steps[i];
    if (step->gcimPass) {
      MlirPass pass;
      int code = createGcimPass(step, options, &pass);
      if (code != GCIM_ARG_CONTINUE)
        return code;
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
    GcimPrintedText message = {.length = 0}; /* MLIR's pipeline-parser message */
    if (mlirLogicalResultIsFailure(mlirOpPassManagerAddPipeline(
            top, mlirStringRefCreateFromCString(element), gcimPrintedTextAppend, &message)))
      return gcimArgUsageError(&parser, "bad pass or pass option '--%s': %s", step->name,
                               pipelineReason(&message));
  }
  return GCIM_ARG_CONTINUE;
}

/* Builds the pipeline once before reading the input, so that a bad pass or option is a
 * usage error found up front. */
static int checkPipeline(MlirContext ctx, const Options *options) {
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  int code = buildPipeline(pm, options);
  mlirPassManagerDestroy(pm);
  return code;
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
  /* + 1: MLIR's lexer finds the end of the text at a NUL after it; without one, a string
   * left open by a truncated file was read past the buffer */
  size_t padded = (wrap ? 10 : 0) + startLine + length + 2 + 1;
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
  buffer[used] = '\0';
  MlirOperation op = mlirOperationCreateParse(ctx, mlirStringRefCreate(buffer, used),
                                              mlirStringRefCreateFromCString(sourceName));
  free(buffer);
  return op;
}

static void writeToFile(MlirStringRef chunk, void *userData) {
  fwrite(chunk.data, 1, chunk.length, (FILE *)userData);
}

/* The cost report of `module` (--report as JSON, or as a page when the file ends in .html;
 * --report-table), with the pipeline's hardware, written whole or not at all. */
static bool writeReport(const Options *options, MlirOperation module) {
  char *errMsg = NULL;
  const char *path = options->reportPath;
  size_t length = path ? strlen(path) : 0;
  bool html = length > 5 && strcmp(path + length - 5, ".html") == 0;
  if (gcimReportWriteFiles(module, &options->hw, options->reportTable ? stderr : NULL,
                           html ? NULL : path, &errMsg) == GCIM_OK &&
      (!html || gcimReportWriteHtml(module, &options->hw, options->inputPath, options->reportPath,
                                    &errMsg) == GCIM_OK))
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
  if (gcimResourcesNoteMissing(text, length, NULL) > 0)
    fprintf(stderr,
            "%s: warning: constants were elided when this IR was printed "
            "(dense_resource<__elided__>): passes treat their values as unknown (print the "
            "stage with --print-constants)\n",
            sourceName);
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
  bool ok = buildPipeline(pm, options) == GCIM_ARG_CONTINUE &&
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
  if (early != GCIM_ARG_CONTINUE) {
    free(options.steps);
    return early;
  }
  int exitCode = GCIM_EXIT_INPUT_ERROR;
  MlirContext ctx = {NULL};
  GcimOutputFile *output = NULL;
  size_t length = 0;
  char *input = NULL, *readError = NULL;
  gcimHardwareInitDefault(&options.hw);
  if (options.hwPath && !loadHardware(options.hwPath, &options.hw))
    goto cleanup;
  ctx = gcimContextCreate();
  if (mlirContextIsNull(ctx))
    goto cleanup;
  if (options.printIrAfterAll)
    mlirContextEnableMultithreading(ctx, false); /* module-scope printing needs it */
  gcimDiagnosticPrinterAttach(ctx, stderr);
  int pipelineCode = checkPipeline(ctx, &options);
  if (pipelineCode != GCIM_ARG_CONTINUE) {
    exitCode = pipelineCode;
    goto cleanup;
  }
  if (gcimInputFileRead(options.inputPath, GCIM_INPUT_FILE_IR_LIMIT, &input, &length, &readError) !=
      GCIM_OK) {
    gcimArgError(parser.program, "%s", readError);
    free(readError);
    goto cleanup;
  }
  char *errMsg = NULL;
  if (gcimOutputFileCreate(options.outputPath, &output, &errMsg) != GCIM_OK) {
    gcimArgError(parser.program, "%s", errMsg);
    free(errMsg);
    goto cleanup;
  }
  if (!processInput(ctx, &options, input, length, gcimOutputFileGetStream(output)))
    goto cleanup;
  GcimOutputFile *committing = output;
  output = NULL;
  if (gcimOutputFileCommit(committing, &errMsg) != GCIM_OK) {
    gcimArgError(parser.program, "%s", errMsg);
    free(errMsg);
    goto cleanup;
  }
  exitCode = GCIM_EXIT_SUCCESS;
cleanup:
  gcimOutputFileDestroy(output);
  if (!mlirContextIsNull(ctx))
    mlirContextDestroy(ctx);
  free(input);
  free(options.steps);
  return exitCode;
}
