/* Options.c: gcim-sim's command line: its option table and the hardware description the
 * options resolve to. */
#include "Options.h"

#include "gcim/Support/ArgParse.h"
#include "gcim/Support/HardwareJson.h"
#include "gcim/Support/OutputFile.h"
#include "gcim/Version.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static GcimStatus setCommand(void *target, const char *value, char **errMsg) {
  Options *o = target;
  if (o->command)
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "unexpected argument '%s'", value);
  if (strcmp(value, "attention") != 0 && strcmp(value, "hardware") != 0)
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "unknown command '%s' (attention or hardware)",
                    value);
  o->command = value;
  return GCIM_OK;
}

/* The seed is a uint64, beyond GCIM_ARG_INT's range. */
static GcimStatus setSeed(void *target, const char *value, char **errMsg) {
  Options *o = target;
  char *end;
  errno = 0;
  o->seed = strtoull(value, &end, 10);
  if (*end || errno || value[0] == '-' || value[0] == '+' || value[0] == ' ')
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "--seed needs an unsigned 64-bit integer, not '%s'",
                    value);
  o->seedGiven = true;
  return GCIM_OK;
}

static const char *const cellModels[] = {"nonlinear", "linear", NULL};

#define FIELD(name) offsetof(Options, name)
static const GcimArgOption optionTable[] = {
    {.name = "--q",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file>",
     .offset = FIELD(q),
     .help = "the query projections (.npy)"},
    {.name = "--k",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file>",
     .offset = FIELD(k),
     .help = "the key projections (.npy)"},
    {.name = "--v",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file>",
     .offset = FIELD(v),
     .help = "the value projections (.npy)"},
    {.name = "--scales",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file>",
     .offset = FIELD(scales),
     .help = "per-head scalers, float32 (H, 8): a_q b_q a_k b_k a_v b_v a_o b_o (default: a = 1, "
             "b_q = 0, b_k = b_v = 0.45, b_o = 0)"},
    {.name = "--hw",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file>",
     .offset = FIELD(hw),
     .help = "hardware description JSON (default: the paper's)"},
    {.name = "--model",
     .kind = GCIM_ARG_CHOICE,
     .valueName = "nonlinear|linear",
     .offset = FIELD(model),
     .choices = cellModels,
     .help = "gain-cell model (default: nonlinear)"},
    {.name = "--window",
     .kind = GCIM_ARG_INT,
     .valueName = "<N>",
     .offset = FIELD(window),
     .min = 1,
     .max = INT32_MAX,
     .help = "sliding window in tokens (default: 1024)"},
    {.name = "--decay",
     .kind = GCIM_ARG_NUMBER,
     .valueName = "<L>",
     .offset = FIELD(decay),
     .help = "leakage rate lambda per token; 0 turns decay off (default: 1.6e-4)"},
    {.name = "--levels",
     .kind = GCIM_ARG_STRING,
     .valueName = "<Q,KV,OUT>",
     .offset = FIELD(levels),
     .help = "quantiser levels of query, K/V and output (default: 16,8,32)"},
    {.name = "--bf16-decay",
     .kind = GCIM_ARG_FLAG,
     .offset = FIELD(bf16Decay),
     .help = "round the QK-path decay powers to bfloat16"},
    {.name = "--seed",
     .kind = GCIM_ARG_CALL,
     .valueName = "<N>",
     .handle = setSeed,
     .help = "seed of the non-idealities (default: 0)"},
    {.name = "--read-noise-snr",
     .kind = GCIM_ARG_NUMBER,
     .valueName = "<DB>",
     .offset = FIELD(readNoise),
     .help = "additive read noise at this SNR in dB (default: off)"},
    {.name = "--write-noise",
     .kind = GCIM_ARG_NUMBER,
     .valueName = "<V>",
     .offset = FIELD(writeNoise),
     .help = "std of stored voltages in volts (default: off)"},
    {.name = "--retention-spread",
     .kind = GCIM_ARG_NUMBER,
     .valueName = "<R>",
     .offset = FIELD(retention),
     .help = "relative std of the retention time per cell (default: off)"},
    {.name = "-o",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file>",
     .offset = FIELD(output),
     .help = "output file ('-' = stdout); replaced only on success"},
    {.name = "--stats",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file>",
     .offset = FIELD(stats),
     .help = "write counters, energy and latency as JSON"},
    {.name = "--trace",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file>",
     .offset = FIELD(trace),
     .help = "write the command stream of each head's chip (text, docs/ChipInterface.md)"},
};
#undef FIELD

static void printCommands(FILE *out) {
  fputs("COMMANDS:\n"
        "  attention   run every head of Q, K, V (float32 or float64, shape (B, H, T, D):\n"
        "              the projections before the per-head scalers, tokens in order; token t\n"
        "              attends to tokens t-window+1 .. t) and write Y, float32 (B, H, T, D),\n"
        "              the attention output after the output affine\n"
        "  hardware    write the hardware description (defaults, --hw and the options above\n"
        "              applied) as JSON, a template for --hw\n",
        out);
}

