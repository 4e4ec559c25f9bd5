/* Weights.c: the weights file of generated models (format in gcim/Runtime/Weights.h). */
/* The runtime is C99; only here does it ask for POSIX, to map the weights where the
 * system can (GCIM_WEIGHTS_NO_MMAP forces the portable read, to test it). */
#if (defined(__unix__) || defined(__APPLE__)) && !defined(GCIM_WEIGHTS_NO_MMAP)
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>
#endif
#if defined(_POSIX_MAPPED_FILES) && _POSIX_MAPPED_FILES > 0
#define WEIGHTS_MMAP 1
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#else
#define WEIGHTS_MMAP 0
#endif

#include "gcim/Runtime/Weights.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char magic[8] = {'G', 'C', 'I', 'M', 'W', 'G', 'T', '1'};

static void putU64(unsigned char *out, uint64_t value) {
  for (int i = 0; i < 8; ++i)
    out[i] = (unsigned char)(value >> (8 * i));
}

/* A little-endian 64-bit word: one load where the compiler says the machine is
 * little-endian (GCC 12 at -O2, the generated Makefile's default, called a byte-by-byte
 * form once per word: 70-110 ms more to check GPT-2 small's weights than at -O3). */
static uint64_t getU64(const unsigned char *in) {
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t word;
  memcpy(&word, in, sizeof word);
  return word;
#else
  return (uint64_t)in[0] | (uint64_t)in[1] << 8 | (uint64_t)in[2] << 16 | (uint64_t)in[3] << 24 |
         (uint64_t)in[4] << 32 | (uint64_t)in[5] << 40 | (uint64_t)in[6] << 48 |
         (uint64_t)in[7] << 56;
#endif
}

/* XXH64 (xxHash's 64-bit hash, seed 0, as its specification gives it): four independent
 * lanes of 8-byte words, so checking a model's weights costs a small part of reading them
 * (FNV-1a, one multiply per byte, was half of a GPT-2 compile's time). */
static const uint64_t prime1 = 0x9E3779B185EBCA87ull, prime2 = 0xC2B2AE3D27D4EB4Full,
                      prime3 = 0x165667B19E3779F9ull, prime4 = 0x85EBCA77C2B2AE63ull,
                      prime5 = 0x27D4EB2F165667C5ull;

static uint64_t rotl(uint64_t x, int r) { return x << r | x >> (64 - r); }

static uint64_t getU32(const unsigned char *in) {
  return (uint64_t)in[0] | (uint64_t)in[1] << 8 | (uint64_t)in[2] << 16 | (uint64_t)in[3] << 24;
}

static uint64_t hashRound(uint64_t lane, uint64_t word) {
  return rotl(lane + word * prime2, 31) * prime1;
}

/* Hashes the whole 32-byte stripes of data[0..size) into the lanes; returns their bytes. */
static uint64_t hashStripes(uint64_t lanes[4], const unsigned char *data, uint64_t size) {
  uint64_t a = lanes[0], b = lanes[1], c = lanes[2], d = lanes[3], done = 0;
  for (; size - done >= 32; done += 32) {
    a = hashRound(a, getU64(data + done));
    b = hashRound(b, getU64(data + done + 8));
    c = hashRound(c, getU64(data + done + 16));
    d = hashRound(d, getU64(data + done + 24));
  }
  lanes[0] = a;
  lanes[1] = b;
  lanes[2] = c;
  lanes[3] = d;
  return done;
}

void gcimWeightsHasherInit(GcimWeightsHasher *hasher) {
  memset(hasher, 0, sizeof *hasher);
  hasher->lanes[0] = prime1 + prime2;
  hasher->lanes[1] = prime2;
  hasher->lanes[3] = 0 - prime1;
}

