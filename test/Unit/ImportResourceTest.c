/* ImportResourceTest.c: weights the importer leaves in the mapped model file
 * (gcimOnnxImportGetResourceData) and dropping their pages once used
 * (gcimOnnxImportReleaseResourceData): the bytes stay right, the process's resident memory
 * falls, and a caller's buffer is never touched. Linux: reads /proc/self/statm. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#define _POSIX_C_SOURCE 200809L
#include "GcimTestDir.h"

#include "gcim/Context.h"
#include "gcim/Import/Onnx.h"

#include "mlir-c/BuiltinAttributes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* 4 MiB of weights: far above the resident-size counters' per-CPU slack (tens of pages). */
enum { WEIGHT_COUNT = 1 << 20 };

typedef struct Bytes {
  unsigned char *data;
  size_t size;
} Bytes;

static void put(Bytes *b, const void *data, size_t n) {
  b->data = realloc(b->data, b->size + n + 1);
  memcpy(b->data + b->size, data, n);
  b->size += n;
}

static void putVarint(Bytes *b, uint64_t v) {
  do {
    unsigned char byte = (unsigned char)(v & 0x7f) | (v > 0x7f ? 0x80 : 0);
    put(b, &byte, 1);
    v >>= 7;
  } while (v);
}

static void putInt(Bytes *b, unsigned field, uint64_t v) {
  putVarint(b, field << 3);
  putVarint(b, v);
}

/* A length-delimited field. */
static void putBytes(Bytes *b, unsigned field, const void *data, size_t n) {
  putVarint(b, field << 3 | 2);
  putVarint(b, n);
  put(b, data, n);
}

/* A message field; frees `inner`. */
static void putMessage(Bytes *b, unsigned field, Bytes *inner) {
  putBytes(b, field, inner->data, inner->size);
  free(inner->data);
  *inner = (Bytes){0};
}

static void putString(Bytes *b, unsigned field, const char *s) { putBytes(b, field, s, strlen(s)); }

/* ValueInfoProto `name`: float tensor of WEIGHT_COUNT elements. */
static void putValueInfo(Bytes *graph, unsigned field, const char *name) {
  Bytes dim = {0}, shape = {0}, tensor = {0}, type = {0}, info = {0};
  putInt(&dim, 1, WEIGHT_COUNT);
  putMessage(&shape, 1, &dim);
  putInt(&tensor, 1, 1);
  putMessage(&tensor, 2, &shape);
  putMessage(&type, 1, &tensor);
  putString(&info, 1, name);
  putMessage(&info, 2, &type);
  putMessage(graph, field, &info);
}

/* y = x + w, with w a float initializer of WEIGHT_COUNT values i * 0.5 in raw_data. */
static Bytes addModel(float *weights) {
  for (int i = 0; i < WEIGHT_COUNT; ++i)
    weights[i] = (float)i * 0.5f;
  Bytes node = {0}, init = {0}, graph = {0}, opset = {0}, model = {0};
  putString(&node, 1, "x");
  putString(&node, 1, "w");
  putString(&node, 2, "y");
  putString(&node, 4, "Add");
  putInt(&init, 1, WEIGHT_COUNT);
  putInt(&init, 2, 1);
  putString(&init, 8, "w");
  putBytes(&init, 9, weights, WEIGHT_COUNT * sizeof(float));
  putMessage(&graph, 1, &node);
  putString(&graph, 2, "g");
  putMessage(&graph, 5, &init);
  putValueInfo(&graph, 11, "x");
  putValueInfo(&graph, 12, "y");
  putInt(&model, 1, 8);
  putMessage(&model, 7, &graph);
  putInt(&opset, 2, 17);
  putMessage(&model, 8, &opset);
  return model;
}

/* The dense resource holding w: the `value` of the module's one constant. */
static MlirAttribute weightAttr(GcimOnnxImport *import) {
  MlirOperation func =
      mlirBlockGetFirstOperation(mlirModuleGetBody(gcimOnnxImportGetModule(import)));
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    MlirAttribute value =
        mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("value"));
    if (!mlirAttributeIsNull(value))
      return value;
  }
  return mlirAttributeGetNull();
}

static long residentPages(void) {
  long size = 0, resident = -1;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f && fscanf(f, "%ld %ld", &size, &resident) != 2)
    resident = -1;
  if (f)
    fclose(f);
  return resident;
}

static void test_release_mapped_weights(void) {
  float *weights = malloc(WEIGHT_COUNT * sizeof(float));
  Bytes model = addModel(weights);
  GcimTestDir dir;
  gcimTestDirCreate(&dir, "import-resource");
  char path[128];
  snprintf(path, sizeof path, "%s/add.onnx", dir.path);
  FILE *f = fopen(path, "wb");
  EXPECT_TRUE(f && fwrite(model.data, 1, model.size, f) == model.size && fclose(f) == 0);
  MlirContext ctx = gcimContextCreate();
  GcimOnnxImport *import = NULL;
  EXPECT_TRUE(mlirLogicalResultIsSuccess(gcimImportOnnxFile(ctx, path, NULL, &import)));
  const void *data = NULL;
  size_t size = 0;
  MlirAttribute attr = import ? weightAttr(import) : mlirAttributeGetNull();
  EXPECT_TRUE(import && gcimOnnxImportGetResourceData(import, attr, &data, &size));
  EXPECT_EQ_INT(size, WEIGHT_COUNT * sizeof(float));
  if (data && size == WEIGHT_COUNT * sizeof(float)) {
    EXPECT_TRUE(memcmp(data, weights, size) == 0); /* maps every page in */
    long before = residentPages();
    gcimOnnxImportReleaseResourceData(import, attr);
    long after = residentPages();
    long pages = (long)(size / (size_t)sysconf(_SC_PAGESIZE));
    EXPECT_TRUE(before > 0 && after >= 0 && before - after >= pages / 2);
    EXPECT_TRUE(memcmp(data, weights, size) == 0); /* read back from the file */
  }
  gcimOnnxImportDestroy(import);
  mlirContextDestroy(ctx);
  gcimTestDirRemove(&dir);
  free(model.data);
  free(weights);
}

/* From a caller's buffer (whole pages of anonymous memory, which dropping would zero),
 * release does nothing. */
static void test_keep_caller_buffer(void) {
  float *weights = malloc(WEIGHT_COUNT * sizeof(float));
  Bytes model = addModel(weights);
  void *buffer = mmap(NULL, model.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  EXPECT_TRUE(buffer != MAP_FAILED);
  if (buffer == MAP_FAILED)
    buffer = NULL;
  MlirContext ctx = gcimContextCreate();
  GcimOnnxImport *import = NULL;
  if (buffer) {
    memcpy(buffer, model.data, model.size);
    EXPECT_TRUE(mlirLogicalResultIsSuccess(
        gcimImportOnnxBuffer(ctx, buffer, model.size, "add.onnx", NULL, &import)));
  }
  const void *data = NULL;
  size_t size = 0;
  MlirAttribute attr = import ? weightAttr(import) : mlirAttributeGetNull();
  EXPECT_TRUE(import && gcimOnnxImportGetResourceData(import, attr, &data, &size));
  if (data) {
    gcimOnnxImportReleaseResourceData(import, attr);
    EXPECT_TRUE(memcmp(buffer, model.data, model.size) == 0);
  }
  gcimOnnxImportDestroy(import);
  mlirContextDestroy(ctx);
  if (buffer)
    munmap(buffer, model.size);
  free(model.data);
  free(weights);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_release_mapped_weights),
    GCIM_TEST(test_keep_caller_buffer),
};
GCIM_TEST_MAIN
