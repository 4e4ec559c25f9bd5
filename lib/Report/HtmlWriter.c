/* HtmlWriter.c: escaping, JSON paths, table cells and SVG shapes of the HTML report. */
#include "HtmlInternal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One step of a path: `key` (up to '.', '[' or the end), then any "[n]" indices. */
static const GcimJsonValue *step(const GcimJsonValue *value, const char **path) {
  const char *p = *path;
  size_t length = strcspn(p, ".[");
  if (length) {
    if (!value || value->kind != GCIM_JSON_OBJECT)
      return NULL;
    const GcimJsonValue *found = NULL;
    for (size_t i = 0; i < value->count && !found; ++i)
      if (strlen(value->keys[i]) == length && memcmp(value->keys[i], p, length) == 0)
        found = &value->items[i];
    value = found;
    p += length;
  }
  while (value && *p == '[') {
    char *end;
    unsigned long index = strtoul(p + 1, &end, 10);
    if (*end != ']' || value->kind != GCIM_JSON_ARRAY || index >= value->count)
      return NULL;
    value = &value->items[index];
    p = end + 1;
  }
  if (*p == '.')
    ++p;
  *path = p;
  return value;
}

const GcimJsonValue *gcimHtmlLookup(const GcimJsonValue *root, const char *path) {
  const GcimJsonValue *value = root;
  while (value && *path)
    value = step(value, &path);
  return value;
}

double gcimHtmlNumberAt(const GcimJsonValue *root, const char *path, double fallback) {
  const GcimJsonValue *value = gcimHtmlLookup(root, path);
  return value && value->kind == GCIM_JSON_NUMBER ? value->number : fallback;
}

const char *gcimHtmlStringAt(const GcimJsonValue *root, const char *path, const char *fallback) {
  const GcimJsonValue *value = gcimHtmlLookup(root, path);
  return value && value->kind == GCIM_JSON_STRING ? value->text : fallback;
}

void gcimHtmlText(FILE *out, const char *text) {
  for (const char *c = text; *c; ++c) {
    switch (*c) {
    case '&':
      fputs("&amp;", out);
      break;
    case '<':
      fputs("&lt;", out);
      break;
    case '>':
      fputs("&gt;", out);
      break;
    case '"':
      fputs("&quot;", out);
      break;
    case '\'':
      fputs("&#39;", out);
      break;
    default:
      /* XML 1.0 allows no control characters but tab, newline and carriage return. */
      if ((unsigned char)*c >= 0x20 || *c == '\t' || *c == '\n' || *c == '\r')
        fputc(*c, out);
    }
  }
}

void gcimHtmlNumber(FILE *out, double value) {
  if (!isfinite(value))
    fputs("n/a", out);
  else if (value == floor(value) && fabs(value) < 1e15)
    fprintf(out, "%.0f", value);
  else
    fprintf(out, "%.6g", value);
}

void gcimHtmlCell(FILE *out, const GcimJsonValue *root, const char *prefix, const char *path) {
  const GcimJsonValue *value = gcimHtmlLookup(root, path);
  if (!value) {
    fputs("<td class=\"missing\">-</td>", out);
    return;
  }
  switch (value->kind) {
  case GCIM_JSON_NUMBER:
    fputs("<td class=\"num\" data-json=\"", out);
    gcimHtmlText(out, prefix);
    gcimHtmlText(out, path);
    fputs("\">", out);
    gcimHtmlNumber(out, value->number);
    break;
  case GCIM_JSON_STRING:
    fputs("<td>", out);
    gcimHtmlText(out, value->text);
    break;
  case GCIM_JSON_BOOL:
    fputs(value->boolean ? "<td>true" : "<td>false", out);
    break;
  case GCIM_JSON_NULL:
    fputs("<td>null", out);
    break;
  default:
    fputs("<td>(structured)", out);
  }
  fputs("</td>", out);
}

void gcimHtmlRow(FILE *out, const GcimJsonValue *root, const char *prefix, const char *label,
                 const char *path) {
  fputs("<tr><th>", out);
  gcimHtmlText(out, label);
  fputs("</th>", out);
  gcimHtmlCell(out, root, prefix, path);
  fputs("</tr>\n", out);
}

void gcimHtmlSvgBegin(FILE *out, int width, int height, const char *label) {
  fprintf(out,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
          "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
          width, height, width, height);
  gcimHtmlText(out, label);
  fputs("\">\n", out);
}

void gcimHtmlSvgRect(FILE *out, double x, double y, double w, double h, const char *color,
                     const char *tip) {
  fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"", x, y,
          w > 0 ? w : 0, h > 0 ? h : 0, color);
  if (!tip) {
    fputs("/>\n", out);
    return;
  }
  fputs("><title>", out);
  gcimHtmlText(out, tip);
  fputs("</title></rect>\n", out);
}

void gcimHtmlSvgText(FILE *out, double x, double y, const char *anchor, const char *text) {
  fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\">", x, y, anchor);
  gcimHtmlText(out, text);
  fputs("</text>\n", out);
}

const char *gcimHtmlColor(size_t index) {
  static const char *const palette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return palette[index % (sizeof palette / sizeof palette[0])];
}

const char *gcimHtmlLayerColor(int64_t layer, char *buffer, size_t size) {
  if (layer >= 0 && layer < 10)
    return gcimHtmlColor((size_t)layer);
  /* Past the palette, hues a golden angle apart stay distinct from their neighbours. */
  snprintf(buffer, size, "hsl(%d,55%%,%d%%)", (int)((layer * 137) % 360), layer % 2 ? 40 : 60);
  return buffer;
}
