/* ReportGpu.c: the report's GPU comparison, each row saying what it compares.
 *
 * The reference workload is the paper's (docs/HardwareModel.md section 3): one 12-head layer,
 * head dim 64, 1,024 tokens of context, batch 64. The gain-cell side is that layer on this
 * hardware description (heads in parallel: one layer-step per token), not the compiled
 * model, so every ratio compares the same work. Each row states its source (quoted from
 * the paper, or measured and how), whether its latency is per token or per decode step,
 * and what its energy includes. */
#include "ReportLayers.h"

typedef struct GpuRow {
  const char *device, *source, *latencyBasis, *energyIncludes;
  double latencyUs, energyUJ;         /* per token; 0: the source gives only ratios */
  double quotedLatency, quotedEnergy; /* the paper's ratios, quoted as they are */
  double stepLatencyUs, idleUJ;       /* measured: one decode step; energy at idle power */
} GpuRow;

static const GpuRow rows[] = {
    {"Jetson Nano", "quoted from the paper (Leroux et al., Nat. Comput. Sci. 5, 2025)",
     "per token (attention kernel plus cache write, batch 64)",
     "as the paper reports it; the source does not say whether idle power is included", 488.9,
     3246.0, 0, 0, 0, 0},
    {"RTX 4090", "quoted from the paper (Leroux et al., Nat. Comput. Sci. 5, 2025)",
     "per token (attention kernel plus cache write, batch 64)",
     "as the paper reports it; the source does not say whether idle power is included", 22.37,
     7178.0, 0, 0, 0, 0},
    {"H100",
     "quoted from the paper: its ratios only, against its own gain-cell figures; "
     "the paper does not state their normalisation, so they are not recomputed here",
     "not stated by the paper", "not stated by the paper", 0, 0, 100.0, 70000.0, 0, 0},
    {"H200",
     "measured: PyTorch 2.11, fp16 scaled_dot_product_attention plus the K/V cache write, "
     "CUDA-graph replay, on the reference workload; reported in issue 12 (the measurement "
     "date is not recorded there)",
     "per token (one decode step of batch 64 takes 58.1 us)",
     "board power while busy, 593 W, idle included (123 W idle)", 58.1 / 64, 593.0 * 58.1 / 64, 0,
     0, 58.1, 123.0 * 58.1 / 64},
};

static void writeRow(FILE *out, const GpuRow *row, double layerNs, double layerNJ) {
  double latencyRatio = row->quotedLatency, energyRatio = row->quotedEnergy;
  if (row->latencyUs > 0 && layerNs > 0)
    latencyRatio = row->latencyUs * 1000.0 / layerNs;
  if (row->energyUJ > 0 && layerNJ > 0)
    energyRatio = row->energyUJ * 1000.0 / layerNJ;
  fprintf(out,
          "\n    {\"device\": \"%s\", \"latency_ratio\": %.6g, \"energy_ratio\": %.6g, "
          "\"source\": \"%s\", \"latency_basis\": \"%s\", \"energy_includes\": \"%s\"",
          row->device, latencyRatio, energyRatio, row->source, row->latencyBasis,
          row->energyIncludes);
  if (row->latencyUs > 0)
    fprintf(out, ", \"gpu_latency_us\": %.6g, \"gpu_energy_uj\": %.6g", row->latencyUs,
            row->energyUJ);
  if (row->stepLatencyUs > 0 && layerNs > 0)
    fprintf(out,
            ", \"gpu_step_latency_us\": %.6g, \"step_latency_ratio\": %.6g, "
            "\"gpu_energy_above_idle_uj\": %.6g, \"energy_above_idle_ratio\": %.6g",
            row->stepLatencyUs, row->stepLatencyUs * 1000.0 / layerNs, row->energyUJ - row->idleUJ,
            layerNJ > 0 ? (row->energyUJ - row->idleUJ) * 1000.0 / layerNJ : 0.0);
  fputc('}', out);
}

void gcimReportWriteGpuComparison(FILE *out, const GcimHardware *hw) {
  enum { REFERENCE_HEADS = 12, REFERENCE_HEAD_DIM = 64 };
  /* 1,024 tokens fill a window of 1,024 or more. */
  int64_t tokens = hw->window < 1024 ? hw->window : 1024;
  GcimLayerInfo reference = {
      .heads = REFERENCE_HEADS, .headDim = REFERENCE_HEAD_DIM, .window = tokens, .analog = true};
  reference.tokenTiles = (tokens + hw->arrayRows - 1) / hw->arrayRows;
  reference.dimTiles = (REFERENCE_HEAD_DIM + hw->arrayCols - 1) / hw->arrayCols;
  double layerNs, headPJ;
  gcimHeadCost(hw, &reference, &layerNs, &headPJ); /* heads in parallel */
  double layerNJ = headPJ * REFERENCE_HEADS / 1000.0;
  fprintf(out,
          "  \"gpu_comparison\": {\"reference\": \"the paper's workload: one 12-head "
          "layer, head dim 64, 1,024 tokens of context, batch 64; the gain-cell figures "
          "are that layer on this hardware, per token (one layer-step, heads in "
          "parallel, window full)\", \"gain_cell_layer_latency_ns\": %.6g, "
          "\"gain_cell_layer_energy_nj\": %.6g, \"rows\": [",
          layerNs, layerNJ);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; ++i) {
    if (i)
      fputc(',', out);
    writeRow(out, &rows[i], layerNs, layerNJ);
  }
  fprintf(out, "\n  ]},\n");
}
