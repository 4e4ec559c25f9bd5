/* Options.c: gcim-compile's command line: its option table and the checks after parsing. */
#include "Options.h"

#include "gcim/Support/ArgParse.h"
#include "gcim/Support/HardwareJson.h"
#include "gcim/Support/OutputFile.h"
#include "gcim/Version.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The N of --max NAME=N: a whole number from 1 (checked here so that the message names
 * --max, not --input-shape). */
static bool isLength(const char *text) {
  const char *equals = strrchr(text, '=');
  if (!equals || equals == text || !equals[1] || strlen(equals + 1) > 18)
    return false;
  for (const char *c = equals + 1; *c; ++c)
    if (*c < '0' || *c > '9')
      return false;
  return strtoll(equals + 1, NULL, 10) >= 1;
}

/* --input-shape NAME=DIMS, or with `upperBound` --max NAME=N; a NAME given twice to the
 * same flag is refused (which one was meant?). */
static GcimStatus addShape(Options *options, const char *text, bool upperBound, char **errMsg) {
  const char *flag = upperBound ? "--max" : "--input-shape";
  if (upperBound && !isLength(text))
    return gcimFail(errMsg, GCIM_ERROR_INVALID,
                    "--max needs NAME=N with a length N of at least 1, not '%s'", text);
  GcimOnnxInputShape *shape = &options->inputShapes[options->inputShapeCount];
  GcimStatus status = gcimOnnxParseInputShape(text, shape, errMsg);
  if (status != GCIM_OK)
    return status;
  shape->upperBound = upperBound;
  /* The name ends at '=': copy it out so that it is NUL-terminated. */
  size_t length = (size_t)(strrchr(text, '=') - text);
  for (size_t i = 0; i < options->inputShapeCount; ++i) {
    const GcimOnnxInputShape *earlier = &options->inputShapes[i];
    if (earlier->upperBound == upperBound && strlen(earlier->name) == length &&
        strncmp(earlier->name, text, length) == 0)
      return gcimFail(errMsg, GCIM_ERROR_INVALID, "%s names '%.*s' twice: give it once", flag,
                      (int)length, text);
  }
  char *name = malloc(length + 1);
  if (!name)
    return GCIM_ERROR_MEMORY;
  memcpy(name, text, length);
  name[length] = '\0';
  shape->name = name;
  ++options->inputShapeCount;
  return GCIM_OK;
}

static GcimStatus addInputShape(void *target, const char *text, char **errMsg) {
  return addShape(target, text, false, errMsg);
}

static GcimStatus addMaxLength(void *target, const char *text, char **errMsg) {
  return addShape(target, text, true, errMsg);
}

/* Names the output folder already uses: the program PREFIX would replace the runtime
 * sources' folder or a file make reads (GNU make prefers GNUmakefile and makefile). */
static bool isFolderName(const char *prefix) {
  static const char *const taken[] = {"runtime", "Makefile", "makefile", "GNUmakefile"};
  for (size_t i = 0; i < sizeof taken / sizeof taken[0]; ++i)
    if (strcmp(prefix, taken[i]) == 0)
      return true;
  return false;
}

static GcimStatus setName(void *target, const char *value, char **errMsg) {
  bool identifier = !isdigit((unsigned char)value[0]) && strlen(value) <= 48;
  for (const char *c = value; identifier && *c; ++c)
    identifier = isalnum((unsigned char)*c) || *c == '_';
  if (!identifier)
    return gcimFail(errMsg, GCIM_ERROR_INVALID,
                    "--name needs a C identifier of at most 48 characters, not '%s'", value);
  if (isFolderName(value))
    return gcimFail(errMsg, GCIM_ERROR_INVALID,
                    "--name '%s' names a file or folder of the output already (the program "
                    "PREFIX would replace it): choose another",
                    value);
  ((Options *)target)->prefix = value;
  return GCIM_OK;
}

static GcimStatus setAttention(void *target, const char *value, char **errMsg) {
  if (gcimAttentionModeParse(value, &((Options *)target)->attention))
    return GCIM_OK;
  return gcimFail(errMsg, GCIM_ERROR_INVALID,
                  "--attention must be one of auto, analog, digital, not '%s'", value);
}

static GcimStatus setInput(void *target, const char *value, char **errMsg) {
  Options *options = target;
  if (!*value)
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "the input model's path is empty");
  if (options->inputPath)
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "more than one input model: '%s' and '%s'",
                    options->inputPath, value);
  options->inputPath = value;
  return GCIM_OK;
}

