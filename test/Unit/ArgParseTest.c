/* ArgParseTest.c: unit tests of the tools' command-line parser (gcim/Support/ArgParse.h):
 * values of every kind in both forms, positional arguments, `--`, and the exit status of
 * each usage error (their messages are checked by the tools' lit tests). */
#include "GcimTest.h"

#include "gcim/Support/ArgParse.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct TestOptions {
  bool flag;
  const char *path;
  long long count;
  double rate;
  int mode;
  int calls;
  const char *positional[4];
  int positionalCount;
  const char *longs[4];
  int longCount;
} TestOptions;

static GcimStatus countCall(void *target, const char *value, char **errMsg) {
  if (value[0] == 'x')
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "bad '%s'", value);
  ++((TestOptions *)target)->calls;
  return GCIM_OK;
}

static GcimStatus addPositional(void *target, const char *value, char **errMsg) {
  TestOptions *o = target;
  if (o->positionalCount == 4)
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "too many");
  o->positional[o->positionalCount++] = value;
  return GCIM_OK;
}

static GcimStatus addLong(void *target, const char *value, char **errMsg) {
  (void)errMsg;
  TestOptions *o = target;
  o->longs[o->longCount++ % 4] = value;
  return GCIM_OK;
}

static const char *const modes[] = {"fast", "slow", NULL};

#define FIELD(name) offsetof(TestOptions, name)
static const GcimArgOption table[] = {
    {.name = "--flag", .kind = GCIM_ARG_FLAG, .offset = FIELD(flag), .help = "a flag"},
    {.name = "-o",
     .kind = GCIM_ARG_STRING,
     .valueName = "<path>",
     .offset = FIELD(path),
     .help = "a path"},
    {.name = "--count",
     .kind = GCIM_ARG_INT,
     .valueName = "<n>",
     .offset = FIELD(count),
     .min = 1,
     .max = 10,
     .help = "a count in [1, 10]"},
    {.name = "--rate",
     .kind = GCIM_ARG_NUMBER,
     .valueName = "<r>",
     .offset = FIELD(rate),
     .help = "a rate"},
    {.name = "--mode",
     .kind = GCIM_ARG_CHOICE,
     .valueName = "fast|slow",
     .offset = FIELD(mode),
     .choices = modes,
     .help = "a mode"},
    {.name = "--call",
     .kind = GCIM_ARG_CALL,
     .valueName = "<v>",
     .handle = countCall,
     .help = "a handler, repeatable; a long help text that the printer has to wrap onto a "
             "second and a third line because it is longer than the eighty columns of the help"},
};
#undef FIELD

static const GcimArgParser parser = {
    .program = "argtest",
    .version = "1.2.3",
    .overview = "tests the parser",
    .usage = "argtest [options] files...",
    .options = table,
    .optionCount = sizeof table / sizeof table[0],
    .positional = addPositional,
};

/* Parses the NULL-terminated arguments after the program name into *o. */
static int parse(const GcimArgParser *p, TestOptions *o, const char **args) {
  char *argv[16] = {"argtest"};
  int argc = 1;
  while (args[argc - 1])
    argv[argc] = (char *)args[argc - 1], ++argc;
  *o = (TestOptions){.mode = -1};
  return gcimArgParse(p, argc, argv, o);
}

static void test_values_in_both_forms(void) {
  TestOptions o;
  const char *spaced[] = {"--flag", "-o",     "out",  "--count", "3", "--rate",
                          "0.5",    "--mode", "slow", "--call",  "a", NULL};
  EXPECT_EQ_INT(parse(&parser, &o, spaced), GCIM_ARG_CONTINUE);
  EXPECT_TRUE(o.flag && o.path && strcmp(o.path, "out") == 0);
  EXPECT_EQ_INT(o.count, 3);
  EXPECT_NEAR(o.rate, 0.5, 0);
  EXPECT_EQ_INT(o.mode, 1);
  EXPECT_EQ_INT(o.calls, 1);
  const char *joined[] = {"-o=out",   "--count=10", "--rate=-2e3", "--mode=fast",
                          "--call=a", "--call=b",   NULL};
  EXPECT_EQ_INT(parse(&parser, &o, joined), GCIM_ARG_CONTINUE);
  EXPECT_TRUE(o.path && strcmp(o.path, "out") == 0);
  EXPECT_EQ_INT(o.count, 10);
  EXPECT_NEAR(o.rate, -2e3, 0);
  EXPECT_EQ_INT(o.mode, 0);
  EXPECT_EQ_INT(o.calls, 2);
}

static void test_positionals_and_double_dash(void) {
  TestOptions o;
  const char *args[] = {"a", "-", "--flag", "--", "--count", "-o", NULL};
  EXPECT_EQ_INT(parse(&parser, &o, args), GCIM_ARG_CONTINUE);
  EXPECT_TRUE(o.flag);
  EXPECT_EQ_INT(o.positionalCount, 4);
  EXPECT_TRUE(o.positionalCount == 4 && strcmp(o.positional[1], "-") == 0 &&
              strcmp(o.positional[2], "--count") == 0 && strcmp(o.positional[3], "-o") == 0);
  EXPECT_EQ_INT(o.count, 0);
}

