/* RuntimeBundle.h: the runtime sources gcim-compile copies into every output folder. */
#ifndef GCIM_LIB_TARGET_C_RUNTIMEBUNDLE_H
#define GCIM_LIB_TARGET_C_RUNTIMEBUNDLE_H

/// One file: its path inside the output folder and its bytes.
typedef struct GcimBundledFile {
  const char *path;
  const unsigned char *data;
  unsigned long size;
} GcimBundledFile;

/// The runtime library (runtime/include, runtime/src) and the support code of the
/// generated command-line program (runtime/main), embedded at build time.
extern const GcimBundledFile gcimRuntimeBundle[];
extern const unsigned long gcimRuntimeBundleCount;

#endif /* GCIM_LIB_TARGET_C_RUNTIMEBUNDLE_H */
