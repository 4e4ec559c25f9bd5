/* HtmlResults.c: results attached to the report: evaluations of the generated program
 * (`--eval --json`) side by side, and sweeps (gcim-sweep collect) as curves and a table.
 * The collector computes every aggregate (mean, min, max over seeds); this file draws
 * them. */
#include "HtmlInternal.h"

#include <math.h>
#include <string.h>

static bool isEvaluation(const GcimJsonValue *result) {
  return result && result->kind == GCIM_JSON_OBJECT && gcimJsonObjectGet(result, "eval");
}

static const GcimJsonValue *sweepOf(const GcimJsonValue *result) {
  const GcimJsonValue *sweep = result ? gcimJsonObjectGet(result, "sweep") : NULL;
  return sweep && sweep->kind == GCIM_JSON_OBJECT ? sweep : NULL;
}

bool gcimHtmlIsResult(const GcimJsonValue *result) {
  return isEvaluation(result) || sweepOf(result);
}

static void writeEvaluations(FILE *out, const GcimHtmlReportOptions *options) {
  static const char *const columns[] = {"eval",
                                        "tokens",
                                        "meanNll",
                                        "perplexity",
                                        "accuracy",
                                        "seed",
                                        "stats.perToken.energyPJ.total",
                                        "stats.perToken.latencyNs"};
  fputs("<section id=\"evaluations\"><h2>Evaluations</h2>\n<p>Attention on the gain cells "
        "beside digital attention (no stats: nothing ran on the gain cells).</p>\n"
        "<table><tr><th>result</th><th>attention</th>",
        out);
  for (size_t k = 0; k < sizeof columns / sizeof columns[0]; ++k)
    fprintf(out, "<th>%s</th>", columns[k]);
  fputs("</tr>\n", out);
  for (size_t i = 0; i < options->resultCount; ++i) {
    const GcimJsonValue *result = options->results[i];
    if (!isEvaluation(result))
      continue;
    const GcimJsonValue *stats = gcimJsonObjectGet(result, "stats");
    bool analog =
        stats && stats->kind == GCIM_JSON_OBJECT && gcimHtmlNumberAt(stats, "headSteps", 0) > 0;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "with[%zu].", i);
    fputs("<tr><td>", out);
    gcimHtmlText(out, options->resultNames ? options->resultNames[i] : "result");
    fprintf(out, "</td><td>%s</td>", analog ? "gain cells" : "digital");
    for (size_t k = 0; k < sizeof columns / sizeof columns[0]; ++k)
      gcimHtmlCell(out, result, prefix, columns[k]);
    fputs("</tr>\n", out);
  }
  fputs("</table></section>\n", out);
}

enum { PLOT_LEFT = 70, PLOT_TOP = 30, PLOT_WIDTH = 480, PLOT_HEIGHT = 240 };

typedef struct Range {
  double low, high;
} Range;

static void widen(Range *range, double value) {
  if (isfinite(value)) {
    range->low = value < range->low ? value : range->low;
    range->high = value > range->high ? value : range->high;
  }
}

static double place(const Range *range, double value, double length) {
  double span = range->high - range->low;
  return span > 0 ? (value - range->low) / span * length : length / 2;
}

/* The points of a curve's series: arrays of objects with x, mean, min and max. */
static Range rangeOf(const GcimJsonValue *series, const char *key, const char *key2) {
  Range range = {INFINITY, -INFINITY};
  for (size_t s = 0; series && s < series->count; ++s) {
    const GcimJsonValue *points = gcimHtmlLookup(&series->items[s], "points");
    for (size_t p = 0; points && points->kind == GCIM_JSON_ARRAY && p < points->count; ++p) {
      widen(&range, gcimHtmlNumberAt(&points->items[p], key, NAN));
      if (key2)
        widen(&range, gcimHtmlNumberAt(&points->items[p], key2, NAN));
    }
  }
  if (!(range.low <= range.high))
    range.low = range.high = 0;
  if (range.low == range.high) { /* a flat curve: centred in a band of +-5 % */
    double pad = range.low != 0 ? fabs(range.low) * 0.05 : 1;
    range.low -= pad;
    range.high += pad;
  }
  return range;
}

