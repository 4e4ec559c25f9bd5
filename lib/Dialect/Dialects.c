/* Dialects.c: context set-up; loads the onnx and gcim dialects from embedded IRDL. */
#include "gcim/Context.h"

#include "mlir-c/Dialect/Arith.h"
#include "mlir-c/Dialect/Func.h"
#include "mlir-c/Dialect/IRDL.h"
#include "mlir-c/Dialect/Tensor.h"
#include "mlir-c/Transforms.h"

#include <stdio.h>
#include <string.h>

/* Defined in the files that CMake generates from the .irdl.mlir files of lib/Dialect. */
extern const char gcimOnnxIRDL[];
extern const char gcimGcimIRDL[];

const char *gcimDialectGetIRDLSource(const char *name) {
  if (strcmp(name, "onnx") == 0)
    return gcimOnnxIRDL;
  if (strcmp(name, "gcim") == 0)
    return gcimGcimIRDL;
  return NULL;
}

/* Parses one IRDL module and turns its definitions into dialects of the context. */
static int loadIRDL(MlirContext ctx, const char *source, const char *name) {
  MlirModule definitions = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(source));
  if (mlirModuleIsNull(definitions)) {
    fprintf(stderr, "gcim: internal error: the embedded %s dialect does not parse\n", name);
    return 0;
  }
  MlirLogicalResult loaded = mlirLoadIRDLDialects(definitions);
  mlirModuleDestroy(definitions);
  if (mlirLogicalResultIsFailure(loaded)) {
    fprintf(stderr, "gcim: internal error: the embedded %s dialect does not load\n", name);
    return 0;
  }
  return 1;
}

static void registerUpstreamPassesOnce(void) {
  /* Registration fills a process-wide table; doing it twice is harmless but wasteful. */
  static int registered;
  if (!registered) {
    mlirRegisterTransformsPasses();
    registered = 1;
  }
}

MlirContext gcimContextCreate(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectHandle handles[] = {mlirGetDialectHandle__func__(), mlirGetDialectHandle__arith__(),
                                 mlirGetDialectHandle__tensor__(), mlirGetDialectHandle__irdl__()};
  for (size_t i = 0; i < sizeof handles / sizeof handles[0]; ++i)
    mlirDialectHandleLoadDialect(handles[i], ctx);
  registerUpstreamPassesOnce();
  if (!loadIRDL(ctx, gcimOnnxIRDL, "onnx") || !loadIRDL(ctx, gcimGcimIRDL, "gcim")) {
    mlirContextDestroy(ctx);
    return (MlirContext){NULL};
  }
  return ctx;
}
