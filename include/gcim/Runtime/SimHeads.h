/* gcim/Runtime/SimHeads.h: the simulated heads of one attention layer, run together.
 *
 * The heads of a layer are independent objects (their own K/V arrays, counters and noise
 * stream), so they run in parallel on a worker pool and give the same bits as running them
 * one after another, for any number of threads. Tensors are row-major with one (tokens,
 * dim) block per (batch, head), heads fastest: block (b * count + h). C99. */
#ifndef GCIM_RUNTIME_SIMHEADS_H
#define GCIM_RUNTIME_SIMHEADS_H

#include "gcim/Runtime/Sim.h"
#include "gcim/Runtime/Threads.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One decode step of `count` heads: heads[i] steps on q, k, v + i * dim into out + i * dim
/// (gcimSimHeadStep). `pool` may be NULL (in order).
void gcimSimHeadsStep(GcimThreadPool *pool, GcimSimHead *const *heads, int64_t count, int64_t dim,
                      const float *q, const float *k, const float *v, float *out);

/// Whole sequences: for each batch b in order, heads[h] is reset and runs the `tokens` steps
/// of block (b * count + h) (gcimSimHeadRunSequence). Heads run in parallel; the batches of
/// one head run in order on it. `pool` may be NULL.
void gcimSimHeadsRunSequences(GcimThreadPool *pool, GcimSimHead *const *heads, int64_t count,
                              int64_t batch, int64_t tokens, int64_t dim, const float *q,
                              const float *k, const float *v, float *out);

/// Grouped-query attention with shared K/V heads (--gqa=share, docs/HardwareModel.md
/// section 7): `kvHeads` heads, each read by `group` query heads (query head j * group + i
/// reads heads[j]). Tensors are laid out per query head as above (count = kvHeads * group);
/// `scalers` holds each query head's 8 scalers. Per token heads[j] writes the k, v of query
/// head j * group once with that head's scalers, then attends each query head of the group in
/// turn with its scalers (gcimSimHeadSetScalers). Query heads of a group must have the same
/// k/v scalers for the outputs to equal one head per query head's. `pool` may be NULL.
void gcimSimHeadsStepShared(GcimThreadPool *pool, GcimSimHead *const *heads, int64_t kvHeads,
                            int64_t group, int64_t dim, const float *scalers, const float *q,
                            const float *k, const float *v, float *out);

/// Whole sequences of shared K/V heads: for each batch b in order, heads[j] is reset and runs
/// the `tokens` shared steps (gcimSimHeadsStepShared) of its group's query heads' blocks.
void gcimSimHeadsRunShared(GcimThreadPool *pool, GcimSimHead *const *heads, int64_t kvHeads,
                           int64_t group, int64_t batch, int64_t tokens, int64_t dim,
                           const float *scalers, const float *q, const float *k, const float *v,
                           float *out);

/// One KV-cache step as a whole run (docs/HardwareModel.md section 2, "A KV-cache graph"):
/// for each batch b in order, heads[h] is reset, writes the `past` cached tokens of block
/// (b * count + h) of k and v (past + 1 rows each) at steps 0 .. past - 1 without attending,
/// then steps the new token (row `past`) with the block's one query row of q into its row of
/// out. Without read noise, bit for bit the last output of gcimSimHeadRunSequence over the
/// past + 1 tokens whatever the earlier queries (with it, their attends would draw from the
/// noise stream). Heads run in parallel; `pool` may be NULL.
void gcimSimHeadsRunCached(GcimThreadPool *pool, GcimSimHead *const *heads, int64_t count,
                           int64_t batch, int64_t past, int64_t dim, const float *q, const float *k,
                           const float *v, float *out);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_SIMHEADS_H */
