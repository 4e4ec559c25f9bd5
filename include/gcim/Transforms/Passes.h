/* gcim/Transforms/Passes.h: gcim's pass table and the helpers passes are built with. */
#ifndef GCIM_TRANSFORMS_PASSES_H
#define GCIM_TRANSFORMS_PASSES_H

#include "gcim/Runtime/Hardware.h"

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The type of a pass option; values are checked against it when the pass is created.
typedef enum GcimPassOptionType {
  GCIM_PASS_OPTION_BOOL,   /* true, false, 1 or 0 (stored as "1" or "0") */
  GCIM_PASS_OPTION_INT,    /* a decimal integer >= 0 */
  GCIM_PASS_OPTION_STRING, /* any text */
  GCIM_PASS_OPTION_ENUM    /* one of `choices` */
} GcimPassOptionType;

/// One option of a pass: `--<pass>=<name>=<value>`, or several separated by spaces.
typedef struct GcimPassOptionInfo {
  const char *name;
  GcimPassOptionType type;
  const char *defaultValue;
  const char *description;
  const char *const *choices; /* ENUM: the accepted values, ended by NULL; else NULL */
} GcimPassOptionInfo;

/// What a running pass gets: its option values, checked and in the order of its
/// GcimPassOptionInfo list, and the hardware description of the compilation.
typedef struct GcimPassOptions {
  size_t count;
  const char *const *values; /* owned by the pass instance */
  const GcimHardware *hw;    /* never NULL; owned by the pass instance */
} GcimPassOptions;

/// Runs a pass on `module` (a builtin.module); reports errors as diagnostics and returns
/// failure when the pass failed.
typedef MlirLogicalResult (*GcimPassRunFn)(MlirOperation module, const GcimPassOptions *options);

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

/// Creates a pass from `info` for the hardware `hw` (copied; NULL: the default
/// description) with options parsed from `optionText` ("name=value ...", NULL or "" for
/// the defaults). Passes do no file I/O: the driver reads the hardware once and hands it
/// to every pass here. The caller owns the pass until it hands it to a pass manager.
/// Returns a null pass and a malloc'ed message in *errMsg (when errMsg is not NULL)
/// naming the option for an unknown option, a missing value or a value that is not of the
/// option's type (e.g. "option 'strict' of pass 'gcim-stream' must be true or false, not
/// 'yes'").
MlirPass gcimPassCreate(const GcimPassInfo *info, const GcimHardware *hw, const char *optionText,
                        char **errMsg);

/// How often the external-pass callbacks of a pass and of its clones ran (for tests of the
/// pass glue, as mlir/test/CAPI/pass.c counts its own): updated atomically, since clones
/// run on the pass manager's threads.
typedef struct GcimPassCallbackCounts {
  int constructs, destructs, clones, runs;
} GcimPassCallbackCounts;

/// gcimPassCreate, counting the callbacks of the pass and of its clones in *counts, which
/// must outlive them all (it is borrowed, never freed).
MlirPass gcimPassCreateCounted(const GcimPassInfo *info, const GcimHardware *hw,
                               const char *optionText, GcimPassCallbackCounts *counts,
                               char **errMsg);

/// The value of option `name` of a running pass; borrowed. `name` must be one of the
/// pass's options (a bug otherwise).
const char *gcimPassOptionsGet(const GcimPassOptions *options, const GcimPassInfo *info,
                               const char *name);

/// The value of BOOL option `name`.
bool gcimPassOptionsGetBool(const GcimPassOptions *options, const GcimPassInfo *info,
                            const char *name);

/// The value of INT option `name`.
int64_t gcimPassOptionsGetInt(const GcimPassOptions *options, const GcimPassInfo *info,
                              const char *name);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_TRANSFORMS_PASSES_H */
