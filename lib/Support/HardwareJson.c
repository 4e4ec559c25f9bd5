/* HardwareJson.c: loading and saving GcimHardware as JSON, driven by one table of fields. */
#include "gcim/Support/HardwareJson.h"

#include "gcim/Support/Json.h"
#include "gcim/Support/OutputFile.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum Kind { I32, F32, F64, BOOL32, U64, CELL, COEFFS, OBJECT } Kind;

typedef struct Field {
  const char *name;
  Kind kind;
  size_t offset;
  const struct Field *sub; /* OBJECT: its fields, ended by a NULL name */
} Field;

#define HW(member) offsetof(GcimHardware, member)

static const Field quantizerFields[] = {{"levels", I32, offsetof(GcimQuantizer, levels), NULL},
                                        {"max", F64, offsetof(GcimQuantizer, max), NULL},
                                        {NULL, I32, 0, NULL}};

static const Field costFields[] = {
    {"firstProductPerArrayPJ", F64, offsetof(GcimCostTable, firstProductPerArrayPJ), NULL},
    {"secondProductPerArrayPJ", F64, offsetof(GcimCostTable, secondProductPerArrayPJ), NULL},
    {"digitalPerHeadTokenPJ", F64, offsetof(GcimCostTable, digitalPerHeadTokenPJ), NULL},
    {"dacPerValuePJ", F64, offsetof(GcimCostTable, dacPerValuePJ), NULL},
    {"headTokenLatencyNs", F64, offsetof(GcimCostTable, headTokenLatencyNs), NULL},
    {NULL, I32, 0, NULL}};

static const Field noiseFields[] = {
    {"seed", U64, offsetof(GcimNoise, seed), NULL},
    {"readNoiseSnrDb", F64, offsetof(GcimNoise, readNoiseSnrDb), NULL},
    {"writeNoiseStdV", F64, offsetof(GcimNoise, writeNoiseStdV), NULL},
    {"retentionSpreadRel", F64, offsetof(GcimNoise, retentionSpreadRel), NULL},
    {NULL, I32, 0, NULL}};

static const Field floorplanFields[] = {
    {"chips", I32, offsetof(GcimFloorplan, chips), NULL},
    {"subTilesPerPeriphery", I32, offsetof(GcimFloorplan, subTilesPerPeriphery), NULL},
    {"linkBytesPerNs", F64, offsetof(GcimFloorplan, linkBytesPerNs), NULL},
    {"linkPJPerByte", F64, offsetof(GcimFloorplan, linkPJPerByte), NULL},
    {"spillBytesPerNs", F64, offsetof(GcimFloorplan, spillBytesPerNs), NULL},
    {"spillPJPerByte", F64, offsetof(GcimFloorplan, spillPJPerByte), NULL},
    {"subTileAreaMm2", F64, offsetof(GcimFloorplan, subTileAreaMm2), NULL},
    {"peripheryAreaMm2", F64, offsetof(GcimFloorplan, peripheryAreaMm2), NULL},
    {NULL, I32, 0, NULL}};

static const Field hardwareFields[] = {
    {"arrayRows", I32, HW(arrayRows), NULL},
    {"arrayCols", I32, HW(arrayCols), NULL},
    {"window", I32, HW(window), NULL},
    {"maxSubTiles", I32, HW(maxSubTiles), NULL},
    {"vdd", F32, HW(vdd), NULL},
    {"midVoltage", F32, HW(midVoltage), NULL},
    {"query", OBJECT, HW(query), quantizerFields},
    {"kv", OBJECT, HW(kv), quantizerFields},
    {"output", OBJECT, HW(output), quantizerFields},
    {"cell", CELL, HW(cell), NULL},
    {"cellCoeffs", COEFFS, HW(cellCoeffs), NULL},
    {"linearSlope", F64, HW(linearSlope), NULL},
    {"decayEnabled", BOOL32, HW(decayEnabled), NULL},
    {"decayLambda", F64, HW(decayLambda), NULL},
    {"bf16Decay", BOOL32, HW(bf16Decay), NULL},
    {"firstProductSaturation", F32, HW(firstProductSaturation), NULL},
    {"outputSaturation", F32, HW(outputSaturation), NULL},
    {"pulseMaxNs", F64, HW(pulseMaxNs), NULL},
    {"cost", OBJECT, HW(cost), costFields},
    {"noise", OBJECT, HW(noise), noiseFields},
    {"floorplan", OBJECT, HW(floorplan), floorplanFields},
    {NULL, I32, 0, NULL}};

