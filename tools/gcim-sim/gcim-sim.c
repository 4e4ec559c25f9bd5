/* gcim-sim: runs the gain-cell attention simulator on .npy tensors (docs/Simulator.md). */
#include "gcim/Runtime/Chip.h"
#include "gcim/Runtime/Hardware.h"
#include "gcim/Runtime/Sim.h"
#include "gcim/Runtime/SimHeads.h"
#include "gcim/Support/HardwareJson.h"
#include "gcim/Support/Npy.h"
#include "gcim/Support/OutputFile.h"
#include "gcim/Version.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_USAGE = 2 };

typedef struct Options {
  const char *command;
  const char *q, *k, *v, *scales, *hw, *output, *stats, *trace;
  const char *model, *levels;
  const char *window, *decay, *seed, *readNoise, *writeNoise, *retention;
  int bf16Decay;
} Options;

static void printHelp(void) {
  printf("OVERVIEW: gcim-sim: the gain-cell attention simulator on .npy tensors\n\n"
         "USAGE: gcim-sim attention --q Q.npy --k K.npy --v V.npy -o Y.npy [options]\n"
         "       gcim-sim hardware [-o HW.json] [options]\n\n"
         "COMMANDS:\n"
         "  attention   run every head of Q, K, V (float32 or float64, shape (B, H, T, D):\n"
         "              the projections before the per-head scalers, tokens in order; token t\n"
         "              attends to tokens t-window+1 .. t) and write Y, float32 (B, H, T, D),\n"
         "              the attention output after the output affine\n"
         "  hardware    write the hardware description (defaults, --hw and the options below\n"
         "              applied) as JSON, a template for --hw\n\n"
         "OPTIONS:\n"
         "  --q, --k, --v <file>       the query, key and value projections (.npy)\n"
         "  --scales <file>            per-head scalers, float32 (H, 8): a_q b_q a_k b_k a_v\n"
         "                             b_v a_o b_o (default: a = 1, b_q = 0, b_k = b_v = 0.45,\n"
         "                             b_o = 0)\n"
         "  --hw <file>                hardware description JSON (default: the paper's)\n"
         "  --model nonlinear|linear   gain-cell model (default: nonlinear)\n"
         "  --window <N>               sliding window in tokens (default: 1024)\n"
         "  --decay <L>                leakage rate lambda per token; 0 turns decay off\n"
         "                             (default: 1.6e-4)\n"
         "  --levels <Q,KV,OUT>        quantiser levels of query, K/V and output\n"
         "                             (default: 16,8,32)\n"
         "  --bf16-decay               round the QK-path decay powers to bfloat16\n"
         "  --seed <N>                 seed of the non-idealities (default: 0)\n"
         "  --read-noise-snr <DB>      additive read noise at this SNR in dB (default: off)\n"
         "  --write-noise <V>          std of stored voltages in volts (default: off)\n"
         "  --retention-spread <R>     relative std of the retention time per cell (default:\n"
         "                             off)\n"
         "  -o <file>                  output file ('-' = stdout); replaced only on success\n"
         "  --stats <file>             write counters, energy and latency as JSON\n"
         "  --trace <file>             write the command stream of each head's chip (text,\n"
         "                             docs/ChipInterface.md)\n"
         "  --help                     print this help and exit\n"
         "  --version                  print the version and exit\n\n"
         "EXIT STATUS: 0 on success, 1 on bad input files or shapes, 2 on bad usage.\n");
}

static int usageError(const char *message, const char *argument) {
  fprintf(stderr, "gcim-sim: %s%s%s\n(run 'gcim-sim --help' for usage)\n", message,
          argument ? " " : "", argument ? argument : "");
  return EXIT_USAGE;
}

