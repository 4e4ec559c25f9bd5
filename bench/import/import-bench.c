/* import-bench.c: times gcimImportOnnxFile plus verification (onnx dialect, gcim-verify)
 * of one model and reports wall time and peak RSS; printing is left out, since the
 * printer hex-encodes every weight. Built and run by bench/import/run.sh. */
#include "gcim/Context.h"
#include "gcim/Import/Onnx.h"
#include "gcim/Support/Diagnostics.h"
#include "gcim/Transforms/Passes.h"

#include "mlir-c/Pass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: import-bench model.onnx [NAME=DIMS...]\n");
    return 2;
  }
  GcimOnnxInputShape shapes[8];
  size_t count = 0;
  for (int i = 2; i < argc && count < 8; ++i) {
    if (gcimOnnxParseInputShape(argv[i], &shapes[count], NULL) != GCIM_OK)
      return 2;
    *strrchr(argv[i], '=') = '\0';
    ++count;
  }
  double start = now();
  MlirContext ctx = gcimContextCreate();
  gcimDiagnosticPrinterAttach(ctx, stderr);
  double contextReady = now();
  GcimOnnxImportOptions options = {.inputShapes = shapes, .inputShapeCount = count};
  GcimOnnxImport *import = NULL;
  if (mlirLogicalResultIsFailure(gcimImportOnnxFile(ctx, argv[1], &options, &import)))
    return 1;
  double imported = now();
  MlirOperation module = mlirModuleGetOperation(gcimOnnxImportGetModule(import));
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  mlirOpPassManagerAddOwnedPass(mlirPassManagerGetAsOpPassManager(pm),
                                gcimPassCreate(gcimPassLookup("gcim-verify"), NULL, NULL, NULL));
  if (!mlirOperationVerify(module) ||
      mlirLogicalResultIsFailure(mlirPassManagerRunOnOp(pm, module)))
    return 1;
  double verified = now();
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("context %.3f s  import %.3f s  verify %.3f s  total %.3f s  peak RSS %ld KB\n",
         contextReady - start, imported - contextReady, verified - imported, verified - start,
         usage.ru_maxrss);
  mlirPassManagerDestroy(pm);
  gcimOnnxImportDestroy(import);
  mlirContextDestroy(ctx);
  return 0;
}
