/* Weights.c: the weights file of generated models (format in gcim/Runtime/Weights.h). */
#include "gcim/Runtime/Weights.h"

#include <stdio.h>
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

void gcimWeightsFormatHeader(unsigned char header[GCIM_WEIGHTS_HEADER_BYTES],
                             uint64_t dataBytes, uint64_t checksum) {
  memset(header, 0, GCIM_WEIGHTS_HEADER_BYTES);
  memcpy(header, magic, sizeof magic);
  header[8] = GCIM_WEIGHTS_VERSION;
  putU64(header + 16, dataBytes);
  putU64(header + 24, checksum);
}

int gcimWeightsLoad(const char *path, void *data, uint64_t expectedBytes,
                    uint64_t expectedChecksum, char *error, size_t errorSize) {
  unsigned char header[GCIM_WEIGHTS_HEADER_BYTES];
  FILE *file = fopen(path, "rb");
  if (!file) {
    snprintf(error, errorSize, "cannot open weights file '%s'", path);
    return -1;
  }
  const char *problem = NULL;
  if (fread(header, 1, sizeof header, file) != sizeof header ||
      memcmp(header, magic, sizeof magic) != 0)
    problem = "not a gcim weights file";
  else if (header[8] != GCIM_WEIGHTS_VERSION)
    problem = "unsupported weights file version";
  else if (getU64(header + 16) != expectedBytes || getU64(header + 24) != expectedChecksum)
    problem = "the weights belong to another model (size or checksum differ)";
  else if (expectedBytes && fread(data, 1, (size_t)expectedBytes, file) != expectedBytes)
    problem = "the file is truncated";
  else if (fgetc(file) != EOF)
    problem = "the file has trailing data";
  else if (gcimWeightsChecksum(data, expectedBytes) != expectedChecksum)
    problem = "the data is corrupt (checksum mismatch)";
  fclose(file);
  if (problem) {
    snprintf(error, errorSize, "weights file '%s': %s", path, problem);
    return -1;
  }
  return 0;
}