/* Every usage error is exit status 2, and the parse stops there. */
static void test_usage_errors(void) {
  static const char *const cases[][3] = {
      {"--count", NULL, NULL},    {"--count=", NULL, NULL}, {"-o", "", NULL},
      {"--count", "0", NULL},     {"--count", "11", NULL},  {"--count", "3x", NULL},
      {"--count", " 3", NULL},    {"--rate", "nan", NULL},  {"--rate", "inf", NULL},
      {"--mode", "medium", NULL}, {"--flag=1", NULL, NULL}, {"--call", "x", NULL},
      {"--nope", NULL, NULL},     {"-n", NULL, NULL},       {"--counts", "3", NULL}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    TestOptions o;
    const char *args[] = {cases[i][0], cases[i][1], cases[i][2], NULL};
    int code = parse(&parser, &o, args);
    if (code != GCIM_EXIT_USAGE)
      fprintf(stderr, "case %zu: %s %s\n", i, cases[i][0], cases[i][1] ? cases[i][1] : "");
    EXPECT_EQ_INT(code, GCIM_EXIT_USAGE);
  }
  /* A second value of an option is refused (the first would be silently lost); a flag
   * and a handler's option may repeat. */
  static const char *const twice[][5] = {{"-o", "a", "-o", "b", NULL},
                                         {"--count=1", "--count", "1", NULL, NULL},
                                         {"--mode", "fast", "--mode=slow", NULL, NULL}};
  for (size_t i = 0; i < sizeof twice / sizeof twice[0]; ++i) {
    TestOptions o;
    EXPECT_EQ_INT(parse(&parser, &o, (const char **)twice[i]), GCIM_EXIT_USAGE);
  }
  TestOptions repeated;
  const char *repeats[] = {"--flag", "--flag", "--call", "a", "--call", "b", NULL};
  EXPECT_EQ_INT(parse(&parser, &repeated, repeats), GCIM_ARG_CONTINUE);
  EXPECT_EQ_INT(repeated.calls, 2);
  /* A positional handler's refusal is a usage error too. */
  TestOptions o;
  const char *five[] = {"a", "b", "c", "d", "e", NULL};
  EXPECT_EQ_INT(parse(&parser, &o, five), GCIM_EXIT_USAGE);
}

static void test_unknown_long_options_go_to_the_handler(void) {
  GcimArgParser withLongs = parser;
  withLongs.unknownLong = addLong;
  TestOptions o;
  const char *args[] = {"--canonicalize", "--pass=a=1", "--flag", NULL};
  EXPECT_EQ_INT(parse(&withLongs, &o, args), GCIM_ARG_CONTINUE);
  EXPECT_EQ_INT(o.longCount, 2);
  EXPECT_TRUE(o.longCount == 2 && strcmp(o.longs[1], "--pass=a=1") == 0);
  EXPECT_TRUE(o.flag);
  const char *shortArgs[] = {"-x", NULL};
  EXPECT_EQ_INT(parse(&withLongs, &o, shortArgs), GCIM_EXIT_USAGE);
}

/* --help and --version exit 0 at once; the help lists every row within 80 columns. */
static void test_help_and_version(void) {
  TestOptions o;
  const char *help[] = {"--count", "3", "-help", "--nope", NULL};
  const char *version[] = {"-version", NULL};
  EXPECT_EQ_INT(parse(&parser, &o, version), GCIM_EXIT_SUCCESS);
  FILE *out = tmpfile();
  EXPECT_TRUE(out != NULL);
  if (!out)
    return;
  gcimArgPrintHelp(&parser, out);
  rewind(out);
  char line[256], all[4096] = "";
  size_t longest = 0;
  while (fgets(line, sizeof line, out)) {
    size_t length = strcspn(line, "\n");
    longest = length > longest ? length : longest;
    strncat(all, line, sizeof all - strlen(all) - 1);
  }
  fclose(out);
  EXPECT_TRUE(longest <= 80);
  EXPECT_STR_CONTAINS(all, "USAGE: argtest [options] files...");
  EXPECT_STR_CONTAINS(all, "  --count <n>               a count in [1, 10]\n");
  EXPECT_STR_CONTAINS(all, "  --mode fast|slow          a mode\n");
  EXPECT_STR_CONTAINS(all, "\n                            printer has to wrap onto a second");
  EXPECT_STR_CONTAINS(all, "  --version ");
  EXPECT_STR_CONTAINS(all, "EXIT STATUS: 0 on success, 1 on an error in the input, 2 on bad");
  /* --help is handled where it stands, before the bad option after it. */
  EXPECT_EQ_INT(parse(&parser, &o, help), GCIM_EXIT_SUCCESS);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_values_in_both_forms), GCIM_TEST(test_positionals_and_double_dash),
    GCIM_TEST(test_usage_errors),         GCIM_TEST(test_unknown_long_options_go_to_the_handler),
    GCIM_TEST(test_help_and_version),
};

GCIM_TEST_MAIN
