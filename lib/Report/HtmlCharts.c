/* HtmlCharts.c: the report's pictures: heads on sub-tiles, energy by component and layer,
 * and the latency of the layers as a timeline. Each picture draws numbers of the JSON
 * report only, and a table beside it shows them with their JSON paths. */
#include "HtmlInternal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static const GcimJsonValue *arrayAt(const GcimJsonValue *report, const char *key) {
  const GcimJsonValue *value = gcimHtmlLookup(report, key);
  return value && value->kind == GCIM_JSON_ARRAY ? value : NULL;
}

static bool isAnalog(const GcimJsonValue *item) {
  return strcmp(gcimHtmlStringAt(item, "mapping", ""), "analog") == 0;
}

/* The sub-tiles the heads occupy: one past the last, laying heads without a scheduled
 * first sub-tile after the previous head. */
static int64_t subTileExtent(const GcimJsonValue *heads) {
  int64_t extent = 0, next = 0;
  for (size_t i = 0; i < heads->count; ++i) {
    const GcimJsonValue *head = &heads->items[i];
    int64_t count = (int64_t)gcimHtmlNumberAt(head, "sub_tiles", 0);
    int64_t first = (int64_t)gcimHtmlNumberAt(head, "first_sub_tile", -1);
    if (!isAnalog(head) || count <= 0)
      continue;
    first = first >= 0 ? first : next;
    next = first + count;
    extent = next > extent ? next : extent;
  }
  return extent;
}

enum { LEGEND_COLUMNS = 8, LEGEND_WIDTH = 80 };

/* A colour key for the layers: their first analog heads, in order. */
static void drawLayerKey(FILE *out, const GcimJsonValue *heads, double top) {
  size_t shown = 0;
  for (size_t i = 0; i < heads->count; ++i) {
    const GcimJsonValue *head = &heads->items[i];
    if (!isAnalog(head) || gcimHtmlNumberAt(head, "head", -1) != 0)
      continue;
    int64_t layer = (int64_t)gcimHtmlNumberAt(head, "layer", 0);
    double x = 1 + LEGEND_WIDTH * (double)(shown % LEGEND_COLUMNS);
    double y = top + 16 * (double)(shown / LEGEND_COLUMNS);
    char label[32];
    snprintf(label, sizeof label, "layer %lld", (long long)layer);
    char color[32];
    gcimHtmlSvgRect(out, x, y, 10, 10, gcimHtmlLayerColor(layer, color, sizeof color), NULL);
    gcimHtmlSvgText(out, x + 14, y + 9, "start", label);
    ++shown;
  }
}

static size_t analogLayerCount(const GcimJsonValue *heads) {
  size_t count = 0;
  for (size_t i = 0; i < heads->count; ++i)
    count += isAnalog(&heads->items[i]) && gcimHtmlNumberAt(&heads->items[i], "head", -1) == 0;
  return count;
}

static void drawSubTiles(FILE *out, const GcimJsonValue *heads, int64_t extent) {
  int columns = extent <= 64 ? 16 : extent <= 1024 ? 32 : 64, cell = extent > 1024 ? 8 : 14;
  int rows = (int)((extent + columns - 1) / columns);
  int keyRows = (int)((analogLayerCount(heads) + LEGEND_COLUMNS - 1) / LEGEND_COLUMNS);
  int width = columns * cell + 2 > LEGEND_COLUMNS * LEGEND_WIDTH ? columns * cell + 2
                                                                 : LEGEND_COLUMNS * LEGEND_WIDTH;
  gcimHtmlSvgBegin(out, width, rows * cell + 8 + 16 * keyRows, "heads on sub-tiles");
  drawLayerKey(out, heads, rows * cell + 8);
  for (int64_t n = 0; n < (int64_t)rows * columns; ++n)
    gcimHtmlSvgRect(out, 1 + (double)(n % columns) * cell, 1 + (double)(n / columns) * cell,
                    cell - 1, cell - 1, "#eeeeee", NULL);
  int64_t next = 0;
  for (size_t i = 0; i < heads->count; ++i) {
    const GcimJsonValue *head = &heads->items[i];
    int64_t count = (int64_t)gcimHtmlNumberAt(head, "sub_tiles", 0);
    int64_t first = (int64_t)gcimHtmlNumberAt(head, "first_sub_tile", -1);
    int64_t layer = (int64_t)gcimHtmlNumberAt(head, "layer", 0);
    int64_t index = (int64_t)gcimHtmlNumberAt(head, "head", 0);
    if (!isAnalog(head) || count <= 0)
      continue;
    first = first >= 0 ? first : next;
    next = first + count;
    /* Layers by colour, neighbouring heads of a layer by shade. */
    fprintf(out, "<g fill-opacity=\"%s\">\n", index % 2 ? "0.6" : "1");
    char color[32];
    gcimHtmlLayerColor(layer, color, sizeof color);
    for (int64_t n = first; n < next; ++n) {
      char tip[96];
      snprintf(tip, sizeof tip, "layer %lld, head %lld: sub-tile %lld", (long long)layer,
               (long long)index, (long long)n);
      gcimHtmlSvgRect(out, 1 + (double)(n % columns) * cell, 1 + (double)(n / columns) * cell,
                      cell - 1, cell - 1, gcimHtmlLayerColor(layer, color, sizeof color), tip);
    }
    fputs("</g>\n", out);
  }
  fputs("</svg>\n", out);
}