/* Parses argv; returns -1 to go on, or the exit code to return now. */
static int parseArguments(int argc, char **argv, Options *o) {
  static const struct {
    const char *flag;
    size_t offset;
  } valued[] = {
      {"--q", offsetof(Options, q)},
      {"--k", offsetof(Options, k)},
      {"--v", offsetof(Options, v)},
      {"--scales", offsetof(Options, scales)},
      {"--hw", offsetof(Options, hw)},
      {"-o", offsetof(Options, output)},
      {"--stats", offsetof(Options, stats)},
      {"--model", offsetof(Options, model)},
      {"--levels", offsetof(Options, levels)},
      {"--window", offsetof(Options, window)},
      {"--decay", offsetof(Options, decay)},
      {"--seed", offsetof(Options, seed)},
      {"--read-noise-snr", offsetof(Options, readNoise)},
      {"--write-noise", offsetof(Options, writeNoise)},
      {"--retention-spread", offsetof(Options, retention)},
      {"--trace", offsetof(Options, trace)},
  };
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      printHelp();
      return EXIT_SUCCESS;
    }
    if (strcmp(arg, "--version") == 0) {
      printf("gcim-sim %s\n", GCIM_VERSION);
      return EXIT_SUCCESS;
    }
    if (strcmp(arg, "--bf16-decay") == 0) {
      o->bf16Decay = 1;
      continue;
    }
    size_t f = 0, count = sizeof valued / sizeof valued[0];
    while (f < count && strcmp(arg, valued[f].flag) != 0)
      ++f;
    if (f < count) {
      if (++i == argc)
        return usageError("missing value after", arg);
      *(const char **)(void *)((char *)o + valued[f].offset) = argv[i];
    } else if (arg[0] == '-' && arg[1]) {
      return usageError("unknown option", arg);
    } else if (o->command) {
      return usageError("unexpected argument", arg);
    } else {
      o->command = arg;
    }
  }
  if (!o->command)
    return usageError("missing command (attention or hardware)", NULL);
  if (strcmp(o->command, "attention") != 0 && strcmp(o->command, "hardware") != 0)
    return usageError("unknown command", o->command);
  if (strcmp(o->command, "attention") == 0 && (!o->q || !o->k || !o->v || !o->output))
    return usageError("attention needs --q, --k, --v and -o", NULL);
  return -1;
}

static int parseNumber(const char *text, const char *flag, double *out) {
  char *end;
  errno = 0;
  *out = strtod(text, &end);
  if (end == text || *end || errno || !isfinite(*out)) {
    fprintf(stderr, "gcim-sim: %s: '%s' is not a finite number\n", flag, text);
    return 0;
  }
  return 1;
}

static int parseInt(const char *text, const char *flag, long long lo, long long hi,
                    long long *out) {
  char *end;
  errno = 0;
  *out = strtoll(text, &end, 10);
  if (end == text || *end || errno || *out < lo || *out > hi) {
    fprintf(stderr, "gcim-sim: %s: '%s' is not an integer in [%lld, %lld]\n", flag, text, lo, hi);
    return 0;
  }
  return 1;
}

/* The hardware description: defaults, then --hw, then the flags. Returns an exit code or
 * -1 to go on. */
static int resolveHardware(const Options *o, GcimHardware *hw) {
  char *message = NULL;
  if (o->hw && gcimHardwareLoadJson(o->hw, hw, &message) != GCIM_OK) {
    fprintf(stderr, "gcim-sim: %s\n", message);
    free(message);
    return EXIT_FAILURE;
  }
  if (!o->hw)
    gcimHardwareInitDefault(hw);
  double x;
  long long n, levels[3];
  if (o->model) {
    if (strcmp(o->model, "nonlinear") == 0)
      hw->cell = GCIM_CELL_NONLINEAR;
    else if (strcmp(o->model, "linear") == 0)
      hw->cell = GCIM_CELL_LINEAR;
    else
      return usageError("--model must be nonlinear or linear, not", o->model);
  }
  if (o->window) {
    if (!parseInt(o->window, "--window", 1, INT32_MAX, &n))
      return EXIT_USAGE;
    hw->window = (int32_t)n;
  }
  if (o->decay) {
    if (!parseNumber(o->decay, "--decay", &x))
      return EXIT_USAGE;
    hw->decayEnabled = x != 0;
    hw->decayLambda = x;
  }
  if (o->levels) {
    char *end;
    const char *p = o->levels;
    for (int i = 0; i < 3; ++i) {
      errno = 0;
      levels[i] = strtoll(p, &end, 10);
      if (end == p || errno || levels[i] > INT32_MAX || *end != (i < 2 ? ',' : '\0'))
        return usageError("--levels needs three integers Q,KV,OUT, not", o->levels);
      p = end + 1;
    }
    hw->query.levels = (int32_t)levels[0];
    hw->kv.levels = (int32_t)levels[1];
    hw->output.levels = (int32_t)levels[2];
  }
  hw->bf16Decay |= o->bf16Decay;
  if (o->seed) {
    char *end;
    errno = 0;
    unsigned long long seed = strtoull(o->seed, &end, 10);
    if (end == o->seed || *end || errno || o->seed[0] == '-')
      return usageError("--seed needs an unsigned integer, not", o->seed);
    hw->noise.seed = seed;
  }
  const char *noiseText[3] = {o->readNoise, o->writeNoise, o->retention};
  const char *noiseFlag[3] = {"--read-noise-snr", "--write-noise", "--retention-spread"};
  double *noiseField[3] = {&hw->noise.readNoiseSnrDb, &hw->noise.writeNoiseStdV,
                           &hw->noise.retentionSpreadRel};
  for (int i = 0; i < 3; ++i)
    if (noiseText[i]) {
      if (!parseNumber(noiseText[i], noiseFlag[i], noiseField[i]))
        return EXIT_USAGE;
    }
  char reason[160];
  if (!gcimHardwareValidate(hw, reason, sizeof reason)) {
    fprintf(stderr, "gcim-sim: invalid hardware description: %s\n", reason);
    return EXIT_USAGE;
  }
  return -1;
}

