/* Options.c: gcim-compile's command line: flags, their help and their checks. */
#include "Options.h"

#include "gcim/Support/HardwareJson.h"
#include "gcim/Version.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void printHelp(void) {
  printf("OVERVIEW: gcim-compile: compile an ONNX transformer to C for gain-cell hardware\n\n"
         "USAGE: gcim-compile [options] model.onnx -o <dir>\n\n"
         "Writes <dir>/PREFIX.h, PREFIX.c, PREFIX.weights, a Makefile and the runtime\n"
         "sources; `make -C <dir>` builds libPREFIX.a (and the program PREFIX with\n"
         "--emit-main). GainCellAttention runs on the simulated gain cells, other attention\n"
         "exactly (--attention=auto); see --attention for the other modes.\n\n"
         "OPTIONS:\n"
         "  -o <path>                 the output folder (--emit=c), or the file for an IR\n"
         "                            stage (default: stdout); nothing is replaced unless\n"
         "                            every step succeeds\n"
         "  --emit=<stage>            stop after a stage and print it: onnx (the imported\n"
         "                            graph), gcim (attention fused, step function derived),\n"
         "                            tiles (attention mapped to sub-tiles, quantised,\n"
         "                            scheduled), runtime (the input of the C emitter: op\n"
         "                            groups fused into kernel ops, every result placed in\n"
         "                            its function's arena), c (the default: the C folder)\n"
         "  --attention=auto|analog|digital\n"
         "                            auto (default): GainCellAttention runs on the\n"
         "                            simulated gain cells, softmax and hardsigmoid attention\n"
         "                            stay exact (one line on stderr says so); analog: every\n"
         "                            attention runs on the gain cells (a warning: accuracy\n"
         "                            changes unless the model was hardware-adapted); digital:\n"
         "                            every attention is computed exactly, GainCellAttention\n"
         "                            as its float function, and nothing is simulated\n"
         "  --hw <file.json>          the hardware description (default: the paper's)\n"
         "  --schedule=latency|energy|area\n"
         "                            what the schedule on the hardware's floorplan minimises\n"
         "                            per token (default: latency; the report lists the\n"
         "                            alternatives)\n"
         "  --input-shape NAME=DIMS   bind the dimensions of graph input NAME, as in\n"
         "                            input_ids=1x16 (repeat for several inputs)\n"
         "  --name <prefix>           C symbol and file prefix (default: from the model's\n"
         "                            file name)\n"
         "  --report <file.json>      write the mapping and cost report\n"
         "  --embed-weights           weights as a C array in PREFIX.c, no PREFIX.weights\n"
         "  --emit-main               also a command-line program PREFIX_main.c\n"
         "  -v                        print the pipeline's progress and the report's table\n"
         "                            to stderr\n"
         "  -q                        print no warnings (errors are always printed)\n"
         "  --timing                  print the wall time of each stage to stderr\n"
         "  --mlir-print-debuginfo    print locations (ONNX node names) in IR stages\n"
         "  --mlir-elide-elementsattrs-if-larger=<n>\n"
         "                            print constants of more than <n> elements as an elided\n"
         "                            placeholder in printed IR\n"
         "  --mlir-elide-resource-strings-if-larger=<bytes>\n"
         "                            leave weights larger than <bytes> out of printed IR\n"
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

static bool isIdentifier(const char *text) {
  if (!text[0] || isdigit((unsigned char)text[0]) || strlen(text) > 48)
    return false;
  for (const char *c = text; *c; ++c)
    if (!isalnum((unsigned char)*c) && *c != '_')
      return false;
  return true;
}

/* The default prefix: the model's file name without folder and extension, made a C
 * identifier. */
static void prefixFromPath(Options *options) {
  const char *base = strrchr(options->inputPath, '/');
  base = base ? base + 1 : options->inputPath;
  size_t n = 0;
  for (; base[n] && base[n] != '.' && n + 1 < sizeof options->defaultPrefix; ++n)
    options->defaultPrefix[n] = isalnum((unsigned char)base[n]) ? base[n] : '_';
  options->defaultPrefix[n] = '\0';
  if (n == 0 || isdigit((unsigned char)options->defaultPrefix[0]))
    snprintf(options->defaultPrefix, sizeof options->defaultPrefix, "model");
  options->prefix = options->defaultPrefix;
}

static int parseEmit(Options *options, const char *stage) {
  static const char *const names[] = {"onnx", "gcim", "tiles", "runtime", "c"};
  for (int i = 0; i < 5; ++i)
    if (strcmp(stage, names[i]) == 0) {
      options->emit = (EmitStage)i;
      return -1;
    }
  return usageError("unknown --emit stage (onnx, gcim, tiles, runtime or c):", stage);
}

/* Options that take a value as `--flag value` or `--flag=value`: returns the value and
 * advances *i, or NULL when `arg` is not `flag`. */
static const char *valueOf(int argc, char **argv, int *i, const char *flag) {
  size_t length = strlen(flag);
  if (strncmp(argv[*i], flag, length) != 0)
    return NULL;
  if (argv[*i][length] == '=')
    return argv[*i] + length + 1;
  if (argv[*i][length] != '\0')
    return NULL;
  if (*i + 1 == argc)
    return "";
  return argv[++*i];
}

static int parseOne(int argc, char **argv, int *i, Options *options) {
  const char *arg = argv[*i], *value;
  if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
    printHelp();
    return EXIT_SUCCESS;
  }
  if (strcmp(arg, "--version") == 0) {
    printf("gcim-compile %s\n", GCIM_VERSION);
    return EXIT_SUCCESS;
  }
  if (strcmp(arg, "-o") == 0) {
    if (++*i == argc)
      return usageError("option -o needs a path", NULL);
    options->outputPath = argv[*i];
  } else if (strncmp(arg, "--emit=", 7) == 0) {
    return parseEmit(options, arg + 7);
  } else if ((value = valueOf(argc, argv, i, "--attention"))) {
    if (!gcimAttentionModeParse(value, &options->attention))
      return usageError("--attention must be auto, analog or digital, not", value);
  } else if ((value = valueOf(argc, argv, i, "--hw"))) {
    options->hwPath = value;
  } else if ((value = valueOf(argc, argv, i, "--schedule"))) {
    if (strcmp(value, "latency") != 0 && strcmp(value, "energy") != 0 && strcmp(value, "area") != 0)
      return usageError("--schedule must be latency, energy or area, not", value);
    options->schedule = value;
  } else if ((value = valueOf(argc, argv, i, "--input-shape"))) {
    return addInputShape(options, value);
  } else if ((value = valueOf(argc, argv, i, "--name"))) {
    if (!isIdentifier(value))
      return usageError("--name needs a C identifier of at most 48 characters, not", value);
    options->prefix = value;
  } else if ((value = valueOf(argc, argv, i, "--report"))) {
    options->reportPath = value;
  } else if (strcmp(arg, "--embed-weights") == 0) {
    options->embedWeights = true;
  } else if (strcmp(arg, "--emit-main") == 0) {
    options->emitMain = true;
  } else if (strcmp(arg, "-v") == 0) {
    options->verbose = true;
  } else if (strcmp(arg, "-q") == 0) {
    options->quiet = true;
  } else if (strcmp(arg, "--timing") == 0) {
    options->timing = true;
  } else if (strcmp(arg, "--mlir-print-debuginfo") == 0) {
    options->printDebugInfo = true;
  } else if (strncmp(arg, "--mlir-elide-elementsattrs-if-larger=", 37) == 0) {
    char *end;
    options->elideElementsAbove = strtoll(arg + 37, &end, 10);
    if (end == arg + 37 || *end || options->elideElementsAbove < 0)
      return usageError("bad element count in", arg);
  } else if (strncmp(arg, "--mlir-elide-resource-strings-if-larger=", 40) == 0) {
    char *end;
    options->elideResourcesAbove = strtoll(arg + 40, &end, 10);
    if (end == arg + 40 || *end || options->elideResourcesAbove < 0)
      return usageError("bad byte count in", arg);
  } else if (arg[0] == '-' && arg[1]) {
    return usageError("unknown option", arg);
  } else if (options->inputPath) {
    return usageError("more than one input file:", arg);
  } else {
    options->inputPath = arg;
  }
  return -1;
}

