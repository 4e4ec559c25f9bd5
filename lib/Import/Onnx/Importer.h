/* Importer.h: the ONNX importer's internal interfaces, shared by lib/Import/Onnx. */
#ifndef GCIM_LIB_IMPORT_ONNX_IMPORTER_H
#define GCIM_LIB_IMPORT_ONNX_IMPORTER_H

#include "gcim/Import/Onnx.h"
#include "gcim/Runtime/ElemType.h"
#include "mlir-c/IR.h"
#include "onnx.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ONNX TensorProto.DataType values used by name: DT_FLOAT, DT_BFLOAT16, ... for each element
 * type of GCIM_ELEM_TYPES, and DT_STRING. */
enum {
#define ONNX_DATA_TYPE(name, cType, size, numpy, descr, onnx, ...)                                 \
  DT_##onnx = ONNX__TENSOR_PROTO__DATA_TYPE__##onnx,
  GCIM_ELEM_TYPES(ONNX_DATA_TYPE)
#undef ONNX_DATA_TYPE
      DT_STRING = ONNX__TENSOR_PROTO__DATA_TYPE__STRING
};

/* Element count above which values are not folded (nor kept as known constants). */
#define GCIM_FOLD_LIMIT ((int64_t)1 << 20)

/* ---- Reader (Reader.c, ExternalData.c) ----------------------------------------- */

/* A read-only mapping of a file (or a borrowed buffer when `owned` is false). */
typedef struct Mapping {
  char *path; /* for external data: the location as written in the model */
  const uint8_t *data;
  size_t size;
  bool owned;
} Mapping;

/* Bytes of a tensor that live in a mapping (stripped raw_data or external data). */
typedef struct ByteView {
  const uint8_t *data;
  size_t size;
  bool present;
  bool mapped; /* in a mapping that outlives the import (else in protobuf-c memory) */
} ByteView;

/* A parsed model. The raw_data of large initializers is not copied by protobuf-c: the
 * reader strips it from the message and records where it lies in the mapping. */
typedef struct Model {
  Onnx__ModelProto *proto;
  ByteView *initializerBytes; /* one per graph initializer */
  size_t initializerCount;
} Model;

/* Reads `mapping` into *model; on failure returns false and fills *errMsg. */
bool gcimOnnxReadModel(const Mapping *mapping, Model *model, char **errMsg);
void gcimOnnxFreeModel(Model *model);

/* The importer's list of mappings (the model and its external data files). */
/* A dense resource the importer made over mapped bytes (gcimOnnxImportGetResourceData). */
typedef struct ResourceEntry {
  const void *attr;
  const void *data;
  size_t size;
} ResourceEntry;

typedef struct MappingList {
  Mapping *items;
  size_t count;
  const char *modelDir; /* NULL: external data is rejected */
  ResourceEntry *resources;
  size_t resourceCount, resourceCapacity;
} MappingList;

bool gcimOnnxMapFile(const char *path, Mapping *mapping, char **errMsg);
void gcimOnnxUnmapFile(Mapping *mapping);
/* Drops the pages of [data, data + size), bytes of `mapping`, from the process's memory. */
void gcimOnnxReleaseMapped(const Mapping *mapping, const void *data, size_t size);
/* Resolves the external data of `tensor` (expected `bytes` long) into *view. */
bool gcimOnnxResolveExternalData(MappingList *list, const Onnx__TensorProto *tensor, uint64_t bytes,
                                 ByteView *view, char **errMsg);

/* ---- Values -------------------------------------------------------------------- */

typedef struct TypeInfo {
  int32_t elemType; /* ONNX data type */
  int32_t rank;
  int64_t dims[GCIM_MAX_RANK]; /* -1: dynamic */
} TypeInfo;

/* A tensor's value known at import time: integers as int64, floats as double. */
typedef struct ConstData {
  int64_t count;
  int64_t *ints;  /* for integer and bool types */
  double *floats; /* for floating types */
} ConstData;

typedef struct Value {
  char *name;
  TypeInfo type;
  bool hasType;
  ConstData *constant;                  /* owned; NULL when unknown */
  const Onnx__TensorProto *initializer; /* materialised on first use */
  ByteView initializerBytes;            /* its raw data, when it has some */
  MlirValue value;                      /* null until materialised */
  MlirLocation loc;                     /* of the constant op, when materialised */
} Value;

/* A string-keyed hash table (open addressing); keys and values are borrowed. */
typedef struct StrMap {
  const char **keys;
  void **items;
  size_t capacity, count;
} StrMap;

