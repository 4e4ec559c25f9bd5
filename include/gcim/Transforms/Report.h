/* gcim/Transforms/Report.h: the cost report of a module mapped onto gain cells. */
#ifndef GCIM_TRANSFORMS_REPORT_H
#define GCIM_TRANSFORMS_REPORT_H

#include "gcim/Runtime/Hardware.h"
#include "gcim/Support/Status.h"

#include "mlir-c/IR.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Writes the report of `module` (a builtin.module after gcim-map-attention, with
/// gcim-schedule's sub-tile assignment when it ran) as JSON to `out` (borrowed): the whole
/// hardware description `hw`, per layer and per head its mapping, sub-tiles, latency and
/// energy per token; `sub_tiles`; `perToken` and `perRun` in the stats schema of
/// docs/HardwareModel.md section 5 with their assumptions; `layers` and `heads` (lists);
/// the GPU comparison, each row with its source, latency basis and what its energy
/// includes; warnings; and the attention left unfused with the reason. Costs come from
/// `hw`'s cost model. Returns GCIM_OK, or GCIM_ERROR_MEMORY / GCIM_ERROR_IO with a message
/// in *errMsg (malloc'ed, when errMsg is not NULL).
GcimStatus gcimReportWriteJson(MlirOperation module, const GcimHardware *hw, FILE *out,
                               char **errMsg);

/// Writes the short human-readable table (one row per layer, then the totals) to `out`.
/// Same inputs and errors as gcimReportWriteJson.
GcimStatus gcimReportPrintTable(MlirOperation module, const GcimHardware *hw, FILE *out,
                                char **errMsg);

/// What the drivers do with a report: prints the table to `table` when it is not NULL, then
/// writes the JSON to the file `jsonPath` (not NULL) whole or not at all (a temporary file
/// renamed into place). Same inputs and errors as gcimReportWriteJson.
GcimStatus gcimReportWriteFiles(MlirOperation module, const GcimHardware *hw, FILE *table,
                                const char *jsonPath, char **errMsg);

/// The report of `module` as one XHTML page (gcim/Report/Html.h) titled by the file name of
/// `inputPath` (the model), written to `htmlPath` whole or not at all. Same inputs and
/// errors as gcimReportWriteJson.
GcimStatus gcimReportWriteHtml(MlirOperation module, const GcimHardware *hw, const char *inputPath,
                               const char *htmlPath, char **errMsg);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_TRANSFORMS_REPORT_H */