/* One row per item of the array `key` of `report`, one column per key of `columns`. */
static void writeTable(FILE *out, const GcimJsonValue *report, const char *key,
                       const char *const *columns, size_t columnCount) {
  const GcimJsonValue *items = arrayAt(report, key);
  fputs("<table><tr>", out);
  for (size_t k = 0; k < columnCount; ++k) {
    fputs("<th>", out);
    gcimHtmlText(out, columns[k]);
    fputs("</th>", out);
  }
  fputs("</tr>\n", out);
  for (size_t i = 0; items && i < items->count; ++i) {
    fputs("<tr>", out);
    for (size_t k = 0; k < columnCount; ++k) {
      char path[128];
      snprintf(path, sizeof path, "%s[%zu].%s", key, i, columns[k]);
      gcimHtmlCell(out, report, "", path);
    }
    fputs("</tr>\n", out);
  }
  fputs("</table>\n", out);
}

void gcimHtmlWriteMapping(FILE *out, const GcimJsonValue *report) {
  static const char *const columns[] = {"layer",          "head",        "mapping",   "kind",
                                        "window",         "token_tiles", "dim_tiles", "sub_tiles",
                                        "first_sub_tile", "latency_ns",  "energy_nj"};
  const GcimJsonValue *heads = arrayAt(report, "heads");
  fputs("<section id=\"mapping\"><h2>Heads on sub-tiles</h2>\n", out);
  int64_t extent = heads ? subTileExtent(heads) : 0;
  if (extent == 0) {
    fputs("<p>No head runs on the gain cells.</p>\n", out);
  } else {
    fputs("<p>Each square is a sub-tile (a K and a V array), coloured by layer; neighbouring "
          "heads of a layer alternate in shade. Hover for the layer, head and sub-tile.</p>\n",
          out);
    drawSubTiles(out, heads, extent);
  }
  fputs("<table>", out);
  gcimHtmlRow(out, report, "", "sub-tiles used", "sub_tiles");
  gcimHtmlRow(out, report, "", "sub-tiles per head at most (hardware.maxSubTiles, 0: unlimited)",
              "hardware.maxSubTiles");
  fprintf(out, "</table>\n<details><summary>%zu heads</summary>\n", heads ? heads->count : 0);
  writeTable(out, report, "heads", columns, sizeof columns / sizeof columns[0]);
  fputs("</details></section>\n", out);
}

static const char *const components[] = {"firstProduct", "secondProduct", "digital", "dac"};
static const char *const componentNames[] = {"first product", "second product", "digital periphery",
                                             "DACs"};
enum { COMPONENTS = 4, CHART_LEFT = 70, CHART_WIDTH = 560, ROW = 22 };

static void drawLegend(FILE *out, const char *const *names, size_t count, double y) {
  for (size_t c = 0; c < count; ++c) {
    gcimHtmlSvgRect(out, CHART_LEFT + 140.0 * (double)c, y - 10, 10, 10, gcimHtmlColor(c), NULL);
    gcimHtmlSvgText(out, CHART_LEFT + 140.0 * (double)c + 14, y, "start", names[c]);
  }
}

static void drawEnergyBars(FILE *out, const GcimJsonValue *layers) {
  double largest = 0;
  for (size_t i = 0; i < layers->count; ++i) {
    double total = gcimHtmlNumberAt(&layers->items[i], "energy_pj.total", 0);
    largest = total > largest ? total : largest;
  }
  int height = 30 + ROW * (int)layers->count;
  gcimHtmlSvgBegin(out, CHART_LEFT + CHART_WIDTH + 90, height,
                   "energy per token by component and layer");
  drawLegend(out, componentNames, COMPONENTS, 12);
  for (size_t i = 0; i < layers->count; ++i) {
    const GcimJsonValue *layer = &layers->items[i];
    double y = 24 + ROW * (double)i, x = CHART_LEFT;
    char label[64];
    snprintf(label, sizeof label, "layer %lld", (long long)gcimHtmlNumberAt(layer, "layer", 0));
    gcimHtmlSvgText(out, CHART_LEFT - 6, y + 13, "end", label);
    for (size_t c = 0; c < COMPONENTS && largest > 0; ++c) {
      char path[64], tip[128];
      snprintf(path, sizeof path, "energy_pj.%s", components[c]);
      double value = gcimHtmlNumberAt(layer, path, 0), width = value / largest * CHART_WIDTH;
      snprintf(tip, sizeof tip, "%s, %s: %.6g pJ", label, componentNames[c], value);
      gcimHtmlSvgRect(out, x, y, width, ROW - 6, gcimHtmlColor(c), tip);
      x += width;
    }
    if (!isAnalog(layer))
      gcimHtmlSvgText(out, x + 4, y + 13, "start", "digital: not costed");
  }
  fputs("</svg>\n", out);
}

