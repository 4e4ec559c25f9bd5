/* ArgParse.c: the table-driven command-line parser of gcim's tools. */
#include "gcim/Support/ArgParse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { HELP_WIDTH = 80, HELP_NAME_COLUMN = 28 };

static void printError(const char *program, const char *format, va_list args) {
  fprintf(stderr, "%s: error: ", program);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
}

int gcimArgError(const char *program, const char *format, ...) {
  va_list args;
  va_start(args, format);
  printError(program, format, args);
  va_end(args);
  return GCIM_EXIT_INPUT_ERROR;
}

int gcimArgUsageError(const GcimArgParser *parser, const char *format, ...) {
  va_list args;
  va_start(args, format);
  printError(parser->program, format, args);
  va_end(args);
  fprintf(stderr, "(run '%s --help' for usage)\n", parser->program);
  return GCIM_EXIT_USAGE;
}

/* Prints `text` from column `column`, wrapped at HELP_WIDTH, continuation lines indented to
 * `column`; the first line starts where the cursor is. */
static void printWrapped(FILE *out, const char *text, int column) {
  int at = column;
  while (*text) {
    size_t word = strcspn(text, " ");
    if (at > column && at + 1 + (int)word > HELP_WIDTH) {
      fprintf(out, "\n%*s", column, "");
      at = column;
    } else if (at > column) {
      fputc(' ', out);
      ++at;
    }
    fwrite(text, 1, word, out);
    at += (int)word;
    text += word;
    text += strspn(text, " ");
  }
  fputc('\n', out);
}

static void printOption(FILE *out, const char *name, const char *valueName, const char *help) {
  int width = fprintf(out, "  %s%s%s", name, valueName ? " " : "", valueName ? valueName : "");
  if (width + 1 > HELP_NAME_COLUMN)
    fprintf(out, "\n%*s", HELP_NAME_COLUMN, "");
  else
    fprintf(out, "%*s", HELP_NAME_COLUMN - width, "");
  printWrapped(out, help, HELP_NAME_COLUMN);
}

void gcimArgPrintHelp(const GcimArgParser *parser, FILE *out) {
  fprintf(out, "OVERVIEW: %s: %s\n\nUSAGE: ", parser->program, parser->overview);
  for (const char *line = parser->usage; *line;) {
    size_t length = strcspn(line, "\n");
    fprintf(out, "%s%.*s\n", line == parser->usage ? "" : "       ", (int)length, line);
    line += length + (line[length] == '\n');
  }
  if (parser->details) {
    fputc('\n', out);
    printWrapped(out, parser->details, 0);
  }
  fputs("\nOPTIONS (a value as --opt value or --opt=value):\n", out);
  for (size_t i = 0; i < parser->optionCount; ++i) {
    const GcimArgOption *option = &parser->options[i];
    printOption(out, option->name, option->valueName, option->help);
  }
  printOption(out, "--help", NULL, "print this help and exit");
  printOption(out, "--version", NULL, "print the version and exit");
  if (parser->printMoreHelp) {
    fputc('\n', out);
    parser->printMoreHelp(out);
  }
  fputs("\nEXIT STATUS: 0 on success, 1 on an error in the input, 2 on bad usage.\n", out);
}

static const GcimArgOption *findOption(const GcimArgParser *parser, const char *arg,
                                       const char **inlineValue) {
  for (size_t i = 0; i < parser->optionCount; ++i) {
    const GcimArgOption *option = &parser->options[i];
    size_t length = strlen(option->name);
    if (strncmp(arg, option->name, length) != 0)
      continue;
    if (arg[length] == '\0' || arg[length] == '=') {
      *inlineValue = arg[length] == '=' ? arg + length + 1 : NULL;
      return option;
    }
  }
  return NULL;
}

/* Stores `value` for `option` into `target`; returns a status and, for a bad value, the
 * message. */
