// gcim.irdl.mlir: the gcim dialect, attention on gain-cell in-memory-computing hardware.
//
// Levels, from the graph down: `gcim.attention` (graph level, made by
// gcim-fuse-attention), then the step and tile levels that later passes add. Semantics of
// every op are in docs/Dialects.md and, executably, in the simulator (lib/Runtime).

irdl.dialect @gcim {
  // Multi-head attention as one op. q, k, v: (batch, heads, sequence, head_dim).
  // `kind` is "softmax", "hardsigmoid" or "gaincell"; `causal` is 0 or 1; `window` is the
  // sliding-window length in tokens (0: unbounded); `scale` multiplies q.k before the
  // nonlinearity. `scales`, when present, holds per-head scalers (heads, 8) in the order
  // a_q b_q a_k b_k a_v b_v a_o b_o.
  irdl.operation @attention {
    %q = irdl.base "!builtin.tensor"
    %k = irdl.base "!builtin.tensor"
    %v = irdl.base "!builtin.tensor"
    %scales = irdl.base "!builtin.tensor"
    %kind = irdl.base "#builtin.string"
    %causal = irdl.base "#builtin.integer"
    %window = irdl.base "#builtin.integer"
    %scale = irdl.base "#builtin.float"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(q: %q, k: %k, v: %v, scales: optional %scales)
    irdl.attributes {"kind" = %kind, "causal" = %causal, "window" = %window,
                     "scale" = %scale}
    irdl.results(output: %y)
  }
}
