/* SchedulePlan.c: gcim-schedule's cost model over the floorplan (docs/HardwareModel.md
 * section 6).
 *
 * A schedule uses c of the floorplan's chips, the analog layers split into c contiguous
 * groups (layer i on chip floor(i c / L)). A chip's K/V comes in blocks, one per (layer,
 * sequence) of H heads x T sub-tiles: all resident; or, when they do not fit, as many
 * slots of the largest block as fit, all but one pinned to blocks in layer-then-sequence
 * order and the last one a spill slot every other block is reloaded into each step; or
 * (streaming, the fewest arrays) the spill slot alone. Heads whose sub-tiles share a
 * periphery unit run in turn; under --gqa=share a layer holds one array pair per K/V head
 * and the group's query heads take turns on it. A decode step takes the longest of: a chip's busy
 * time, a link's busy time, one sequence's path through every layer and link. */
#include "SchedulePlan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ACTIVATION_BYTES = 4 }; /* the attention output crosses a link as float32 */

const char *gcimResidencyName(GcimResidency residency) {
  return residency == GCIM_SPILL ? "spill" : residency == GCIM_STREAM ? "stream" : "resident";
}

void gcimScheduleName(const GcimSchedule *schedule, char *name, size_t size) {
  snprintf(name, size, "%d chip%s, %s", (int)schedule->chips, schedule->chips == 1 ? "" : "s",
           gcimResidencyName(schedule->residency));
}

static int64_t subTilesPerHead(const GcimLayerInfo *l) { return l->tokenTiles * l->dimTiles; }

/* A block holds one K/V array pair per head, or per K/V head under --gqa=share. */
static int64_t blockSubTiles(const GcimLayerInfo *l) {
  return gcimLayerArrayHeads(l) * subTilesPerHead(l);
}

/* Heads among `instances` of T sub-tiles each that one periphery unit of U runs in turn. */
static int64_t peripheryRounds(int64_t instances, int64_t tiles, int64_t unit) {
  if (instances <= 0)
    return 0;
  if (unit <= 0 || tiles >= unit)
    return 1;
  return instances < unit / tiles ? instances : unit / tiles;
}

/* The analog layers, in order (*out malloc'ed); returns their count, -1 when out of memory. */
static int64_t analogLayers(const GcimLayerInfo *layers, int64_t count,
                            const GcimLayerInfo ***out) {
  *out = malloc((size_t)(count > 0 ? count : 1) * sizeof **out);
  if (!*out)
    return -1;
  int64_t n = 0;
  for (int64_t i = 0; i < count; ++i)
    if (layers[i].analog)
      (*out)[n++] = &layers[i];
  return n;
}

static int64_t batchOf(const GcimLayerInfo *const *analog, int64_t n) {
  int64_t batch = 1;
  for (int64_t i = 0; i < n; ++i)
    batch = analog[i]->batch > batch ? analog[i]->batch : batch;
  return batch;
}

/* One chip's share: layers [first, last) of the analog list. */
typedef struct Chip {
  int64_t first, last, blocks, slotSize, slots, pinned, arrays, units, base;
  bool full; /* every block resident */
  double busyNs;
} Chip;

