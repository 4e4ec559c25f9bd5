/* FuseAttentionViews.c: gcim-fuse-attention on (batch x heads) rows viewed as (batch, heads).
 *
 * GPT-NeoX/Pythia (baddbmm), OPT and BART (bmm) compute attention on (batch x heads,
 * tokens, dim) tensors and view the scores as (batch, heads, q, k) by Reshapes, to mask them
 * or to return to the heads. Such a Reshape only splits the leading axis (row b x heads + h
 * is batch b, head h, row-major) or merges it back: the rows are the same rows. A Reshape
 * that moves any other element (the key or query axis, the head axis mixed with tokens) is
 * not one, and the attention stays unfused. */
#include "FuseAttention.h"
#include "PassUtils.h"

#include "gcim/Support/IRHelpers.h"

#include <stdio.h>

/* dims of a static tensor of rank 3 or 4; 0 otherwise. */
static int staticShape(MlirValue x, int64_t *dims) {
  int rank = gcimTensorShape(mlirValueGetType(x), dims);
  if (rank != 3 && rank != 4)
    return 0;
  for (int i = 0; i < rank; ++i)
    if (dims[i] <= 0)
      return 0;
  return rank;
}

bool gcimIsHeadsView(MlirOperation reshape, int64_t lead[2]) {
  int64_t in[GCIM_MAX_RANK], out[GCIM_MAX_RANK];
  int inRank = staticShape(mlirOperationGetOperand(reshape, 0), in);
  int outRank = staticShape(mlirOperationGetResult(reshape, 0), out);
  if (!inRank || !outRank || in[inRank - 1] != out[outRank - 1] ||
      in[inRank - 2] != out[outRank - 2])
    return false;
  if (inRank == outRank) /* the same shape: nothing moves */
    return inRank == 3 ? in[0] == out[0] : in[0] == out[0] && in[1] == out[1];
  const int64_t *four = inRank == 4 ? in : out, *three = inRank == 4 ? out : in;
  if (four[0] * four[1] != three[0])
    return false;
  lead[0] = four[0];
  lead[1] = four[1];
  return true;
}

MlirValue gcimHeadsFromRows(MlirOperation before, MlirLocation loc, MlirValue x,
                            const int64_t lead[2]) {
  int64_t dims[GCIM_MAX_RANK], inner[GCIM_MAX_RANK];
  if (gcimTensorShape(mlirValueGetType(x), dims) != 3)
    return x;
  int64_t heads[4] = {lead[0], lead[1], dims[1], dims[2]};
  MlirOperation reshape;
  if (gcimValueIsOp(x, "onnx.reshape", &reshape)) {
    MlirValue source = mlirOperationGetOperand(reshape, 0);
    if (gcimTensorShape(mlirValueGetType(source), inner) == 4 && inner[0] == heads[0] &&
        inner[1] == heads[1] && inner[2] == heads[2] && inner[3] == heads[3])
      return source; /* the model's own (batch, heads) tensor before it merged the rows */
  }
  return gcimBuildReshape(before, loc, x, 4, heads);
}

bool gcimExplainHeadBias(MlirValue bias, MlirValue scores, char *reason, size_t size) {
  int64_t b[GCIM_MAX_RANK], s[GCIM_MAX_RANK];
  int rank = staticShape(bias, b);
  if (rank < 3 || staticShape(scores, s) != rank)
    return false;
  int headAxis = rank == 4 ? 1 : 0; /* rank 3: the batch x heads rows */
  bool alibi = b[rank - 2] == 1;
  /* Over queries too only on (batch, heads) scores: (batch x heads) rows of a padding mask
   * that differs between batch rows are no bias. */
  bool relative = rank == 4 && b[rank - 2] == s[rank - 2] && s[rank - 2] > 1;
  if (!(alibi || relative) || b[rank - 1] != s[rank - 1] || b[rank - 1] <= 1 || b[headAxis] <= 1)
    return false;
  char shape[64];
  if (rank == 4)
    snprintf(shape, sizeof shape, "%lldx%lldx%lldx%lld", (long long)b[0], (long long)b[1],
             (long long)b[2], (long long)b[3]);
  else
    snprintf(shape, sizeof shape, "%lldx%lldx%lld", (long long)b[0], (long long)b[1],
             (long long)b[2]);
  snprintf(reason, size,
           alibi ? "an ALiBi-like bias is added to the scores (a %s term: a bias per head over "
                   "the keys), which is not a mask the gain cells take"
                 : "a position bias is added to the scores (a %s term: a bias per head over "
                   "queries and keys, as T5's relative position bias), which is not a mask "
                   "the gain cells take",
           shape);
  return true;
}