static const char *const emitStages[] = {"onnx", "gcim", "tiles", "runtime", "c", NULL};
const char *const gcimCompileScheduleObjectives[] = {"latency", "energy", "area", NULL};
const char *const gcimCompileWeightFormats[] = {"f32", "int8", "bf16", NULL};
const char *const gcimCompileGqaModes[] = {"replicate", "share", NULL};
const char *const gcimCompilePaddingMasks[] = {"auto", "unpadded", "exact", NULL};

const char *gcimCompilePaddingMode(const Options *options) {
  if (options->paddingMask == 0)
    return options->attention == GCIM_ATTENTION_ANALOG ? "unpadded" : "exact";
  return gcimCompilePaddingMasks[options->paddingMask];
}

#define FIELD(name) offsetof(Options, name)
static const GcimArgOption optionTable[] = {
    {.name = "-o",
     .kind = GCIM_ARG_STRING,
     .valueName = "<path>",
     .offset = FIELD(outputPath),
     .help = "the output folder (--emit=c), or the file of a text stage (default and '-': "
             "stdout); nothing is replaced unless every step succeeds"},
    {.name = "--emit",
     .kind = GCIM_ARG_CHOICE,
     .valueName = "<stage>",
     .offset = FIELD(emit),
     .choices = emitStages,
     .help = "stop after a stage and print it as text: onnx (the imported graph), gcim "
             "(attention fused, step function derived), tiles (attention mapped to sub-tiles, "
             "quantised, scheduled), runtime (the input of the C emitter: op groups fused into "
             "kernel ops, every result placed in its function's arena), c (the default: the C "
             "folder)"},
    {.name = "--attention",
     .kind = GCIM_ARG_CALL,
     .valueName = "auto|analog|digital",
     .handle = setAttention,
     .help = "auto (default): GainCellAttention runs on the simulated gain cells, softmax and "
             "hardsigmoid attention stay exact (one line on stderr says so); analog: every "
             "attention runs on the gain cells (a warning: accuracy changes unless the model "
             "was hardware-adapted); digital: every attention is computed exactly, "
             "GainCellAttention as its float function, and nothing is simulated"},
    {.name = "--padding-mask",
     .kind = GCIM_ARG_CHOICE,
     .valueName = "auto|unpadded|exact",
     .offset = FIELD(paddingMask),
     .choices = gcimCompilePaddingMasks,
     .help = "attention whose mask comes from a padding input (an attention_mask or "
             "key_padding_mask of shape (batch, keys)): unpadded fuses it assuming no padding "
             "(a warning names the input; the program checks every element at run time and "
             "refuses a padded sequence, exit 1), so it can run on the gain cells and a "
             "KV-cache export gets its step function; exact leaves it as the model's own "
             "ops, exact with padding; auto (default): unpadded under --attention=analog, "
             "exact otherwise"},
    {.name = "--gqa",
     .kind = GCIM_ARG_CHOICE,
     .valueName = "replicate|share",
     .offset = FIELD(gqa),
     .choices = gcimCompileGqaModes,
     .help = "grouped-query attention on the hardware (docs/HardwareModel.md section 7): "
             "replicate (default: each query head its own K/V arrays, heads in parallel) or "
             "share (one K/V array pair per K/V head, its query heads in turn: fewer sub-tiles "
             "and K/V writes, longer latency; the C emitter refuses it for a layer whose "
             "schedule spills, takes periphery turns or crosses a link)"},
    {.name = "--hw",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file.json>",
     .offset = FIELD(hwPath),
     .help = "the hardware description (default: the paper's)"},
    {.name = "--schedule",
     .kind = GCIM_ARG_CHOICE,
     .valueName = "latency|energy|area",
     .offset = FIELD(schedule),
     .choices = gcimCompileScheduleObjectives,
     .help = "what the schedule on the hardware's floorplan minimises per token (default: "
             "latency; the report lists the alternatives)"},
    {.name = "--schedule-weights",
     .kind = GCIM_ARG_STRING,
     .valueName = "latency=W,energy=W,area=W",
     .offset = FIELD(scheduleWeights),
     .help = "minimise a weighted sum instead of --schedule: each figure per token divided by "
             "the least among the schedules within the budget (absent keys weigh 0)"},
    {.name = "--max-latency-ns",
     .kind = GCIM_ARG_INT,
     .valueName = "<ns>",
     .offset = FIELD(maxLatencyNs),
     .min = 0,
     .max = 1000000000000000LL,
     .help = "budget: only schedules of at most this latency per token (default 0: none)"},
    {.name = "--max-energy-pj",
     .kind = GCIM_ARG_INT,
     .valueName = "<pJ>",
     .offset = FIELD(maxEnergyPJ),
     .min = 0,
     .max = 1000000000000000LL,
     .help = "budget: only schedules of at most this energy per token (default 0: none)"},
    {.name = "--input-shape",
     .kind = GCIM_ARG_CALL,
     .valueName = "NAME=DIMS",
     .handle = addInputShape,
     .help = "bind the dimensions of graph input NAME, as in input_ids=1x16 (repeat for several "
             "inputs); NAME may be a pattern with * and ?, as in 'past_*'"},
    {.name = "--max",
     .kind = GCIM_ARG_CALL,
     .valueName = "NAME=N",
     .handle = addMaxLength,
     .help = "bind only the dynamic dimensions of input NAME: a dynamic batch (axis 0) to 1, "
             "the others to the length N (the generated program runs any length up to it)"},
    {.name = "--name",
     .kind = GCIM_ARG_CALL,
     .valueName = "<prefix>",
     .handle = setName,
     .help = "C symbol and file prefix (default: from the model's file name)"},
    {.name = "--report",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file.json|file.html>",
     .offset = FIELD(reportPath),
     .help = "write the mapping and cost report (a .html file: the report as one page)"},
    {.name = "--embed-weights",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(embedWeights),
     .help = "weights as a C array in PREFIX.c, no PREFIX.weights"},
    {.name = "--emit-main",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(emitMain),
     .help = "also a command-line program PREFIX_main.c"},
    {.name = "-v",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(verbose),
     .help = "print the pipeline's progress and the report's table to stderr"},
    {.name = "-q",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(quiet),
     .help = "print no warnings or notes (errors are always printed)"},
    {.name = "--timing",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(timing),
     .help = "print the wall time of each stage to stderr"},
    {.name = "--print-constants",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(printConstants),
     .help = "print every constant and weight in text stages (by default those of more than 16 "
             "elements or 64 bytes are elided)"},
    {.name = "--mlir-print-debuginfo",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(printDebugInfo),
     .help = "print locations (ONNX node names) in text stages"},
    {.name = "--mlir-elide-elementsattrs-if-larger",
     .kind = GCIM_ARG_INT,
     .valueName = "<n>",
     .offset = FIELD(elideElementsAbove),
     .min = 0,
     .max = INT32_MAX,
     .help = "in text stages, elide constants of more than <n> elements"},
    {.name = "--weights",
     .kind = GCIM_ARG_CHOICE,
     .valueName = "f32|int8|bf16",
     .offset = FIELD(weights),
     .choices = gcimCompileWeightFormats,
     .help = "how the weights of products on constant weights are stored and read: f32 "
             "(default), int8 (one symmetric scale per output column, 1/4 of the bytes) or bf16 "
             "(rounded to nearest even, 1/2); quantized models keep their int8 codes in any case"},
    {.name = "--mlir-elide-resource-strings-if-larger",
     .kind = GCIM_ARG_INT,
     .valueName = "<bytes>",
     .offset = FIELD(elideResourcesAbove),
     .min = 0,
     .max = INT32_MAX,
     .help = "in text stages, elide weights of more than <bytes> bytes"},
    {.name = "--scalers",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file.json>",
     .offset = FIELD(scalersPath),
     .help = "the per-head scalers of a calibration cache (what a generated program's "
             "--calibrate writes) replace the gain-cell heads' scalers, layer by layer"},
};
#undef FIELD

