/* gcim/Transforms/Passes.h: gcim's pass table and the helpers passes are built with. */
#ifndef GCIM_TRANSFORMS_PASSES_H
#define GCIM_TRANSFORMS_PASSES_H

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One option of a pass: `--<pass>=<name>=<value>`, or several separated by spaces.
typedef struct GcimPassOptionInfo {
  const char *name;
  const char *defaultValue;
  const char *description;
} GcimPassOptionInfo;

/// Option values of one pass instance, in the order of its GcimPassOptionInfo list.
typedef struct GcimPassOptions {
  size_t count;
  const char *const *values; /* owned by the pass instance */
} GcimPassOptions;

/// Runs a pass on `module` (a builtin.module); reports errors as diagnostics and returns
/// failure when the pass failed.
typedef MlirLogicalResult (*GcimPassRunFn)(MlirOperation module,
                                           const GcimPassOptions *options);

/// An entry of gcim's pass table. MLIR external passes cannot be registered by name, so
/// the drivers look passes up here.
typedef struct GcimPassInfo {
  const char *argument;    /* "gcim-verify" */
  const char *description; /* one line */
  const GcimPassOptionInfo *options;
  size_t optionCount;
  GcimPassRunFn run;
} GcimPassInfo;

/// Number of passes in the table.
size_t gcimPassGetCount(void);

/// The i-th pass of the table (i < gcimPassGetCount()); borrowed, static.
const GcimPassInfo *gcimPassGetInfo(size_t i);

/// The pass named `argument`, or NULL if there is none.
const GcimPassInfo *gcimPassLookup(const char *argument);

/// Creates a pass from `info` with options parsed from `optionText` ("name=value ...",
/// NULL or "" for the defaults). The caller owns the pass until it hands it to a pass
/// manager. Returns a null pass and a malloc'ed message in *errMsg (when errMsg is not
/// NULL) for an unknown option name or a missing value.
MlirPass gcimPassCreate(const GcimPassInfo *info, const char *optionText, char **errMsg);

/// How often the external-pass callbacks of a pass and of its clones ran (for tests of the
/// pass glue, as mlir/test/CAPI/pass.c counts its own): updated atomically, since clones
/// run on the pass manager's threads.
typedef struct GcimPassCallbackCounts {
  int constructs, destructs, clones, runs;
} GcimPassCallbackCounts;

/// gcimPassCreate, counting the callbacks of the pass and of its clones in *counts, which
/// must outlive them all (it is borrowed, never freed).
MlirPass gcimPassCreateCounted(const GcimPassInfo *info, const char *optionText,
                               GcimPassCallbackCounts *counts, char **errMsg);

/// The value of option `name` of a running pass; borrowed. `name` must be one of the
/// pass's options (a bug otherwise).
const char *gcimPassOptionsGet(const GcimPassOptions *options, const GcimPassInfo *info,
                               const char *name);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_TRANSFORMS_PASSES_H */
