/* gcim/Import/Onnx.h: importing ONNX models into the onnx dialect. */
#ifndef GCIM_IMPORT_ONNX_H
#define GCIM_IMPORT_ONNX_H

#include "gcim/Runtime/ElemType.h"
#include "gcim/Support/Status.h"
#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A binding of a graph input's dimensions (`--input-shape NAME=1x16`). Binds every
/// dimension of the input; each must agree with the static dimensions the model declares.
typedef struct GcimOnnxInputShape {
  const char *name; /* borrowed, NUL-terminated */
  size_t rank;
  int64_t dims[GCIM_MAX_RANK];
  /// `--max NAME=N` (rank 1, dims[0] = N): only the input's dynamic dimensions are bound,
  /// a dynamic axis 0 (the batch) to 1 and every other one to N, the sequence length the
  /// code is planned for; a (batch, sequence) input's sequence is then marked a run-time
  /// axis (`gcim.run_time_axes` in the argument's attributes). Such an input that no
  /// binding names takes the model's own limit the same way: the rows of the table its
  /// positions are gathered from.
  bool upperBound;
} GcimOnnxInputShape;

/// Options of an import. Zero-initialise, then set what you need.
typedef struct GcimOnnxImportOptions {
  const GcimOnnxInputShape *inputShapes; /* borrowed, `inputShapeCount` entries */
  size_t inputShapeCount;
  /// Tensors of at least this many bytes are referenced from the mapped file (dense
  /// resources) instead of copied into dense attributes; 0 means the default (1024).
  size_t resourceThreshold;
  /// Where a sequence length bounded by the model's own limit is reported, one line per
  /// input (which bound, from which table); NULL: not reported.
  FILE *notes;
} GcimOnnxImportOptions;

/// An imported model: the module and the file mappings its weights point into.
typedef struct GcimOnnxImport GcimOnnxImport;

/// Parses `text` of the form NAME=D1xD2x... (for example `input_ids=1x16`) into *shape;
/// shape->name points into `text`, which must outlive it. Returns GCIM_ERROR_INVALID and a
/// message in *errMsg (when errMsg is not NULL; the caller frees it) for bad syntax, a
/// zero, negative or overflowing dimension, or a rank above GCIM_MAX_RANK.
GcimStatus gcimOnnxParseInputShape(const char *text, GcimOnnxInputShape *shape, char **errMsg);

/// Imports the ONNX model at `path` into a new module of `ctx` (which must have the onnx
/// dialect, see gcimContextCreate). Errors are emitted as diagnostics on `ctx` at the
/// node, tensor or field they concern; the result is then failure and *out is NULL.
/// On success *out owns the module and the read-only mappings of the model file and its
/// external data, which the module's dense resources point into: keep it alive while the
/// module (or any attribute taken from it) is used, and destroy it with
/// gcimOnnxImportDestroy. `options` may be NULL.
MlirLogicalResult gcimImportOnnxFile(MlirContext ctx, const char *path,
                                     const GcimOnnxImportOptions *options, GcimOnnxImport **out);

/// Like gcimImportOnnxFile, from `size` bytes at `data` (borrowed; they must outlive the
/// result, whose resources may point into them). `name` labels locations. Tensors with
/// external data are rejected (there is no folder to resolve them against).
MlirLogicalResult gcimImportOnnxBuffer(MlirContext ctx, const void *data, size_t size,
                                       const char *name, const GcimOnnxImportOptions *options,
                                       GcimOnnxImport **out);

/// The imported module; borrowed from `import`.
MlirModule gcimOnnxImportGetModule(const GcimOnnxImport *import);

/// Detaches the module from `import`: the caller then owns it (mlirModuleDestroy), but
/// must still keep `import` alive while the module is used, for its mappings.
MlirModule gcimOnnxImportTakeModule(GcimOnnxImport *import);

/// The bytes that `attr`, a dense resource of the imported module, points into (in the
/// mapped model or external-data file; borrowed from `import`, valid until it is
/// destroyed): sets *data and *size and returns true, or false when `attr` is not one of
/// the import's resources.
bool gcimOnnxImportGetResourceData(const GcimOnnxImport *import, MlirAttribute attr,
                                   const void **data, size_t *size);

/// Drops the pages of `attr`'s bytes (as gcimOnnxImportGetResourceData gives them) from the
/// process's memory: they stay in the system's file cache and reading them again maps them
/// back, so this only lowers the peak memory of a caller that has done with them. Does
/// nothing for bytes of gcimImportOnnxBuffer's caller or an attribute not of the import.
void gcimOnnxImportReleaseResourceData(const GcimOnnxImport *import, MlirAttribute attr);

/// Drops the pages of every file the import mapped from the process's memory, as
/// gcimOnnxImportReleaseResourceData does for one attribute's bytes (what is read again is
/// mapped back). Does nothing for gcimImportOnnxBuffer's caller's bytes.
void gcimOnnxImportReleaseAll(const GcimOnnxImport *import);

/// Destroys the module (unless taken) and then unmaps the files. Accepts NULL.
void gcimOnnxImportDestroy(GcimOnnxImport *import);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_IMPORT_ONNX_H */
