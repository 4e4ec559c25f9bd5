/* gcim/Runtime/Weights.h: the weights file of generated models, checked and loaded.
 *
 * Layout (little-endian): a 64-byte header, then the data. Header: the magic
 * "GCIMWGT1" (8 bytes), uint32 version (1), uint32 reserved (0), uint64 data size in
 * bytes, uint64 FNV-1a-64 checksum of the data, zero padding to 64 bytes. Every tensor
 * starts at a multiple of 64 bytes from the start of the data. C99 + stdio only. */
#ifndef GCIM_RUNTIME_WEIGHTS_H
#define GCIM_RUNTIME_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { GCIM_WEIGHTS_HEADER_BYTES = 64, GCIM_WEIGHTS_VERSION = 1 };

/// The FNV-1a 64-bit offset basis: the checksum of no data.
#define GCIM_WEIGHTS_CHECKSUM_SEED 14695981039346656037ull

/// FNV-1a 64-bit hash of `size` bytes: the weights file's checksum.
uint64_t gcimWeightsChecksum(const void *data, uint64_t size);

/// The checksum of the bytes hashed into `hash` so far followed by `size` more bytes:
/// gcimWeightsChecksum(ab) == Update(gcimWeightsChecksum(a), b).
uint64_t gcimWeightsChecksumUpdate(uint64_t hash, const void *data, uint64_t size);

/// Writes the 64-byte header for `dataBytes` bytes of data with checksum `checksum`.
void gcimWeightsFormatHeader(unsigned char header[GCIM_WEIGHTS_HEADER_BYTES],
                             uint64_t dataBytes, uint64_t checksum);

/// Reads the weights file at `path` into `data`, a caller-owned buffer of exactly
/// `expectedBytes` bytes, and checks its magic, version, size and checksum against the
/// model's `expectedChecksum`. Returns 0 on success; otherwise -1 and a message in
/// error[0..errorSize) naming the file and the mismatch (a corrupt or wrong file).
int gcimWeightsLoad(const char *path, void *data, uint64_t expectedBytes,
                    uint64_t expectedChecksum, char *error, size_t errorSize);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_WEIGHTS_H */
