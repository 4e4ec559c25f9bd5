/* gcim/Report/Html.h: the cost report as one self-contained XHTML page with inline SVG. */
#ifndef GCIM_REPORT_HTML_H
#define GCIM_REPORT_HTML_H

#include "gcim/Support/Json.h"
#include "gcim/Support/Status.h"

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What a page shows besides the report. Every pointer is borrowed; NULL fields mean none.
typedef struct GcimHtmlReportOptions {
  const char *title; /* the page's title; NULL: "gcim report" */
  /* Attached results, each an evaluation (the program's `--eval --json` line: an object
   * with "eval") or a sweep (gcim-sweep collect's object with "sweep"), shown in order. */
  const GcimJsonValue *const *results;
  const char *const *resultNames; /* a label per result, e.g. its file name */
  size_t resultCount;
} GcimHtmlReportOptions;

/// Writes the page for `report` (the parsed JSON of gcimReportWriteJson; keys the page does
/// not know are ignored) to `out` (borrowed): the layers' heads on the sub-tiles, energy per
/// token by component and layer, the latency per layer as a timeline, the GPU comparison,
/// the hardware description, warnings, then the attached results. Every number shown
/// carries the JSON path it comes from (`data-json`, results as `with[i]....`). Returns
/// GCIM_OK; GCIM_ERROR_FORMAT when `report` has no "hardware" object or a result is neither
/// an evaluation nor a sweep; GCIM_ERROR_IO when writing failed (message in *errMsg).
GcimStatus gcimHtmlReportWrite(const GcimJsonValue *report, const GcimHtmlReportOptions *options,
                               FILE *out, char **errMsg);

/// gcimHtmlReportWrite to the file `path`, written whole or not at all.
GcimStatus gcimHtmlReportWriteFile(const GcimJsonValue *report,
                                   const GcimHtmlReportOptions *options, const char *path,
                                   char **errMsg);

/// Reads the JSON report in `json` (borrowed; read from its start) and writes its page to
/// `path` as gcimHtmlReportWriteFile does. Errors as there, and GCIM_ERROR_IO when `json`
/// cannot be read.
GcimStatus gcimHtmlReportConvertStream(FILE *json, const GcimHtmlReportOptions *options,
                                       const char *path, char **errMsg);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_REPORT_HTML_H */
