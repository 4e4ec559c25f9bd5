/* EmitCTest.c: the C emitter's checks of its input, IR that gcim-compile never produces
 * (its pipeline always runs gcim-lower-runtime first), so lit cannot reach them. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "GcimTestDir.h"

#include "gcim/Context.h"
#include "gcim/Target/C.h"

#include "mlir-c/Diagnostics.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void appendChunk(MlirStringRef chunk, void *userData) {
  char *message = userData;
  size_t used = strlen(message);
  snprintf(message + used, 512 - used, "%.*s", (int)chunk.length, chunk.data);
}

/* Keeps the text of the last diagnostic in userData (512 bytes). */
static MlirLogicalResult recordMessage(MlirDiagnostic diagnostic, void *userData) {
  ((char *)userData)[0] = '\0';
  mlirDiagnosticPrint(diagnostic, appendChunk, userData);
  return mlirLogicalResultSuccess();
}

/* Emits `ir` into a fresh folder; returns whether it succeeded, the last diagnostic in
 * message[512], and whether the folder exists afterwards in *leftBehind. */
static bool emit(const char *ir, char message[512], bool *leftBehind) {
  MlirContext ctx = gcimContextCreate();
  message[0] = '\0';
  mlirContextAttachDiagnosticHandler(ctx, recordMessage, message, NULL);
  MlirModule module = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(ir));
  EXPECT_TRUE(!mlirModuleIsNull(module));
  GcimTestDir dir;
  gcimTestDirCreate(&dir, "emitc");
  char out[sizeof dir.path + 8];
  snprintf(out, sizeof out, "%s/out", dir.path);
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  GcimCEmitOptions options = {.outputDir = out, .prefix = "m", .sourceName = "test", .hw = &hw};
  bool ok = !mlirModuleIsNull(module) && mlirLogicalResultIsSuccess(gcimEmitC(module, &options));
  *leftBehind = access(out, F_OK) == 0;
  gcimTestDirRemove(&dir);
  if (!mlirModuleIsNull(module))
    mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  return ok;
}

static void test_lowered_module_emits(void) {
  char message[512];
  bool leftBehind;
  EXPECT_TRUE(emit("func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> "
                   "attributes {gcim.arena_bytes = 64 : i64} {\n"
                   "  %y = \"onnx.exp\"(%x) {gcim.arena_offsets = array<i64: 0>} : "
                   "(tensor<4xf32>) -> tensor<4xf32>\n"
                   "  return %y : tensor<4xf32>\n}",
                   message, &leftBehind));
  EXPECT_TRUE(leftBehind);
}

static void test_missing_arena_size(void) {
  char message[512];
  bool leftBehind;
  EXPECT_TRUE(!emit("func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {\n"
                    "  %y = \"onnx.exp\"(%x) : (tensor<4xf32>) -> tensor<4xf32>\n"
                    "  return %y : tensor<4xf32>\n}",
                    message, &leftBehind));
  EXPECT_STR_CONTAINS(message, "needs the function's gcim.arena_bytes (run "
                               "gcim-lower-runtime first)");
  EXPECT_TRUE(!leftBehind);
}

static void test_missing_arena_offsets(void) {
  char message[512];
  bool leftBehind;
  EXPECT_TRUE(!emit("func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> "
                    "attributes {gcim.arena_bytes = 64 : i64} {\n"
                    "  %y = \"onnx.exp\"(%x) : (tensor<4xf32>) -> tensor<4xf32>\n"
                    "  return %y : tensor<4xf32>\n}",
                    message, &leftBehind));
  EXPECT_STR_CONTAINS(message, "cannot generate C for 'onnx.exp': its results have no "
                               "arena offsets (run gcim-lower-runtime first)");
  EXPECT_TRUE(!leftBehind);
}

static void test_offset_outside_arena(void) {
  char message[512];
  bool leftBehind;
  EXPECT_TRUE(!emit("func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> "
                    "attributes {gcim.arena_bytes = 64 : i64} {\n"
                    "  %y = \"onnx.exp\"(%x) {gcim.arena_offsets = array<i64: 64>} : "
                    "(tensor<4xf32>) -> tensor<4xf32>\n"
                    "  return %y : tensor<4xf32>\n}",
                    message, &leftBehind));
  EXPECT_STR_CONTAINS(message, "its arena offsets lie outside gcim.arena_bytes");
  EXPECT_TRUE(!leftBehind);
}

