/* OpTable.c: the table of supported ONNX operators (generated schemas plus hooks). */
#include "Importer.h"

#include <string.h>

#include "OpSchemas.inc"

static bool sameDomain(const char *a, const char *b) {
  // The default domain is spelled "" or "ai.onnx".
  if (strcmp(a, "ai.onnx") == 0)
    a = "";
  if (strcmp(b, "ai.onnx") == 0)
    b = "";
  return strcmp(a, b) == 0;
}

const GcimOnnxOpSchema *gcimOnnxLookupOpSchema(const char *domain, const char *opType) {
  for (size_t i = 0; i < sizeof opSchemas / sizeof opSchemas[0]; ++i)
    if (strcmp(opSchemas[i].opType, opType) == 0 && sameDomain(opSchemas[i].domain, domain))
      return &opSchemas[i];
  return NULL;
}

const OpHooks *gcimOnnxLookupOpHooks(const char *opName) {
  for (size_t i = 0; i < gcimOpHookCount; ++i)
    if (strcmp(gcimOpHooks[i].opName, opName) == 0)
      return &gcimOpHooks[i];
  return NULL;
}
