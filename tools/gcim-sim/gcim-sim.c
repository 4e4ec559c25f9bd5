/* gcim-sim: runs the gain-cell attention simulator on .npy tensors (docs/Simulator.md). */
#include "Options.h"

#include "gcim/Runtime/Chip.h"
#include "gcim/Runtime/Hardware.h"
#include "gcim/Runtime/Sim.h"
#include "gcim/Runtime/SimHeads.h"
#include "gcim/Support/ArgParse.h"
#include "gcim/Support/HardwareJson.h"
#include "gcim/Support/Npy.h"
#include "gcim/Support/OutputFile.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a float tensor (float32 or float64, converted to float32). */
static int readTensor(const char *path, const char *what, GcimNpyArray *a) {
  char *message = NULL;
  if (gcimNpyRead(path, a, &message) != GCIM_OK) {
    gcimArgError(GCIM_SIM_PROGRAM, "%s", message);
    free(message);
    return 0;
  }
  if (a->type == GCIM_ELEM_I64) {
    gcimArgError(GCIM_SIM_PROGRAM, "%s '%s' must be float32 or float64, not int64", what, path);
    gcimNpyArrayFree(a);
    return 0;
  }
  if (gcimNpyConvert(a, GCIM_ELEM_F32, what, NULL) != GCIM_OK) { /* float: fails only on memory */
    gcimArgError(GCIM_SIM_PROGRAM, "out of memory");
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
      gcimArgError(GCIM_SIM_PROGRAM, "%s '%s' has shape %s; expected rank 4 (B, H, T, D)", names[i],
                   paths[i], a);
      return 0;
    }
    if (i && memcmp(t[i].shape, t[0].shape, 4 * sizeof t[0].shape[0]) != 0) {
      formatShape(&t[i], a, sizeof a);
      formatShape(&t[0], b, sizeof b);
      gcimArgError(GCIM_SIM_PROGRAM, "%s '%s' has shape %s but --q has %s", names[i], paths[i], a,
                   b);
      return 0;
    }
  }
  if (t[0].shape[3] < 1 || t[0].shape[3] > INT32_MAX) {
    gcimArgError(GCIM_SIM_PROGRAM, "head dimension D must be at least 1");
    return 0;
  }
  if (s->data && (s->rank != 2 || s->shape[0] != t[0].shape[1] || s->shape[1] != 8)) {
    formatShape(s, a, sizeof a);
    gcimArgError(GCIM_SIM_PROGRAM, "--scales '%s' has shape %s; expected (%lld, 8)", o->scales, a,
                 (long long)t[0].shape[1]);
    return 0;
  }
  return 1;
}

/* The stats in the one schema of docs/HardwareModel.md, into `out`. */
static int writeStats(FILE *out, const GcimHardware *hw, GcimSimHead *const *heads, int64_t count) {
  GcimSimSummary summary;
  gcimSimSummarize(hw, heads, NULL, count, &summary); /* one layer */
  if (gcimSimSummaryWriteJson(&summary, out) == 0)
    return 1;
  gcimArgError(GCIM_SIM_PROGRAM, "cannot write the stats");
  return 0;
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
      gcimArgError(GCIM_SIM_PROGRAM, "out of memory");
      return 0;
    }
    if (status != GCIM_SIM_OK) {
      gcimArgError(GCIM_SIM_PROGRAM,
                   "a head of dimension %lld does not fit this hardware (%lld "
                   "sub-tiles, maxSubTiles %d)",
                   (long long)D, (long long)gcimHardwareSubTilesPerHead(hw, D),
                   (int)hw->maxSubTiles);
      return 0;
    }
  }
  return 1;
}

/* Writes each head's command stream to `out` after a "# head h" line; returns 1 on
 * success. */
static int joinTraces(TracedHead *traced, int64_t H, FILE *out) {
  for (int64_t h = 0; h < H; ++h) {
    fprintf(out, "# head %lld\n", (long long)h);
    if (gcimCopyStream(traced[h].stream, out) != 0)
      return 0;
  }
  return 1;
}

/* The files gcim-sim writes: Y (-o), --stats and --trace, opened before the run so that a
 * path that cannot be written stops it, and renamed into place together at its end. */
enum { OUT_Y, OUT_STATS, OUT_TRACE, OUT_COUNT };

/* Runs the batch items one after another on the H heads (each reset per item), as the
 * generated program's full-sequence attention does; writes the stats and the trace. */