static const GcimArgParser parser = {
    .program = GCIM_SIM_PROGRAM,
    .version = GCIM_VERSION,
    .overview = "the gain-cell attention simulator on .npy tensors",
    .usage = "gcim-sim attention --q Q.npy --k K.npy --v V.npy -o Y.npy [options]\n"
             "gcim-sim hardware [-o HW.json] [options]",
    .options = optionTable,
    .optionCount = sizeof optionTable / sizeof optionTable[0],
    .positional = setCommand,
    .printMoreHelp = printCommands,
};

/* No output may replace an input (-o q.npy) or another output (--stats y.npy). */
static int checkOutputs(const Options *o) {
  const char *inputs[] = {o->q, o->k, o->v, o->scales, o->hw};
  const char *outputs[] = {o->output, o->stats, o->trace};
  const char *flags[] = {"-o", "--stats", "--trace"};
  for (int out = 0; out < 3; ++out) {
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; ++i)
      if (gcimOutputIsInput(outputs[out], inputs[i]))
        return gcimArgUsageError(&parser, "%s '%s' is an input: it would be replaced", flags[out],
                                 outputs[out]);
    for (int other = 0; other < out; ++other)
      if (gcimOutputIsInput(outputs[out], outputs[other]))
        return gcimArgUsageError(&parser, "%s and %s name the same file '%s'", flags[other],
                                 flags[out], outputs[out]);
  }
  return GCIM_ARG_CONTINUE;
}

int gcimSimToolParseArguments(int argc, char **argv, Options *o) {
  *o = (Options){.model = -1,
                 .window = -1,
                 .seed = -1,
                 .decay = NAN,
                 .readNoise = NAN,
                 .writeNoise = NAN,
                 .retention = NAN};
  int code = gcimArgParse(&parser, argc, argv, o);
  if (code != GCIM_ARG_CONTINUE)
    return code;
  if (!o->command)
    return gcimArgUsageError(&parser, "missing command (attention or hardware)");
  if (strcmp(o->command, "attention") == 0 && (!o->q || !o->k || !o->v || !o->output))
    return gcimArgUsageError(&parser, "attention needs --q, --k, --v and -o");
  if (strcmp(o->command, "hardware") == 0 &&
      (o->q || o->k || o->v || o->scales || o->stats || o->trace))
    return gcimArgUsageError(&parser, "--q, --k, --v, --scales, --stats and --trace go with "
                                      "attention, not hardware");
  return checkOutputs(o);
}

/* Parses --levels Q,KV,OUT into the hardware's three quantisers. */
static bool parseLevels(const char *text, GcimHardware *hw) {
  long long levels[3];
  const char *p = text;
  for (int i = 0; i < 3; ++i) {
    char *end;
    errno = 0;
    levels[i] = strtoll(p, &end, 10);
    if (end == p || errno || levels[i] > INT32_MAX || levels[i] < INT32_MIN ||
        *end != (i < 2 ? ',' : '\0'))
      return false;
    p = end + 1;
  }
  hw->query.levels = (int32_t)levels[0];
  hw->kv.levels = (int32_t)levels[1];
  hw->output.levels = (int32_t)levels[2];
  return true;
}

int gcimSimToolResolveHardware(const Options *o, GcimHardware *hw) {
  char *message = NULL;
  if (o->hw && gcimHardwareLoadJson(o->hw, hw, &message) != GCIM_OK) {
    gcimArgError(parser.program, "%s", message ? message : "out of memory");
    free(message);
    return GCIM_EXIT_INPUT_ERROR;
  }
  if (!o->hw)
    gcimHardwareInitDefault(hw);
  if (o->model >= 0)
    hw->cell = o->model == 0 ? GCIM_CELL_NONLINEAR : GCIM_CELL_LINEAR;
  if (o->window >= 0)
    hw->window = (int32_t)o->window;
  if (!isnan(o->decay)) {
    hw->decayEnabled = o->decay != 0;
    hw->decayLambda = o->decay;
  }
  if (o->levels && !parseLevels(o->levels, hw))
    return gcimArgUsageError(&parser, "--levels needs three integers Q,KV,OUT, not '%s'",
                             o->levels);
  hw->bf16Decay |= o->bf16Decay;
  if (o->seedGiven)
    hw->noise.seed = o->seed;
  if (!isnan(o->readNoise))
    hw->noise.readNoiseSnrDb = o->readNoise;
  if (!isnan(o->writeNoise))
    hw->noise.writeNoiseStdV = o->writeNoise;
  if (!isnan(o->retention))
    hw->noise.retentionSpreadRel = o->retention;
  char reason[160];
  if (!gcimHardwareValidate(hw, reason, sizeof reason))
    return gcimArgUsageError(&parser, "invalid hardware description: %s", reason);
  return GCIM_ARG_CONTINUE;
}
