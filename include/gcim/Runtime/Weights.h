/* gcim/Runtime/Weights.h: the weights file of generated models, checked and mapped.
 *
 * Layout (little-endian): a 64-byte header, then the data. Header: the magic
 * "GCIMWGT1" (8 bytes), uint32 version (2; version 1 had an FNV-1a checksum), uint32
 * reserved (0), uint64 data size in bytes, uint64 XXH64 checksum of the data (xxHash's
 * 64-bit hash, seed 0), zero padding to 64 bytes. Every tensor starts at a multiple of 64
 * bytes from the start of the data. C99 + stdio, plus mmap where POSIX provides it
 * (Weights.c). */
#ifndef GCIM_RUNTIME_WEIGHTS_H
#define GCIM_RUNTIME_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { GCIM_WEIGHTS_HEADER_BYTES = 64, GCIM_WEIGHTS_VERSION = 2 };

/// XXH64 (seed 0) of `size` bytes: the weights file's checksum.
uint64_t gcimWeightsChecksum(const void *data, uint64_t size);

/// The checksum of bytes given in pieces: Init, Update with each piece in order, Finish
/// gives gcimWeightsChecksum of the pieces joined (the compiler writes weights so).
typedef struct GcimWeightsHasher {
  uint64_t lanes[4];
  uint64_t totalBytes;
  unsigned char pending[32]; ///< the bytes after the last whole 32-byte stripe
  unsigned pendingBytes;
} GcimWeightsHasher;

void gcimWeightsHasherInit(GcimWeightsHasher *hasher);
void gcimWeightsHasherUpdate(GcimWeightsHasher *hasher, const void *data, uint64_t size);
uint64_t gcimWeightsHasherFinish(const GcimWeightsHasher *hasher);

/// Writes the 64-byte header for `dataBytes` bytes of data with checksum `checksum`.
void gcimWeightsFormatHeader(unsigned char header[GCIM_WEIGHTS_HEADER_BYTES], uint64_t dataBytes,
                             uint64_t checksum);

/// A weights file opened by gcimWeightsMap. `data` is the caller's to read; the other
/// fields say what gcimWeightsUnmap releases. All zero (as from calloc) is an empty
/// mapping, safe to unmap.
typedef struct GcimWeightsMapping {
  const unsigned char *data; ///< the file's data, 64-byte aligned; NULL when not mapped
  void *region;              ///< what mmap returned or malloc allocated; NULL when none
  size_t regionBytes;        ///< its length, for munmap
} GcimWeightsMapping;

/// Opens the weights file at `path` read-only and checks its magic, version, size and
/// checksum against the model's `expectedBytes` and `expectedChecksum`. Where POSIX
/// provides mmap the file is mapped (PROT_READ, MAP_PRIVATE: the data must never be
/// written, and the file must not change while mapped); elsewhere it is read into a
/// malloc'd buffer. On success returns 0 with the data in mapping->data, to release with
/// gcimWeightsUnmap. Otherwise returns -1, leaves *mapping empty and writes a message in
/// error[0..errorSize) naming the file and the problem (missing, corrupt or foreign).
int gcimWeightsMap(const char *path, uint64_t expectedBytes, uint64_t expectedChecksum,
                   GcimWeightsMapping *mapping, char *error, size_t errorSize);

/// Releases what gcimWeightsMap acquired and empties *mapping. Accepts an empty mapping.
void gcimWeightsUnmap(GcimWeightsMapping *mapping);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_WEIGHTS_H */