void gcimWeightsHasherUpdate(GcimWeightsHasher *hasher, const void *data, uint64_t size) {
  const unsigned char *bytes = data;
  hasher->totalBytes += size;
  if (hasher->pendingBytes) { /* first complete the stripe the last call began */
    unsigned take = 32 - hasher->pendingBytes;
    if (size < take)
      take = (unsigned)size;
    memcpy(hasher->pending + hasher->pendingBytes, bytes, take);
    hasher->pendingBytes += take;
    bytes += take;
    size -= take;
    if (hasher->pendingBytes < 32)
      return;
    hashStripes(hasher->lanes, hasher->pending, 32);
    hasher->pendingBytes = 0;
  }
  uint64_t done = hashStripes(hasher->lanes, bytes, size);
  hasher->pendingBytes = (unsigned)(size - done);
  if (hasher->pendingBytes)
    memcpy(hasher->pending, bytes + done, hasher->pendingBytes);
}

uint64_t gcimWeightsHasherFinish(const GcimWeightsHasher *hasher) {
  const uint64_t *lanes = hasher->lanes;
  uint64_t hash = prime5;
  if (hasher->totalBytes >= 32) {
    hash = rotl(lanes[0], 1) + rotl(lanes[1], 7) + rotl(lanes[2], 12) + rotl(lanes[3], 18);
    for (int i = 0; i < 4; ++i)
      hash = (hash ^ hashRound(0, lanes[i])) * prime1 + prime4;
  }
  hash += hasher->totalBytes;
  const unsigned char *p = hasher->pending, *end = p + hasher->pendingBytes;
  for (; end - p >= 8; p += 8)
    hash = rotl(hash ^ hashRound(0, getU64(p)), 27) * prime1 + prime4;
  if (end - p >= 4) {
    hash = rotl(hash ^ getU32(p) * prime1, 23) * prime2 + prime3;
    p += 4;
  }
  for (; p < end; ++p)
    hash = rotl(hash ^ *p * prime5, 11) * prime1;
  hash ^= hash >> 33;
  hash *= prime2;
  hash ^= hash >> 29;
  hash *= prime3;
  return hash ^ hash >> 32;
}

uint64_t gcimWeightsChecksum(const void *data, uint64_t size) {
  GcimWeightsHasher hasher;
  gcimWeightsHasherInit(&hasher);
  gcimWeightsHasherUpdate(&hasher, data, size);
  return gcimWeightsHasherFinish(&hasher);
}

void gcimWeightsFormatHeader(unsigned char header[GCIM_WEIGHTS_HEADER_BYTES], uint64_t dataBytes,
                             uint64_t checksum) {
  memset(header, 0, GCIM_WEIGHTS_HEADER_BYTES);
  memcpy(header, magic, sizeof magic);
  header[8] = GCIM_WEIGHTS_VERSION;
  putU64(header + 16, dataBytes);
  putU64(header + 24, checksum);
}

/* What is wrong with the header, or NULL when it describes the expected data. */
static const char *headerProblem(const unsigned char header[GCIM_WEIGHTS_HEADER_BYTES],
                                 uint64_t expectedBytes, uint64_t expectedChecksum) {
  if (memcmp(header, magic, sizeof magic) != 0)
    return "not a gcim weights file";
  if (header[8] != GCIM_WEIGHTS_VERSION)
    return "unsupported weights file version";
  if (getU64(header + 16) != expectedBytes || getU64(header + 24) != expectedChecksum)
    return "the weights belong to another model (size or checksum differ)";
  return NULL;
}

#if WEIGHTS_MMAP
/* Maps the file once its header and size are right, so a wrong file is never mapped.
 * Returns NULL, or a problem; an open or map failure is already in error. */
