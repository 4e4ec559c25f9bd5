/* gcim/Support/IRHelpers.h: small conveniences over the MLIR C API used across gcim. */
#ifndef GCIM_SUPPORT_IRHELPERS_H
#define GCIM_SUPPORT_IRHELPERS_H

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// True when `op`'s name is exactly `name` (for example "gcim.attention").
bool gcimOpIsA(MlirOperation op, const char *name);

/// Reads integer attribute `name` of `op` into *value; false if absent or not an integer.
bool gcimOpGetIntAttr(MlirOperation op, const char *name, int64_t *value);

/// Reads float attribute `name` of `op` into *value; false if absent or not a float.
bool gcimOpGetFloatAttr(MlirOperation op, const char *name, double *value);

/// Reads string attribute `name` of `op`; false if absent or not a string. The string is
/// borrowed from the context and not NUL-terminated.
bool gcimOpGetStringAttr(MlirOperation op, const char *name, MlirStringRef *value);

/// Entry `name` of the attribute dictionary of argument `index` of func.func `func` (of
/// result `index` when `result`); a null attribute when absent.
MlirAttribute gcimFuncIoAttr(MlirOperation func, bool result, intptr_t index, const char *name);

/// The `value` attribute (dense or dense-resource elements) of the onnx.constant defining
/// `value`, or a null attribute.
MlirAttribute gcimValueConstantAttr(MlirValue value);

/// Element `flat` of integer elements `attr` (dense or dense resource, any width up to 64
/// bits, i1 as 0/1), exactly; false for other element types, unsigned values above
/// INT64_MAX, or `flat` out of range.
bool gcimElementsGetInt64(MlirAttribute attr, int64_t flat, int64_t *out);

/// Text collected from MLIR's print callbacks, cut to fit: `text` is always NUL-terminated.
typedef struct GcimPrintedText {
  char text[512];
  size_t length;
} GcimPrintedText;

/// An MlirStringCallback appending `part` to the GcimPrintedText `userData` (set its
/// length to 0 first); what does not fit is dropped.
void gcimPrintedTextAppend(MlirStringRef part, void *userData);

/// Whether `attr` is a dense resource without data: `dense_resource<__elided__>`, or a key
/// gcimResourcesNoteMissing found without a blob (a stage printed without
/// --print-constants). MLIR parses such a use into a resource that the C API cannot tell
/// from one with data; the element readers below refuse it (return false) instead of
/// reading garbage.
bool gcimElementsElided(MlirAttribute attr);

/// Scans textual IR text[0, length) before it is parsed for `dense_resource<KEY>` uses
/// whose KEY has no `KEY: "0x...` blob in its dialect_resources section, and remembers
/// those keys for gcimElementsElided (for the rest of the process: call it before running
/// passes, not while they run). Returns how many uses lack data; *first (when not NULL)
/// gets the offset of the first.
size_t gcimResourcesNoteMissing(const char *text, size_t length, size_t *first);

/// Whether a resource key (`__elided__`, or one gcimResourcesNoteMissing noted) has no data.
bool gcimResourceIsMissing(const char *key, size_t length);

/// Where the bytes of a dense resource lie, for a driver that made the resources over
/// memory it knows (gcim-compile: the importer's mapping of the model): sets *data
/// (borrowed) and *size and returns true, or false when it does not know `attr`.
typedef bool (*GcimResourceDataFn)(void *userData, MlirAttribute attr, const void **data,
                                   size_t *size);

/// Drops the pages of `attr`'s bytes (as a GcimResourceDataFn gives them) from memory;
/// they stay readable (a mapped file's pages are read back).
typedef void (*GcimResourceReleaseFn)(void *userData, MlirAttribute attr);

/// Makes `fn` (NULL: none) the process's source of resource bytes for gcimResourceGetData,
/// which the C API cannot give (it reads a resource one element at a time), and `release`
/// (may be NULL) what gcimResourceRelease calls. Call it before running passes, not while
/// they run; the source must outlive its use.
void gcimResourcesSetDataSource(GcimResourceDataFn fn, GcimResourceReleaseFn release,
                                void *userData);

/// The raw little-endian bytes of the dense resource `attr` from the source set by
/// gcimResourcesSetDataSource: true with *data (borrowed) and *size set, false when there
/// is none or it does not know `attr` (then read the elements through the C API).
bool gcimResourceGetData(MlirAttribute attr, const void **data, size_t *size);

/// Tells the data source that a pass has read what it needs of `attr`'s bytes: their pages
/// may leave memory (they stay readable). Nothing without a source.
void gcimResourceRelease(MlirAttribute attr);

/// Element `flat` of elements `attr` as a double (integers through gcimElementsGetInt64,
/// f32, f64, and f16/bf16 outside resources); false when the element type or layout is
/// not readable.
bool gcimElementsGet(MlirAttribute attr, int64_t flat, double *out);

/// A constant with a single distinct value (one element or a splat) read as a double.
bool gcimValueScalarConstant(MlirValue value, double *out);

/// IEEE binary16 bits as a float (exactly: every half value is a float).
float gcimHalfBitsToFloat(uint16_t h);

/// Reads an integer constant operand (for example Reshape's shape) exactly into
/// out[0..max); returns the count, or -1 when it is not an integer constant of at most
/// `max` elements.
int gcimValueI64Constant(MlirValue value, int64_t *out, int max);

/// True when the string `ref` equals the NUL-terminated `text`.
bool gcimStringRefEquals(MlirStringRef ref, const char *text);

/// The rank of `type` if it is a ranked tensor, else -1.
int64_t gcimTensorRank(MlirType type);

/// Dimension `dim` of ranked tensor `type`, or -1 when dynamic. dim < rank (a bug otherwise).
int64_t gcimTensorDim(MlirType type, int64_t dim);

/// How many optional operands (results) stand for one variadic ONNX group in the onnx
/// dialect (utils/gen-onnx-irdl.py, MAX_VARIADIC): Concat's inputs, Split's outputs, ...
enum { GCIM_ONNX_MAX_VARIADIC = 32 };

/// The attribute `name` ("operandSegmentSizes" or "resultSegmentSizes") with one size per
/// operand (result) group, as the importer writes it on ops with several optional or
/// variadic groups.
MlirNamedAttribute gcimSegmentSizesAttr(MlirContext ctx, const char *name, const int32_t *sizes,
                                        intptr_t groups);

/// The segment sizes of an op whose only groups are one variadic ONNX group holding
/// `count` values (Concat's operands, Split's results): the first `count` of its
/// GCIM_ONNX_MAX_VARIADIC optional groups hold one value each.
MlirNamedAttribute gcimVariadicSegmentsAttr(MlirContext ctx, const char *name, intptr_t count);

/// The number of values of `op`'s operand group `group` (0 when the op has no such group),
/// from operandSegmentSizes, or one group per operand when the op has none.
intptr_t gcimOpOperandGroupSize(MlirOperation op, intptr_t group);

/// The first operand of group `group` (null when the group is empty): operand i is not
/// group i when segments are present.
MlirValue gcimOpGroupOperand(MlirOperation op, intptr_t group);

/// As gcimOpOperandGroupSize and gcimOpGroupOperand, for results (resultSegmentSizes).
intptr_t gcimOpResultGroupSize(MlirOperation op, intptr_t group);
MlirValue gcimOpGroupResult(MlirOperation op, intptr_t group);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_IRHELPERS_H */