static const GcimArgParser parser = {
    .program = "gcim-compile",
    .version = GCIM_VERSION,
    .overview = "compile an ONNX transformer to C for gain-cell hardware",
    .usage = "gcim-compile [options] model.onnx -o <dir>\n"
             "gcim-compile [options] tiles.mlir -o <dir>   (what --emit=tiles prints)\n"
             "gcim-compile --emit=<stage> [options] model.onnx [-o <file>|-]",
    .details = "Writes <dir>/PREFIX.h, PREFIX.c, PREFIX.weights, a Makefile and the runtime "
               "sources; `make -C <dir>` builds libPREFIX.a (and the program PREFIX with "
               "--emit-main). GainCellAttention runs on the simulated gain cells, other "
               "attention exactly (--attention=auto); see --attention for the other modes.",
    .options = optionTable,
    .optionCount = sizeof optionTable / sizeof optionTable[0],
    .positional = setInput,
};

/* The default prefix: the model's file name without folder and extension, made a C
 * identifier ("model" when that is not one or names a file of the folder). */
static void prefixFromPath(Options *options) {
  const char *base = strrchr(options->inputPath, '/');
  base = base ? base + 1 : options->inputPath;
  size_t n = 0;
  for (; base[n] && base[n] != '.' && n + 1 < sizeof options->defaultPrefix; ++n)
    options->defaultPrefix[n] = isalnum((unsigned char)base[n]) ? base[n] : '_';
  options->defaultPrefix[n] = '\0';
  if (n == 0 || isdigit((unsigned char)options->defaultPrefix[0]) ||
      isFolderName(options->defaultPrefix))
    snprintf(options->defaultPrefix, sizeof options->defaultPrefix, "model");
  options->prefix = options->defaultPrefix;
}