static void drawAxes(FILE *out, const Range *x, const Range *y, const char *xLabel,
                     const char *yLabel) {
  fprintf(out, "<path d=\"M%d %d V%d H%d\" fill=\"none\" stroke=\"#333\"/>\n", PLOT_LEFT, PLOT_TOP,
          PLOT_TOP + PLOT_HEIGHT, PLOT_LEFT + PLOT_WIDTH);
  for (int k = 0; k <= 4; ++k) {
    char label[32];
    double xv = x->low + (x->high - x->low) * k / 4, yv = y->low + (y->high - y->low) * k / 4;
    snprintf(label, sizeof label, "%.5g", xv);
    gcimHtmlSvgText(out, PLOT_LEFT + PLOT_WIDTH * k / 4.0, PLOT_TOP + PLOT_HEIGHT + 16, "middle",
                    label);
    snprintf(label, sizeof label, "%.5g", yv);
    gcimHtmlSvgText(out, PLOT_LEFT - 6, PLOT_TOP + PLOT_HEIGHT - PLOT_HEIGHT * k / 4.0 + 4, "end",
                    label);
  }
  gcimHtmlSvgText(out, PLOT_LEFT + PLOT_WIDTH / 2.0, PLOT_TOP + PLOT_HEIGHT + 34, "middle", xLabel);
  gcimHtmlSvgText(out, PLOT_LEFT, PLOT_TOP - 10, "start", yLabel);
}

static void drawSeries(FILE *out, const GcimJsonValue *series, size_t index, const Range *x,
                       const Range *y) {
  const GcimJsonValue *points = gcimHtmlLookup(series, "points");
  const char *color = gcimHtmlColor(index), *name = gcimHtmlStringAt(series, "name", "");
  if (!points || points->kind != GCIM_JSON_ARRAY)
    return;
  fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", color);
  for (size_t p = 0; p < points->count; ++p)
    fprintf(out, "%s%.2f,%.2f", p ? " " : "",
            PLOT_LEFT + place(x, gcimHtmlNumberAt(&points->items[p], "x", 0), PLOT_WIDTH),
            PLOT_TOP + PLOT_HEIGHT -
                place(y, gcimHtmlNumberAt(&points->items[p], "mean", 0), PLOT_HEIGHT));
  fputs("\"/>\n", out);
  for (size_t p = 0; p < points->count; ++p) {
    const GcimJsonValue *point = &points->items[p];
    double px = PLOT_LEFT + place(x, gcimHtmlNumberAt(point, "x", 0), PLOT_WIDTH);
    double low = gcimHtmlNumberAt(point, "min", 0), high = gcimHtmlNumberAt(point, "max", 0);
    fprintf(out, "<line x1=\"%.2f\" x2=\"%.2f\" y1=\"%.2f\" y2=\"%.2f\" stroke=\"%s\"/>\n", px, px,
            PLOT_TOP + PLOT_HEIGHT - place(y, low, PLOT_HEIGHT),
            PLOT_TOP + PLOT_HEIGHT - place(y, high, PLOT_HEIGHT), color);
    fprintf(out, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"><title>", px,
            PLOT_TOP + PLOT_HEIGHT - place(y, gcimHtmlNumberAt(point, "mean", 0), PLOT_HEIGHT),
            color);
    gcimHtmlText(out, name);
    fprintf(out, ": mean %.6g, min %.6g, max %.6g over %g runs</title></circle>\n",
            gcimHtmlNumberAt(point, "mean", NAN), low, high, gcimHtmlNumberAt(point, "n", 0));
  }
  gcimHtmlSvgRect(out, PLOT_LEFT + PLOT_WIDTH + 14, PLOT_TOP + 16.0 * (double)index, 10, 10, color,
                  NULL);
  gcimHtmlSvgText(out, PLOT_LEFT + PLOT_WIDTH + 28, PLOT_TOP + 16.0 * (double)index + 9, "start",
                  name);
}

