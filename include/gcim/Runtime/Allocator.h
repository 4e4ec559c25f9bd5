/* gcim/Runtime/Allocator.h: the runtime's allocator hook, taken by every runtime object
 * that allocates (simulator heads, the thread pool). C99. */
#ifndef GCIM_RUNTIME_ALLOCATOR_H
#define GCIM_RUNTIME_ALLOCATOR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An allocator hook: `alloc` returns NULL on failure, `free` accepts what `alloc`
/// returned; `ud` is passed to both. A NULL GcimAllocator pointer means malloc/free.
typedef struct GcimAllocator {
  void *(*alloc)(void *ud, size_t size);
  void (*free)(void *ud, void *ptr);
  void *ud;
} GcimAllocator;

/// *allocator, or malloc/free when `allocator` is NULL (what every runtime object that
/// takes an allocator hook uses).
GcimAllocator gcimAllocatorOrDefault(const GcimAllocator *allocator);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_ALLOCATOR_H */
