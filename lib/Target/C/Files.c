/* Files.c: writes the output folder: PREFIX.h, PREFIX.c, PREFIX.weights, Makefile and the
 * runtime sources, each through a temporary file renamed into place only when every file
 * has been written. */
#define _POSIX_C_SOURCE 200809L
#include "Emitter.h"
#include "RuntimeBundle.h"

#include "gcim/Runtime/Weights.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/OutputFile.h"
#include "gcim/Version.h"

#include "mlir-c/BuiltinAttributes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const char gcimStepTemplate[];

enum { MAX_OUTPUT_FILES = 256, WEIGHTS_BUFFER_BYTES = 1 << 20 };

typedef struct OutputSet {
  GcimOutputFile *files[MAX_OUTPUT_FILES];
  size_t count;
  const char *dir;
  MlirLocation loc; /* of the module: errors are diagnostics there */
} OutputSet;

/* mkdir -p of the folder holding `path`. */
static bool makeParents(const char *path) {
  char buffer[4096];
  snprintf(buffer, sizeof buffer, "%s", path);
  for (char *slash = strchr(buffer + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    if (mkdir(buffer, 0777) != 0 && errno != EEXIST)
      return false;
    *slash = '/';
  }
  return true;
}

/* Removes `dir` and the folders the runtime bundle's paths made inside it, deepest first
 * (their files were already removed with their temporary names; rmdir leaves any folder
 * that is not empty). */
static void removeTree(const char *dir) {
  char path[4096];
  for (unsigned long i = 0; i < gcimRuntimeBundleCount; ++i) {
    snprintf(path, sizeof path, "%s/%s", dir, gcimRuntimeBundle[i].path);
    for (char *slash = strrchr(path, '/'); slash && slash > path + strlen(dir);
         slash = strrchr(path, '/')) {
      *slash = '\0';
      rmdir(path);
    }
  }
  rmdir(dir);
}

static FILE *openOutput(OutputSet *set, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", set->dir, name);
  char *errMsg = NULL;
  GcimOutputFile *file = NULL;
  if (set->count == MAX_OUTPUT_FILES || !makeParents(path) ||
      gcimOutputFileCreate(path, &file, &errMsg) != GCIM_OK) {
    gcimEmitError(set->loc, "cannot write the output: %s",
                  errMsg ? errMsg : "cannot create a file in the output folder");
    free(errMsg);
    return NULL;
  }
  set->files[set->count++] = file;
  return gcimOutputFileGetStream(file);
}

static bool commitAll(OutputSet *set, bool ok) {
  for (size_t i = 0; i < set->count; ++i) {
    char *errMsg = NULL;
    if (!ok) {
      gcimOutputFileDestroy(set->files[i]);
    } else if (gcimOutputFileCommit(set->files[i], &errMsg) != GCIM_OK) {
      gcimEmitError(set->loc, "cannot write the output: %s", errMsg ? errMsg : "write error");
      free(errMsg);
      ok = false;
    }
  }
  set->count = 0;
  return ok;
}

static void writeEmbeddedWeights(EmitState *state, FILE *out) {
  fputs("/* The weights, embedded (--embed-weights); the union aligns them. */\n"
        "static const union {\n  unsigned char bytes[WEIGHTS_BYTES + 1];\n  double align;\n"
        "} embedded_weights = {{\n",
        out);
  for (uint64_t i = 0; i < state->weightBytes; ++i)
    fprintf(out, "%u,%s", state->weights[i], i % 20 == 19 ? "\n" : "");
  fputs("0}};\n\n", out);
}

static void writeCreate(EmitState *state, FILE *out) {
  const char *p = state->options->prefix;
  fprintf(out,
          "const GcimHardware *%s_hardware(void) { return &compiled_hw; }\n\n"
          "%s_state *%s_create(const char *weights_path, const GcimHardware *hw,\n"
          "    char *error, size_t error_size) {\n"
          "  char reason[256];\n"
          "  if (!hw)\n    hw = &compiled_hw;\n"
          "  else if (!gcimHardwareCheckRuntime(&compiled_hw, hw, SUB_TILES, reason, "
          "sizeof reason)) {\n"
          "    report(error, error_size, reason);\n    return NULL;\n  }\n"
          "  %s_state *s = calloc(1, sizeof *s);\n"
          "  if (!s) {\n    report(error, error_size, \"out of memory\");\n    return NULL;\n  }\n",
          p, p, p, p);
  fputs("  s->hw = *hw;\n"
        "  s->arena = alignedAlloc(ARENA_BYTES, &s->arena_block);\n"
        "  s->scratch = malloc(SCRATCH_FLOATS * sizeof(float) + sizeof(float));\n"
        "  s->cache = calloc(CACHE_FLOATS + 1, sizeof(float));\n"
        "  if (!s->arena || !s->scratch || !s->cache)\n"
        "    return destroyWith(s, error, error_size, \"out of memory\");\n"
        "  if (gcimThreadPoolCreate(0, NULL, &s->pool) != 0)\n"
        "    return destroyWith(s, error, error_size, \"cannot start the worker threads\");\n",
        out);
  if (state->options->embedWeights)
    fputs("  (void)weights_path;\n  s->weights = embedded_weights.bytes;\n", out);
  else /* mapped read-only where the system can, else read (gcim/Runtime/Weights.h) */
    fputs("  if (gcimWeightsMap(weights_path, WEIGHTS_BYTES, WEIGHTS_CHECKSUM, &s->weights_file,\n"
          "                     s->error, sizeof s->error) != 0)\n"
          "    return destroyWith(s, error, error_size, s->error);\n"
          "  s->weights = s->weights_file.data;\n",
          out);
  gcimCEmitCreateHeads(state, out);
  fputs("  return s;\n}\n\n", out);
}

/* PREFIX_run (function 0) or PREFIX_step (function 1) and its _io variant. */
static void writeFunction(EmitState *state, size_t index, FILE *out) {
  const char *p = state->options->prefix, *name = index ? "step" : "run";
  const EmittedFunction *fn = &state->functions[index];
  fprintf(out, "int %s_%s(%s_state *s", p, name, p);
  gcimCEmitParameters(fn, out);
  fputs(") {\n  unsigned char *const arena = s->arena;\n"
        "  const unsigned char *const w = s->weights;\n  (void)arena;\n  (void)w;\n",
        out);
  for (size_t i = 0; i < fn->inputCount; ++i) /* only its shape is used (Shape, Size) */
    if (!fn->inputs[i].declared)
      fprintf(out, "  (void)%s;\n", fn->inputs[i].name);
  gcimCEmitPaddingChecks(state, fn, out);
  if (index && gcimCEmitStepCapacity(state) >= 0)
    fprintf(out,
            "  if (s->step >= STEP_CAPACITY) {\n"
            "    snprintf(s->error, sizeof s->error, \"the context is full: the model takes "
            "%%d positions (%s); call %s_reset\", STEP_CAPACITY);\n    return -1;\n  }\n",
            state->stepLimit > 0 ? "its position table"
            : state->cacheCount  ? "the exact attention's K/V cache, as many as the compiled "
                                   "sequence"
                                 : "the compiled sequence, whose attention mask shows no window "
                                   "past it",
            p);
  gcimCopyStream(fn->body, out);
  fprintf(out, "%s  return 0;\n}\n\n", index ? "  ++s->step;\n" : "");
  fprintf(out,
          "int %s_%s_io(%s_state *s, const void *const *inputs, void *const *outputs) "
          "{\n  (void)inputs;\n  (void)outputs;\n  return %s_%s(s",
          p, name, p, p, name);
  for (size_t i = 0; i < fn->inputCount; ++i)
    fprintf(out, ", (const %s *)inputs[%zu]", gcimCEmitElemCType(fn->inputs[i].elem), i);
  for (size_t i = 0; i < fn->outputCount; ++i)
    fprintf(out, ", (%s *)outputs[%zu]", gcimCEmitElemCType(fn->outputs[i].elem), i);
  fputs(");\n}\n\n", out);
}

static void writeSource(EmitState *state, FILE *out) {
  const char *p = state->options->prefix;
  fprintf(out,
          "/* %s.c: generated by gcim-compile %s from %s; do not edit. */\n"
          "#include \"%s.h\"\n\n#include \"gcim/Runtime/Kernels.h\"\n"
          "#include \"gcim/Runtime/Chip.h\"\n#include \"gcim/Runtime/SimCalibration.h\"\n"
          "#include \"gcim/Runtime/SimExact.h\"\n"
          "#include \"gcim/Runtime/SimHeads.h\"\n"
          "#include \"gcim/Runtime/Threads.h\"\n"
          "#include \"gcim/Runtime/Weights.h\"\n\n#include <math.h>\n#include <stdio.h>\n"
          "#include <stdlib.h>\n#include <string.h>\n\n",
          p, GCIM_VERSION, state->options->sourceName, p);
  fprintf(out,
          "#define ARENA_BYTES %lluu\n#define WEIGHTS_BYTES %lluu\n"
          "#define WEIGHTS_CHECKSUM 0x%016llxull\n#define SIM_HEADS %lld\n"
          "#define SCRATCH_FLOATS %lld\n#define CACHE_FLOATS %lld\n#define SUB_TILES %lld\n"
          "/* The heads' worker pool; none while tracing (the trace then has one order). */\n"
          "#define HEAD_POOL (s->tracing ? NULL : s->pool)\n"
          "#define STEP_CAPACITY %lld /* tokens after a reset; -1: no limit */\n\n",
          (unsigned long long)state->arenaMax, (unsigned long long)state->weightBytes,
          (unsigned long long)state->weightsChecksum, (long long)state->simHeads,
          (long long)state->attentionScratch, (long long)state->cacheFloats,
          (long long)gcimCEmitProgramSubTiles(state), (long long)gcimCEmitStepCapacity(state));
  gcimCopyStream(state->decls, out);
  fputc('\n', out);
  gcimCEmitIoTables(state, out);
  if (state->options->embedWeights)
    writeEmbeddedWeights(state, out);
  fprintf(out,
          "struct %s_state {\n  unsigned char *arena_block;\n  unsigned char *arena;\n"
          "%s  const unsigned char *weights;\n"
          "  float *scratch;\n  float *cache; /* K/V of exact attention in PREFIX_step */\n"
          "  int64_t step;  /* tokens decoded since the last reset */\n"
          "  GcimHardware hw; /* what the simulated heads and exact functions use */\n"
          "  GcimSimHead *heads[SIM_HEADS > 0 ? SIM_HEADS : 1];\n"
          "  GcimChip *chips[SIM_HEADS > 0 ? SIM_HEADS : 1];  /* each head's simulator */\n"
          "  GcimChip *traces[SIM_HEADS > 0 ? SIM_HEADS : 1]; /* over them, when tracing */\n"
          "  int tracing;\n"
          "  GcimSimCompare *layer_error; /* PREFIX_set_layer_error; NULL: off */\n"
          "  GcimThreadPool *pool; /* the threads of the kernels and heads */\n"
          "  char error[256];\n};\n\n",
          p, state->options->embedWeights ? "" : "  GcimWeightsMapping weights_file;\n");
  fprintf(out,
          "static void report(char *error, size_t size, const char *message) {\n"
          "  if (error && size)\n    snprintf(error, size, \"%%s\", message);\n}\n\n"
          "/* A block of `bytes` bytes aligned to 64; *block is what to free. */\n"
          "static void *alignedAlloc(size_t bytes, unsigned char **block) {\n"
          "  *block = malloc(bytes + 64);\n  if (!*block)\n    return NULL;\n"
          "  return *block + (64 - (uintptr_t)*block %% 64) %% 64;\n}\n\n"
          "static %s_state *destroyWith(%s_state *s, char *error, size_t error_size,\n"
          "                             const char *message) {\n"
          "  report(error, error_size, message);\n  %s_destroy(s);\n  return NULL;\n}\n\n",
          p, p, p);
  if (state->usesFail)
    fprintf(out,
            "static int fail(%s_state *s, const char *message) {\n"
            "  report(s->error, sizeof s->error, message);\n  return -1;\n}\n\n",
            p);
  gcimCEmitHardwareInitializer(state, out);
  gcimCEmitHeadLayers(state, out);
  gcimCEmitHeadFunctions(state, out);
  writeCreate(state, out);
  for (size_t i = 0; i < state->functionCount; ++i)
    writeFunction(state, i, out);
  if (state->functionCount > 1) {
    gcimCEmitSequenceAxes(state, out);
    gcimCEmitTemplate(state, gcimStepTemplate, out);
  }
  fprintf(out,
          "int %s_set_threads(%s_state *s, int threads) {\n"
          "  GcimThreadPool *pool = NULL;\n"
          "  if (gcimThreadPoolCreate(threads, NULL, &pool) != 0) {\n"
          "    report(s->error, sizeof s->error, \"cannot start the worker threads\");\n"
          "    return -1;\n  }\n"
          "  gcimThreadPoolDestroy(s->pool);\n  s->pool = pool;\n  return 0;\n}\n\n",
          p, p);
  fprintf(out,
          "const char *%s_error(const %s_state *s) { return s->error; }\n\n"
          "void %s_get_stats(const %s_state *s, GcimSimSummary *stats) {\n"
          "  gcimSimSummarize(&s->hw, s->heads, head_layer, SIM_HEADS, stats);\n"
          "  gcimTileScheduleSummarize(&s->hw, s->heads, head_layer, SIM_HEADS, head_schedule,\n"
          "                            sizeof head_schedule / sizeof head_schedule[0], stats);\n"
          "}\n\n"
          "void %s_destroy(%s_state *s) {\n  if (!s)\n    return;\n"
          "  destroyHeads(s);\n  gcimSimCompareDestroy(s->layer_error);\n  "
          "gcimThreadPoolDestroy(s->pool);\n  free(s->arena_block);\n%s  "
          "free(s->scratch);\n"
          "  free(s->cache);\n"
          "  free(s);\n}\n",
          p, p, p, p, p, p,
          state->options->embedWeights ? "" : "  gcimWeightsUnmap(&s->weights_file);\n");
}

static void writeMakefile(EmitState *state, FILE *out) {
  const char *p = state->options->prefix;
  fprintf(out,
          "# Makefile for %s, generated by gcim-compile %s: needs only a C compiler and "
          "make.\n# `make` builds lib%s.a%s%s.\n\nCC ?= cc\nCFLAGS ?= -O2\nAR ?= ar\n"
          "# The runtime's worker threads are POSIX threads (without them: LDLIBS=-lm).\n"
          "LDLIBS ?= -lpthread -lm\n"
          "ALL_CFLAGS = -std=c99 $(CFLAGS) -Iruntime/include -Iruntime/src\n"
          "RUNTIME_OBJECTS = $(patsubst %%.c,%%.o,$(wildcard runtime/src/*.c))\n"
          "RUNTIME_PIC_OBJECTS = $(RUNTIME_OBJECTS:.o=.pic.o)\n"
          "MAIN_OBJECTS = $(patsubst %%.c,%%.o,$(wildcard runtime/main/*.c))\n\n",
          p, GCIM_VERSION, p, state->options->emitMain ? " and the program " : "",
          state->options->emitMain ? p : "");
  if (state->options->emitMain)
    fprintf(out,
            "all: lib%s.a %s\n\n%s: %s_main.o $(MAIN_OBJECTS) lib%s.a\n"
            "\t$(CC) $(LDFLAGS) -o $@ %s_main.o $(MAIN_OBJECTS) lib%s.a $(LDLIBS)\n\n",
            p, p, p, p, p, p, p);
  else
    fprintf(out, "all: lib%s.a\n\n", p);
  fprintf(out,
          "lib%s.a: %s.o $(RUNTIME_OBJECTS)\n\t$(AR) rcs $@ %s.o $(RUNTIME_OBJECTS)\n\n"
          "%%.o: %%.c\n\t$(CC) $(ALL_CFLAGS) -c $< -o $@\n\n",
          p, p, p);
  /* Not part of `all`: built on request (Python's gcim.load), from objects of its own. */
  fprintf(out,
          "# `make lib%s.so`: the model as a shared library (position-independent objects\n"
          "# of their own), as Python's gcim.load uses it.\n"
          "lib%s.so: %s.pic.o $(RUNTIME_PIC_OBJECTS)\n"
          "\t$(CC) -shared $(LDFLAGS) -o $@ %s.pic.o $(RUNTIME_PIC_OBJECTS) $(LDLIBS)\n\n"
          "%%.pic.o: %%.c\n\t$(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@\n\n",
          p, p, p, p);
  fprintf(out,
          "clean:\n\trm -f *.o runtime/src/*.o runtime/main/*.o lib%s.a lib%s.so%s%s\n\n"
          ".PHONY: all clean\n",
          p, p, state->options->emitMain ? " " : "", state->options->emitMain ? p : "");
}

/* The real header, over the placeholder gcimCEmitOpenWeights wrote. */
static bool finishWeights(EmitState *state) {
  unsigned char header[GCIM_WEIGHTS_HEADER_BYTES];
  gcimWeightsFormatHeader(header, state->weightBytes, state->weightsChecksum);
  return fseek(state->weightsStream, 0, SEEK_SET) == 0 &&
         fwrite(header, 1, sizeof header, state->weightsStream) == sizeof header;
}

bool gcimCEmitOpenWeights(EmitState *state) {
  const char *dir = state->options->outputDir;
  if (mkdir(dir, 0777) == 0) {
    state->madeOutputDir = true;
  } else if (errno != EEXIST) {
    gcimEmitError(state->moduleLoc, "cannot create '%s': %s", dir, strerror(errno));
    return false;
  }
  if (state->options->embedWeights)
    return true;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.weights", dir, state->options->prefix);
  char *errMsg = NULL;
  if (gcimOutputFileCreate(path, &state->weightsFile, &errMsg) != GCIM_OK) {
    gcimEmitError(state->moduleLoc, "cannot write the weights: %s",
                  errMsg ? errMsg : "out of memory");
    free(errMsg);
    return false;
  }
  static const unsigned char placeholder[GCIM_WEIGHTS_HEADER_BYTES] = {0};
  state->weightsStream = gcimOutputFileGetStream(state->weightsFile);
  /* Whole megabytes per write: fewer system calls, and the file cache's pages filled whole
   * (glibc ignores the size unless given the buffer; it lives until the file is closed) */
  state->weightsBuffer = malloc(WEIGHTS_BUFFER_BYTES);
  if (state->weightsBuffer)
    setvbuf(state->weightsStream, state->weightsBuffer, _IOFBF, WEIGHTS_BUFFER_BYTES);
  return fwrite(placeholder, 1, sizeof placeholder, state->weightsStream) == sizeof placeholder;
}

bool gcimCEmitWriteOutputs(EmitState *state, bool ok) {
  OutputSet set = {.dir = state->options->outputDir, .loc = state->moduleLoc};
  const char *p = state->options->prefix;
  char name[512];
  FILE *out;
  state->weightsChecksum = gcimWeightsHasherFinish(&state->weightsHasher);
  if (state->weightsFile) {
    set.files[set.count++] = state->weightsFile;
    state->weightsFile = NULL;
    ok = ok && finishWeights(state);
  }
  snprintf(name, sizeof name, "%s.h", p);
  if (ok && (ok = (out = openOutput(&set, name)) != NULL))
    gcimCEmitHeader(state, out);
  snprintf(name, sizeof name, "%s.c", p);
  if (ok && (ok = (out = openOutput(&set, name)) != NULL))
    writeSource(state, out);
  if (ok && (ok = (out = openOutput(&set, "Makefile")) != NULL))
    writeMakefile(state, out);
  snprintf(name, sizeof name, "%s_main.c", p);
  if (ok && state->options->emitMain && (ok = (out = openOutput(&set, name)) != NULL))
    gcimCEmitGeneratedMain(state, out);
  for (unsigned long i = 0; ok && i < gcimRuntimeBundleCount; ++i) {
    const GcimBundledFile *file = &gcimRuntimeBundle[i];
    if (!state->options->emitMain && strncmp(file->path, "runtime/main/", 13) == 0)
      continue;
    ok = (out = openOutput(&set, file->path)) != NULL &&
         fwrite(file->data, 1, file->size, out) == file->size;
  }
  ok = commitAll(&set, ok);
  if (!ok && state->madeOutputDir)
    removeTree(set.dir); /* only what this run made: the folder did not exist before */
  return ok;
}