static bool placeChip(const GcimHardware *hw, const GcimLayerInfo *const *analog, int64_t batch,
                      GcimResidency residency, Chip *chip, GcimSchedule *out) {
  int64_t fullArrays = 0, heads = 0, maxHeads = 0, unit = hw->floorplan.subTilesPerPeriphery;
  chip->slotSize = 0;
  for (int64_t i = chip->first; i < chip->last; ++i) {
    int64_t block = blockSubTiles(analog[i]);
    fullArrays += batch * block;
    int64_t arrayHeads = gcimLayerArrayHeads(analog[i]);
    heads += batch * arrayHeads;
    chip->slotSize = block > chip->slotSize ? block : chip->slotSize;
    maxHeads = arrayHeads > maxHeads ? arrayHeads : maxHeads;
  }
  chip->blocks = batch * (chip->last - chip->first);
  int64_t capacity = hw->maxSubTiles;
  chip->full = residency != GCIM_STREAM && (capacity == 0 || fullArrays <= capacity);
  if (chip->full) {
    chip->arrays = fullArrays;
    chip->units = unit > 0 ? (fullArrays + unit - 1) / unit : heads;
    return true;
  }
  if (residency == GCIM_RESIDENT) {
    snprintf(out->why, sizeof out->why, "a chip's K/V needs %lld sub-tiles, it has %d",
             (long long)fullArrays, (int)capacity);
    return false;
  }
  if (!(hw->floorplan.spillBytesPerNs > 0.0)) {
    snprintf(out->why, sizeof out->why, "no spill memory (floorplan.spillBytesPerNs is 0)");
    return false;
  }
  int64_t fit = capacity > 0 ? capacity / chip->slotSize : chip->blocks;
  if (fit < 1) {
    snprintf(out->why, sizeof out->why,
             "one layer of one sequence needs %lld sub-tiles, a chip has %d",
             (long long)chip->slotSize, (int)capacity);
    return false;
  }
  chip->slots = residency == GCIM_STREAM ? 1 : (fit < chip->blocks ? fit : chip->blocks);
  chip->pinned = chip->slots - 1;
  chip->arrays = chip->slots * chip->slotSize;
  chip->units = unit > 0 ? (chip->arrays + unit - 1) / unit : chip->slots * maxHeads;
  return true;
}

/* Costs the j-th layer of a placed chip, `offset` sub-tiles after the chip's first when
 * the chip holds every block, into *plan. */
static void planLayer(const GcimHardware *hw, const GcimLayerInfo *l, int64_t batch,
                      const Chip *chip, int64_t j, int64_t offset, GcimLayerPlan *plan,
                      double *oneSequenceNs) {
  int64_t tiles = subTilesPerHead(l), unit = hw->floorplan.subTilesPerPeriphery;
  int64_t resident = batch;
  if (!chip->full) {
    resident = chip->pinned - j * batch;
    resident = resident < 0 ? 0 : resident > batch ? batch : resident;
  }
  int64_t spilled = batch - resident;
  int64_t cells = blockSubTiles(l) * 2 * hw->arrayRows * hw->arrayCols;
  int64_t arrayHeads = gcimLayerArrayHeads(l);               /* under share, a group's turns each */
  int64_t reloadBytes = cells + 2 * arrayHeads * l->headDim; /* one byte per K/V code */
  double perHead, energy;
  gcimHeadCost(hw, l, &perHead, &energy);
  double reloadNs = spilled ? (double)reloadBytes / hw->floorplan.spillBytesPerNs : 0.0;
  double residentNs = (double)peripheryRounds(resident * arrayHeads, tiles, unit) * perHead;
  double spilledNs = reloadNs + (double)peripheryRounds(arrayHeads, tiles, unit) * perHead;
  plan->spillSlot = chip->full ? -1 : chip->base + chip->pinned * chip->slotSize;
  plan->firstSubTile = chip->full ? chip->base + offset
                       : resident ? chip->base + j * batch * chip->slotSize
                                  : plan->spillSlot;
  plan->sequenceStride = chip->full ? blockSubTiles(l) : chip->slotSize;
  plan->residentSequences = resident;
  plan->reloadNs = reloadNs;
  plan->spillBytes = spilled * reloadBytes;
  plan->rounds = peripheryRounds((resident ? resident : 1) * arrayHeads, tiles, unit);
  plan->latencyNs = residentNs + (double)spilled * spilledNs;
  plan->energyPJ = (double)(batch * l->heads) * energy +
                   (double)spilled * ((double)reloadBytes * hw->floorplan.spillPJPerByte +
                                      (double)cells * hw->cost.dacPerValuePJ);
  *oneSequenceNs = spilled ? (residentNs > spilledNs ? residentNs : spilledNs) : residentNs;
}

/* What a schedule sums over its chips and layers. */
typedef struct Sums {
  double cursor;      /* the start of the next transfer or layer within a step */
  double oneSequence; /* one sequence's path through every layer and link */
  double slowest;     /* the busiest chip or link */
  double energy;      /* per step */
  const GcimLayerInfo *previous;
} Sums;