static GcimStatus wrongType(const GcimJsonValue *v, const char *prefix, const char *name,
                            const char *what, char **errMsg) {
  return gcimFail(errMsg, GCIM_ERROR_INVALID, "line %d: '%s%s' must be %s", v->line, prefix, name,
                  what);
}

static GcimStatus finiteNumber(const GcimJsonValue *v, const char *prefix, const char *name,
                               char **errMsg) {
  if (v->kind != GCIM_JSON_NUMBER)
    return wrongType(v, prefix, name, "a number", errMsg);
  if (!isfinite(v->number))
    return wrongType(v, prefix, name, "a finite number", errMsg);
  return GCIM_OK;
}

static GcimStatus applyField(const Field *f, const GcimJsonValue *v, char *base, const char *prefix,
                             char **errMsg);

static GcimStatus applyObject(const Field *fields, const GcimJsonValue *object, char *base,
                              const char *prefix, char **errMsg) {
  if (object->kind != GCIM_JSON_OBJECT)
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "line %d: %s must be an object", object->line,
                    *prefix ? prefix : "the hardware description");
  for (size_t i = 0; i < object->count; ++i) {
    const Field *f = fields;
    while (f->name && strcmp(f->name, object->keys[i]) != 0)
      ++f;
    if (!f->name)
      return gcimFail(errMsg, GCIM_ERROR_INVALID, "line %d: unknown key '%s%s'",
                      object->items[i].line, prefix, object->keys[i]);
    GcimStatus status = applyField(f, &object->items[i], base + f->offset, prefix, errMsg);
    if (status != GCIM_OK)
      return status;
  }
  return GCIM_OK;
}

static GcimStatus applyField(const Field *f, const GcimJsonValue *v, char *at, const char *prefix,
                             char **errMsg) {
  GcimStatus status;
  switch (f->kind) {
  case I32:
    if ((status = finiteNumber(v, prefix, f->name, errMsg)) != GCIM_OK)
      return status;
    if (v->number != floor(v->number) || fabs(v->number) > INT32_MAX)
      return wrongType(v, prefix, f->name, "a 32-bit integer", errMsg);
    *(int32_t *)(void *)at = (int32_t)v->number;
    return GCIM_OK;
  case F32:
  case F64:
    if ((status = finiteNumber(v, prefix, f->name, errMsg)) != GCIM_OK)
      return status;
    if (f->kind == F32)
      *(float *)(void *)at = (float)v->number;
    else
      *(double *)(void *)at = v->number;
    return GCIM_OK;
  case BOOL32:
    if (v->kind != GCIM_JSON_BOOL)
      return wrongType(v, prefix, f->name, "true or false", errMsg);
    *(int32_t *)(void *)at = v->boolean;
    return GCIM_OK;
  case U64: {
    char *after = NULL;
    errno = 0;
    unsigned long long value =
        v->kind == GCIM_JSON_NUMBER && v->text[0] != '-' ? strtoull(v->text, &after, 10) : 0;
    if (!after || *after || errno)
      return wrongType(v, prefix, f->name, "an unsigned 64-bit integer", errMsg);
    *(uint64_t *)(void *)at = value;
    return GCIM_OK;
  }
  case CELL:
    if (v->kind == GCIM_JSON_STRING && strcmp(v->text, "nonlinear") == 0)
      *(GcimCellModel *)(void *)at = GCIM_CELL_NONLINEAR;
    else if (v->kind == GCIM_JSON_STRING && strcmp(v->text, "linear") == 0)
      *(GcimCellModel *)(void *)at = GCIM_CELL_LINEAR;
    else
      return wrongType(v, prefix, f->name, "\"nonlinear\" or \"linear\"", errMsg);
    return GCIM_OK;
  case COEFFS:
    if (v->kind != GCIM_JSON_ARRAY || v->count != 4)
      return wrongType(v, prefix, f->name, "an array of 4 numbers", errMsg);
    for (int i = 0; i < 4; ++i) {
      if ((status = finiteNumber(&v->items[i], prefix, f->name, errMsg)) != GCIM_OK)
        return status;
      ((double *)(void *)at)[i] = v->items[i].number;
    }
    return GCIM_OK;
  case OBJECT: {
    char nested[64];
    snprintf(nested, sizeof nested, "%s%s.", prefix, f->name);
    return applyObject(f->sub, v, at, nested, errMsg);
  }
  }
  return GCIM_OK;
}

