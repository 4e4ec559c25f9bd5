/* ReportHtml.c: the cost report as a page (the drivers' --report FILE.html). */
#include "gcim/Report/Html.h"
#include "gcim/Transforms/Report.h"

#include <string.h>

GcimStatus gcimReportWriteHtml(MlirOperation module, const GcimHardware *hw, const char *inputPath,
                               const char *htmlPath, char **errMsg) {
  /* The page is made from the JSON report, read back from a temporary file. */
  FILE *json = tmpfile();
  if (!json)
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot create a temporary file for the report");
  GcimStatus status = gcimReportWriteJson(module, hw, json, errMsg);
  const char *slash = strrchr(inputPath, '/');
  GcimHtmlReportOptions page = {.title = slash ? slash + 1 : inputPath};
  if (status == GCIM_OK)
    status = gcimHtmlReportConvertStream(json, &page, htmlPath, errMsg);
  fclose(json);
  return status;
}