/* Plans chip k's layers (and the transfer into it) into `plans`, adding to *out and *sums. */
static void planChipLayers(const GcimHardware *hw, const GcimLayerInfo *const *analog,
                           const GcimLayerInfo *layers, Chip *chip, int32_t k, GcimSchedule *out,
                           GcimLayerPlan *plans, Sums *sums) {
  int64_t offset = 0;
  for (int64_t i = chip->first; i < chip->last; ++i) {
    const GcimLayerInfo *l = analog[i];
    GcimLayerPlan plan = {0};
    double path;
    plan.chip = k;
    if (sums->previous && i == chip->first) {
      plan.transferBytes = sums->previous->heads * sums->previous->headDim * ACTIVATION_BYTES;
      double linkNs = (double)plan.transferBytes / hw->floorplan.linkBytesPerNs;
      double linkBusy = (double)out->batch * linkNs;
      out->linkBytes += out->batch * plan.transferBytes;
      sums->energy += (double)(out->batch * plan.transferBytes) * hw->floorplan.linkPJPerByte;
      sums->oneSequence += linkNs;
      sums->cursor += linkBusy;
      sums->slowest = linkBusy > sums->slowest ? linkBusy : sums->slowest;
    }
    planLayer(hw, l, out->batch, chip, i - chip->first, offset, &plan, &path);
    offset += out->batch * blockSubTiles(l);
    plan.startNs = sums->cursor;
    sums->cursor += plan.latencyNs;
    chip->busyNs += plan.latencyNs;
    sums->oneSequence += path;
    sums->energy += plan.energyPJ;
    out->spillBytes += plan.spillBytes;
    if (plans)
      plans[l - layers] = plan;
    sums->previous = l;
  }
  sums->slowest = chip->busyNs > sums->slowest ? chip->busyNs : sums->slowest;
}

void gcimScheduleEvaluate(const GcimHardware *hw, const GcimLayerInfo *layers, int64_t count,
                          int32_t chips, GcimResidency residency, GcimSchedule *out,
                          GcimLayerPlan *plans) {
  const GcimLayerInfo **analog;
  int64_t n = analogLayers(layers, count, &analog);
  memset(out, 0, sizeof *out);
  out->chips = chips;
  out->residency = residency;
  out->batch = n > 0 ? batchOf(analog, n) : 1;
  out->fits = n >= 0 && (chips == 1 || hw->floorplan.linkBytesPerNs > 0.0);
  if (!out->fits) {
    snprintf(out->why, sizeof out->why, "%s",
             n < 0 ? "out of memory" : "no inter-chip link (floorplan.linkBytesPerNs is 0)");
    free(analog);
    return;
  }
  Sums sums = {0.0, 0.0, 0.0, 0.0, NULL};
  int64_t nextBase = 0;
  for (int32_t k = 0; k < chips && n > 0 && out->fits; ++k) {
    Chip chip = {0};
    chip.first = (int64_t)k * n / chips;
    chip.last = (int64_t)(k + 1) * n / chips;
    out->fits = placeChip(hw, analog, out->batch, residency, &chip, out);
    if (!out->fits)
      break;
    chip.base = hw->maxSubTiles > 0 ? (int64_t)k * hw->maxSubTiles : nextBase;
    nextBase = chip.base + chip.arrays;
    out->arrays += chip.arrays;
    out->peripheryUnits += chip.units;
    planChipLayers(hw, analog, layers, &chip, k, out, plans, &sums);
  }
  free(analog);
  if (!out->fits)
    return;
  out->stepNs = sums.oneSequence > sums.slowest ? sums.oneSequence : sums.slowest;
  out->intervalNs = out->stepNs / (double)out->batch;
  out->energyPJPerToken = sums.energy / (double)out->batch;
  out->areaMm2 = (double)out->arrays * hw->floorplan.subTileAreaMm2 +
                 (double)out->peripheryUnits * hw->floorplan.peripheryAreaMm2;
}