static int simulate(const GcimHardware *hw, const GcimNpyArray t[3], const GcimNpyArray *s,
                    GcimNpyArray *y, FILE *stats, FILE *trace) {
  int64_t B = t[0].shape[0], H = t[0].shape[1], T = t[0].shape[2], D = t[0].shape[3];
  GcimSimHead **heads = calloc((size_t)H + 1, sizeof *heads);
  TracedHead *traced = trace ? calloc((size_t)H + 1, sizeof *traced) : NULL;
  int ok = heads != NULL && (!trace || traced != NULL);
  if (!ok)
    gcimArgError(GCIM_SIM_PROGRAM, "out of memory");
  ok = ok && createHeads(hw, H, D, s, traced, heads);
  if (ok)
    gcimSimHeadsRunSequences(NULL, heads, H, B, T, D, t[0].data, t[1].data, t[2].data, y->data);
  ok = ok && (!stats || writeStats(stats, hw, heads, H));
  if (ok && traced && !joinTraces(traced, H, trace)) {
    gcimArgError(GCIM_SIM_PROGRAM, "cannot write the trace");
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

/* Opens the outputs given (NULL paths are skipped); returns 1, or 0 after the error. */
static int openOutputs(const char *const paths[OUT_COUNT], GcimOutputFile *files[OUT_COUNT]) {
  for (int i = 0; i < OUT_COUNT; ++i) {
    char *message = NULL;
    if (paths[i] && gcimOutputFileCreate(paths[i], &files[i], &message) != GCIM_OK) {
      gcimArgError(GCIM_SIM_PROGRAM, "%s", message ? message : "out of memory");
      free(message);
      return 0;
    }
  }
  return 1;
}

/* Renames every output into place when `ok`, else removes them; returns whether all were
 * written. */
static int closeOutputs(GcimOutputFile *files[OUT_COUNT], int ok) {
  for (int i = 0; i < OUT_COUNT; ++i) {
    char *message = NULL;
    if (ok && files[i] && gcimOutputFileCommit(files[i], &message) != GCIM_OK) {
      gcimArgError(GCIM_SIM_PROGRAM, "%s", message ? message : "out of memory");
      free(message);
      ok = 0;
    } else if (!ok) {
      gcimOutputFileDestroy(files[i]);
    }
    files[i] = NULL;
  }
  return ok;
}

static FILE *streamOf(GcimOutputFile *file) { return file ? gcimOutputFileGetStream(file) : NULL; }

static int runAttention(const Options *o, const GcimHardware *hw) {
  GcimNpyArray t[3] = {{0}}, s = {0}, y = {0};
  const char *paths[OUT_COUNT] = {o->output, o->stats, o->trace};
  GcimOutputFile *files[OUT_COUNT] = {0};
  int ok = readTensor(o->q, "--q", &t[0]) && readTensor(o->k, "--k", &t[1]) &&
           readTensor(o->v, "--v", &t[2]) &&
           (!o->scales || readTensor(o->scales, "--scales", &s)) && checkShapes(o, t, &s) &&
           openOutputs(paths, files);
  if (ok) {
    y = t[0];
    y.data = malloc(t[0].count ? (size_t)t[0].count * sizeof(float) : 1);
    ok = y.data != NULL;
    if (!ok)
      gcimArgError(GCIM_SIM_PROGRAM, "out of memory");
  }
  ok = ok && simulate(hw, t, &s, &y, streamOf(files[OUT_STATS]), streamOf(files[OUT_TRACE]));
  char *message = NULL;
  if (ok && gcimNpyWriteStream(streamOf(files[OUT_Y]), o->output, &y, &message) != GCIM_OK) {
    gcimArgError(GCIM_SIM_PROGRAM, "%s", message ? message : "out of memory");
    free(message);
    ok = 0;
  }
  ok = closeOutputs(files, ok);
  for (int i = 0; i < 3; ++i)
    gcimNpyArrayFree(&t[i]);
  gcimNpyArrayFree(&s);
  free(y.data);
  return ok ? GCIM_EXIT_SUCCESS : GCIM_EXIT_INPUT_ERROR;
}

int main(int argc, char **argv) {
  Options options = {0};
  int code = gcimSimToolParseArguments(argc, argv, &options);
  if (code != GCIM_ARG_CONTINUE)
    return code;
  GcimHardware hw;
  code = gcimSimToolResolveHardware(&options, &hw);
  if (code != GCIM_ARG_CONTINUE)
    return code;
  if (strcmp(options.command, "hardware") == 0) {
    char *message = NULL;
    if (gcimHardwareSaveJson(options.output ? options.output : "-", &hw, &message) != GCIM_OK) {
      gcimArgError(GCIM_SIM_PROGRAM, "%s", message);
      free(message);
      return GCIM_EXIT_INPUT_ERROR;
    }
    return GCIM_EXIT_SUCCESS;
  }
  return runAttention(&options, &hw);
}
