/* HtmlReport.c: the cost report as one XHTML page (inline CSS and SVG, no script, nothing
 * fetched), built from the JSON report alone so that every number shown is one of its. */
#include "HtmlInternal.h"

#include "gcim/Support/OutputFile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char style[] =
    "body{font-family:sans-serif;margin:1em 2em;color:#222}"
    "h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}"
    "table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ddd;padding:2px 6px;"
    "text-align:left;font-size:.9em;max-width:18em}td.num{text-align:right;font-variant-numeric:"
    "tabular-nums}"
    "svg{display:block;margin:.6em 0}svg text{font-size:11px}.warning{color:#a33}";

static void writeSummary(FILE *out, const GcimJsonValue *report) {
  fputs("<section id=\"summary\"><h2>Summary</h2>\n<table>", out);
  gcimHtmlRow(out, report, "", "layers", "layer_count");
  gcimHtmlRow(out, report, "", "layers on the gain cells", "perToken.analogLayers");
  gcimHtmlRow(out, report, "", "sub-tiles", "sub_tiles");
  gcimHtmlRow(out, report, "", "head-steps per token", "perToken.headSteps");
  gcimHtmlRow(out, report, "", "energy per token (pJ)", "perToken.energyPJ.total");
  gcimHtmlRow(out, report, "", "latency per token (ns)", "perToken.latencyNs");
  gcimHtmlRow(out, report, "", "assumptions", "perToken.assumptions");
  fputs("</table></section>\n", out);
}

/* One run of the compiled graph in the stats schema (docs/HardwareModel.md section 5). */
static void writePerRun(FILE *out, const GcimJsonValue *report) {
  static const char *const keys[] = {"heads",
                                     "layers",
                                     "tokens",
                                     "headSteps",
                                     "kvWrites",
                                     "arrayReads",
                                     "arrayWrites",
                                     "energyPJ.total",
                                     "latencyNs.elapsed",
                                     "perToken.energyPJ.total",
                                     "perToken.latencyNs"};
  fputs("<section id=\"run\"><h2>One run of the compiled graph</h2>\n", out);
  const GcimJsonValue *run = gcimHtmlLookup(report, "perRun");
  if (!run || run->kind != GCIM_JSON_OBJECT) {
    fputs("<p>No full-sequence run (perRun is null).</p></section>\n", out);
    return;
  }
  fputs("<table>", out);
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; ++k) {
    char path[64];
    snprintf(path, sizeof path, "perRun.%s", keys[k]);
    gcimHtmlRow(out, report, "", keys[k], path);
  }
  fputs("</table></section>\n", out);
}

/* Bars of log10(ratio) for the latency and energy ratios of each GPU row. */
static void drawGpuRatios(FILE *out, const GcimJsonValue *rows) {
  static const char *const ratios[] = {"latency_ratio", "energy_ratio"};
  static const char *const names[] = {"GPU latency / gain cells", "GPU energy / gain cells"};
  double decades = 1;
  for (size_t i = 0; i < rows->count; ++i)
    for (int r = 0; r < 2; ++r) {
      double ratio = gcimHtmlNumberAt(&rows->items[i], ratios[r], 1);
      decades = ratio > 1 && log10(ratio) > decades ? ceil(log10(ratio)) : decades;
    }
  gcimHtmlSvgBegin(out, 700, 50 + 40 * (int)rows->count, "GPU over gain cells, log scale");
  for (int r = 0; r < 2; ++r) {
    gcimHtmlSvgRect(out, 110 + 220.0 * r, 4, 10, 10, gcimHtmlColor((size_t)r), NULL);
    gcimHtmlSvgText(out, 124 + 220.0 * r, 13, "start", names[r]);
  }
  for (size_t i = 0; i < rows->count; ++i) {
    const GcimJsonValue *row = &rows->items[i];
    double y = 24 + 40 * (double)i;
    gcimHtmlSvgText(out, 104, y + 20, "end", gcimHtmlStringAt(row, "device", "?"));
    for (int r = 0; r < 2; ++r) {
      double ratio = gcimHtmlNumberAt(row, ratios[r], 1);
      char tip[96];
      snprintf(tip, sizeof tip, "%s: %.6g x", names[r], ratio);
      double width = ratio > 1 ? log10(ratio) / decades * 540 : 0;
      gcimHtmlSvgRect(out, 110, y + 16.0 * r, width, 14, gcimHtmlColor((size_t)r), tip);
    }
  }
  for (int d = 0; d <= (int)decades; ++d) {
    char label[16];
    snprintf(label, sizeof label, "1e%d", d);
    gcimHtmlSvgText(out, 110 + 540.0 * d / decades, 40 + 40 * (double)rows->count, "middle", label);
  }
  fputs("</svg>\n", out);
}

