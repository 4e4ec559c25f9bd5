/* GcimTest.h: a minimal unit-test harness for gcim's C code without MLIR.
 *
 * A test file defines `static void test_name(void)` functions using the EXPECT macros,
 * lists them with GCIM_TEST_LIST, and ends with GCIM_TEST_MAIN. Each EXPECT that fails
 * prints the file, line and the values involved; the program prints one line per test and
 * a closing `N passed, N failed` line, and exits non-zero if any test failed. */
#ifndef GCIM_TEST_UNIT_GCIMTEST_H
#define GCIM_TEST_UNIT_GCIMTEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct GcimTestCase {
  const char *name;
  void (*run)(void);
} GcimTestCase;

static int gcimTestFailures; /* failures in the current test */

#define EXPECT_TRUE(cond)                                                                          \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      ++gcimTestFailures;                                                                          \
      fprintf(stderr, "%s:%d: expected: %s\n", __FILE__, __LINE__, #cond);                         \
    }                                                                                              \
  } while (0)

#define EXPECT_EQ_INT(actual, expected)                                                            \
  do {                                                                                             \
    long long gcimA = (long long)(actual), gcimE = (long long)(expected);                          \
    if (gcimA != gcimE) {                                                                          \
      ++gcimTestFailures;                                                                          \
      fprintf(stderr, "%s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__, #actual, gcimA,    \
              gcimE);                                                                              \
    }                                                                                              \
  } while (0)

/* |actual - expected| <= tolerance; the tolerance is printed with any failure. */
#define EXPECT_NEAR(actual, expected, tolerance)                                                   \
  do {                                                                                             \
    double gcimA = (double)(actual), gcimE = (double)(expected);                                   \
    if (!(fabs(gcimA - gcimE) <= (double)(tolerance))) {                                           \
      ++gcimTestFailures;                                                                          \
      fprintf(stderr, "%s:%d: %s is %.9g, expected %.9g within %.3g\n", __FILE__, __LINE__,        \
              #actual, gcimA, gcimE, (double)(tolerance));                                         \
    }                                                                                              \
  } while (0)

#define EXPECT_STR_CONTAINS(text, part)                                                            \
  do {                                                                                             \
    const char *gcimT = (text);                                                                    \
    if (!gcimT || !strstr(gcimT, (part))) {                                                        \
      ++gcimTestFailures;                                                                          \
      fprintf(stderr, "%s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__,                   \
              gcimT ? gcimT : "(null)", (part));                                                   \
    }                                                                                              \
  } while (0)

#define GCIM_TEST_LIST static const GcimTestCase gcimTests[] =
#define GCIM_TEST(fn)                                                                              \
  { #fn, fn }

#define GCIM_TEST_MAIN                                                                             \
  int main(void) {                                                                                 \
    int passed = 0, failed = 0;                                                                    \
    for (size_t i = 0; i < sizeof gcimTests / sizeof gcimTests[0]; ++i) {                          \
      gcimTestFailures = 0;                                                                        \
      gcimTests[i].run();                                                                          \
      printf("%s: %s\n", gcimTestFailures ? "FAIL" : "PASS", gcimTests[i].name);                   \
      if (gcimTestFailures)                                                                        \
        ++failed;                                                                                  \
      else                                                                                         \
        ++passed;                                                                                  \
    }                                                                                              \
    printf("%d passed, %d failed\n", passed, failed);                                              \
    return failed ? 1 : 0;                                                                         \
  }

#endif /* GCIM_TEST_UNIT_GCIMTEST_H */