static const char *openData(const char *path, uint64_t expectedBytes, uint64_t expectedChecksum,
                            GcimWeightsMapping *mapping, char *error, size_t errorSize) {
  /* O_NONBLOCK: a FIFO given as the weights would block the open until a writer came */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    snprintf(error, errorSize, "cannot open weights file '%s': %s", path, strerror(errno));
    return "";
  }
  unsigned char header[GCIM_WEIGHTS_HEADER_BYTES];
  struct stat st;
  const char *problem = NULL;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    problem = "not a regular file";
  else if (read(fd, header, sizeof header) != (ssize_t)sizeof header)
    problem = "not a gcim weights file";
  else if (!(problem = headerProblem(header, expectedBytes, expectedChecksum))) {
    uint64_t fileBytes = (uint64_t)st.st_size;
    if (fileBytes - GCIM_WEIGHTS_HEADER_BYTES < expectedBytes)
      problem = "the file is truncated";
    else if (fileBytes - GCIM_WEIGHTS_HEADER_BYTES > expectedBytes)
      problem = "the file has trailing data";
  }
  if (!problem) {
    size_t bytes = (size_t)expectedBytes + GCIM_WEIGHTS_HEADER_BYTES;
    void *region = mmap(NULL, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    if (region == MAP_FAILED) {
      snprintf(error, errorSize, "cannot map weights file '%s': %s", path, strerror(errno));
      problem = "";
    } else {
      mapping->region = region;
      mapping->regionBytes = bytes;
      /* page-aligned, so the data at offset 64 is 64-byte aligned */
      mapping->data = (const unsigned char *)region + GCIM_WEIGHTS_HEADER_BYTES;
    }
  }
  close(fd);
  return problem;
}
#else
/* Reads the file's data into a malloc'd, 64-byte aligned buffer. Returns NULL, or a
 * problem; an open failure is already in error. */
static const char *openData(const char *path, uint64_t expectedBytes, uint64_t expectedChecksum,
                            GcimWeightsMapping *mapping, char *error, size_t errorSize) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    snprintf(error, errorSize, "cannot open weights file '%s'", path);
    return "";
  }
  unsigned char header[GCIM_WEIGHTS_HEADER_BYTES];
  const char *problem = NULL;
  if (fread(header, 1, sizeof header, file) != sizeof header)
    problem = "not a gcim weights file";
  else if (!(problem = headerProblem(header, expectedBytes, expectedChecksum))) {
    unsigned char *region = malloc((size_t)expectedBytes + 64);
    unsigned char *data = region ? region + (64 - (uintptr_t)region % 64) % 64 : NULL;
    mapping->region = region;
    if (!region)
      problem = "out of memory";
    else if (expectedBytes && fread(data, 1, (size_t)expectedBytes, file) != expectedBytes)
      problem = "the file is truncated";
    else if (fgetc(file) != EOF)
      problem = "the file has trailing data";
    else
      mapping->data = data;
  }
  fclose(file);
  return problem;
}
#endif

int gcimWeightsMap(const char *path, uint64_t expectedBytes, uint64_t expectedChecksum,
                   GcimWeightsMapping *mapping, char *error, size_t errorSize) {
  memset(mapping, 0, sizeof *mapping);
  const char *problem = "the weights do not fit in this platform's memory";
  if (expectedBytes <= SIZE_MAX - 64 - GCIM_WEIGHTS_HEADER_BYTES)
    problem = openData(path, expectedBytes, expectedChecksum, mapping, error, errorSize);
  if (!problem && gcimWeightsChecksum(mapping->data, expectedBytes) != expectedChecksum)
    problem = "the data is corrupt (checksum mismatch)";
  if (!problem)
    return 0;
  gcimWeightsUnmap(mapping);
  if (*problem) /* "" when the message is already written */
    snprintf(error, errorSize, "weights file '%s': %s", path, problem);
  return -1;
}

void gcimWeightsUnmap(GcimWeightsMapping *mapping) {
#if WEIGHTS_MMAP
  if (mapping->region)
    munmap(mapping->region, mapping->regionBytes);
#else
  free(mapping->region);
#endif
  memset(mapping, 0, sizeof *mapping);
}
