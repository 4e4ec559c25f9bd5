/* ImportTest.c: unit tests of the ONNX importer's public API (gcim/Import/Onnx.h). */
#include "GcimTest.h"

#include "gcim/Context.h"
#include "gcim/Import/Onnx.h"

#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"

#include <stdlib.h>

/* Relu(x) with x: f32[n] (onnx.helper, opset 17, IR 8): 62 bytes. */
static const unsigned char reluModel[] =
    "\x08\x08\x3a\x34\x0a\x12\x0a\x01\x78\x12\x01\x79\x1a\x04\x72\x65\x6c\x75\x22\x04"
    "\x52\x65\x6c\x75\x12\x01\x67\x5a\x10\x0a\x01\x78\x12\x0b\x0a\x09\x08\x01\x12\x05"
    "\x0a\x03\x12\x01\x6e\x62\x09\x0a\x01\x79\x12\x04\x0a\x02\x08\x01\x42\x04\x0a\x00"
    "\x10\x11";

static MlirLogicalResult countErrors(MlirDiagnostic diagnostic, void *userData) {
  (void)diagnostic;
  ++*(int *)userData;
  return mlirLogicalResultSuccess();
}

static void test_parse_input_shape(void) {
  GcimOnnxInputShape shape;
  EXPECT_EQ_INT(gcimOnnxParseInputShape("input_ids=1x16", &shape, NULL), GCIM_OK);
  EXPECT_EQ_INT(shape.rank, 2);
  EXPECT_EQ_INT(shape.dims[0], 1);
  EXPECT_EQ_INT(shape.dims[1], 16);
  EXPECT_EQ_INT(gcimOnnxParseInputShape("a=b=7", &shape, NULL), GCIM_OK);
  EXPECT_EQ_INT(shape.rank, 1);
  char *zeroMessage = NULL;
  EXPECT_EQ_INT(gcimOnnxParseInputShape("input_ids=1x0", &shape, &zeroMessage), GCIM_ERROR_INVALID);
  EXPECT_STR_CONTAINS(zeroMessage, "dimension 1 of input 'input_ids' is 0");
  free(zeroMessage);
  const char *bad[] = {"x",
                       "x=0",
                       "=1",
                       "x=",
                       "x=1x",
                       "x=1xx2",
                       "x=-1",
                       "x=1y",
                       "x=99999999999999999999",
                       "x=1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    char *errMsg = NULL;
    EXPECT_EQ_INT(gcimOnnxParseInputShape(bad[i], &shape, &errMsg), GCIM_ERROR_INVALID);
    EXPECT_STR_CONTAINS(errMsg, "--input-shape");
    free(errMsg);
  }
}

static void test_import_buffer(void) {
  MlirContext ctx = gcimContextCreate();
  int errors = 0;
  mlirContextAttachDiagnosticHandler(ctx, countErrors, &errors, NULL);
  GcimOnnxInputShape shape;
  EXPECT_EQ_INT(gcimOnnxParseInputShape("x=3", &shape, NULL), GCIM_OK);
  shape.name = "x";
  GcimOnnxImportOptions options = {.inputShapes = &shape, .inputShapeCount = 1};
  GcimOnnxImport *import = NULL;
  EXPECT_TRUE(mlirLogicalResultIsSuccess(
      gcimImportOnnxBuffer(ctx, reluModel, sizeof reluModel - 1, "relu.onnx", &options, &import)));
  EXPECT_EQ_INT(errors, 0);
  EXPECT_TRUE(import != NULL);
  if (import) {
    MlirModule module = gcimOnnxImportTakeModule(import);
    EXPECT_TRUE(mlirOperationVerify(mlirModuleGetOperation(module)));
    MlirOperation func = mlirBlockGetFirstOperation(mlirModuleGetBody(module));
    MlirOperation relu =
        mlirBlockGetFirstOperation(mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0)));
    MlirIdentifier name = mlirOperationGetName(relu);
    EXPECT_TRUE(
        mlirStringRefEqual(mlirIdentifierStr(name), mlirStringRefCreateFromCString("onnx.relu")));
    EXPECT_EQ_INT(mlirShapedTypeGetDimSize(mlirValueGetType(mlirOperationGetResult(relu, 0)), 0),
                  3);
    mlirModuleDestroy(module); /* taken: the import no longer destroys it */
    gcimOnnxImportDestroy(import);
  }
  mlirContextDestroy(ctx);
}

static void test_import_failures(void) {
  MlirContext ctx = gcimContextCreate();
  int errors = 0;
  mlirContextAttachDiagnosticHandler(ctx, countErrors, &errors, NULL);
  GcimOnnxImport *import = (GcimOnnxImport *)&errors; /* must be reset to NULL */
  /* Without --input-shape the dynamic dimension is an error. */
  EXPECT_TRUE(mlirLogicalResultIsFailure(
      gcimImportOnnxBuffer(ctx, reluModel, sizeof reluModel - 1, "relu.onnx", NULL, &import)));
  EXPECT_TRUE(import == NULL);
  EXPECT_EQ_INT(errors, 1);
  /* Every prefix of the model is rejected with one diagnostic, or imports. */
  for (size_t n = 0; n + 1 < sizeof reluModel - 1; ++n) {
    errors = 0;
    MlirLogicalResult result = gcimImportOnnxBuffer(ctx, reluModel, n, "cut.onnx", NULL, &import);
    EXPECT_TRUE(mlirLogicalResultIsFailure(result) ? errors >= 1 && !import : !errors);
    gcimOnnxImportDestroy(import);
  }
  EXPECT_TRUE(mlirLogicalResultIsFailure(
      gcimImportOnnxFile(ctx, "/nonexistent/model.onnx", NULL, &import)));
  EXPECT_TRUE(import == NULL);
  gcimOnnxImportDestroy(NULL);
  mlirContextDestroy(ctx);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_parse_input_shape),
    GCIM_TEST(test_import_buffer),
    GCIM_TEST(test_import_failures),
};
GCIM_TEST_MAIN