/* An output may not replace an input (`--emit=onnx -o model.onnx`, `--report model.onnx`)
 * nor another output. */
static int checkOutputs(const Options *options) {
  const char *inputs[] = {options->inputPath, options->hwPath, options->scalersPath};
  const char *outputs[] = {options->emit == EMIT_C ? NULL : options->outputPath,
                           options->reportPath};
  const char *outputFlags[] = {"-o", "--report"};
  for (int o = 0; o < 2; ++o)
    for (int i = 0; i < 3; ++i)
      if (gcimOutputIsInput(outputs[o], inputs[i]))
        return gcimArgUsageError(&parser,
                                 "%s '%s' is an input of this compilation: it would be "
                                 "replaced",
                                 outputFlags[o], outputs[o]);
  if (gcimOutputIsInput(outputs[0], outputs[1]))
    return gcimArgUsageError(&parser, "-o and --report name the same file '%s'", outputs[1]);
  return GCIM_ARG_CONTINUE;
}

/* Text stages elide large constants unless --print-constants; an explicit
 * --mlir-elide-... limit wins either way. */
enum { DEFAULT_ELIDE_ELEMENTS = 16, DEFAULT_ELIDE_BYTES = 64 };

int gcimCompileParseArguments(int argc, char **argv, Options *options) {
  options->emit = EMIT_C;
  options->attention = GCIM_ATTENTION_AUTO;
  options->elideResourcesAbove = -1;
  options->elideElementsAbove = -1;
  gcimHardwareInitDefault(&options->hw);
  options->inputShapes = calloc((size_t)argc, sizeof *options->inputShapes);
  if (!options->inputShapes)
    return gcimArgError(parser.program, "out of memory");
  int code = gcimArgParse(&parser, argc, argv, options);
  if (code != GCIM_ARG_CONTINUE)
    return code;
  if (!options->inputPath)
    return gcimArgUsageError(&parser, "no input model");
  if (!options->prefix)
    prefixFromPath(options);
  bool toStdout = !options->outputPath || strcmp(options->outputPath, "-") == 0;
  if (options->emit == EMIT_C && toStdout)
    return gcimArgUsageError(&parser, "C output needs a folder: -o <dir>");
  if (!options->outputPath)
    options->outputPath = "-";
  if (options->reportPath && options->emit <= EMIT_GCIM)
    return gcimArgUsageError(&parser,
                             "--report needs the mapping to tiles, which --emit=%s stops "
                             "before",
                             emitStages[options->emit]);
  code = checkOutputs(options);
  if (code != GCIM_ARG_CONTINUE)
    return code;
  if (!options->printConstants && options->elideElementsAbove < 0)
    options->elideElementsAbove = DEFAULT_ELIDE_ELEMENTS;
  if (!options->printConstants && options->elideResourcesAbove < 0)
    options->elideResourcesAbove = DEFAULT_ELIDE_BYTES;
  if (options->hwPath) {
    char *errMsg = NULL;
    if (gcimHardwareLoadJson(options->hwPath, &options->hw, &errMsg) != GCIM_OK) {
      gcimArgError(parser.program, "%s", errMsg ? errMsg : "out of memory");
      free(errMsg);
      return GCIM_EXIT_INPUT_ERROR;
    }
  }
  /* Before any work: never write into a folder of the user's (`-o .`). */
  char *errMsg = NULL;
  if (options->emit == EMIT_C && gcimOutputFolderCheck(options->outputPath, &errMsg) != GCIM_OK) {
    gcimArgError(parser.program, "%s", errMsg ? errMsg : "out of memory");
    free(errMsg);
    return GCIM_EXIT_INPUT_ERROR;
  }
  return GCIM_ARG_CONTINUE;
}

void gcimCompileFreeOptions(Options *options) {
  for (size_t i = 0; i < options->inputShapeCount; ++i)
    free((char *)options->inputShapes[i].name);
  free(options->inputShapes);
}
