/* Attributes.c: ONNX node attributes to MLIR attributes, with ONNX's defaults filled in.
 *
 * INT -> i64, FLOAT -> f32, STRING -> string, INTS -> array<i64>, FLOATS -> array<f32>,
 * STRINGS -> array of strings, TENSOR -> dense elements. Declared attributes of the op
 * schema are always written (the default when absent); others are passed through. */
#include "Importer.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const Onnx__AttributeProto *gcimOnnxFindAttr(const Onnx__NodeProto *node, const char *name) {
  for (size_t i = 0; i < node->n_attribute; ++i)
    if (node->attribute[i]->name && strcmp(node->attribute[i]->name, name) == 0)
      return node->attribute[i];
  return NULL;
}

static const GcimOnnxAttrSchema *schemaAttr(const NodeInfo *node, const char *name) {
  for (size_t i = 0; i < node->schema->attributeCount; ++i)
    if (strcmp(node->schema->attributes[i].name, name) == 0)
      return &node->schema->attributes[i];
  return NULL;
}

/* The ONNX type of an attribute; old exporters leave `type` unset, so guess it. */
static int attrType(const Onnx__AttributeProto *a) {
  if (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED)
    return a->type;
  if (a->has_f)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
  if (a->has_i)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  if (a->has_s)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
  if (a->t)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
  if (a->n_floats)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
  if (a->n_ints)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  if (a->n_strings)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
  return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

bool gcimOnnxAttrInt(Importer *im, NodeInfo *node, const char *name, int64_t fallback,
                     int64_t *value) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(node->proto, name);
  if (!a) {
    const GcimOnnxAttrSchema *s = schemaAttr(node, name);
    *value = s && s->defaultValue ? strtoll(s->defaultValue, NULL, 10) : fallback;
    return true;
  }
  if (attrType(a) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT) {
    gcimOnnxImportError(im, "attribute '%s' must be an integer", name);
    return false;
  }
  *value = a->i;
  return true;
}

bool gcimOnnxAttrFloat(Importer *im, NodeInfo *node, const char *name, double fallback,
                       double *value) {
  const Onnx__AttributeProto *a = gcimOnnxFindAttr(node->proto, name);
  if (!a) {
    const GcimOnnxAttrSchema *s = schemaAttr(node, name);
    *value = s && s->defaultValue ? strtod(s->defaultValue, NULL) : fallback;
    return true;
  }
  if (attrType(a) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT) {
    gcimOnnxImportError(im, "attribute '%s' must be a float", name);
    return false;
  }
  *value = a->f;
  return true;
}

static MlirAttribute convertOne(Importer *im, const Onnx__AttributeProto *a, int type) {
  MlirContext ctx = im->ctx;
  switch (type) {
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
    return mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), a->i);
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
    return mlirFloatAttrDoubleGet(ctx, mlirF32TypeGet(ctx), a->f);
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
    return mlirStringAttrGet(ctx, mlirStringRefCreate((const char *)a->s.data, a->s.len));
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
    return mlirDenseI64ArrayGet(ctx, (intptr_t)a->n_ints, a->ints);
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
    return mlirDenseF32ArrayGet(ctx, (intptr_t)a->n_floats, a->floats);
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS: {
    MlirAttribute *items = malloc((a->n_strings ? a->n_strings : 1) * sizeof *items);
    if (!items)
      return mlirAttributeGetNull();
    for (size_t i = 0; i < a->n_strings; ++i)
      items[i] = mlirStringAttrGet(
          ctx, mlirStringRefCreate((const char *)a->strings[i].data, a->strings[i].len));
    MlirAttribute array = mlirArrayAttrGet(ctx, (intptr_t)a->n_strings, items);
    free(items);
    return array;
  }
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: {
    TypeInfo t;
    char what[300];
    snprintf(what, sizeof what, "attribute '%s'", a->name);
    if (!a->t || !gcimOnnxTensorType(im, a->t, what, &t))
      return mlirAttributeGetNull();
    return gcimOnnxTensorAttr(im, a->t, NULL, &t, what);
  }
  default:
    gcimOnnxImportError(im, "attribute '%s' has an unsupported type", a->name ? a->name : "");
    return mlirAttributeGetNull();
  }
}

