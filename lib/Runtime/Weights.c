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

uint64_t gcimWeightsChecksumUpdate(uint64_t hash, const void *data, uint64_t size) {
  const unsigned char *bytes = data;
  for (uint64_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 1099511628211ull;
  }
  return hash;
}

uint64_t gcimWeightsChecksum(const void *data, uint64_t size) {
  return gcimWeightsChecksumUpdate(GCIM_WEIGHTS_CHECKSUM_SEED, data, size);
}

static void putU64(unsigned char *out, uint64_t value) {
  for (int i = 0; i < 8; ++i)
    out[i] = (unsigned char)(value >> (8 * i));
}

static uint64_t getU64(const unsigned char *in) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
    value = value << 8 | in[i];
  return value;
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
  int fd = open(path, O_RDONLY | O_CLOEXEC);
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
