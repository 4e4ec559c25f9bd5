/* Threads.c: the worker pool of gcim/Runtime/Threads.h (POSIX threads, or one thread). */
#if defined(__unix__) || defined(__APPLE__)
#define _POSIX_C_SOURCE 200809L /* pthreads and sysconf under -std=c99 */
#include <unistd.h>
#endif

#include "gcim/Runtime/Threads.h"

#include <stdlib.h>
#include <string.h>

#if defined(_POSIX_THREADS) && _POSIX_THREADS > 0
#define GCIM_HAVE_THREADS 1
#include <pthread.h>
#else
#define GCIM_HAVE_THREADS 0
#endif

enum { MAX_THREADS = 256 };

struct GcimThreadPool {
  int threads;
  GcimAllocator allocator;
#if GCIM_HAVE_THREADS
  pthread_t *workers; /* threads - 1 of them: the caller is the last thread */
  int started;        /* workers created (for cleanup after a failed create) */
  pthread_mutex_t lock;
  pthread_cond_t start, done;
  uint64_t generation; /* incremented by every run; workers wait for a new one */
  int stopping;
  /* The current run, under `lock`. */
  GcimTaskFn fn;
  void *ctx;
  int64_t tasks, next, finished;
#endif
};

int gcimThreadsOnline(void) {
#if defined(_SC_NPROCESSORS_ONLN)
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online < 1 ? 1 : online > MAX_THREADS ? MAX_THREADS : (int)online;
#else
  return 1;
#endif
}

int gcimThreadPoolSize(const GcimThreadPool *pool) { return pool ? pool->threads : 1; }

static void runInOrder(int64_t tasks, GcimTaskFn fn, void *ctx) {
  for (int64_t i = 0; i < tasks; ++i)
    fn(ctx, i);
}

#if GCIM_HAVE_THREADS
/* Takes tasks of the current run until none is left. */
static void takeTasks(GcimThreadPool *pool) {
  pthread_mutex_lock(&pool->lock);
  while (pool->next < pool->tasks) {
    int64_t task = pool->next++;
    GcimTaskFn fn = pool->fn;
    void *ctx = pool->ctx;
    pthread_mutex_unlock(&pool->lock);
    fn(ctx, task);
    pthread_mutex_lock(&pool->lock);
    if (++pool->finished == pool->tasks)
      pthread_cond_signal(&pool->done);
  }
  pthread_mutex_unlock(&pool->lock);
}

static void *worker(void *arg) {
  GcimThreadPool *pool = arg;
  uint64_t seen = 0;
  for (;;) {
    pthread_mutex_lock(&pool->lock);
    while (pool->generation == seen && !pool->stopping)
      pthread_cond_wait(&pool->start, &pool->lock);
    int stopping = pool->stopping;
    seen = pool->generation;
    pthread_mutex_unlock(&pool->lock);
    if (stopping)
      return NULL;
    takeTasks(pool);
  }
}
#endif

int gcimThreadPoolCreate(int threads, const GcimAllocator *allocator, GcimThreadPool **out) {
  GcimAllocator a = gcimAllocatorOrDefault(allocator);
  *out = NULL;
  GcimThreadPool *pool = a.alloc(a.ud, sizeof *pool);
  if (!pool)
    return -1;
  memset(pool, 0, sizeof *pool);
  pool->allocator = a;
  if (threads <= 0)
    threads = gcimThreadsOnline();
  pool->threads = threads > MAX_THREADS ? MAX_THREADS : threads;
#if GCIM_HAVE_THREADS
  if (pool->threads > 1) {
    pool->workers = a.alloc(a.ud, (size_t)(pool->threads - 1) * sizeof *pool->workers);
    if (!pool->workers || pthread_mutex_init(&pool->lock, NULL) != 0) {
      a.free(a.ud, pool->workers);
      a.free(a.ud, pool);
      return -1;
    }
    pthread_cond_init(&pool->start, NULL);
    pthread_cond_init(&pool->done, NULL);
    for (; pool->started < pool->threads - 1; ++pool->started)
      if (pthread_create(&pool->workers[pool->started], NULL, worker, pool) != 0) {
        gcimThreadPoolDestroy(pool);
        return -1;
      }
  }
#else
  pool->threads = 1;
#endif
  *out = pool;
  return 0;
}

void gcimThreadPoolDestroy(GcimThreadPool *pool) {
  if (!pool)
    return;
#if GCIM_HAVE_THREADS
  if (pool->threads > 1) {
    pthread_mutex_lock(&pool->lock);
    pool->stopping = 1;
    pthread_cond_broadcast(&pool->start);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->started; ++i)
      pthread_join(pool->workers[i], NULL);
    pthread_cond_destroy(&pool->start);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->lock);
    pool->allocator.free(pool->allocator.ud, pool->workers);
  }
#endif
  pool->allocator.free(pool->allocator.ud, pool);
}

void gcimThreadPoolRun(GcimThreadPool *pool, int64_t tasks, GcimTaskFn fn, void *ctx) {
  if (!pool || pool->threads == 1 || tasks <= 1) {
    runInOrder(tasks, fn, ctx);
    return;
  }
#if GCIM_HAVE_THREADS
  pthread_mutex_lock(&pool->lock);
  pool->fn = fn;
  pool->ctx = ctx;
  pool->tasks = tasks;
  pool->next = 0;
  pool->finished = 0;
  pool->generation++;
  pthread_cond_broadcast(&pool->start);
  pthread_mutex_unlock(&pool->lock);
  takeTasks(pool);
  pthread_mutex_lock(&pool->lock);
  while (pool->finished < pool->tasks)
    pthread_cond_wait(&pool->done, &pool->lock);
  pthread_mutex_unlock(&pool->lock);
#endif
}
