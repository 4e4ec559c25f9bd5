/* gcim-report: the JSON cost report, with evaluation and sweep results attached, as one
 * self-contained HTML page. */
#include "gcim/Report/Html.h"
#include "gcim/Support/ArgParse.h"
#include "gcim/Support/Json.h"
#include "gcim/Support/OutputFile.h"
#include "gcim/Version.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Arguments {
  const char *report, *output, *title;
  const char **results; /* argc entries at most */
  size_t resultCount;
} Arguments;

static GcimStatus addResult(void *target, const char *value, char **errMsg) {
  (void)errMsg;
  Arguments *args = target;
  args->results[args->resultCount++] = value;
  return GCIM_OK;
}

static GcimStatus setReport(void *target, const char *value, char **errMsg) {
  Arguments *args = target;
  if (args->report)
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "more than one report: '%s' and '%s'", args->report,
                    value);
  args->report = value;
  return GCIM_OK;
}

#define FIELD(name) offsetof(Arguments, name)
static const GcimArgOption optionTable[] = {
    {.name = "-o",
     .kind = GCIM_ARG_STRING,
     .valueName = "<file.html>",
     .offset = FIELD(output),
     .help = "the page to write (replaced only when it is written whole)"},
    {.name = "--with",
     .kind = GCIM_ARG_CALL,
     .valueName = "<result.json>",
     .handle = addResult,
     .help = "a result shown after the report's pictures (repeatable, in order): an evaluation "
             "(the line a generated program prints with --eval FILE --json) or a sweep "
             "(gcim-sweep collect's sweep.json)"},
    {.name = "--title",
     .kind = GCIM_ARG_STRING,
     .valueName = "<text>",
     .offset = FIELD(title),
     .help = "the page's title (default: the report's file name)"},
};
#undef FIELD

static const GcimArgParser parser = {
    .program = "gcim-report",
    .version = GCIM_VERSION,
    .overview = "the cost report as one self-contained HTML page",
    .usage = "gcim-report REPORT.json [--with RESULT.json ...] [--title TEXT] -o FILE.html",
    .details = "REPORT.json is gcim-compile's --report.",
    .options = optionTable,
    .optionCount = sizeof optionTable / sizeof optionTable[0],
    .positional = setReport,
};

/* Returns GCIM_ARG_CONTINUE to go on, or the exit code. */
static int parseArguments(int argc, char **argv, Arguments *args) {
  int code = gcimArgParse(&parser, argc, argv, args);
  if (code != GCIM_ARG_CONTINUE)
    return code;
  if (!args->report)
    return gcimArgUsageError(&parser, "no report");
  if (!args->output)
    return gcimArgUsageError(&parser, "no output: -o FILE.html");
  for (size_t i = 0; i <= args->resultCount; ++i)
    if (gcimOutputIsInput(args->output, i ? args->results[i - 1] : args->report))
      return gcimArgUsageError(&parser, "-o '%s' is an input: it would be replaced", args->output);
  return GCIM_ARG_CONTINUE;
}

/* The base name of `path`, as the page labels a result. */
static const char *baseName(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

int main(int argc, char **argv) {
  Arguments args = {NULL, NULL, NULL, calloc((size_t)argc, sizeof(char *)), 0};
  GcimJsonValue *report = NULL, **results = calloc((size_t)argc, sizeof *results);
  const char **names = calloc((size_t)argc, sizeof *names);
  char *errMsg = NULL;
  int code = EXIT_FAILURE;
  if (!args.results || !results || !names)
    goto cleanup;
  code = parseArguments(argc, argv, &args);
  if (code != GCIM_ARG_CONTINUE)
    goto cleanup;
  code = EXIT_FAILURE;
  if (gcimJsonParseFile(args.report, &report, &errMsg) != GCIM_OK)
    goto cleanup;
  for (size_t i = 0; i < args.resultCount; ++i) {
    names[i] = baseName(args.results[i]);
    if (gcimJsonParseFile(args.results[i], &results[i], &errMsg) != GCIM_OK)
      goto cleanup;
  }
  GcimHtmlReportOptions options = {args.title ? args.title : baseName(args.report),
                                   (const GcimJsonValue *const *)results, names, args.resultCount};
  if (gcimHtmlReportWriteFile(report, &options, args.output, &errMsg) == GCIM_OK)
    code = EXIT_SUCCESS;
cleanup:
  if (code == EXIT_FAILURE)
    fprintf(stderr, "gcim-report: error: %s\n", errMsg ? errMsg : "out of memory");
  free(errMsg);
  gcimJsonDestroy(report);
  for (size_t i = 0; results && i < args.resultCount; ++i)
    gcimJsonDestroy(results[i]);
  free(results);
  free(names);
  free(args.results);
  return code;
}