bool gcimOnnxStrMapPut(StrMap *map, const char *key, void *item); /* false: out of memory */
void *gcimOnnxStrMapGet(const StrMap *map, const char *key);
void gcimOnnxStrMapFree(StrMap *map);

/* ---- The importer ---------------------------------------------------------------- */

typedef struct Importer {
  MlirContext ctx;
  MlirLocation fileLoc;
  const GcimOnnxImportOptions *options;
  MappingList *mappings;
  Model *model;
  Onnx__GraphProto *graph;
  int64_t opset;     /* default domain */
  StrMap values;     /* name -> Value* (owned) */
  StrMap valueInfos; /* name -> const Onnx__ValueInfoProto* (value_info and outputs) */
  MlirBlock block;   /* body of @main */
  MlirLocation loc;  /* of the node being imported */
  const char *nodeName;
  const char *opType;
  bool failed;
  struct Expansion *expansion; /* Expand.c: the expanded node list (owned) */
  /* KV-cache exports (PastProbe.c): the length the inputs' past axes were bound to (0:
   * none, -1: the inputs disagree); in a probe's import, that length, and the length Bind.c
   * gives those axes instead (one token longer, or one token). */
  int64_t pastLength;
  int64_t probePastLength;
  int64_t probeLength;
  /* Graphs with a run-time sequence axis (bounded by --max or a position table): its
   * bound T (0: none, -1: the inputs disagree); in the probe's import, the shorter length
   * Bind.c gives that axis instead. */
  int64_t runLength;
  int64_t probeRunLength;
} Importer;

bool gcimOnnxIsFloatType(int32_t elemType);
size_t gcimOnnxElemTypeSize(int32_t elemType); /* 0 for unsupported types */
const char *gcimOnnxElemTypeName(int32_t elemType);
MlirType gcimOnnxElemTypeToMlir(MlirContext ctx, int32_t elemType); /* null for unsupported */
int64_t gcimOnnxTypeNumElements(const TypeInfo *type); /* -1 if dynamic or above 2^48 */
MlirType gcimOnnxTypeToMlir(MlirContext ctx, const TypeInfo *type);
void gcimOnnxFormatShape(const TypeInfo *type, char *buffer, size_t size);

Value *gcimOnnxLookupValue(Importer *im, const char *name);
Value *gcimOnnxDefineValue(Importer *im, const char *name); /* NULL (reported) on failure */
void gcimOnnxFreeValues(Importer *im);
/* The known value of v, loading small initializers on demand; NULL when unknown. */
const ConstData *gcimOnnxKnownConst(Importer *im, Value *v);
/* Reads an ONNX TypeProto into *type; false with an error naming `what` if not a tensor
 * of a supported type. Unknown dimensions become -1. */
bool gcimOnnxValueInfoType(Importer *im, const Onnx__TypeProto *proto, const char *what,
                           TypeInfo *type);

