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
    %heads = irdl.base "#builtin.integer"
    %dim = irdl.base "#builtin.integer"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(q: %q, k: %k, v: %v, scales: optional %scales)
    irdl.attributes {"kind" = %kind, "causal" = %causal, "window" = %window,
                     "scale" = %scale, "num_heads" = %heads, "head_dim" = %dim}
    irdl.results(output: %y)
  }

  // A KV cache: `past` (batch, heads, P, dim) followed by `x` (batch, heads, T, dim)
  // along the tokens (the ONNX Concat of a past/present cache; onnx.concat cannot take
  // operands of different types). gcim-stream maps it onto the hardware state.
  irdl.operation @cache_append {
    %past = irdl.base "!builtin.tensor"
    %x = irdl.base "!builtin.tensor"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(past: %past, x: %x)
    irdl.results(present: %y)
  }

  // ---- Step level (gcim-stream): one token per call of the step function. ----

  // The position t of the token the step function is processing (the step counter),
  // as a tensor<1xi64>.
  irdl.operation @step_index {
    %t = irdl.base "!builtin.tensor"
    irdl.results(index: %t)
  }

  // One token of causal attention against the hardware state of `layer`: writes k, v
  // (batch, heads, 1, head_dim) as token t, then attends q over the tokens t-window+1..t
  // (all tokens so far when window is 0). Attributes as gcim.attention.
  irdl.operation @attention_step {
    %q = irdl.base "!builtin.tensor"
    %k = irdl.base "!builtin.tensor"
    %v = irdl.base "!builtin.tensor"
    %scales = irdl.base "!builtin.tensor"
    %kind = irdl.base "#builtin.string"
    %window = irdl.base "#builtin.integer"
    %scale = irdl.base "#builtin.float"
    %heads = irdl.base "#builtin.integer"
    %dim = irdl.base "#builtin.integer"
    %layer = irdl.base "#builtin.integer"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(q: %q, k: %k, v: %v, scales: optional %scales)
    irdl.attributes {"kind" = %kind, "window" = %window, "scale" = %scale,
                     "num_heads" = %heads, "head_dim" = %dim, "layer" = %layer}
    irdl.results(output: %y)
  }

  // ---- Tile level (gcim-map-attention, gcim-quantize, gcim-schedule). ----
  // x tensors are (batch, heads, tokens, head_dim); `layer` names the K/V state of one
  // attention (its sub-tiles); `streamed` is 1 when tokens is the current token t of the
  // step function, 0 when tokens 0..T-1 are processed as a block from an empty state.

  // Per-head scaler: y = a * x + b with a = scales[h][a_index], b = scales[h][b_index].
  irdl.operation @scaler {
    %x = irdl.base "!builtin.tensor"
    %s = irdl.base "!builtin.tensor"
    %ai = irdl.base "#builtin.integer"
    %bi = irdl.base "#builtin.integer"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(x: %x, scales: %s)
    irdl.attributes {"a_index" = %ai, "b_index" = %bi}
    irdl.results(y: %y)
  }

  // Quantiser: y = Q(clip(x, lo, hi)) with `levels` uniform levels on [lo, hi] (hardware-
  // model.md section 2). `kind` is "dac" (K/V write), "pwm" (query pulses) or "adc" (readout).
  irdl.operation @quantize {
    %x = irdl.base "!builtin.tensor"
    %kind = irdl.base "#builtin.string"
    %levels = irdl.base "#builtin.integer"
    %lo = irdl.base "#builtin.float"
    %hi = irdl.base "#builtin.float"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(x: %x)
    irdl.attributes {"kind" = %kind, "levels" = %levels, "lo" = %lo, "hi" = %hi}
    irdl.results(y: %y)
  }

  // Writes each token of k, v (stored voltages, clipped to [0, vdd]) into ring slot
  // t mod window of `layer`'s sub-tiles (sub-tile slot / 64, column slot % 64), resetting
  // its age. Comes before the reads of the same token.
  irdl.operation @kv_write {
    %k = irdl.base "!builtin.tensor"
    %v = irdl.base "!builtin.tensor"
    %layer = irdl.base "#builtin.integer"
    %window = irdl.base "#builtin.integer"
    %tt = irdl.base "#builtin.integer"
    %dt = irdl.base "#builtin.integer"
    %streamed = irdl.base "#builtin.integer"
    irdl.operands(k: %k, v: %v)
    irdl.attributes {"layer" = %layer, "window" = %window, "token_tiles" = %tt,
                     "dim_tiles" = %dt, "streamed" = %streamed}
    irdl.results()
  }

  // First analog product: q pulses (clipped to [0, 1]) on the K arrays of `layer`.
  // Result (batch, heads, tokens, token_tiles, 64): the charge S_j of every slot j, with
  // the cell nonlinearity and decay; slots not valid for the token (not written, or
  // later than it when causal) give 0.
  irdl.operation @qk_product {
    %q = irdl.base "!builtin.tensor"
    %layer = irdl.base "#builtin.integer"
    %causal = irdl.base "#builtin.integer"
    %tt = irdl.base "#builtin.integer"
    %dt = irdl.base "#builtin.integer"
    %s = irdl.base "!builtin.tensor"
    irdl.operands(q: %q)
    irdl.attributes {"layer" = %layer, "causal" = %causal, "token_tiles" = %tt,
                     "dim_tiles" = %dt}
    irdl.results(charge: %s)
  }

  // Charge-to-pulse: phi = clip(S / saturation, 0, 1) (HardSigmoid; not quantised).
  irdl.operation @charge_to_pulse {
    %s = irdl.base "!builtin.tensor"
    %sat = irdl.base "#builtin.float"
    %phi = irdl.base "!builtin.tensor"
    irdl.operands(charge: %s)
    irdl.attributes {"saturation" = %sat}
    irdl.results(pulse: %phi)
  }

  // Second analog product: phi pulses on the V arrays of `layer`. Result (batch, heads,
  // tokens, token_tiles, head_dim): Y_n[d] of each sub-tile n.
  irdl.operation @pv_product {
    %phi = irdl.base "!builtin.tensor"
    %layer = irdl.base "#builtin.integer"
    %tt = irdl.base "#builtin.integer"
    %dt = irdl.base "#builtin.integer"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(pulse: %phi)
    irdl.attributes {"layer" = %layer, "token_tiles" = %tt, "dim_tiles" = %dt}
    irdl.results(y: %y)
  }

  // Per-sub-tile readout (signed charge-to-pulse + counter): z = clip(y / saturation,
  // -1, 1); the output ADC's levels are made explicit by gcim-quantize.
  irdl.operation @readout {
    %y = irdl.base "!builtin.tensor"
    %sat = irdl.base "#builtin.float"
    %z = irdl.base "!builtin.tensor"
    irdl.operands(y: %y)
    irdl.attributes {"saturation" = %sat}
    irdl.results(z: %z)
  }

  // Digital adder tree: the sum over the token_tiles axis (axis 3) of the sub-tile
  // outputs: (batch, heads, tokens, token_tiles, head_dim) -> (batch, heads, tokens,
  // head_dim).
  irdl.operation @adder_tree {
    %z = irdl.base "!builtin.tensor"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(z: %z)
    irdl.results(sum: %y)
  }

  // ---- Runtime level (gcim-lower-runtime): ops that are one runtime-kernel call. ----

  // output = input . weight + bias: input (..., k) float32, weight a (k, n) float32
  // onnx.constant that only gcim.linear ops use (the C emitter stores it packed for the
  // runtime's matrix kernel), bias an optional float32 constant of n elements added to
  // every row. The MatMul of a constant weight and the Add of its bias, as one kernel.
  irdl.operation @linear {
    %x = irdl.base "!builtin.tensor"
    %w = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(input: %x, weight: %w, bias: optional %b)
    irdl.results(output: %y)
  }

  // output = input . W + bias with W (k, n) kept narrow in memory: `weight` an int8 or i4
  // (k, n) constant of codes c with float32 (ceil(k / block), n) constants `scales` and
  // optional `zero_points`, W(p, j) = (c - zero_point) * scale of block p / block and column
  // j; or `weight` a bfloat16 (k, n) constant, W its value (no scales, block = k); or
  // `weight` a ui8 constant of n rows of h >= k / 2 bytes (MatMulNBits' B, any shape of
  // n * h elements whose first dimension is n) holding 4-bit codes two a byte: c of (p, j)
  // is ((nibble p % 2 of byte (j, p / 2)) + shift) mod 16 - 8, the shift of block p / block
  // and column j from the op's optional `gcim.shifts`, a ui8 (ceil(k / block), n) dense
  // attribute (absent: 0). bias as for gcim.linear. gcim-lower-runtime makes it from a product on a
  // weight computed from integer codes (a quantized model's) or, with weights=int8|bf16,
  // from gcim.linear; the C emitter stores the codes packed for the runtime's products on
  // narrow weights.
  irdl.operation @linear_narrow {
    %x = irdl.base "!builtin.tensor"
    %w = irdl.base "!builtin.tensor"
    %s = irdl.base "!builtin.tensor"
    %z = irdl.base "!builtin.tensor"
    %b = irdl.base "!builtin.tensor"
    %block = irdl.base "#builtin.integer"
    %y = irdl.base "!builtin.tensor"
    irdl.operands(input: %x, weight: %w, scales: optional %s, zero_points: optional %z,
                  bias: optional %b)
    irdl.attributes {"block" = %block}
    irdl.results(output: %y)
  }
}
