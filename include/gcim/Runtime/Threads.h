/* gcim/Runtime/Threads.h: a fixed pool of worker threads for the kernels and the simulator.
 *
 * gcimThreadPoolRun(pool, tasks, fn, ctx) calls fn(ctx, i) once for every i in [0, tasks)
 * and returns when all have returned; the calling thread takes tasks too. Which thread runs
 * a task is not fixed, so a task must compute the same thing wherever it runs (each writes
 * only its own outputs): results then do not depend on the number of threads. Workers are
 * created with the pool and wait between runs, so a run allocates nothing. POSIX threads
 * where the platform has them; elsewhere a pool has one thread and runs tasks in order.
 * C99. */
#ifndef GCIM_RUNTIME_THREADS_H
#define GCIM_RUNTIME_THREADS_H

#include "gcim/Runtime/Allocator.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct GcimThreadPool GcimThreadPool;

/// A task of a run: fn(ctx, task) for task in [0, tasks).
typedef void (*GcimTaskFn)(void *ctx, int64_t task);

/// Processors online (at least 1; 1 where the platform cannot tell).
int gcimThreadsOnline(void);

/// Creates a pool of `threads` threads in all, the caller's included (threads <= 0: one per
/// processor online; capped at 256; 1 where threads are not available). `allocator` may be
/// NULL (malloc/free). Returns 0 and *out, or -1 (*out NULL) when memory or a thread could
/// not be had.
int gcimThreadPoolCreate(int threads, const GcimAllocator *allocator, GcimThreadPool **out);

/// Stops the workers and frees the pool. Accepts NULL.
void gcimThreadPoolDestroy(GcimThreadPool *pool);

/// Threads of the pool, the caller's included; 1 for a NULL pool.
int gcimThreadPoolSize(const GcimThreadPool *pool);

/// Runs fn(ctx, i) for every i in [0, tasks) on the pool's threads and returns when all are
/// done. A NULL pool, a pool of one thread or a single task runs them in order on the
/// calling thread. Not reentrant: a task must not call gcimThreadPoolRun on the same pool.
void gcimThreadPoolRun(GcimThreadPool *pool, int64_t tasks, GcimTaskFn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_THREADS_H */