static void writeGpu(FILE *out, const GcimJsonValue *report) {
  static const char *const columns[] = {"device",         "latency_ratio",   "energy_ratio",
                                        "gpu_latency_us", "gpu_energy_uj",   "source",
                                        "latency_basis",  "energy_includes", "step_latency_ratio"};
  fputs("<section id=\"gpu\"><h2>GPU comparison</h2>\n<p>", out);
  gcimHtmlText(out, gcimHtmlStringAt(report, "gpu_comparison.reference", ""));
  fputs("</p>\n<table>", out);
  gcimHtmlRow(out, report, "", "gain cells: layer latency (ns)",
              "gpu_comparison.gain_cell_layer_latency_ns");
  gcimHtmlRow(out, report, "", "gain cells: layer energy (nJ)",
              "gpu_comparison.gain_cell_layer_energy_nj");
  fputs("</table>\n", out);
  const GcimJsonValue *rows = gcimHtmlLookup(report, "gpu_comparison.rows");
  if (!rows || rows->kind != GCIM_JSON_ARRAY) {
    fputs("</section>\n", out);
    return;
  }
  drawGpuRatios(out, rows);
  fputs("<table><tr>", out);
  for (size_t k = 0; k < sizeof columns / sizeof columns[0]; ++k)
    fprintf(out, "<th>%s</th>", columns[k]);
  fputs("</tr>\n", out);
  for (size_t i = 0; i < rows->count; ++i) {
    fputs("<tr>", out);
    for (size_t k = 0; k < sizeof columns / sizeof columns[0]; ++k) {
      char path[96];
      snprintf(path, sizeof path, "gpu_comparison.rows[%zu].%s", i, columns[k]);
      gcimHtmlCell(out, report, "", path);
    }
    fputs("</tr>\n", out);
  }
  fputs("</table></section>\n", out);
}

/* Every scalar of the hardware description, by its path, whatever keys it has. */
static void writeScalars(FILE *out, const GcimJsonValue *report, const GcimJsonValue *value,
                         char *path, size_t length, size_t size) {
  bool object = value->kind == GCIM_JSON_OBJECT;
  if (!object && value->kind != GCIM_JSON_ARRAY) {
    gcimHtmlRow(out, report, "", path + strlen("hardware."), path);
    return;
  }
  for (size_t i = 0; i < value->count; ++i) {
    int n = object ? snprintf(path + length, size - length, ".%s", value->keys[i])
                   : snprintf(path + length, size - length, "[%zu]", i);
    if (n > 0 && (size_t)n < size - length)
      writeScalars(out, report, &value->items[i], path, length + (size_t)n, size);
  }
}

static void writeHardware(FILE *out, const GcimJsonValue *report) {
  char path[256] = "hardware";
  fputs("<section id=\"hardware\"><h2>Hardware description</h2>\n<table>", out);
  writeScalars(out, report, gcimHtmlLookup(report, "hardware"), path, strlen(path), sizeof path);
  fputs("</table></section>\n", out);
}

/* The warnings, the inputs assumed unpadded, and the attention left unfused or unstreamed
 * with the reason. */