int64_t gcimScheduleAlternatives(const GcimHardware *hw, const GcimLayerInfo *layers, int64_t count,
                                 const GcimGoal *goal, GcimSchedule *out, int64_t *best) {
  int64_t n = 0, analog = 0;
  for (int64_t i = 0; i < count; ++i)
    analog += layers[i].analog;
  int32_t chips = gcimHardwareChips(hw);
  *best = -1;
  for (int32_t c = 1; c <= chips && (c == 1 || c <= analog); ++c) {
    GcimSchedule *resident = &out[n++];
    gcimScheduleEvaluate(hw, layers, count, c, GCIM_RESIDENT, resident, NULL);
    GcimSchedule candidate; /* listed when it differs from the resident one */
    gcimScheduleEvaluate(hw, layers, count, c, GCIM_SPILL, &candidate, NULL);
    int64_t fewest = resident->fits ? resident->arrays : candidate.arrays;
    if (!resident->fits)
      out[n++] = candidate;
    gcimScheduleEvaluate(hw, layers, count, c, GCIM_STREAM, &candidate, NULL);
    if (candidate.fits && candidate.arrays < fewest)
      out[n++] = candidate;
  }
  const GcimBudget *budget = &goal->budget;
  double least[3] = {0.0, 0.0, 0.0}; /* among the candidates: what weights are relative to */
  for (int64_t i = 0; i < n; ++i) {
    GcimSchedule *s = &out[i];
    s->withinBudget = s->fits && (budget->latencyNs <= 0.0 || s->stepNs <= budget->latencyNs) &&
                      (budget->energyPJ <= 0.0 || s->energyPJPerToken <= budget->energyPJ);
    double figures[3] = {s->stepNs, s->energyPJPerToken, s->areaMm2};
    for (int k = 0; k < 3 && s->withinBudget; ++k)
      least[k] = least[k] == 0.0 || figures[k] < least[k] ? figures[k] : least[k];
  }
  for (int64_t i = 0; i < n; ++i)
    if (out[i].withinBudget && (*best < 0 || gcimScheduleBetter(&out[i], &out[*best], goal, least)))
      *best = i;
  return n;
}

void gcimScheduleExplainFailure(const GcimHardware *hw, const GcimLayerInfo *layers, int64_t count,
                                const GcimSchedule *alternatives, int64_t alternativeCount,
                                char *message, size_t size) {
  const GcimSchedule *fastest = NULL;
  for (int64_t i = 0; i < alternativeCount; ++i)
    if (alternatives[i].fits && (!fastest || alternatives[i].stepNs < fastest->stepNs))
      fastest = &alternatives[i];
  if (fastest) {
    snprintf(message, size,
             "no schedule meets the budget: the fastest that fits takes %.6g ns and %.6g pJ "
             "per token",
             fastest->stepNs, fastest->energyPJPerToken);
    return;
  }
  /* The smallest chips that fit: every block of the busiest chip resident, or, with
   * spill memory, one block of the largest layer. */
  const GcimLayerInfo **analog;
  int64_t n = analogLayers(layers, count, &analog);
  if (n <= 0) {
    snprintf(message, size, "%s", n < 0 ? "out of memory" : "no schedule fits");
    free(analog);
    return;
  }
  int64_t batch = batchOf(analog, n);
  int32_t chips = gcimHardwareChips(hw);
  if (chips > n)
    chips = (int32_t)n;
  if (chips > 1 && !(hw->floorplan.linkBytesPerNs > 0.0))
    chips = 1;
  int64_t needed = 0, largest = 0, total = 0;
  for (int32_t k = 0; k < chips; ++k) {
    int64_t sum = 0;
    for (int64_t i = (int64_t)k * n / chips; i < (int64_t)(k + 1) * n / chips; ++i)
      sum += batch * blockSubTiles(analog[i]);
    needed = sum > needed ? sum : needed;
    total += sum;
  }
  for (int64_t i = 0; i < n; ++i)
    largest = blockSubTiles(analog[i]) > largest ? blockSubTiles(analog[i]) : largest;
  free(analog);
  bool spill = hw->floorplan.spillBytesPerNs > 0.0;
  snprintf(message, size,
           "the model needs %lld sub-tiles (batch %lld) but the hardware has %d per chip on %d "
           "chip%s; the smallest hardware that fits: maxSubTiles %lld%s",
           (long long)total, (long long)batch, (int)hw->maxSubTiles, (int)gcimHardwareChips(hw),
           gcimHardwareChips(hw) == 1 ? "" : "s", (long long)(spill ? largest : needed),
           spill ? " (spilling K/V to digital memory)" : " (no spill memory)");
}
