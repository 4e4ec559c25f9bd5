/* gcim/Support/Diagnostics.h: printing MLIR diagnostics as `file:line:col: error: ...`. */
#ifndef GCIM_SUPPORT_DIAGNOSTICS_H
#define GCIM_SUPPORT_DIAGNOSTICS_H

#include "mlir-c/Diagnostics.h"
#include "mlir-c/IR.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A diagnostic handler that prints each diagnostic and counts the errors.
typedef struct GcimDiagnosticPrinter GcimDiagnosticPrinter;

/// Attaches a printer to `ctx` that writes every diagnostic to `out` (borrowed) as
/// `LOCATION: SEVERITY: MESSAGE`, notes indented after it. LOCATION is `file:line:col`;
/// for a name location (ONNX node) it is `file:line:col: 'name'`, or `file: 'name'` when
/// the line is 0 (ONNX files have no lines). The context owns the printer: it lives until
/// gcimDiagnosticPrinterDetach or the context's destruction. Never returns NULL (aborts
/// only if memory for the small printer object cannot be had).
GcimDiagnosticPrinter *gcimDiagnosticPrinterAttach(MlirContext ctx, FILE *out);

/// Number of error diagnostics printed so far.
unsigned gcimDiagnosticPrinterGetErrorCount(const GcimDiagnosticPrinter *printer);

/// Detaches the printer from its context and frees it. Accepts NULL.
void gcimDiagnosticPrinterDetach(GcimDiagnosticPrinter *printer);

/// Writes `location` to `out` in the LOCATION form above.
void gcimLocationPrint(MlirLocation location, FILE *out);

/// Emits an error at `location` with a printf-formatted message (MLIR's mlirEmitError
/// takes no format). Messages are lower-case without a trailing period.
void gcimEmitError(MlirLocation location, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_DIAGNOSTICS_H */