static void writeCurve(FILE *out, const GcimJsonValue *curve) {
  const GcimJsonValue *series = gcimHtmlLookup(curve, "series");
  if (!series || series->kind != GCIM_JSON_ARRAY)
    return;
  Range x = rangeOf(series, "x", NULL), y = rangeOf(series, "min", "max");
  char label[160];
  snprintf(label, sizeof label, "%s against %s", gcimHtmlStringAt(curve, "y", "?"),
           gcimHtmlStringAt(curve, "x", "?"));
  gcimHtmlSvgBegin(out, PLOT_LEFT + PLOT_WIDTH + 260, PLOT_TOP + PLOT_HEIGHT + 44, label);
  drawAxes(out, &x, &y, gcimHtmlStringAt(curve, "x", ""), gcimHtmlStringAt(curve, "y", ""));
  for (size_t s = 0; s < series->count; ++s)
    drawSeries(out, &series->items[s], s, &x, &y);
  fputs("</svg>\n", out);
}

/* The sweep's jobs, one row each, in the columns the collector lists. */
static void writeJobs(FILE *out, const GcimJsonValue *sweep, const char *prefix) {
  const GcimJsonValue *columns = gcimJsonObjectGet(sweep, "columns");
  const GcimJsonValue *jobs = gcimJsonObjectGet(sweep, "jobs");
  if (!columns || columns->kind != GCIM_JSON_ARRAY || !jobs || jobs->kind != GCIM_JSON_ARRAY)
    return;
  fprintf(out, "<details><summary>%zu jobs</summary>\n<table><tr>", jobs->count);
  for (size_t k = 0; k < columns->count; ++k) {
    fputs("<th>", out);
    if (columns->items[k].kind == GCIM_JSON_STRING)
      gcimHtmlText(out, columns->items[k].text);
    fputs("</th>", out);
  }
  fputs("</tr>\n", out);
  for (size_t j = 0; j < jobs->count; ++j) {
    fputs("<tr>", out);
    for (size_t k = 0; k < columns->count; ++k) {
      char path[192];
      snprintf(path, sizeof path, "jobs[%zu].%s", j,
               columns->items[k].kind == GCIM_JSON_STRING ? columns->items[k].text : "");
      gcimHtmlCell(out, sweep, prefix, path);
    }
    fputs("</tr>\n", out);
  }
  fputs("</table></details>\n", out);
}

static void writeSweep(FILE *out, const GcimJsonValue *sweep, const char *name, size_t index) {
  char prefix[40];
  snprintf(prefix, sizeof prefix, "with[%zu].sweep.", index);
  fprintf(out, "<section id=\"sweep-%zu\"><h2>Sweep: ", index);
  gcimHtmlText(out, gcimHtmlStringAt(sweep, "name", name));
  fputs("</h2>\n<p>Each point is the mean over the runs that differ only in the noise seed; "
        "the bar spans their minimum and maximum.</p>\n",
        out);
  const GcimJsonValue *curves = gcimJsonObjectGet(sweep, "curves");
  for (size_t c = 0; curves && curves->kind == GCIM_JSON_ARRAY && c < curves->count; ++c)
    writeCurve(out, &curves->items[c]);
  writeJobs(out, sweep, prefix);
  fputs("</section>\n", out);
}

void gcimHtmlWriteResults(FILE *out, const GcimHtmlReportOptions *options) {
  bool evaluations = false;
  for (size_t i = 0; i < options->resultCount; ++i)
    evaluations = evaluations || isEvaluation(options->results[i]);
  if (evaluations)
    writeEvaluations(out, options);
  gcimHtmlWriteLayerErrors(out, options);
  for (size_t i = 0; i < options->resultCount; ++i)
    if (sweepOf(options->results[i]))
      writeSweep(out, sweepOf(options->results[i]),
                 options->resultNames ? options->resultNames[i] : "sweep", i);
}
