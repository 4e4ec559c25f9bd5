/* gcim-report: the JSON cost report, with evaluation and sweep results attached, as one
 * self-contained HTML page. */
#include "gcim/Report/Html.h"
#include "gcim/Support/Json.h"
#include "gcim/Version.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_USAGE = 2 };

static void printHelp(void) {
  printf("OVERVIEW: gcim-report: the cost report as one self-contained HTML page\n\n"
         "USAGE: gcim-report REPORT.json [--with RESULT.json ...] [--title TEXT] -o FILE.html\n\n"
         "REPORT.json is gcim-compile's --report; each RESULT.json is an evaluation (the\n"
         "line a generated program prints with --eval FILE --json) or a sweep (gcim-sweep\n"
         "collect's sweep.json), shown after the report's pictures.\n\n"
         "EXIT STATUS: 0 on success, 1 when a file cannot be read or written or is not what\n"
         "it should be, 2 on bad usage.\n");
}

static int usage(const char *message, const char *argument) {
  fprintf(stderr, "gcim-report: %s%s%s\n(run 'gcim-report --help' for usage)\n", message,
          argument ? " " : "", argument ? argument : "");
  return EXIT_USAGE;
}

typedef struct Arguments {
  const char *report, *output, *title;
  const char **results; /* argc entries at most */
  size_t resultCount;
} Arguments;

/* Returns -1 to go on, or the exit code. */
static int parseArguments(int argc, char **argv, Arguments *args) {
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      printHelp();
      return EXIT_SUCCESS;
    }
    if (strcmp(arg, "--version") == 0) {
      printf("gcim-report %s\n", GCIM_VERSION);
      return EXIT_SUCCESS;
    }
    bool takesValue =
        strcmp(arg, "-o") == 0 || strcmp(arg, "--with") == 0 || strcmp(arg, "--title") == 0;
    if (takesValue && i + 1 == argc)
      return usage("option needs a value:", arg);
    if (strcmp(arg, "-o") == 0)
      args->output = argv[++i];
    else if (strcmp(arg, "--with") == 0)
      args->results[args->resultCount++] = argv[++i];
    else if (strcmp(arg, "--title") == 0)
      args->title = argv[++i];
    else if (arg[0] == '-' && arg[1])
      return usage("unknown option", arg);
    else if (args->report)
      return usage("more than one report:", arg);
    else
      args->report = arg;
  }
  if (!args->report)
    return usage("no report", NULL);
  if (!args->output)
    return usage("no output: -o FILE.html", NULL);
  return -1;
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
  if (code >= 0)
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
