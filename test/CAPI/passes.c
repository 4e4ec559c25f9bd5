// RUN: gcim-capi-passes-test 2>&1 | FileCheck %s

/* passes.c: gcim's passes through an MLIR pass manager, counting their external-pass
 * callbacks (as mlir/test/CAPI/pass.c does for its own): every pass object the pass
 * manager makes is constructed and destroyed once, and a multi-threaded run clones the
 * pass per worker thread, each clone running on its own copy of the options. */
#include "gcim/Transforms/Passes.h"
#include "gcim/Context.h"

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* A module of `count` nested modules, each with a function returning its argument. */
static MlirModule parseNestedModules(MlirContext ctx, int count) {
  char text[4096];
  int used = snprintf(text, sizeof text, "module {\n");
  for (int i = 0; i < count; ++i)
    used += snprintf(text + used, sizeof text - (size_t)used,
                     "module { func.func @f%d(%%a: tensor<4xf32>) -> tensor<4xf32> { "
                     "return %%a : tensor<4xf32> } }\n",
                     i);
  snprintf(text + used, sizeof text - (size_t)used, "}\n");
  return mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(text));
}

/* Runs `info` (default options) on `module` through a pass manager, nested under each
 * builtin.module when `nested`; returns its callback counts and whether it succeeded. */
static GcimPassCallbackCounts runCounted(MlirContext ctx, MlirModule module,
                                         const GcimPassInfo *info, bool nested, bool *succeeded) {
  GcimPassCallbackCounts counts = {0, 0, 0, 0};
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirPass pass = gcimPassCreateCounted(info, NULL, NULL, &counts, NULL);
  if (nested)
    mlirOpPassManagerAddOwnedPass(
        mlirPassManagerGetNestedUnder(pm, mlirStringRefCreateFromCString("builtin.module")), pass);
  else
    mlirPassManagerAddOwnedPass(pm, pass);
  *succeeded =
      mlirLogicalResultIsSuccess(mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module)));
  mlirPassManagerDestroy(pm);
  return counts;
}

/* Each pass on one module: constructed once, run once, never cloned, destroyed once. */
static void testEveryPassOnce(MlirContext ctx) {
  fprintf(stderr, "testEveryPassOnce\n");
  MlirModule module = parseNestedModules(ctx, 1);
  for (size_t i = 0; i < gcimPassGetCount(); ++i) {
    const GcimPassInfo *info = gcimPassGetInfo(i);
    bool ok;
    GcimPassCallbackCounts c = runCounted(ctx, module, info, false, &ok);
    fprintf(stderr, "%s: %s, constructs %d, clones %d, runs %d, destructs %d\n", info->argument,
            ok ? "ok" : "failed", c.constructs, c.clones, c.runs, c.destructs);
  }
  mlirModuleDestroy(module);
  // CHECK-LABEL: testEveryPassOnce
  // CHECK-NEXT: gcim-widen-float: ok, constructs 1, clones 0, runs 1, destructs 1
  // CHECK-NEXT: gcim-fuse-attention: ok, constructs 1, clones 0, runs 1, destructs 1
  // CHECK-NEXT: gcim-stream: ok, constructs 1, clones 0, runs 1, destructs 1
  // CHECK-NEXT: gcim-map-attention: ok, constructs 1, clones 0, runs 1, destructs 1
  // CHECK-NEXT: gcim-quantize: ok, constructs 1, clones 0, runs 1, destructs 1
  // CHECK-NEXT: gcim-schedule: ok, constructs 1, clones 0, runs 1, destructs 1
  // CHECK-NEXT: gcim-lower-runtime: ok, constructs 1, clones 0, runs 1, destructs 1
  // CHECK-NEXT: gcim-verify: ok, constructs 1, clones 0, runs 1, destructs 1
}

/* Nested under 8 modules with threading on: the pass manager clones the pass for its
 * workers; every clone is constructed and destroyed, and the 8 runs happen across them. */
static void testClonesOnThreads(MlirContext ctx) {
  fprintf(stderr, "testClonesOnThreads\n");
  mlirContextEnableMultithreading(ctx, true);
  MlirModule module = parseNestedModules(ctx, 8);
  bool ok;
  GcimPassCallbackCounts c = runCounted(ctx, module, gcimPassLookup("gcim-verify"), true, &ok);
  fprintf(stderr,
          "%s, runs %d, cloned %s, constructs = 1 + clones: %s, "
          "destructs = constructs: %s\n",
          ok ? "ok" : "failed", c.runs, c.clones > 0 ? "yes" : "no",
          c.constructs == 1 + c.clones ? "yes" : "no", c.destructs == c.constructs ? "yes" : "no");
  mlirModuleDestroy(module);
  // CHECK-LABEL: testClonesOnThreads
  // CHECK-NEXT: ok, runs 8, cloned yes, constructs = 1 + clones: yes, destructs = constructs: yes
}

int main(void) {
  MlirContext ctx = gcimContextCreate();
  if (mlirContextIsNull(ctx))
    return EXIT_FAILURE;
  testEveryPassOnce(ctx);
  testClonesOnThreads(ctx);
  mlirContextDestroy(ctx);
  return EXIT_SUCCESS;
}