static void writeWarnings(FILE *out, const GcimJsonValue *report) {
  static const char *const lists[] = {"warnings", "assumed_unpadded", "unfused", "unstreamed"};
  fputs("<section id=\"warnings\"><h2>Warnings</h2>\n<ul>\n", out);
  size_t shown = 0;
  for (size_t l = 0; l < sizeof lists / sizeof lists[0]; ++l) {
    const GcimJsonValue *items = gcimHtmlLookup(report, lists[l]);
    for (size_t i = 0; items && items->kind == GCIM_JSON_ARRAY && i < items->count; ++i) {
      const GcimJsonValue *item = &items->items[i];
      fprintf(out, "<li class=\"warning\">%s: ", lists[l]);
      if (item->kind == GCIM_JSON_STRING)
        gcimHtmlText(out, item->text);
      for (size_t k = 0; item->kind == GCIM_JSON_OBJECT && k < item->count; ++k)
        if (item->items[k].kind == GCIM_JSON_STRING) {
          fprintf(out, "%s%s ", k ? "; " : "", item->keys[k]);
          gcimHtmlText(out, item->items[k].text);
        }
      fputs("</li>\n", out);
      ++shown;
    }
  }
  fprintf(out, "%s</ul></section>\n", shown ? "" : "<li>none</li>\n");
}

GcimStatus gcimHtmlReportWrite(const GcimJsonValue *report, const GcimHtmlReportOptions *options,
                               FILE *out, char **errMsg) {
  const GcimJsonValue *hardware = gcimHtmlLookup(report, "hardware");
  if (!hardware || hardware->kind != GCIM_JSON_OBJECT)
    return gcimFail(errMsg, GCIM_ERROR_FORMAT, "not a gcim report: no 'hardware' object");
  for (size_t i = 0; options && i < options->resultCount; ++i)
    if (!gcimHtmlIsResult(options->results[i]))
      return gcimFail(errMsg, GCIM_ERROR_FORMAT,
                      "'%s' is neither an evaluation (an object with \"eval\") nor a sweep "
                      "(an object with \"sweep\")",
                      options->resultNames ? options->resultNames[i] : "result");
  const char *title = options && options->title ? options->title : "gcim report";
  fputs("<!DOCTYPE html>\n"
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
        "<meta charset=\"UTF-8\"/>\n<title>",
        out);
  gcimHtmlText(out, title);
  fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
  gcimHtmlText(out, title);
  fputs("</h1>\n", out);
  writeSummary(out, report);
  gcimHtmlWriteMapping(out, report);
  gcimHtmlWriteEnergy(out, report);
  gcimHtmlWriteTimeline(out, report);
  writePerRun(out, report);
  writeGpu(out, report);
  if (options)
    gcimHtmlWriteResults(out, options);
  writeHardware(out, report);
  writeWarnings(out, report);
  fputs("</body>\n</html>\n", out);
  if (ferror(out))
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot write the HTML report");
  return GCIM_OK;
}

GcimStatus gcimHtmlReportWriteFile(const GcimJsonValue *report,
                                   const GcimHtmlReportOptions *options, const char *path,
                                   char **errMsg) {
  GcimOutputFile *file = NULL;
  GcimStatus status = gcimOutputFileCreate(path, &file, errMsg);
  if (status != GCIM_OK)
    return status;
  status = gcimHtmlReportWrite(report, options, gcimOutputFileGetStream(file), errMsg);
  if (status != GCIM_OK) {
    gcimOutputFileDestroy(file);
    return status;
  }
  return gcimOutputFileCommit(file, errMsg);
}

GcimStatus gcimHtmlReportConvertStream(FILE *json, const GcimHtmlReportOptions *options,
                                       const char *path, char **errMsg) {
  char *text = NULL;
  size_t length = 0, capacity = 0;
  rewind(json);
  for (;;) {
    if (length + 4096 > capacity) {
      capacity = capacity ? 2 * capacity : 65536;
      char *grown = realloc(text, capacity);
      if (!grown) {
        free(text);
        return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
      }
      text = grown;
    }
    size_t n = fread(text + length, 1, capacity - length, json);
    length += n;
    if (n == 0)
      break;
  }
  if (ferror(json)) {
    free(text);
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot read the JSON report back");
  }
  GcimJsonValue *report = NULL;
  GcimStatus status = gcimJsonParse(text, length, &report, errMsg);
  free(text);
  if (status == GCIM_OK)
    status = gcimHtmlReportWriteFile(report, options, path, errMsg);
  gcimJsonDestroy(report);
  return status;
}
