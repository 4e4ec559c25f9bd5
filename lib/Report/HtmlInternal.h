/* HtmlInternal.h: what the HTML report's files share (not installed). */
#ifndef GCIM_LIB_REPORT_HTMLINTERNAL_H
#define GCIM_LIB_REPORT_HTMLINTERNAL_H

#include "gcim/Report/Html.h"

#include <stdbool.h>
#include <stdint.h>

/* The value at `path` in `root` ("perToken.energyPJ.total", "layers[2].kind"), or NULL. */
const GcimJsonValue *gcimHtmlLookup(const GcimJsonValue *root, const char *path);
/* The number at `path`, or `fallback` when it is absent or not a number. */
double gcimHtmlNumberAt(const GcimJsonValue *root, const char *path, double fallback);
/* The string at `path`, or `fallback`. */
const char *gcimHtmlStringAt(const GcimJsonValue *root, const char *path, const char *fallback);

/* `text` with the five XML specials escaped. */
void gcimHtmlText(FILE *out, const char *text);
/* A number as the page shows it: integers whole, others to six significant digits. */
void gcimHtmlNumber(FILE *out, double value);
/* A table cell <td> with the value at `path` in `root`; numbers carry data-json="PREFIXPATH"
 * so that a test can find the JSON value again. */
void gcimHtmlCell(FILE *out, const GcimJsonValue *root, const char *prefix, const char *path);
/* A table row: a header cell `label`, then the cell of `path`. */
void gcimHtmlRow(FILE *out, const GcimJsonValue *root, const char *prefix, const char *label,
                 const char *path);

/* Opens an inline <svg> of `width` x `height` user units described by `label`. */
void gcimHtmlSvgBegin(FILE *out, int width, int height, const char *label);
/* A rectangle filled with `color`, with a tooltip `tip` (NULL: none). */
void gcimHtmlSvgRect(FILE *out, double x, double y, double w, double h, const char *color,
                     const char *tip);
/* Text at (x, y) anchored "start", "middle" or "end". */
void gcimHtmlSvgText(FILE *out, double x, double y, const char *anchor, const char *text);
/* The colour of series or layer `index` (a ten-colour palette, repeating). */
const char *gcimHtmlColor(size_t index);

/* The colour of layer `layer`: the palette's first ten, then distinct hues written into
 * `buffer` (returned). */
const char *gcimHtmlLayerColor(int64_t layer, char *buffer, size_t size);

/* The page's sections (HtmlCharts.c, HtmlResults.c). */
void gcimHtmlWriteMapping(FILE *out, const GcimJsonValue *report);
void gcimHtmlWriteEnergy(FILE *out, const GcimJsonValue *report);
void gcimHtmlWriteTimeline(FILE *out, const GcimJsonValue *report);
/* Whether `result` is an evaluation or a sweep that gcimHtmlWriteResult can show. */
bool gcimHtmlIsResult(const GcimJsonValue *result);
/* The evaluations in one table (the digital ones beside the analog), their per-layer
 * output errors, then each sweep. */
void gcimHtmlWriteResults(FILE *out, const GcimHtmlReportOptions *options);
/* The evaluations' per-layer output errors (their "layers"): bars and a table; nothing when
 * none has any (HtmlLayerErrors.c). */
void gcimHtmlWriteLayerErrors(FILE *out, const GcimHtmlReportOptions *options);

#endif /* GCIM_LIB_REPORT_HTMLINTERNAL_H */
