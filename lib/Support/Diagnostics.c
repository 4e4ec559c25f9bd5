/* Diagnostics.c: prints MLIR diagnostics with file, line, column and ONNX node name. */
#include "gcim/Support/Diagnostics.h"

#include <stdarg.h>
#include <stdlib.h>

struct GcimDiagnosticPrinter {
  MlirContext ctx;
  MlirDiagnosticHandlerID id;
  FILE *out;
  unsigned errorCount;
};

static void writeChunk(MlirStringRef chunk, void *userData) {
  fwrite(chunk.data, 1, chunk.length, (FILE *)userData);
}

static void printIdentifier(MlirIdentifier identifier, FILE *out) {
  MlirStringRef text = mlirIdentifierStr(identifier);
  fwrite(text.data, 1, text.length, out);
}

/* Prints the innermost file position of `location`; returns 0 if it has none. */
static int printFilePosition(MlirLocation location, FILE *out) {
  if (mlirLocationIsAFileLineColRange(location)) {
    printIdentifier(mlirLocationFileLineColRangeGetFilename(location), out);
    int line = mlirLocationFileLineColRangeGetStartLine(location);
    if (line > 0)
      fprintf(out, ":%d:%d", line, mlirLocationFileLineColRangeGetStartColumn(location));
    return 1;
  }
  if (mlirLocationIsAName(location))
    return printFilePosition(mlirLocationNameGetChildLoc(location), out);
  if (mlirLocationIsACallSite(location))
    return printFilePosition(mlirLocationCallSiteGetCallee(location), out);
  return 0;
}

void gcimLocationPrint(MlirLocation location, FILE *out) {
  int hasFile = printFilePosition(location, out);
  if (mlirLocationIsAName(location)) {
    fputs(hasFile ? ": '" : "'", out);
    printIdentifier(mlirLocationNameGetName(location), out);
    fputc('\'', out);
  } else if (!hasFile) {
    fputs("<unknown>", out);
  }
}

static const char *severityName(MlirDiagnosticSeverity severity) {
  switch (severity) {
  case MlirDiagnosticError:
    return "error";
  case MlirDiagnosticWarning:
    return "warning";
  case MlirDiagnosticNote:
    return "note";
  case MlirDiagnosticRemark:
    return "remark";
  }
  return "error";
}

static void printDiagnostic(MlirDiagnostic diagnostic, FILE *out) {
  gcimLocationPrint(mlirDiagnosticGetLocation(diagnostic), out);
  fprintf(out, ": %s: ", severityName(mlirDiagnosticGetSeverity(diagnostic)));
  mlirDiagnosticPrint(diagnostic, writeChunk, out);
  fputc('\n', out);
  intptr_t notes = mlirDiagnosticGetNumNotes(diagnostic);
  for (intptr_t i = 0; i < notes; ++i)
    printDiagnostic(mlirDiagnosticGetNote(diagnostic, i), out);
}

static MlirLogicalResult handleDiagnostic(MlirDiagnostic diagnostic, void *userData) {
  GcimDiagnosticPrinter *printer = userData;
  if (mlirDiagnosticGetSeverity(diagnostic) == MlirDiagnosticError)
    ++printer->errorCount;
  printDiagnostic(diagnostic, printer->out);
  fflush(printer->out);
  return mlirLogicalResultSuccess();
}

GcimDiagnosticPrinter *gcimDiagnosticPrinterAttach(MlirContext ctx, FILE *out) {
  GcimDiagnosticPrinter *printer = calloc(1, sizeof *printer);
  if (!printer)
    abort();
  printer->ctx = ctx;
  printer->out = out;
  printer->id = mlirContextAttachDiagnosticHandler(ctx, handleDiagnostic, printer, free);
  return printer;
}

unsigned gcimDiagnosticPrinterGetErrorCount(const GcimDiagnosticPrinter *printer) {
  return printer->errorCount;
}

void gcimDiagnosticPrinterDetach(GcimDiagnosticPrinter *printer) {
  if (printer)
    mlirContextDetachDiagnosticHandler(printer->ctx, printer->id);
}

void gcimEmitError(MlirLocation location, const char *format, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  mlirEmitError(location, buffer);
}