static GcimStatus storeValue(const GcimArgOption *option, const char *value, void *target,
                             char **errMsg) {
  void *field = (char *)target + option->offset;
  char *end;
  errno = 0;
  switch (option->kind) {
  case GCIM_ARG_FLAG:
    *(bool *)field = true;
    return GCIM_OK;
  case GCIM_ARG_STRING:
    *(const char **)field = value;
    return GCIM_OK;
  case GCIM_ARG_INT: {
    long long number = strtoll(value, &end, 10);
    if (*end || errno || isspace((unsigned char)value[0]) || number < option->min ||
        number > option->max)
      return gcimFail(errMsg, GCIM_ERROR_INVALID, "%s needs an integer in [%lld, %lld], not '%s'",
                      option->name, option->min, option->max, value);
    *(long long *)field = number;
    return GCIM_OK;
  }
  case GCIM_ARG_NUMBER: {
    double number = strtod(value, &end);
    if (*end || errno || isspace((unsigned char)value[0]) || !isfinite(number))
      return gcimFail(errMsg, GCIM_ERROR_INVALID, "%s needs a finite number, not '%s'",
                      option->name, value);
    *(double *)field = number;
    return GCIM_OK;
  }
  case GCIM_ARG_CHOICE: {
    char names[256] = "";
    for (int i = 0; option->choices[i]; ++i) {
      if (strcmp(value, option->choices[i]) == 0) {
        *(int *)field = i;
        return GCIM_OK;
      }
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
               option->choices[i]);
    }
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "%s must be one of %s, not '%s'", option->name,
                    names, value);
  }
  case GCIM_ARG_CALL:
    return option->handle(target, value, errMsg);
  }
  return gcimFail(errMsg, GCIM_ERROR_INVALID, "%s: unknown option kind", option->name);
}

/* The exit status after `status`: the handler's message printed as a usage error, or an
 * input error when memory ran out. */
static int reportFailure(const GcimArgParser *parser, GcimStatus status, char *errMsg) {
  int code = status == GCIM_ERROR_INVALID && errMsg
                 ? gcimArgUsageError(parser, "%s", errMsg)
                 : gcimArgError(parser->program, "%s", errMsg ? errMsg : "out of memory");
  free(errMsg);
  return code;
}

/* Parses argv[*i] (and its value, advancing *i) as an option of the table; `given` marks
 * the rows that took a value already. */
static int parseOption(const GcimArgParser *parser, int argc, char **argv, int *i, void *target,
                       bool *given) {
  const char *arg = argv[*i], *value = NULL;
  const GcimArgOption *option = findOption(parser, arg, &value);
  if (!option) {
    if (parser->unknownLong && strncmp(arg, "--", 2) == 0) {
      char *errMsg = NULL;
      GcimStatus status = parser->unknownLong(target, arg, &errMsg);
      return status == GCIM_OK ? GCIM_ARG_CONTINUE : reportFailure(parser, status, errMsg);
    }
    return gcimArgUsageError(parser, "unknown option '%s'", arg);
  }
  if (option->kind == GCIM_ARG_FLAG && value)
    return gcimArgUsageError(parser, "%s takes no value", option->name);
  if (option->kind != GCIM_ARG_FLAG && !value) {
    if (*i + 1 < argc)
      value = argv[++*i];
  }
  if (option->kind != GCIM_ARG_FLAG && (!value || !value[0]))
    return gcimArgUsageError(parser, "%s needs a value: %s %s", option->name, option->name,
                             option->valueName);
  /* A second value would silently replace the first: which one was meant? A flag may
   * repeat, and a handler takes repeats (--input-shape) or refuses them itself. */
  size_t row = (size_t)(option - parser->options);
  if (option->kind != GCIM_ARG_FLAG && option->kind != GCIM_ARG_CALL && given[row])
    return gcimArgUsageError(parser, "%s is given twice: give it once", option->name);
  given[row] = true;
  char *errMsg = NULL;
  GcimStatus status = storeValue(option, value, target, &errMsg);
  return status == GCIM_OK ? GCIM_ARG_CONTINUE : reportFailure(parser, status, errMsg);
}

static bool isOneOf(const char *arg, const char *a, const char *b) {
  return strcmp(arg, a) == 0 || strcmp(arg, b) == 0;
}

int gcimArgParse(const GcimArgParser *parser, int argc, char **argv, void *target) {
  bool optionsEnded = false;
  bool *given = calloc(parser->optionCount + 1, sizeof *given);
  if (!given)
    return gcimArgError(parser->program, "out of memory");
  int code = GCIM_ARG_CONTINUE;
  for (int i = 1; i < argc && code == GCIM_ARG_CONTINUE; ++i) {
    const char *arg = argv[i];
    if (!optionsEnded && (isOneOf(arg, "--help", "-help") || strcmp(arg, "-h") == 0)) {
      gcimArgPrintHelp(parser, stdout);
      code = GCIM_EXIT_SUCCESS;
    } else if (!optionsEnded && isOneOf(arg, "--version", "-version")) {
      printf("%s %s\n", parser->program, parser->version);
      code = GCIM_EXIT_SUCCESS;
    } else if (!optionsEnded && strcmp(arg, "--") == 0) {
      optionsEnded = true;
    } else if (!optionsEnded && arg[0] == '-' && arg[1]) {
      code = parseOption(parser, argc, argv, &i, target, given);
    } else {
      char *errMsg = NULL;
      GcimStatus status = parser->positional(target, arg, &errMsg);
      if (status != GCIM_OK)
        code = reportFailure(parser, status, errMsg);
    }
  }
  free(given);
  return code;
}
