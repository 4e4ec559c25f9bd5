/* ExpandQuantCodes.c: the quantized operators' initializers opened (ExpandQuant.h): the
 * integer codes of a quantized weight read where they lie, so that a quantized model's
 * codes are never widened in memory, and its scales loaded.
 *
 * - 8-bit codes (int8, uint8) from their raw data: the model's mapping, an external data
 *   file, or the message.
 * - 4-bit codes (ONNX int4 and uint4, types 22 and 21): two a byte, low nibble first, over
 *   the flattened tensor (the last byte's high nibble unused when the count is odd), in the
 *   raw data or one byte per int32_data entry. The importer knows no 4-bit type otherwise:
 *   such an initializer that only the quantization expansion reads is not defined as a
 *   value (gcimOnnxQuantPackedUnread).
 * - Any other integer type, or codes in typed fields, through the importer's loader. */
#include "ExpandQuant.h"

#include <stdlib.h>
#include <string.h>

enum { DT_UINT4 = 21, DT_INT4 = 22 }; /* not in the Debian onnx.proto (onnx 1.12) */

static bool isPacked(int32_t type) { return type == DT_UINT4 || type == DT_INT4; }

const Onnx__TensorProto *gcimOnnxQuantFindInitializer(const Onnx__GraphProto *g, const char *name,
                                                      size_t *index) {
  for (size_t i = 0; name && i < g->n_initializer; ++i)
    if (g->initializer[i]->name && strcmp(g->initializer[i]->name, name) == 0) {
      if (index)
        *index = i;
      return g->initializer[i];
    }
  return NULL;
}

ConstData *gcimOnnxQuantInitializer(GcimOnnxBuilder *b, const char *name, TypeInfo *type) {
  size_t index = 0;
  const Onnx__TensorProto *t = gcimOnnxQuantFindInitializer(b->im->graph, name, &index);
  if (!t)
    return NULL;
  ByteView bytes = b->im->model->initializerBytes[index];
  ConstData *data = NULL;
  if (gcimOnnxTensorType(b->im, t, name, type) && gcimOnnxTensorCheck(b->im, t, &bytes, type, name))
    data = gcimOnnxTensorLoad(b->im, t, &bytes, type, name);
  b->ok = b->ok && data;
  return data;
}

/* The shape of a 4-bit tensor, checked as gcimOnnxTensorType checks others. */
static bool packedType(GcimOnnxBuilder *b, const Onnx__TensorProto *t, TypeInfo *type) {
  memset(type, 0, sizeof *type);
  type->elemType = t->data_type;
  type->rank = (int32_t)t->n_dims;
  bool fits = t->n_dims <= GCIM_MAX_RANK;
  for (size_t d = 0; fits && d < t->n_dims; ++d)
    fits = (type->dims[d] = t->dims[d]) >= 0;
  if (!fits || gcimOnnxTypeNumElements(type) < 0)
    gcimOnnxImportError(b->im, "the 4-bit initializer '%s' has an invalid shape", t->name);
  return fits && gcimOnnxTypeNumElements(type) >= 0;
}

/* The packed bytes of a 4-bit tensor: its raw data, or a copy of its int32_data. */
static bool packedBytes(GcimOnnxBuilder *b, const Onnx__TensorProto *t, size_t index,
                        GcimOnnxQuantCodes *c) {
  int64_t bytes = (c->count + 1) / 2;
  TypeInfo asBytes = {.elemType = DT_UINT8, .rank = 1, .dims = {bytes}};
  ByteView view = b->im->model->initializerBytes[index];
  if (!gcimOnnxTensorCheck(b->im, t, &view, &asBytes, t->name))
    return false;
  if (view.present) {
    c->bytes = view.data;
    c->mapped = view.mapped;
    return true;
  }
  uint8_t *copy = malloc((size_t)bytes + 1);
  if (!copy) {
    gcimOnnxImportError(b->im, "out of memory");
    return false;
  }
  for (int64_t i = 0; i < bytes; ++i)
    copy[i] = (uint8_t)t->int32_data[i];
  c->bytes = c->owned = copy;
  return true;
}

bool gcimOnnxQuantCodesOpen(GcimOnnxBuilder *b, const char *name, GcimOnnxQuantCodes *c) {
  memset(c, 0, sizeof *c);
  size_t index = 0;
  const Onnx__TensorProto *t = gcimOnnxQuantFindInitializer(b->im->graph, name, &index);
  if (!t)
    return false;
  c->name = name;
  bool ok;
  if (t->has_data_type && isPacked(t->data_type)) {
    ok = packedType(b, t, &c->type);
    c->count = gcimOnnxTypeNumElements(&c->type);
    c->bits = 4;
    c->isSigned = t->data_type == DT_INT4;
    c->integer = true;
    ok = ok && packedBytes(b, t, index, c);
  } else {
    ByteView view = b->im->model->initializerBytes[index];
    ok = gcimOnnxTensorType(b->im, t, name, &c->type) &&
         gcimOnnxTensorCheck(b->im, t, &view, &c->type, name);
    c->count = gcimOnnxTypeNumElements(&c->type);
    c->integer = ok && !gcimOnnxIsFloatType(c->type.elemType);
    c->isSigned = c->type.elemType == DT_INT8;
    if (c->integer && view.present && gcimOnnxElemTypeSize(c->type.elemType) == 1) {
      c->bits = 8;
      c->bytes = view.data;
      c->mapped = view.mapped;
    } else if (c->integer) {
      c->loaded = gcimOnnxTensorLoad(b->im, t, &view, &c->type, name);
      ok = c->loaded != NULL;
    }
  }
  b->ok = b->ok && ok;
  return ok;
}

int64_t gcimOnnxQuantCodeAt(const GcimOnnxQuantCodes *c, int64_t i) {
  if (c->loaded)
    return c->loaded->ints[i];
  if (c->bits == 8)
    return c->isSigned ? (int64_t)(int8_t)c->bytes[i] : (int64_t)c->bytes[i];
  int nibble = (c->bytes[i / 2] >> (4 * (i % 2))) & 15;
  return c->isSigned ? (nibble ^ 8) - 8 : nibble;
}

void gcimOnnxQuantCodesClose(GcimOnnxQuantCodes *c) {
  gcimOnnxConstDestroy(c->loaded);
  free(c->owned);
  memset(c, 0, sizeof *c);
}

bool gcimOnnxQuantPackedUnread(const Onnx__GraphProto *g, const Onnx__TensorProto *t) {
  if (!t->has_data_type || !isPacked(t->data_type) || !t->name)
    return false;
  for (size_t i = 0; i < g->n_node; ++i)
    for (size_t j = 0; j < g->node[i]->n_input; ++j)
      if (g->node[i]->input[j] && strcmp(g->node[i]->input[j], t->name) == 0)
        return false;
  for (size_t i = 0; i < g->n_output; ++i)
    if (g->output[i]->name && strcmp(g->output[i]->name, t->name) == 0)
      return false;
  return true;
}