/* *hw = *base with the keys of `root` applied, validated; *hw unchanged on failure. */
static GcimStatus applyOver(const GcimJsonValue *root, const GcimHardware *base, GcimHardware *hw,
                            char **errMsg) {
  GcimHardware parsed = *base;
  GcimStatus status = applyObject(hardwareFields, root, (char *)&parsed, "", errMsg);
  if (status != GCIM_OK)
    return status;
  char reason[160];
  if (!gcimHardwareValidate(&parsed, reason, sizeof reason))
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "invalid hardware description: %s", reason);
  *hw = parsed;
  return GCIM_OK;
}

GcimStatus gcimHardwareParseJson(const char *text, size_t length, GcimHardware *hw, char **errMsg) {
  GcimHardware defaults;
  gcimHardwareInitDefault(&defaults);
  *hw = defaults;
  GcimJsonValue *root;
  GcimStatus status = gcimJsonParse(text, length, &root, errMsg);
  if (status != GCIM_OK)
    return status;
  status = applyOver(root, &defaults, hw, errMsg);
  gcimJsonDestroy(root);
  return status;
}

GcimStatus gcimHardwareLoadJson(const char *path, GcimHardware *hw, char **errMsg) {
  GcimHardware defaults;
  gcimHardwareInitDefault(&defaults);
  *hw = defaults;
  return gcimHardwareLoadJsonOver(path, &defaults, hw, errMsg);
}

GcimStatus gcimHardwareLoadJsonOver(const char *path, const GcimHardware *base, GcimHardware *hw,
                                    char **errMsg) {
  GcimJsonValue *root;
  GcimStatus status = gcimJsonParseFile(path, &root, errMsg); /* its messages name the path */
  if (status != GCIM_OK)
    return status;
  char *message = NULL;
  status = applyOver(root, base, hw, &message);
  gcimJsonDestroy(root);
  if (status != GCIM_OK)
    gcimFail(errMsg, status, "'%s': %s", path, message ? message : "invalid");
  free(message);
  return status;
}

static void writeObject(GcimJsonWriter *w, const Field *fields, const char *base) {
  gcimJsonWriteBeginObject(w);
  for (const Field *f = fields; f->name; ++f) {
    const void *at = base + f->offset;
    gcimJsonWriteKey(w, f->name);
    switch (f->kind) {
    case I32:
      gcimJsonWriteInt(w, *(const int32_t *)at);
      break;
    case F32:
      gcimJsonWriteFloat(w, *(const float *)at);
      break;
    case F64:
      gcimJsonWriteDouble(w, *(const double *)at);
      break;
    case BOOL32:
      gcimJsonWriteBool(w, *(const int32_t *)at);
      break;
    case U64:
      gcimJsonWriteUInt(w, *(const uint64_t *)at);
      break;
    case CELL:
      gcimJsonWriteString(w,
                          *(const GcimCellModel *)at == GCIM_CELL_LINEAR ? "linear" : "nonlinear");
      break;
    case COEFFS:
      gcimJsonWriteBeginArray(w);
      for (int i = 0; i < 4; ++i)
        gcimJsonWriteDouble(w, ((const double *)at)[i]);
      gcimJsonWriteEndArray(w);
      break;
    case OBJECT:
      writeObject(w, f->sub, at);
      break;
    }
  }
  gcimJsonWriteEndObject(w);
}

void gcimHardwareWriteJson(FILE *stream, const GcimHardware *hw) {
  GcimJsonWriter w;
  gcimJsonWriterInit(&w, stream);
  writeObject(&w, hardwareFields, (const char *)hw);
  gcimJsonWriterFinish(&w);
}

GcimStatus gcimHardwareSaveJson(const char *path, const GcimHardware *hw, char **errMsg) {
  GcimOutputFile *file;
  GcimStatus status = gcimOutputFileCreate(path, &file, errMsg);
  if (status != GCIM_OK)
    return status;
  gcimHardwareWriteJson(gcimOutputFileGetStream(file), hw);
  return gcimOutputFileCommit(file, errMsg);
}
