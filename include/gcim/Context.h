/* gcim/Context.h: an MLIR context with the dialects gcim works on. */
#ifndef GCIM_CONTEXT_H
#define GCIM_CONTEXT_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Creates a context with the upstream dialects gcim uses (builtin, func, arith, tensor,
/// irdl) loaded, the upstream transform passes registered, and the `onnx` and `gcim`
/// dialects defined from their IRDL definitions embedded in the library. The caller owns
/// the context and destroys it with mlirContextDestroy. Returns a null context when the
/// embedded definitions fail to load (a build bug); the reason goes to stderr.
MlirContext gcimContextCreate(void);

/// Returns the embedded IRDL source of dialect `name` ("onnx" or "gcim"), NUL-terminated
/// and owned by the library, or NULL for any other name.
const char *gcimDialectGetIRDLSource(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_CONTEXT_H */
