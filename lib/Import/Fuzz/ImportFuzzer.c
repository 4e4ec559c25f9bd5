/* ImportFuzzer.c: the libFuzzer target of the ONNX importer.
 *
 * Each input is imported from memory (gcimImportOnnxBuffer). Bad input must end in a
 * diagnostic and a failed result; a crash, a sanitizer report, or a module that imports
 * but does not verify (MLIR's verifier, then gcim-verify) is a bug, and aborts. Built
 * with -DGCIM_FUZZ=ON by clang; `make fuzz` runs it on test/Import/fuzz-corpus. */
#include "gcim/Context.h"
#include "gcim/Import/Onnx.h"
#include "gcim/Transforms/Passes.h"

#include "mlir-c/Diagnostics.h"
#include "mlir-c/Pass.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Diagnostics of bad input are expected: count them, print nothing. */
static MlirLogicalResult swallow(MlirDiagnostic diagnostic, void *userData) {
  (void)diagnostic;
  ++*(unsigned *)userData;
  return mlirLogicalResultSuccess();
}

static void verifyOrAbort(MlirContext ctx, MlirModule module) {
  MlirOperation op = mlirModuleGetOperation(module);
  if (!mlirOperationVerify(op)) {
    fprintf(stderr, "import-fuzzer: an imported module does not verify\n");
    mlirOperationDump(op);
    abort();
  }
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  mlirOpPassManagerAddOwnedPass(mlirPassManagerGetAsOpPassManager(pm),
                                gcimPassCreate(gcimPassLookup("gcim-verify"), NULL, NULL, NULL));
  if (mlirLogicalResultIsFailure(mlirPassManagerRunOnOp(pm, op))) {
    fprintf(stderr, "import-fuzzer: an imported module fails gcim-verify\n");
    mlirOperationDump(op);
    abort();
  }
  mlirPassManagerDestroy(pm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: uniqued attributes of earlier inputs would pile up.
  MlirContext ctx = gcimContextCreate();
  if (mlirContextIsNull(ctx))
    abort();
  unsigned errors = 0;
  mlirContextAttachDiagnosticHandler(ctx, swallow, &errors, NULL);
  GcimOnnxImport *import = NULL;
  MlirLogicalResult result = gcimImportOnnxBuffer(ctx, data, size, "fuzz.onnx", NULL, &import);
  if (mlirLogicalResultIsSuccess(result)) {
    verifyOrAbort(ctx, gcimOnnxImportGetModule(import));
  } else if (errors == 0 || import) {
    fprintf(stderr, "import-fuzzer: a failed import without a diagnostic\n");
    abort();
  }
  gcimOnnxImportDestroy(import);
  mlirContextDestroy(ctx);
  return 0;
}
