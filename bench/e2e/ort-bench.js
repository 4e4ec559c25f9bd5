#!/usr/bin/env node
// ort-bench.js: times ONNX Runtime (onnxruntime-node) on the GPT-2-style exports of
// python/export_gpt2.py; the reference side of bench/e2e/run.sh. Not a test.
//
//   node ort-bench.js decode MODEL_KV.onnx THREADS RUNS P1 [P2 ...]
//       the --kv-cache --dynamic export: for each P, RUNS one-token runs with past lengths
//       P-RUNS .. P-1 (random past, as gcim-bench's steps that end a P-token context)
//   node ort-bench.js prefill MODEL.onnx THREADS RUNS T
//       the full-sequence --dynamic export on input_ids (1, T)
//
// Prints every timed run (wall ms) and `RESULT ... median wall X ms`. Each timed run follows
// one untimed warm-up run of the same shapes.
'use strict';

const path = require('path');
const ortPath = process.env.GCIM_ORT_MODULE ||
  path.join(__dirname, '..', '..', '.deps', 'npm', 'node_modules', 'onnxruntime-node');
const ort = require(ortPath);

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function randomFloats(n, seed) {
  const a = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    a[i] = (x / 4294967296 - 0.5) * 2;
  }
  return a;
}

async function main() {
  const [mode, model, threadsText, runsText, ...rest] = process.argv.slice(2);
  if (!['decode', 'prefill'].includes(mode) || !model || !rest.length) {
    console.error('usage: ort-bench.js decode MODEL THREADS RUNS P1 [P2 ...] | ' +
                  'prefill MODEL THREADS RUNS T');
    process.exit(2);
  }
  const threads = Number(threadsText), runs = Number(runsText);
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1,
    executionMode: 'sequential', logSeverityLevel: 3,
  });
  // Wall milliseconds of one run; the process CPU milliseconds (all threads) go to cpu.
  const cpu = [];
  const time = async (feeds) => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
    return wall;
  };
  const report = (what, wall) => {
    const c = cpu.slice(-wall.length);
    console.log(`RESULT ${what} threads=${threads} median wall ${median(wall).toFixed(3)} ms ` +
                `cpu ${median(c).toFixed(3)} ms`);
  };
  if (mode === 'prefill') {
    const T = Number(rest[0]);
    const ids = new BigInt64Array(T);
    for (let t = 0; t < T; t++) ids[t] = BigInt((7 * t + 3) % 50257);
    const feeds = { input_ids: new ort.Tensor('int64', ids, [1, T]) };
    await time(feeds);
    const wall = [];
    for (let r = 0; r < runs; r++) {
      wall.push(await time(feeds));
      console.log(`prefill T=${T} run ${r}: wall ${wall[r].toFixed(3)} ms`);
    }
    report(`prefill T=${T}`, wall);
    return;
  }
  const pastNames = session.inputNames.filter((n) => n.startsWith('past_'));
  const meta = session.inputMetadata || [];
  let heads = 12, headDim = 64;
  for (const m of meta)
    if (m.name && m.name.startsWith('past_') && m.shape) {
      if (typeof m.shape[1] === 'number') heads = m.shape[1];
      if (typeof m.shape[3] === 'number') headDim = m.shape[3];
    }
  const feedsFor = (past, pool) => {
    const feeds = { input_ids: new ort.Tensor('int64', BigInt64Array.from([BigInt(past % 50257)]), [1, 1]) };
    pastNames.forEach((name, i) => {
      feeds[name] = new ort.Tensor('float32', pool[i].subarray(0, heads * past * headDim),
                                   [1, heads, past, headDim]);
    });
    return feeds;
  };
  const maxP = Math.max(...rest.map(Number));
  const pool = pastNames.map((_, i) => randomFloats(heads * maxP * headDim, 12345 + i));
  for (const P of rest.map(Number)) {
    await time(feedsFor(P - runs - 1, pool));
    const wall = [];
    for (let r = 0; r < runs; r++) {
      wall.push(await time(feedsFor(P - runs + r, pool)));
      console.log(`decode past ${P - runs + r}: wall ${wall[r].toFixed(3)} ms`);
    }
    report(`decode P=${P}`, wall);
  }
}

main().catch((e) => { console.error(`ort-bench: ${e.message}`); process.exit(1); });
