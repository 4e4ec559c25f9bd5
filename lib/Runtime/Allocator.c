/* Allocator.c: the default of the runtime's allocator hook. */
#include "gcim/Runtime/Allocator.h"

#include <stdlib.h>

static void *defaultAlloc(void *ud, size_t size) {
  (void)ud;
  return malloc(size);
}

static void defaultFree(void *ud, void *ptr) {
  (void)ud;
  free(ptr);
}

GcimAllocator gcimAllocatorOrDefault(const GcimAllocator *allocator) {
  return allocator ? *allocator : (GcimAllocator){defaultAlloc, defaultFree, NULL};
}
