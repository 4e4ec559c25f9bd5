/* Threads.c: the worker pool of gcim/Runtime/Threads.h (POSIX threads, or one thread).
 *
 * A decode step runs the pool some sixty times per token, with microseconds of serial work
 * between runs. A worker asleep on a condition variable takes tens of microseconds to wake
 * (90 us on a KVM guest: the idle vCPU halts), and so does the caller when it sleeps until
 * the last task is done; so both first spin for up to SPIN_NS on the word they wait for,
 * then sleep. A pool with more threads than processors never spins (a spinning thread would
 * take the processor from the one it waits for). Tasks are claimed under the lock, so a
 * worker never sees half of a run's description. */
#if defined(__unix__) || defined(__APPLE__)
#define _POSIX_C_SOURCE 200809L /* pthreads, sysconf and clock_gettime under -std=c99 */
#include <unistd.h>
#endif

#include "gcim/Runtime/Threads.h"

#include <stdlib.h>
#include <string.h>

#if defined(_POSIX_THREADS) && _POSIX_THREADS > 0
#define GCIM_HAVE_THREADS 1
#include <pthread.h>
#include <time.h>
#else
#define GCIM_HAVE_THREADS 0
#endif

/* The words waited for are read outside the lock while spinning: atomically where the
 * compiler has the builtins, else there is no spinning and every access is under the lock. */
#if GCIM_HAVE_THREADS && defined(__GNUC__) && defined(CLOCK_MONOTONIC)
#define CAN_SPIN 1
#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#if defined(__x86_64__) || defined(__i386__)
#define PAUSE() __builtin_ia32_pause()
#else
#define PAUSE() ((void)0)
#endif
#else
#define CAN_SPIN 0
#define LOAD(p) (*(p))
#define STORE(p, v) (*(p) = (v))
#endif

enum { MAX_THREADS = 256 };
enum { SPIN_NS = 100000 }; /* longer than the serial gaps of a decode step, short for a user */

struct GcimThreadPool {
  int threads;
  GcimAllocator allocator;
#if GCIM_HAVE_THREADS
  pthread_t *workers; /* threads - 1 of them: the caller is the last thread */
  int started;        /* workers created (for cleanup after a failed create) */
  int spin;           /* whether waits spin first (threads <= processors) */
  pthread_mutex_t lock;
  pthread_cond_t start, done;
  int64_t generation; /* incremented by every run and by the stop; workers wait for a new one */
  int stopping;
  /* The current run, written under `lock`. */
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
/* Spins for at most SPIN_NS until *word reaches `value` (`equal`) or leaves it (!`equal`);
 * returns whether it did. Always 0 where waits do not spin. */
static int spinFor(const GcimThreadPool *pool, const int64_t *word, int64_t value, int equal) {
#if CAN_SPIN
  if (!pool->spin)
    return 0;
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if ((LOAD(word) == value) == equal)
        return 1;
      PAUSE();
    }
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((t.tv_sec - t0.tv_sec) * 1000000000 + (t.tv_nsec - t0.tv_nsec) > SPIN_NS)
      return 0;
  }
#else
  (void)pool, (void)word, (void)value, (void)equal;
  return 0;
#endif
}

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
    STORE(&pool->finished, pool->finished + 1);
    if (pool->finished == pool->tasks)
      pthread_cond_signal(&pool->done);
  }
  pthread_mutex_unlock(&pool->lock);
}

static void *worker(void *arg) {
  GcimThreadPool *pool = arg;
  int64_t seen = 0;
  for (;;) {
    spinFor(pool, &pool->generation, seen, 0);
    pthread_mutex_lock(&pool->lock);
    while (LOAD(&pool->generation) == seen)
      pthread_cond_wait(&pool->start, &pool->lock);
    int stopping = pool->stopping;
    seen = LOAD(&pool->generation);
    pthread_mutex_unlock(&pool->lock);
    if (stopping)
      return NULL;
    takeTasks(pool);
  }
}

/* Publishes a new generation (a run or the stop) to the workers; under `lock`. */
static void publish(GcimThreadPool *pool) {
  STORE(&pool->generation, pool->generation + 1);
  pthread_cond_broadcast(&pool->start);
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
  pool->spin = pool->threads <= gcimThreadsOnline();
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
    publish(pool);
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
  STORE(&pool->finished, 0);
  publish(pool);
  pthread_mutex_unlock(&pool->lock);
  takeTasks(pool);
  spinFor(pool, &pool->finished, tasks, 1);
  pthread_mutex_lock(&pool->lock);
  while (LOAD(&pool->finished) < pool->tasks)
    pthread_cond_wait(&pool->done, &pool->lock);
  pthread_mutex_unlock(&pool->lock);
#endif
}
