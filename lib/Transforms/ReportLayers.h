/* ReportLayers.h: the mapped attention layers of a module and their cost (private). */
#ifndef GCIM_LIB_TRANSFORMS_REPORTLAYERS_H
#define GCIM_LIB_TRANSFORMS_REPORTLAYERS_H

#include "gcim/Runtime/Hardware.h"

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/// One attention: analog (its gcim.kv_write) or digital (a gcim.attention left exact).
typedef struct GcimLayerInfo {
  MlirOperation op; /* the kv_write, or the digital attention */
  int64_t layer, heads, headDim, tokenTiles, dimTiles, window;
  int64_t firstSubTile;        /* from gcim-schedule; -1 when not scheduled */
  int64_t runBatch, runTokens; /* of its full-sequence mapping; 0 when that is not mapped */
  int64_t batch;               /* sequences at once in its mapping (the step's when streamed) */
  int64_t kvGroup;             /* query heads taking turns on one K/V array pair (1: none) */
  bool analog, streamed;
  char kind[16];
  char gqa[16]; /* a grouped-query layer's mapping: "share" or "replicate"; else empty */
  char warning[256];
} GcimLayerInfo;

/// The attention layers of `module`, one per layer number (a streamed mapping wins over a
/// full-sequence one of the same layer), in layer order. *layers is malloc'ed (the caller
/// frees it); returns the count, or -1 when out of memory.
int64_t gcimCollectLayers(MlirOperation module, GcimLayerInfo **layers);

/// Per-token cost of one tile-level op of a layer (all its heads): the cost table of
/// docs/HardwareModel.md section 3 split over the ops (see docs/Passes.md, gcim-schedule).
void gcimTileOpCost(const GcimHardware *hw, const GcimLayerInfo *layer, MlirOperation op,
                    double *latencyNs, double *energyPJ);

/// Writes the report's `gpu_comparison` entry (ReportGpu.c): the reference layer on `hw`
/// against GPU rows that each state their source, latency basis and what energy includes.
void gcimReportWriteGpuComparison(FILE *out, const GcimHardware *hw);

/// Writes the report's `schedule` entry (ReportSchedule.c): gcim-schedule's objective,
/// budget and choice with its placement per layer, and every alternative it considered.
/// Returns false when out of memory.
bool gcimReportWriteSchedule(FILE *out, MlirOperation module, const GcimHardware *hw,
                             const GcimLayerInfo *layers, int64_t count);

/// Writes `, "schedule": {...}` into the report's `perRun` (ReportSchedule.c): what the
/// chosen schedule adds to that run, as the program's --stats count it (reloads, transfers,
/// their bytes and energy, the elapsed time with periphery turns); nothing when it adds
/// nothing or gcim-schedule did not run. Returns false when out of memory.
bool gcimReportWriteRunSchedule(FILE *out, MlirOperation module, const GcimHardware *hw,
                                const GcimLayerInfo *layers, int64_t count);

/// Prints the chosen schedule as one line of the report's table; false when out of memory.
bool gcimReportPrintSchedule(FILE *out, MlirOperation module, const GcimHardware *hw,
                             const GcimLayerInfo *layers, int64_t count);

/// The K/V array pairs of one sequence of a layer: its heads, or its K/V heads when a
/// grouped-query layer shares them (--gqa=share).
int64_t gcimLayerArrayHeads(const GcimLayerInfo *layer);

/// Per-token latency (ns) and energy (pJ) of one head of an analog layer (under share, the
/// latency of the group's turns and the head's share of its K/V write).
void gcimHeadCost(const GcimHardware *hw, const GcimLayerInfo *layer, double *latencyNs,
                  double *energyPJ);

#endif /* GCIM_LIB_TRANSFORMS_REPORTLAYERS_H */
