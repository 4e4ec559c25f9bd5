/* gcim/Support/ArgParse.h: the one command-line parser of gcim's tools.
 *
 * A tool describes its options in a table (name, value kind, help text, destination) and
 * gcimArgParse does the rest: `--opt value` and `--opt=value`, values checked by kind,
 * `--help` generated from the table, `--version`, and usage errors as one `error:` line and
 * a hint to --help. Exit statuses are the same in every tool (GcimExitStatus). */
#ifndef GCIM_SUPPORT_ARGPARSE_H
#define GCIM_SUPPORT_ARGPARSE_H

#include "gcim/Support/Status.h"

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The exit status of every gcim tool.
typedef enum GcimExitStatus {
  GCIM_EXIT_SUCCESS = 0,
  GCIM_EXIT_INPUT_ERROR = 1, /* an error in the input: the model, a file, a pass */
  GCIM_EXIT_USAGE = 2        /* a bad command line */
} GcimExitStatus;

/// gcimArgParse's result when the tool goes on (not an exit status).
enum { GCIM_ARG_CONTINUE = -1 };

/// How an option's value is read and where it goes (at `offset` in the tool's options).
typedef enum GcimArgKind {
  GCIM_ARG_FLAG,   /* no value; sets a `bool` to true */
  GCIM_ARG_STRING, /* a non-empty `const char *`, pointing into argv */
  GCIM_ARG_INT,    /* a `long long` in [min, max] */
  GCIM_ARG_NUMBER, /* a finite `double` */
  GCIM_ARG_CHOICE, /* an `int`: the index of the value in `choices` */
  GCIM_ARG_CALL    /* the value is handed to `handle` (repeatable or checked options) */
} GcimArgKind;

/// Takes an option's value (or a positional argument) into the tool's options `target`.
/// Returns GCIM_OK, GCIM_ERROR_INVALID for a bad value (a usage error; the message names
/// the value) or GCIM_ERROR_MEMORY.
typedef GcimStatus (*GcimArgHandler)(void *target, const char *value, char **errMsg);

/// One row of a tool's option table.
typedef struct GcimArgOption {
  const char *name; /* "--hw", "-o" */
  GcimArgKind kind;
  const char *valueName;      /* "<file.json>" in the help; NULL for a flag */
  const char *help;           /* one paragraph; the help printer wraps it */
  size_t offset;              /* offsetof(ToolOptions, field); unused by GCIM_ARG_CALL */
  const char *const *choices; /* GCIM_ARG_CHOICE: the names, NULL-terminated */
  long long min, max;         /* GCIM_ARG_INT: the accepted range */
  GcimArgHandler handle;      /* GCIM_ARG_CALL */
} GcimArgOption;

/// A tool's command line.
typedef struct GcimArgParser {
  const char *program;  /* "gcim-compile": prefixes every message */
  const char *version;  /* printed by --version and -version */
  const char *overview; /* one line */
  const char *usage;    /* the USAGE lines after "USAGE: " (several separated by '\n') */
  const char *details;  /* a paragraph between usage and options, or NULL */
  const GcimArgOption *options;
  size_t optionCount;
  /// Takes each argument that is not an option ("-" and everything after "--" included).
  GcimArgHandler positional;
  /// Takes each "--name[=value]" argument that no row names (gcim-opt's passes); NULL makes
  /// them unknown-option errors.
  GcimArgHandler unknownLong;
  /// Prints more help sections after OPTIONS (gcim-opt's pass list), or NULL.
  void (*printMoreHelp)(FILE *out);
} GcimArgParser;

/// Parses argv[1..argc) into `target`. Returns GCIM_ARG_CONTINUE to go on, or the status to
/// exit with now: GCIM_EXIT_SUCCESS after --help or --version (printed to stdout),
/// GCIM_EXIT_USAGE after a usage error, GCIM_EXIT_INPUT_ERROR when memory ran out (both
/// printed to stderr).
int gcimArgParse(const GcimArgParser *parser, int argc, char **argv, void *target);

/// Prints the help generated from the table to `out`.
void gcimArgPrintHelp(const GcimArgParser *parser, FILE *out);

/// Prints "PROGRAM: error: MESSAGE" and the hint to --help to stderr; returns
/// GCIM_EXIT_USAGE. For the checks a tool makes after parsing.
int gcimArgUsageError(const GcimArgParser *parser, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/// Prints "PROGRAM: error: MESSAGE" to stderr; returns GCIM_EXIT_INPUT_ERROR.
int gcimArgError(const char *program, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_ARGPARSE_H */