/* Emits an error at the current node (or the model when no node is current). */
void gcimOnnxImportError(Importer *im, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
MlirLocation gcimOnnxNameLoc(Importer *im, const char *name);

/* ---- Tensors (Tensor.c) -------------------------------------------------------- */

ConstData *gcimOnnxConstCreate(int32_t elemType, int64_t count); /* NULL when out of memory */
void gcimOnnxConstDestroy(ConstData *data);
double gcimOnnxConstGetFloat(const ConstData *data, int64_t i);
int64_t gcimOnnxConstGetInt(const ConstData *data, int64_t i);
/* Reads a tensor's type (checking dims and data type); errors name `what`. */
bool gcimOnnxTensorType(Importer *im, const Onnx__TensorProto *tensor, const char *what,
                        TypeInfo *type);
/* Checks that a tensor's data fits its type, resolving external data; on success *bytes
 * holds its raw data (present false for typed fields). */
bool gcimOnnxTensorCheck(Importer *im, const Onnx__TensorProto *tensor, ByteView *bytes,
                         const TypeInfo *type, const char *what);
/* Loads a tensor's values (checking their size); `bytes` is its stripped/external data
 * when present. */
ConstData *gcimOnnxTensorLoad(Importer *im, const Onnx__TensorProto *tensor, const ByteView *bytes,
                              const TypeInfo *type, const char *what);
/* The dense attribute for a tensor: a resource over the mapping for large raw data. */
MlirAttribute gcimOnnxTensorAttr(Importer *im, const Onnx__TensorProto *tensor,
                                 const ByteView *bytes, const TypeInfo *type, const char *what);
MlirAttribute gcimOnnxConstAttr(Importer *im, const ConstData *data, const TypeInfo *type);
/* Returns v's MLIR value, creating the onnx.constant of an initializer or known value. */
MlirValue gcimOnnxMaterialize(Importer *im, Value *v);

/* ---- Op table (OpTable.c) ------------------------------------------------------- */

typedef enum {
  GCIM_ATTR_INT,
  GCIM_ATTR_FLOAT,
  GCIM_ATTR_STRING,
  GCIM_ATTR_INTS,
  GCIM_ATTR_FLOATS,
  GCIM_ATTR_TENSOR
} GcimAttrKind;

typedef struct GcimOnnxAttrSchema {
  const char *name;
  GcimAttrKind kind;
  const char *defaultValue; /* NULL: required */
} GcimOnnxAttrSchema;

typedef struct GcimOnnxOpSchema {
  const char *domain, *opType, *opName;
  const char *operands, *results; /* 's' single, '?' optional, '*' variadic */
  const GcimOnnxAttrSchema *attributes;
  size_t attributeCount;
} GcimOnnxOpSchema;

/* A node being imported: its inputs and outputs after rewriting older forms. */
typedef struct NodeInfo {
  const Onnx__NodeProto *proto;
  const GcimOnnxOpSchema *schema;
  Value **inputs; /* NULL entries for absent optional inputs */
  size_t inputCount;
  TypeInfo *outputTypes;
  ConstData **outputConsts; /* folded values, owned until stored */
  size_t outputCount;
  Value *extraInputs[4]; /* constants made from older opsets' attributes */
} NodeInfo;

typedef bool (*InferFn)(Importer *im, NodeInfo *node);
typedef bool (*FoldFn)(Importer *im, NodeInfo *node);

typedef struct OpHooks {
  const char *opName;
  InferFn infer;
  FoldFn fold; /* NULL: never folded */
} OpHooks;

const GcimOnnxOpSchema *gcimOnnxLookupOpSchema(const char *domain, const char *opType);
const OpHooks *gcimOnnxLookupOpHooks(const char *opName);

/* ---- Attributes (Attributes.c) -------------------------------------------------- */

const Onnx__AttributeProto *gcimOnnxFindAttr(const Onnx__NodeProto *node, const char *name);
/* Typed reads with ONNX's default (from the op schema) when absent. */
bool gcimOnnxAttrInt(Importer *im, NodeInfo *node, const char *name, int64_t fallback,
                     int64_t *value);
bool gcimOnnxAttrFloat(Importer *im, NodeInfo *node, const char *name, double fallback,
                       double *value);
/* Converts every attribute of the node, filling declared defaults, into `attrs`. */
bool gcimOnnxConvertAttributes(Importer *im, NodeInfo *node, MlirNamedAttribute **attrs,
                               size_t *count);

/* ---- Shape inference and folding (Infer*.c, Fold.c) ------------------------------ */

extern const OpHooks gcimOpHooks[];
extern const size_t gcimOpHookCount;
bool gcimOnnxBroadcastShapes(Importer *im, const TypeInfo *a, const TypeInfo *b, TypeInfo *out);
/* The known integer values of input i (NULL with an error when unknown). */
const ConstData *gcimOnnxRequireConst(Importer *im, NodeInfo *node, size_t i, const char *what);
bool gcimOnnxNormalizeAxis(Importer *im, int64_t axis, int32_t rank, int64_t *out);

/* ---- Building (Builder.c, Graph.c) ---------------------------------------------- */

bool gcimOnnxImportGraph(Importer *im, MlirModule module);
/* Imports the graph again with the past one token longer, and one token long, and tags
 * what differs in `module` (its ops and arguments) `gcim.from_past_length`: the values the
 * import computed from the bound past length (PastProbe.c). Nothing when im->pastLength is
 * not positive. */
void gcimOnnxProbePastLength(const Importer *im, MlirModule module);
/// Imports the graph again with its run-time sequence axis shorter and tags the float
/// constants whose value (not size) differs `gcim.from_run_length`: computed from the
/// sequence length, as dynamic NTK rope scaling computes its base (PastProbe.c).
void gcimOnnxProbeRunLength(const Importer *im, MlirModule module);
bool gcimOnnxImportNode(Importer *im, const Onnx__NodeProto *node, size_t index);

#endif /* GCIM_LIB_IMPORT_ONNX_IMPORTER_H */