/* gcim.linear's weight is stored packed, so it may not be used by anything else. */
static void test_linear_weight_shared(void) {
  char message[512];
  bool leftBehind;
  EXPECT_TRUE(!emit("func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> "
                    "attributes {gcim.arena_bytes = 128 : i64} {\n"
                    "  %w = \"onnx.constant\"() {value = dense<1.0> : tensor<3x3xf32>} : () -> "
                    "tensor<3x3xf32>\n"
                    "  %y = \"gcim.linear\"(%x, %w) {operandSegmentSizes = array<i32: 1, 1, 0>, "
                    "gcim.arena_offsets = array<i64: 0>} : (tensor<2x3xf32>, tensor<3x3xf32>) -> "
                    "tensor<2x3xf32>\n"
                    "  %n = \"onnx.neg\"(%w) {gcim.arena_offsets = array<i64: 64>} : "
                    "(tensor<3x3xf32>) -> tensor<3x3xf32>\n"
                    "  return %y : tensor<2x3xf32>\n}",
                    message, &leftBehind));
  EXPECT_STR_CONTAINS(message, "cannot generate C for 'gcim.linear': its weight must be a "
                               "2-D float32 onnx.constant that only gcim.linear ops use");
  EXPECT_TRUE(!leftBehind);
}

/* The caller's weights, and what the emitter said it has done with. */
static const float resourceBytes[4] = {1, 2, 3, 4};
static int doneCalls;
static const void *doneAttr;

static int giveResource(void *userData, MlirAttribute value, const void **data, size_t *size) {
  (void)userData;
  (void)value;
  *data = resourceBytes;
  *size = sizeof resourceBytes;
  return 1;
}

static void resourceDone(void *userData, MlirAttribute value) {
  (void)userData;
  ++doneCalls;
  doneAttr = value.ptr;
}

/* A weight read through constantData is written once, with constantDone called once for
 * it, after its bytes went into the weights file. */
static void test_constant_done(void) {
  MlirContext ctx = gcimContextCreate();
  MlirModule module = mlirModuleCreateParse(
      ctx, mlirStringRefCreateFromCString(
               "func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> "
               "attributes {gcim.arena_bytes = 64 : i64} {\n"
               "  %w = \"onnx.constant\"() {value = dense_resource<w> : tensor<4xf32>} : () -> "
               "tensor<4xf32>\n"
               "  %y = \"onnx.add\"(%x, %w) {gcim.arena_offsets = array<i64: 0>} : "
               "(tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>\n"
               "  return %y : tensor<4xf32>\n}"));
  EXPECT_TRUE(!mlirModuleIsNull(module));
  GcimTestDir dir;
  gcimTestDirCreate(&dir, "emitc");
  char out[sizeof dir.path + 8], weights[sizeof dir.path + 20];
  snprintf(out, sizeof out, "%s/out", dir.path);
  snprintf(weights, sizeof weights, "%s/m.weights", out);
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  GcimCEmitOptions options = {.outputDir = out,
                              .prefix = "m",
                              .sourceName = "test",
                              .hw = &hw,
                              .constantData = giveResource,
                              .constantDone = resourceDone};
  doneCalls = 0;
  EXPECT_TRUE(!mlirModuleIsNull(module) && mlirLogicalResultIsSuccess(gcimEmitC(module, &options)));
  EXPECT_EQ_INT(doneCalls, 1);
  MlirBlock body = mlirRegionGetFirstBlock(
      mlirOperationGetRegion(mlirBlockGetFirstOperation(mlirModuleGetBody(module)), 0));
  MlirAttribute value = mlirOperationGetAttributeByName(mlirBlockGetFirstOperation(body),
                                                        mlirStringRefCreateFromCString("value"));
  EXPECT_TRUE(doneAttr == value.ptr);
  unsigned char file[64 + sizeof resourceBytes + 1];
  FILE *f = fopen(weights, "rb");
  size_t n = f ? fread(file, 1, sizeof file, f) : 0;
  EXPECT_EQ_INT(n, 64 + sizeof resourceBytes);
  EXPECT_TRUE(n >= 64 + sizeof resourceBytes &&
              memcmp(file + 64, resourceBytes, sizeof resourceBytes) == 0);
  if (f)
    fclose(f);
  gcimTestDirRemove(&dir);
  if (!mlirModuleIsNull(module))
    mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_lowered_module_emits),  GCIM_TEST(test_missing_arena_size),
    GCIM_TEST(test_missing_arena_offsets), GCIM_TEST(test_offset_outside_arena),
    GCIM_TEST(test_linear_weight_shared),  GCIM_TEST(test_constant_done),
};
GCIM_TEST_MAIN
