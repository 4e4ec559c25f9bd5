/* AttentionMask.c: classifying constant attention masks.
 *
 * Exporters build causal masks from constants: a registered bool/uint8 buffer sliced to
 * the sequence (torch's GPT-2), Trilu of ones, an additive -inf / finfo.min upper
 * triangle, or comparisons of position values (sliding windows). gcim-fuse-attention must
 * know a mask really is causal before it sets causal = 1, so this file evaluates the mask
 * element by element (AttentionMaskEval.c) and compares it with the causal
 * (sliding-window) band. */
#include "FuseAttention.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

bool gcimIsMaskFill(MlirValue value) {
  double fill;
  return gcimValueScalarConstant(value, &fill) && (fill <= -1e4 || isinf(fill));
}

/* Whether entry (i, j) of the mask keeps the score; -1 when the entry is not a mask
 * value (an additive bias), -2 when it is not computable (the reason in `why`). */
static int maskKeeps(MlirValue mask, GcimMaskMode mode, int rank, int64_t i, int64_t j,
                     const int64_t *lead, char *why, size_t whySize) {
  int64_t idx[GCIM_MAX_RANK];
  for (int d = 0; d < rank - 2; ++d)
    idx[d] = lead[d];
  idx[rank - 2] = i;
  idx[rank - 1] = j;
  double value;
  if (!gcimMaskEval(mask, idx, &value, why, whySize))
    return -2;
  switch (mode) {
  case GCIM_MASK_TRUE_KEEPS:
    return value != 0.0;
  case GCIM_MASK_TRUE_MASKS:
    return value == 0.0;
  case GCIM_MASK_ADDITIVE:
    if (value == 0.0)
      return 1;
    return (value <= -1e4 || isinf(value)) ? 0 : -1;
  case GCIM_MASK_MULTIPLY:
    return value == 1.0 ? 1 : (value == 0.0 ? 0 : -1);
  }
  return -1;
}

/* The entry the causal band with window `window` (0: unbounded) expects. */
static int bandKeeps(int64_t i, int64_t j, int64_t offset, int64_t window) {
  int64_t age = i + offset - j;
  return age >= 0 && (window == 0 || age < window);
}

static bool fail(char *reason, size_t size, const char *text) {
  snprintf(reason, size, "%s", text);
  return false;
}

static const char notMaskEntries[] =
    "the mask is not a constant of keep/mask entries (0 or a large negative value when "
    "added)";

bool gcimMaskClassify(MlirValue mask, GcimMaskMode mode, int64_t tq, int64_t tk, GcimMaskInfo *info,
                      char *reason, size_t reasonSize) {
  int64_t dims[GCIM_MAX_RANK], lead[GCIM_MAX_RANK] = {0};
  int rank = gcimTensorShape(mlirValueGetType(mask), dims);
  if (rank < 2 || tq <= 0 || tk <= 0)
    return fail(reason, reasonSize, "the mask is not a static tensor of rank 2 or more");
  for (int d = 0; d < rank - 2; ++d)
    if (dims[d] != 1)
      return fail(reason, reasonSize, "the mask varies over batch or heads");
  if ((dims[rank - 2] != 1 && dims[rank - 2] != tq) ||
      (dims[rank - 1] != 1 && dims[rank - 1] != tk))
    return fail(reason, reasonSize, "the mask does not broadcast to the scores");
  int64_t offset = tk - tq, window = 0;
  int64_t last = tq - 1, kept = 0;
  for (int64_t j = 0; j < tk; ++j) {
    int keeps = maskKeeps(mask, mode, rank, dims[rank - 2] == 1 ? 0 : last,
                          dims[rank - 1] == 1 ? 0 : j, lead, reason, reasonSize);
    if (keeps == -2)
      return false;
    if (keeps < 0)
      return fail(reason, reasonSize, notMaskEntries);
    kept += keeps;
  }
  if (kept == tk && tq == 1) { /* one query over every key is the causal row */
    *info = (GcimMaskInfo){1, 0};
    return true;
  }
  window = kept >= last + offset + 1 ? 0 : kept;
  bool causal = true, full = true;
  for (int64_t i = 0; i < tq; ++i)
    for (int64_t j = 0; j < tk; ++j) {
      int keeps = maskKeeps(mask, mode, rank, dims[rank - 2] == 1 ? 0 : i,
                            dims[rank - 1] == 1 ? 0 : j, lead, reason, reasonSize);
      if (keeps == -2)
        return false;
      if (keeps < 0)
        return fail(reason, reasonSize, notMaskEntries);
      causal = causal && keeps == bandKeeps(i, j, offset, window);
      full = full && keeps == 1;
    }
  if (full) {
    *info = (GcimMaskInfo){0, 0};
    return true;
  }
  if (!causal)
    return fail(reason, reasonSize,
                "the mask is neither causal (lower triangular) nor a sliding window");
  *info = (GcimMaskInfo){1, window};
  return true;
}
