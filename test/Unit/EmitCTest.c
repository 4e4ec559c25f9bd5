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

GCIM_TEST_LIST{
    GCIM_TEST(test_lowered_module_emits),  GCIM_TEST(test_missing_arena_size),
    GCIM_TEST(test_missing_arena_offsets), GCIM_TEST(test_offset_outside_arena),
    GCIM_TEST(test_linear_weight_shared),
};
GCIM_TEST_MAIN
