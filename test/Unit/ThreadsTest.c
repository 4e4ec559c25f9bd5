/* ThreadsTest.c: the runtime's worker pool (gcim/Runtime/Threads.h). */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include "GcimTest.h"

#include "gcim/Runtime/Threads.h"

#include <stdlib.h>
#include <time.h>

enum { TASKS = 1000 };

typedef struct Squares {
  int64_t out[TASKS];
  int calls[TASKS];
} Squares;

static void square(void *ctx, int64_t task) {
  Squares *s = ctx;
  s->out[task] = task * task;
  s->calls[task]++; /* each task is its own slot: no race */
}

/* Every task runs exactly once per run, for many runs in a row (races show up as a task
 * run twice or never). */
static void expectRuns(GcimThreadPool *pool, int64_t tasks) {
  Squares *s = calloc(1, sizeof *s);
  for (int run = 0; run < 200; ++run)
    gcimThreadPoolRun(pool, tasks, square, s);
  int wrong = 0;
  for (int64_t i = 0; i < TASKS; ++i)
    wrong += i < tasks ? (s->calls[i] != 200 || s->out[i] != i * i) : s->calls[i] != 0;
  EXPECT_EQ_INT(wrong, 0);
  free(s);
}

static void test_every_task_once(void) {
  for (int threads = 1; threads <= 4; ++threads) {
    GcimThreadPool *pool = NULL;
    EXPECT_EQ_INT(gcimThreadPoolCreate(threads, NULL, &pool), 0);
    EXPECT_EQ_INT(gcimThreadPoolSize(pool), threads);
    expectRuns(pool, TASKS);
    expectRuns(pool, 3); /* fewer tasks than threads */
    expectRuns(pool, 1);
    expectRuns(pool, 0);
    gcimThreadPoolDestroy(pool);
  }
  expectRuns(NULL, TASKS); /* no pool: in order on the caller */
  gcimThreadPoolDestroy(NULL);
}

static void test_default_is_one_per_processor(void) {
  GcimThreadPool *pool = NULL;
  EXPECT_TRUE(gcimThreadsOnline() >= 1);
  EXPECT_EQ_INT(gcimThreadPoolCreate(0, NULL, &pool), 0);
  EXPECT_EQ_INT(gcimThreadPoolSize(pool), gcimThreadsOnline());
  gcimThreadPoolDestroy(pool);
  EXPECT_EQ_INT(gcimThreadPoolSize(NULL), 1);
}

/* Runs apart by longer than the pool's spin (100 us), so the workers and the caller also
 * go to sleep and are woken; and runs back to back, where they are caught spinning. */
static void test_runs_after_sleeping(void) {
  GcimThreadPool *pool = NULL;
  EXPECT_EQ_INT(gcimThreadPoolCreate(2, NULL, &pool), 0);
  Squares *s = calloc(1, sizeof *s);
  const struct timespec pause = {0, 2000000}; /* 2 ms */
  for (int run = 0; run < 20; ++run) {
    gcimThreadPoolRun(pool, 4, square, s);
    if (run % 2)
      nanosleep(&pause, NULL);
  }
  int wrong = 0;
  for (int64_t i = 0; i < 4; ++i)
    wrong += s->calls[i] != 20 || s->out[i] != i * i;
  EXPECT_EQ_INT(wrong, 0);
  free(s);
  gcimThreadPoolDestroy(pool);
}

typedef struct Counting {
  int live, failAfter;
} Counting;

static void *countingAlloc(void *ud, size_t size) {
  Counting *c = ud;
  if (c->failAfter-- == 0)
    return NULL;
  c->live++;
  return malloc(size);
}

static void countingFree(void *ud, void *ptr) {
  Counting *c = ud;
  if (ptr)
    c->live--;
  free(ptr);
}

/* The pool's memory comes from the allocator hook, all of it returned; a failing
 * allocator gives -1 and no pool, without leaking. */
static void test_allocator(void) {
  Counting counting = {0, -1};
  GcimAllocator allocator = {countingAlloc, countingFree, &counting};
  GcimThreadPool *pool = NULL;
  EXPECT_EQ_INT(gcimThreadPoolCreate(3, &allocator, &pool), 0);
  EXPECT_TRUE(counting.live > 0);
  gcimThreadPoolDestroy(pool);
  EXPECT_EQ_INT(counting.live, 0);
  for (int failAt = 0; failAt < 2; ++failAt) {
    counting = (Counting){0, failAt};
    pool = (GcimThreadPool *)&counting; /* overwritten */
    EXPECT_EQ_INT(gcimThreadPoolCreate(3, &allocator, &pool), -1);
    EXPECT_TRUE(pool == NULL);
    EXPECT_EQ_INT(counting.live, 0);
  }
}

GCIM_TEST_LIST{
    GCIM_TEST(test_every_task_once),
    GCIM_TEST(test_default_is_one_per_processor),
    GCIM_TEST(test_runs_after_sleeping),
    GCIM_TEST(test_allocator),
};
GCIM_TEST_MAIN