/* Reads a float tensor (float32 or float64, converted to float32). */
static int readTensor(const char *path, const char *what, GcimNpyArray *a) {
  char *message = NULL;
  if (gcimNpyRead(path, a, &message) != GCIM_OK) {
    fprintf(stderr, "gcim-sim: %s\n", message);
    free(message);
    return 0;
  }
  if (a->type == GCIM_ELEM_I64) {
    fprintf(stderr, "gcim-sim: %s '%s' must be float32 or float64, not int64\n", what, path);
    gcimNpyArrayFree(a);
    return 0;
  }
  if (gcimNpyConvert(a, GCIM_ELEM_F32, NULL) != GCIM_OK) {
    fprintf(stderr, "gcim-sim: out of memory\n");
    gcimNpyArrayFree(a);
    return 0;
  }
  return 1;
}

static void formatShape(const GcimNpyArray *a, char *out, size_t size) {
  int n = snprintf(out, size, "(");
  for (int32_t i = 0; i < a->rank && (size_t)n < size; ++i)
    n += snprintf(out + n, size - (size_t)n, "%s%lld", i ? ", " : "", (long long)a->shape[i]);
  if ((size_t)n < size)
    snprintf(out + n, size - (size_t)n, ")");
}

/* Checks shapes; returns 1 when Q, K and V are (B, H, T, D) alike and S is (H, 8). */
static int checkShapes(const Options *o, const GcimNpyArray t[3], const GcimNpyArray *s) {
  const char *names[3] = {"--q", "--k", "--v"}, *paths[3] = {o->q, o->k, o->v};
  char a[96], b[96];
  for (int i = 0; i < 3; ++i) {
    if (t[i].rank != 4) {
      formatShape(&t[i], a, sizeof a);
      fprintf(stderr, "gcim-sim: %s '%s' has shape %s; expected rank 4 (B, H, T, D)\n", names[i],
              paths[i], a);
      return 0;
    }
    if (i && memcmp(t[i].shape, t[0].shape, 4 * sizeof t[0].shape[0]) != 0) {
      formatShape(&t[i], a, sizeof a);
      formatShape(&t[0], b, sizeof b);
      fprintf(stderr, "gcim-sim: %s '%s' has shape %s but --q has %s\n", names[i], paths[i], a, b);
      return 0;
    }
  }
  if (t[0].shape[3] < 1 || t[0].shape[3] > INT32_MAX) {
    fprintf(stderr, "gcim-sim: head dimension D must be at least 1\n");
    return 0;
  }
  if (s->data && (s->rank != 2 || s->shape[0] != t[0].shape[1] || s->shape[1] != 8)) {
    formatShape(s, a, sizeof a);
    fprintf(stderr, "gcim-sim: --scales '%s' has shape %s; expected (%lld, 8)\n", o->scales, a,
            (long long)t[0].shape[1]);
    return 0;
  }
  return 1;
}