static MlirAttribute convertDefault(Importer *im, const GcimOnnxAttrSchema *s) {
  MlirContext ctx = im->ctx;
  switch (s->kind) {
  case GCIM_ATTR_INT:
    return mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), strtoll(s->defaultValue, NULL, 10));
  case GCIM_ATTR_FLOAT:
    return mlirFloatAttrDoubleGet(ctx, mlirF32TypeGet(ctx), strtod(s->defaultValue, NULL));
  case GCIM_ATTR_STRING:
    return mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(s->defaultValue));
  default: /* no INTS, FLOATS or TENSOR attribute of the table has a default */
    gcimOnnxImportError(im, "attribute '%s' has no usable default", s->name);
    return mlirAttributeGetNull();
  }
}

static int expectedType(GcimAttrKind kind) {
  switch (kind) {
  case GCIM_ATTR_INT:
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  case GCIM_ATTR_FLOAT:
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
  case GCIM_ATTR_STRING:
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
  case GCIM_ATTR_INTS:
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  case GCIM_ATTR_FLOATS:
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
  default:
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
  }
}

static const char *kindName(GcimAttrKind kind) {
  static const char *names[] = {"an integer",         "a float",          "a string",
                                "a list of integers", "a list of floats", "a tensor"};
  return names[kind];
}

static bool push(Importer *im, MlirNamedAttribute *attrs, size_t *count, const char *name,
                 MlirAttribute value) {
  if (mlirAttributeIsNull(value)) {
    if (!im->failed)
      gcimOnnxImportError(im, "cannot convert attribute '%s'", name);
    return false;
  }
  attrs[(*count)++] = mlirNamedAttributeGet(
      mlirIdentifierGet(im->ctx, mlirStringRefCreateFromCString(name)), value);
  return true;
}

/* Attributes that older opsets had and the importer turned into operands. */
static bool isRewritten(const NodeInfo *node, const char *name) {
  for (size_t i = 0; i < 4; ++i)
    if (node->extraInputs[i] && strcmp(node->extraInputs[i]->name, name) == 0)
      return true;
  return false;
}

bool gcimOnnxConvertAttributes(Importer *im, NodeInfo *node, MlirNamedAttribute **attrs,
                               size_t *count) {
  const Onnx__NodeProto *proto = node->proto;
  *count = 0;
  *attrs = malloc((node->schema->attributeCount + proto->n_attribute + 1) * sizeof **attrs);
  if (!*attrs) {
    gcimOnnxImportError(im, "out of memory");
    return false;
  }
  for (size_t i = 0; i < node->schema->attributeCount; ++i) {
    const GcimOnnxAttrSchema *s = &node->schema->attributes[i];
    const Onnx__AttributeProto *a = gcimOnnxFindAttr(proto, s->name);
    MlirAttribute value;
    if (a) {
      if (attrType(a) != expectedType(s->kind)) {
        gcimOnnxImportError(im, "attribute '%s' must be %s", s->name, kindName(s->kind));
        return false;
      }
      value = convertOne(im, a, expectedType(s->kind));
    } else if (s->defaultValue) {
      value = convertDefault(im, s);
    } else {
      gcimOnnxImportError(im, "missing required attribute '%s'", s->name);
      return false;
    }
    if (!push(im, *attrs, count, s->name, value))
      return false;
  }
  for (size_t i = 0; i < proto->n_attribute; ++i) {
    const Onnx__AttributeProto *a = proto->attribute[i];
    if (!a->name || !*a->name) {
      gcimOnnxImportError(im, "an attribute has no name");
      return false;
    }
    if (strcmp(a->name, "operandSegmentSizes") == 0 || strcmp(a->name, "resultSegmentSizes") == 0) {
      gcimOnnxImportError(im, "attribute name '%s' is reserved", a->name);
      return false;
    }
    if (schemaAttr(node, a->name) || isRewritten(node, a->name))
      continue;
    for (size_t j = 0; j < i; ++j)
      if (strcmp(proto->attribute[j]->name, a->name) == 0) {
        gcimOnnxImportError(im, "attribute '%s' is given twice", a->name);
        return false;
      }
    if (!push(im, *attrs, count, a->name, convertOne(im, a, attrType(a))))
      return false;
  }
  return true;
}
