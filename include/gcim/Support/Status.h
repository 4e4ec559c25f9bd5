/* gcim/Support/Status.h: the result code of gcim's layers that do not use MLIR. */
#ifndef GCIM_SUPPORT_STATUS_H
#define GCIM_SUPPORT_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Result of a fallible call: GCIM_OK, or an error whose message goes to the caller's
/// optional `char **errMsg` (malloc'ed, freed by the caller with free()).
typedef enum GcimStatus {
  GCIM_OK = 0,
  GCIM_ERROR_IO,      /* a file could not be opened, read or written */
  GCIM_ERROR_FORMAT,  /* the input is malformed or of an unsupported kind */
  GCIM_ERROR_INVALID, /* an argument or value is out of its valid range */
  GCIM_ERROR_MEMORY   /* an allocation failed */
} GcimStatus;

/// Stores a printf-formatted message into *errMsg when errMsg is not NULL (the caller
/// frees it) and returns `status`, so error paths read `return gcimFail(...)`.
GcimStatus gcimFail(char **errMsg, GcimStatus status, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_STATUS_H */