/* The stats in the one schema of docs/HardwareModel.md, written whole or not at all. */
static int writeStats(const char *path, const GcimHardware *hw, GcimSimHead *const *heads,
                      int64_t count) {
  GcimSimSummary summary;
  gcimSimSummarize(hw, heads, NULL, count, &summary); /* one layer */
  GcimOutputFile *file;
  char *message = NULL;
  if (gcimOutputFileCreate(path, &file, &message) != GCIM_OK) {
    fprintf(stderr, "gcim-sim: %s\n", message);
    free(message);
    return 0;
  }
  if (gcimSimSummaryWriteJson(&summary, gcimOutputFileGetStream(file)) != 0) {
    gcimOutputFileDestroy(file);
    fprintf(stderr, "gcim-sim: cannot write '%s'\n", path);
    return 0;
  }
  if (gcimOutputFileCommit(file, &message) != GCIM_OK) {
    fprintf(stderr, "gcim-sim: %s\n", message);
    free(message);
    return 0;
  }
  return 1;
}

/* A traced head: its simulator chip, the trace chip over it and the temporary file the
 * trace chip writes to (the heads run interleaved; their streams are joined at the end). */
typedef struct TracedHead {
  GcimChip *simulator, *trace;
  FILE *stream;
} TracedHead;

static void tracedHeadClose(TracedHead *t) {
  gcimChipDestroy(t->trace);
  gcimChipDestroy(t->simulator);
  if (t->stream)
    fclose(t->stream);
}

/* Head h of the layer (noise stream h, as the generated program numbers the heads of its
 * first attention); with `traced`, on a simulator chip wrapped by a trace chip. */
static GcimSimStatus createHead(const GcimHardware *hw, int32_t dim, const float *scalers,
                                int64_t h, TracedHead *traced, GcimSimHead **head) {
  if (!traced)
    return gcimSimHeadCreate(hw, dim, scalers, (uint64_t)h, NULL, head);
  *head = NULL;
  int64_t subTiles = gcimHardwareSubTilesPerHead(hw, dim);
  if (subTiles > INT32_MAX)
    return GCIM_SIM_ERROR_INVALID;
  traced->stream = tmpfile();
  if (!traced->stream)
    return GCIM_SIM_ERROR_MEMORY;
  GcimChipStatus rc = gcimChipCreateSimulator(hw, (int32_t)subTiles, (uint64_t)h, NULL,
                                              &traced->simulator, NULL, 0);
  if (rc == GCIM_CHIP_OK)
    rc = gcimChipCreateTrace(traced->simulator, traced->stream, NULL, &traced->trace, NULL, 0);
  if (rc == GCIM_CHIP_OK)
    return gcimSimHeadCreateOnChip(traced->trace, 0, dim, scalers, NULL, head);
  return rc == GCIM_CHIP_ERROR_MEMORY ? GCIM_SIM_ERROR_MEMORY : GCIM_SIM_ERROR_INVALID;
}

/* Creates the H heads of one layer (traced: H slots, or NULL); returns 1 on success. */
static int createHeads(const GcimHardware *hw, int64_t H, int64_t D, const GcimNpyArray *s,
                       TracedHead *traced, GcimSimHead **heads) {
  for (int64_t h = 0; h < H; ++h) {
    const float *scalers = s->data ? (const float *)s->data + 8 * h : NULL;
    GcimSimStatus status =
        createHead(hw, (int32_t)D, scalers, h, traced ? &traced[h] : NULL, &heads[h]);
    if (status == GCIM_SIM_ERROR_MEMORY) {
      fprintf(stderr, "gcim-sim: out of memory\n");
      return 0;
    }
    if (status != GCIM_SIM_OK) {
      fprintf(stderr,
              "gcim-sim: a head of dimension %lld does not fit this hardware (%lld "
              "sub-tiles, maxSubTiles %d)\n",
              (long long)D, (long long)gcimHardwareSubTilesPerHead(hw, D), (int)hw->maxSubTiles);
      return 0;
    }
  }
  return 1;
}

/* Writes each head's command stream to `out` after a "# head h" line; returns 1 on
 * success. */
