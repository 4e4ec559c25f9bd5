/* IRHelpersTest.c: the exact constant readers of gcim/Support/IRHelpers.h, shared by the
 * passes and the C emitter. */
#include "GcimTest.h"

#include "gcim/Context.h"
#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"

#include <stdint.h>
#include <string.h>

/* The result of the onnx.constant in the body of `@f`, in `module`. */
static MlirValue constantOf(MlirModule module) {
  MlirOperation func = mlirBlockGetFirstOperation(mlirModuleGetBody(module));
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  return mlirOperationGetResult(mlirBlockGetFirstOperation(body), 0);
}

static MlirModule parseConstant(MlirContext ctx, const char *value, const char *type) {
  char ir[512];
  snprintf(ir, sizeof ir,
           "func.func @f() -> %s {\n"
           "  %%c = \"onnx.constant\"() {value = %s : %s} : () -> %s\n"
           "  return %%c : %s\n}",
           type, value, type, type, type);
  MlirModule module = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(ir));
  EXPECT_TRUE(!mlirModuleIsNull(module));
  return module;
}

static void test_int64_extremes_are_exact(void) {
  MlirContext ctx = gcimContextCreate();
  MlirModule module = parseConstant(
      ctx, "dense<[9223372036854775807, -9223372036854775808, 9007199254740993]>", "tensor<3xi64>");
  int64_t values[3] = {0};
  EXPECT_EQ_INT(gcimValueI64Constant(constantOf(module), values, 3), 3);
  EXPECT_TRUE(values[0] == INT64_MAX);
  EXPECT_TRUE(values[1] == INT64_MIN);
  EXPECT_TRUE(values[2] == 9007199254740993); /* 2^53 + 1: not a double */
  EXPECT_EQ_INT(gcimValueI64Constant(constantOf(module), values, 2), -1); /* too many */
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
}

static void test_narrow_and_unsigned_integers(void) {
  MlirContext ctx = gcimContextCreate();
  MlirModule i32 = parseConstant(ctx, "dense<[-5, 7]>", "tensor<2xi32>");
  int64_t values[2] = {0};
  EXPECT_EQ_INT(gcimValueI64Constant(constantOf(i32), values, 2), 2);
  EXPECT_EQ_INT(values[0], -5); /* sign-extended, not 4294967291 */
  EXPECT_EQ_INT(values[1], 7);
  MlirModule u64 = parseConstant(ctx, "dense<18446744073709551615>", "tensor<1xui64>");
  EXPECT_EQ_INT(gcimValueI64Constant(constantOf(u64), values, 1), -1); /* > INT64_MAX */
  MlirModule splat = parseConstant(ctx, "dense<3>", "tensor<4xi8>");
  int64_t four[4] = {0};
  EXPECT_EQ_INT(gcimValueI64Constant(constantOf(splat), four, 4), 4);
  EXPECT_EQ_INT(four[3], 3);
  MlirModule f32 = parseConstant(ctx, "dense<2.5>", "tensor<f32>");
  EXPECT_EQ_INT(gcimValueI64Constant(constantOf(f32), values, 1), -1); /* not integers */
  double scalar = 0.0;
  EXPECT_TRUE(gcimValueScalarConstant(constantOf(f32), &scalar));
  EXPECT_NEAR(scalar, 2.5, 0.0);
  mlirModuleDestroy(i32);
  mlirModuleDestroy(u64);
  mlirModuleDestroy(splat);
  mlirModuleDestroy(f32);
  mlirContextDestroy(ctx);
}

/* A stage printed without its weights: one resource with a blob, one whose blob was left
 * out (its key kept) and one `__elided__`. Only the one with data is read. */
static void test_resources_without_data_are_not_read(void) {
  static const char text[] =
      "func.func @f() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {\n"
      "  %a = \"onnx.constant\"() {value = dense_resource<kept> : tensor<2xf32>} : () -> "
      "tensor<2xf32>\n"
      "  %b = \"onnx.constant\"() {value = dense_resource<dropped> : tensor<2xf32>} : () -> "
      "tensor<2xf32>\n"
      "  %c = \"onnx.constant\"() {value = dense_resource<__elided__> : tensor<2xf32>} : () -> "
      "tensor<2xf32>\n"
      "  return %a, %b, %c : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>\n}\n"
      "{-#\n  dialect_resources: {\n    builtin: {\n"
      "      kept: \"0x040000000000C03F00002040\"\n    }\n  }\n#-}\n";
  size_t first = 0;
  EXPECT_EQ_INT((int)gcimResourcesNoteMissing(text, sizeof text - 1, &first), 2);
  EXPECT_TRUE(strncmp(text + first, "dense_resource<dropped>", 23) == 0);
  EXPECT_TRUE(gcimResourceIsMissing("dropped", 7));
  EXPECT_TRUE(gcimResourceIsMissing("__elided__", 10));
  EXPECT_TRUE(!gcimResourceIsMissing("kept", 4));
  MlirContext ctx = gcimContextCreate();
  MlirModule module = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(text));
  EXPECT_TRUE(!mlirModuleIsNull(module));
  MlirOperation func = mlirBlockGetFirstOperation(mlirModuleGetBody(module));
  MlirOperation op =
      mlirBlockGetFirstOperation(mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0)));
  double values[3] = {0.0, 0.0, 0.0};
  bool read[3];
  for (int i = 0; i < 3; ++i, op = mlirOperationGetNextInBlock(op)) {
    MlirAttribute attr = gcimValueConstantAttr(mlirOperationGetResult(op, 0));
    read[i] = gcimElementsGet(attr, 1, &values[i]);
    EXPECT_TRUE(gcimElementsElided(attr) == (i > 0));
  }
  EXPECT_TRUE(read[0] && !read[1] && !read[2]);
  EXPECT_NEAR(values[0], 2.5, 0.0); /* 0x40200000 */
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_int64_extremes_are_exact),
    GCIM_TEST(test_narrow_and_unsigned_integers),
    GCIM_TEST(test_resources_without_data_are_not_read),
};
GCIM_TEST_MAIN
