/* AttentionMask.c: classifying constant attention masks.
 *
 * Exporters build causal masks from constants: a registered bool/uint8 buffer sliced to
 * the sequence (torch's GPT-2), Trilu of ones, an additive -inf / finfo.min upper
 * triangle, or comparisons of position values (sliding windows). gcim-fuse-attention must
 * know a mask really is causal before it sets causal = 1, so this file evaluates the mask
 * (a tensor at a time, AttentionMaskTensor.c, else element by element, AttentionMaskEval.c,
 * which says why it cannot) and compares it with the causal (sliding-window) band. */
#include "AttentionMaskEval.h"
#include "FuseAttention.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The mask being classified: its entries evaluated at once (`values`, row-major over
 * `dims`) or, when NULL, evaluated one at a time. */
typedef struct MaskSource {
  MlirValue mask;
  const GcimMaskBinding *binding;
  const double *values;
  int rank;
  const int64_t *dims;
} MaskSource;

bool gcimIsMaskFill(MlirValue value) {
  double fill;
  return gcimValueScalarConstant(value, &fill) && (fill <= -1e4 || isinf(fill));
}

/* Whether entry (i, j) of the mask keeps the score; -1 when the entry is not a mask
 * value (an additive bias), -2 when it is not computable (the reason in `why`). */
static int maskKeeps(const MaskSource *source, GcimMaskMode mode, int64_t i, int64_t j,
                     const int64_t *lead, char *why, size_t whySize) {
  int rank = source->rank;
  int64_t idx[GCIM_MAX_RANK], flat = 0;
  for (int d = 0; d < rank - 2; ++d)
    idx[d] = lead[d];
  idx[rank - 2] = i;
  idx[rank - 1] = j;
  for (int d = 0; d < rank; ++d)
    flat = flat * source->dims[d] + idx[d];
  double value;
  if (source->values)
    value = source->values[flat];
  else if (!gcimMaskEvalBound(source->mask, source->binding, idx, &value, why, whySize))
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

/* The mask's pattern for the batch and head indices `lead`. */
static bool classifyAt(const MaskSource *source, GcimMaskMode mode, const int64_t *lead, int64_t tq,
                       int64_t tk, GcimMaskInfo *info, char *reason, size_t reasonSize) {
  int rank = source->rank;
  const int64_t *dims = source->dims;
  int64_t offset = tk - tq, window = 0;
  int64_t last = tq - 1, kept = 0;
  for (int64_t j = 0; j < tk; ++j) {
    int keeps = maskKeeps(source, mode, dims[rank - 2] == 1 ? 0 : last, dims[rank - 1] == 1 ? 0 : j,
                          lead, reason, reasonSize);
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
  /* One row broadcast to every query (a (.., 1, keys) padding term): the row just read is
   * every row, so the mask is full, or no band (whose rows differ); not read tq times. */
  if (dims[rank - 2] == 1 && tq > 1) {
    if (kept == tk) {
      *info = (GcimMaskInfo){0, 0};
      return true;
    }
    return fail(reason, reasonSize,
                "the mask is neither causal (lower triangular) nor a sliding window");
  }
  window = kept >= last + offset + 1 ? 0 : kept;
  bool causal = true, full = true;
  for (int64_t i = 0; i < tq; ++i)
    for (int64_t j = 0; j < tk; ++j) {
      int keeps = maskKeeps(source, mode, dims[rank - 2] == 1 ? 0 : i, dims[rank - 1] == 1 ? 0 : j,
                            lead, reason, reasonSize);
      if (keeps == -2)
        return false;
      if (keeps < 0)
        return fail(reason, reasonSize, notMaskEntries);
      causal = causal && keeps == bandKeeps(i, j, offset, window);
      full = full && keeps == 1;
      if (!causal && !full)
        return fail(reason, reasonSize,
                    "the mask is neither causal (lower triangular) nor a sliding window");
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

/* The next batch and head indices after `lead` (row-major over dims[0 .. rank - 2)); false
 * after the last. */
static bool nextLead(const int64_t *dims, int rank, int64_t *lead) {
  for (int d = rank - 3; d >= 0; --d) {
    if (++lead[d] < dims[d])
      return true;
    lead[d] = 0;
  }
  return false;
}

bool gcimMaskClassify(MlirValue mask, GcimMaskMode mode, int64_t tq, int64_t tk, GcimMaskInfo *info,
                      char *reason, size_t reasonSize) {
  return gcimMaskClassifyBound(mask, mode, NULL, tq, tk, info, reason, reasonSize);
}

bool gcimMaskClassifyBound(MlirValue mask, GcimMaskMode mode, const GcimMaskBinding *binding,
                           int64_t tq, int64_t tk, GcimMaskInfo *info, char *reason,
                           size_t reasonSize) {
  int64_t dims[GCIM_MAX_RANK], lead[GCIM_MAX_RANK] = {0};
  int rank = gcimTensorShape(mlirValueGetType(mask), dims);
  if (rank < 2 || tq <= 0 || tk <= 0)
    return fail(reason, reasonSize, "the mask is not a static tensor of rank 2 or more");
  if ((dims[rank - 2] != 1 && dims[rank - 2] != tq) ||
      (dims[rank - 1] != 1 && dims[rank - 1] != tk))
    return fail(reason, reasonSize, "the mask does not broadcast to the scores");
  double *values;
  gcimMaskEvalTensor(mask, binding, &values);
  MaskSource source = {mask, binding, values, rank, dims};
  bool ok = classifyAt(&source, mode, lead, tq, tk, info, reason, reasonSize);
  /* The fused attention applies one pattern to every sequence and head: every batch and
   * head index of the mask must have it (a BERT encoder's constant all-zero (B, 1, 1, T)
   * mask has it in each row). */
  while (ok && nextLead(dims, rank, lead)) {
    GcimMaskInfo other;
    ok = classifyAt(&source, mode, lead, tq, tk, &other, reason, reasonSize);
    if (ok && (other.causal != info->causal || other.window != info->window))
      ok = fail(reason, reasonSize, "the mask differs between batch rows or heads");
  }
  free(values);
  return ok;
}