void gcimHtmlWriteEnergy(FILE *out, const GcimJsonValue *report) {
  static const char *const columns[] = {"layer",
                                        "mapping",
                                        "energy_pj.firstProduct",
                                        "energy_pj.secondProduct",
                                        "energy_pj.digital",
                                        "energy_pj.dac",
                                        "energy_pj.total"};
  const GcimJsonValue *layers = arrayAt(report, "layers");
  fputs("<section id=\"energy\"><h2>Energy per token by component (pJ)</h2>\n"
        "<p>Per layer, every head's window full (the report's perToken assumptions).</p>\n",
        out);
  if (layers && layers->count)
    drawEnergyBars(out, layers);
  writeTable(out, report, "layers", columns, sizeof columns / sizeof columns[0]);
  fputs("<table>", out);
  for (size_t c = 0; c < COMPONENTS; ++c) {
    char path[64], label[64];
    snprintf(path, sizeof path, "perToken.energyPJ.%s", components[c]);
    snprintf(label, sizeof label, "all layers: %s", componentNames[c]);
    gcimHtmlRow(out, report, "", label, path);
  }
  gcimHtmlRow(out, report, "", "all layers: total", "perToken.energyPJ.total");
  fputs("</table></section>\n", out);
}

/* Tick marks at 0 and at round steps up to `total` (ns) on a scale of CHART_WIDTH. */
static void drawAxis(FILE *out, double total, double y) {
  double step = pow(10, floor(log10(total)));
  if (total / step < 3)
    step /= 2;
  fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\"/>\n", CHART_LEFT,
          y, CHART_LEFT + CHART_WIDTH, y);
  for (double t = 0; t <= total * (1 + 1e-9); t += step) {
    char label[32];
    double x = CHART_LEFT + t / total * CHART_WIDTH;
    snprintf(label, sizeof label, "%g", t);
    fprintf(out, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#333\"/>\n", x, y,
            x, y + 4);
    gcimHtmlSvgText(out, x, y + 16, "middle", label);
  }
  gcimHtmlSvgText(out, CHART_LEFT + CHART_WIDTH + 8, y + 16, "start", "ns");
}

static void drawTimeline(FILE *out, const GcimJsonValue *layers, double total) {
  gcimHtmlSvgBegin(out, CHART_LEFT + CHART_WIDTH + 40, 34 + ROW * (int)layers->count,
                   "latency per token: the layers in sequence");
  double start = 0;
  for (size_t i = 0; i < layers->count; ++i) {
    const GcimJsonValue *layer = &layers->items[i];
    double latency = gcimHtmlNumberAt(layer, "latency_ns", 0), y = 4 + ROW * (double)i;
    int64_t index = (int64_t)gcimHtmlNumberAt(layer, "layer", 0);
    char label[64], tip[128], color[32];
    snprintf(label, sizeof label, "layer %lld", (long long)index);
    snprintf(tip, sizeof tip, "%s: %.6g ns from %.6g ns", label, latency, start);
    gcimHtmlSvgText(out, CHART_LEFT - 6, y + 13, "end", label);
    gcimHtmlSvgRect(out, CHART_LEFT + start / total * CHART_WIDTH, y, latency / total * CHART_WIDTH,
                    ROW - 6, gcimHtmlLayerColor(index, color, sizeof color), tip);
    start += latency;
  }
  drawAxis(out, total, 8 + ROW * (double)layers->count);
  fputs("</svg>\n", out);
}

void gcimHtmlWriteTimeline(FILE *out, const GcimJsonValue *report) {
  static const char *const columns[] = {"layer", "mapping", "streamed", "latency_ns"};
  const GcimJsonValue *layers = arrayAt(report, "layers");
  double total = 0;
  for (size_t i = 0; layers && i < layers->count; ++i)
    total += gcimHtmlNumberAt(&layers->items[i], "latency_ns", 0);
  fputs("<section id=\"timeline\"><h2>Latency per token (ns)</h2>\n"
        "<p>The schedule runs a layer's heads in parallel and the layers one after another; "
        "attention kept digital is not costed.</p>\n",
        out);
  if (total > 0)
    drawTimeline(out, layers, total);
  writeTable(out, report, "layers", columns, sizeof columns / sizeof columns[0]);
  fputs("<table>", out);
  gcimHtmlRow(out, report, "", "all layers, per token", "perToken.latencyNs");
  gcimHtmlRow(out, report, "", "one head-step (hardware.cost.headTokenLatencyNs)",
              "hardware.cost.headTokenLatencyNs");
  fputs("</table></section>\n", out);
}