int gcimCompileParseArguments(int argc, char **argv, Options *options) {
  options->emit = EMIT_C;
  options->attention = GCIM_ATTENTION_AUTO;
  options->schedule = "latency";
  options->elideResourcesAbove = -1;
  options->elideElementsAbove = -1;
  gcimHardwareInitDefault(&options->hw);
  options->inputShapes = calloc((size_t)argc, sizeof *options->inputShapes);
  if (!options->inputShapes)
    return EXIT_FAILURE;
  for (int i = 1; i < argc; ++i) {
    int code = parseOne(argc, argv, &i, options);
    if (code >= 0)
      return code;
  }
  if (!options->inputPath)
    return usageError("no input model", NULL);
  if (!options->prefix)
    prefixFromPath(options);
  if (options->emit == EMIT_C && !options->outputPath)
    return usageError("C output needs a folder: -o <dir>", NULL);
  if (!options->outputPath)
    options->outputPath = "-";
  if (options->hwPath) {
    char *errMsg = NULL;
    if (gcimHardwareLoadJson(options->hwPath, &options->hw, &errMsg) != GCIM_OK) {
      fprintf(stderr, "gcim-compile: error: %s\n", errMsg ? errMsg : "out of memory");
      free(errMsg);
      return EXIT_FAILURE;
    }
  }
  return -1;
}

void gcimCompileFreeOptions(Options *options) {
  for (size_t i = 0; i < options->inputShapeCount; ++i)
    free((char *)options->inputShapes[i].name);
  free(options->inputShapes);
}