static int joinTraces(TracedHead *traced, int64_t H, FILE *out) {
  char buffer[4096];
  for (int64_t h = 0; h < H; ++h) {
    fprintf(out, "# head %lld\n", (long long)h);
    rewind(traced[h].stream);
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, traced[h].stream)) > 0)
      if (fwrite(buffer, 1, n, out) != n)
        return 0;
    if (ferror(traced[h].stream))
      return 0;
  }
  return 1;
}

/* Runs the batch items one after another on the H heads (each reset per item), as the
 * generated program's full-sequence attention does; writes Y, the stats and the trace. */
static int simulate(const Options *o, const GcimHardware *hw, const GcimNpyArray t[3],
                    const GcimNpyArray *s, GcimNpyArray *y, FILE *trace) {
  int64_t B = t[0].shape[0], H = t[0].shape[1], T = t[0].shape[2], D = t[0].shape[3];
  GcimSimHead **heads = calloc((size_t)H + 1, sizeof *heads);
  TracedHead *traced = trace ? calloc((size_t)H + 1, sizeof *traced) : NULL;
  int ok = heads != NULL && (!trace || traced != NULL);
  if (!ok)
    fprintf(stderr, "gcim-sim: out of memory\n");
  ok = ok && createHeads(hw, H, D, s, traced, heads);
  if (ok)
    gcimSimHeadsRunSequences(NULL, heads, H, B, T, D, t[0].data, t[1].data, t[2].data, y->data);
  ok = ok && (!o->stats || writeStats(o->stats, hw, heads, H));
  if (ok && traced && !joinTraces(traced, H, trace)) {
    fprintf(stderr, "gcim-sim: cannot write the trace\n");
    ok = 0;
  }
  for (int64_t h = 0; heads && h < H; ++h) {
    gcimSimHeadDestroy(heads[h]);
    if (traced)
      tracedHeadClose(&traced[h]);
  }
  free(heads);
  free(traced);
  return ok;
}

static int runAttention(const Options *o, const GcimHardware *hw) {
  GcimNpyArray t[3] = {{0}}, s = {0}, y = {0};
  int ok = readTensor(o->q, "--q", &t[0]) && readTensor(o->k, "--k", &t[1]) &&
           readTensor(o->v, "--v", &t[2]) &&
           (!o->scales || readTensor(o->scales, "--scales", &s)) && checkShapes(o, t, &s);
  if (ok) {
    y = t[0];
    y.data = malloc(t[0].count ? (size_t)t[0].count * sizeof(float) : 1);
    ok = y.data != NULL;
    if (!ok)
      fprintf(stderr, "gcim-sim: out of memory\n");
  }
  char *message = NULL;
  GcimOutputFile *trace = NULL;
  if (ok && o->trace && gcimOutputFileCreate(o->trace, &trace, &message) != GCIM_OK) {
    fprintf(stderr, "gcim-sim: %s\n", message);
    free(message);
    message = NULL;
    ok = 0;
  }
  ok = ok && simulate(o, hw, t, &s, &y, trace ? gcimOutputFileGetStream(trace) : NULL);
  if (ok && trace && gcimOutputFileCommit(trace, &message) != GCIM_OK) {
    fprintf(stderr, "gcim-sim: %s\n", message);
    free(message);
    message = NULL;
    ok = 0;
  } else if (!ok) {
    gcimOutputFileDestroy(trace);
  }
  if (ok && gcimNpyWrite(o->output, &y, &message) != GCIM_OK) {
    fprintf(stderr, "gcim-sim: %s\n", message);
    free(message);
    ok = 0;
  }
  for (int i = 0; i < 3; ++i)
    gcimNpyArrayFree(&t[i]);
  gcimNpyArrayFree(&s);
  free(y.data);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv) {
  Options options = {0};
  int code = parseArguments(argc, argv, &options);
  if (code >= 0)
    return code;
  GcimHardware hw;
  code = resolveHardware(&options, &hw);
  if (code >= 0)
    return code;
  if (strcmp(options.command, "hardware") == 0) {
    char *message = NULL;
    if (gcimHardwareSaveJson(options.output ? options.output : "-", &hw, &message) != GCIM_OK) {
      fprintf(stderr, "gcim-sim: %s\n", message);
      free(message);
      return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
  }
  return runAttention(&options, &hw);
}
