/* HtmlLayerErrors.c: the per-layer output error of attached evaluations (the program's
 * `--eval --json --layer-error`: the key "layers"), as bars of the relative RMS error per
 * layer, one bar per evaluation, and a table of every number. */
#include "HtmlInternal.h"

#include <math.h>

enum { BAR_LEFT = 70, BAR_WIDTH = 480, BAR = 14, LEGEND = 20 };

/* The evaluation's layer errors, or NULL when it has none (not measured, or no layer on
 * the gain cells). */
static const GcimJsonValue *layersOf(const GcimJsonValue *result) {
  const GcimJsonValue *layers = gcimHtmlLookup(result, "layers");
  return gcimHtmlLookup(result, "eval") && layers && layers->kind == GCIM_JSON_ARRAY &&
                 layers->count > 0
             ? layers
             : NULL;
}

static const char *nameOf(const GcimHtmlReportOptions *options, size_t i) {
  return options->resultNames ? options->resultNames[i] : "result";
}

/* Rows of bars: per layer, one bar per evaluation with layers, coloured by evaluation. */
static void drawBars(FILE *out, const GcimHtmlReportOptions *options, size_t measured,
                     size_t layerCount) {
  double largest = 0;
  for (size_t i = 0; i < options->resultCount; ++i) {
    const GcimJsonValue *layers = layersOf(options->results[i]);
    for (size_t l = 0; layers && l < layers->count; ++l) {
      double value = gcimHtmlNumberAt(&layers->items[l], "relativeRmsError", NAN);
      largest = isfinite(value) && value > largest ? value : largest;
    }
  }
  double group = (double)(measured * BAR + 8);
  gcimHtmlSvgBegin(out, BAR_LEFT + BAR_WIDTH + 90, LEGEND + (int)(group * (double)layerCount) + 4,
                   "relative RMS error of each layer's output");
  for (size_t i = 0, series = 0; i < options->resultCount; ++i) {
    const GcimJsonValue *layers = layersOf(options->results[i]);
    if (!layers)
      continue;
    gcimHtmlSvgRect(out, BAR_LEFT + 160.0 * (double)series, 2, 10, 10, gcimHtmlColor(series), NULL);
    gcimHtmlSvgText(out, BAR_LEFT + 160.0 * (double)series + 14, 11, "start", nameOf(options, i));
    for (size_t l = 0; l < layers->count; ++l) {
      const GcimJsonValue *layer = &layers->items[l];
      double value = gcimHtmlNumberAt(layer, "relativeRmsError", NAN);
      double y = LEGEND + group * (double)l + BAR * (double)series;
      double width = isfinite(value) && largest > 0 ? value / largest * BAR_WIDTH : 0;
      char label[48], shown[32], tip[192];
      snprintf(label, sizeof label, "layer %lld", (long long)gcimHtmlNumberAt(layer, "layer", 0));
      if (series == 0)
        gcimHtmlSvgText(out, BAR_LEFT - 6, y + 11, "end", label);
      if (isfinite(value)) /* null: exact outputs of 0, no relative error */
        snprintf(shown, sizeof shown, "%.6g", value);
      else
        snprintf(shown, sizeof shown, "undefined");
      snprintf(tip, sizeof tip, "%s, %s: relative RMS error %s, max absolute error %.6g",
               nameOf(options, i), label, shown, gcimHtmlNumberAt(layer, "maxAbsError", NAN));
      gcimHtmlSvgRect(out, BAR_LEFT, y, width, BAR - 3, gcimHtmlColor(series), tip);
      if (isfinite(value))
        snprintf(shown, sizeof shown, "%.3g", value);
      gcimHtmlSvgText(out, BAR_LEFT + width + 4, y + 10, "start", shown);
    }
    ++series;
  }
  fputs("</svg>\n", out);
}

static void writeTable(FILE *out, const GcimHtmlReportOptions *options) {
  static const char *const columns[] = {
      "layer",    "heads",    "tokens",     "values", "relativeRmsError",
      "rmsError", "exactRms", "maxAbsError"};
  enum { COLUMNS = sizeof columns / sizeof columns[0] };
  fputs("<table><tr><th>result</th>", out);
  for (size_t k = 0; k < COLUMNS; ++k)
    fprintf(out, "<th>%s</th>", columns[k]);
  fputs("</tr>\n", out);
  for (size_t i = 0; i < options->resultCount; ++i) {
    const GcimJsonValue *layers = layersOf(options->results[i]);
    for (size_t l = 0; layers && l < layers->count; ++l) {
      fputs("<tr><td>", out);
      gcimHtmlText(out, nameOf(options, i));
      fputs("</td>", out);
      char prefix[32], path[64];
      snprintf(prefix, sizeof prefix, "with[%zu].", i);
      for (size_t k = 0; k < COLUMNS; ++k) {
        snprintf(path, sizeof path, "layers[%zu].%s", l, columns[k]);
        gcimHtmlCell(out, options->results[i], prefix, path);
      }
      fputs("</tr>\n", out);
    }
  }
  fputs("</table>\n", out);
}

void gcimHtmlWriteLayerErrors(FILE *out, const GcimHtmlReportOptions *options) {
  size_t measured = 0, layerCount = 0;
  for (size_t i = 0; i < options->resultCount; ++i) {
    const GcimJsonValue *layers = layersOf(options->results[i]);
    measured += layers != NULL;
    layerCount = layers && layers->count > layerCount ? layers->count : layerCount;
  }
  if (measured == 0)
    return;
  fputs("<section id=\"layer-error\"><h2>Per-layer output error</h2>\n<p>Each gain-cell "
        "layer's output on the hardware against its exact function (no quantisers, noise or "
        "decay) on the same q, k, v at every evaluated token: the RMS of the difference "
        "relative to the RMS of the exact output, and the largest absolute difference.</p>\n",
        out);
  drawBars(out, options, measured, layerCount);
  writeTable(out, options);
  fputs("</section>\n", out);
}
