#!/usr/bin/env node
// ort-run.js: runs an ONNX model with onnxruntime-node on .npy inputs and writes every output
// as <output-dir>/<name>.npy (the reference runner of gcim's end-to-end tests).
//
//   node ort-run.js model.onnx --input NAME=FILE.npy ... --output-dir DIR
//        [--threads N] [--opt-level disabled|basic|extended|layout|all] [--save-optimized FILE]
//
// --save-optimized writes the graph as ONNX Runtime optimized it (its optimizedModelFilePath
// session option: the fused graph users bring from ONNX Runtime's offline optimization).
//
// onnxruntime-node is loaded from $GCIM_ORT_MODULE when set (a module directory or name),
// else from <repo root>/.deps/npm/node_modules/onnxruntime-node (see utils/install-deps.sh).
// .npy: format versions 1, 2 and 3, C order, little-endian float32, float64, float16, int64,
// int32, int8, uint8 and bool. Errors print `ort-run: error: ...` and exit with status 1;
// outputs are written to a temporary name and renamed, so no half-written file is left.
'use strict';

const fs = require('fs');
const path = require('path');

class UsageError extends Error {}

const USAGE =
  'usage: node ort-run.js model.onnx --input NAME=FILE.npy ... --output-dir DIR ' +
  '[--threads N] [--opt-level disabled|basic|extended|layout|all] [--save-optimized FILE]';

// numpy descr (without byte order) <-> ONNX Runtime tensor type and typed array.
const DTYPES = [
  { descr: 'f4', ort: 'float32', Array: Float32Array },
  { descr: 'f8', ort: 'float64', Array: Float64Array },
  { descr: 'f2', ort: 'float16', Array: Uint16Array },
  { descr: 'i8', ort: 'int64', Array: BigInt64Array },
  { descr: 'i4', ort: 'int32', Array: Int32Array },
  { descr: 'i1', ort: 'int8', Array: Int8Array },
  { descr: 'u1', ort: 'uint8', Array: Uint8Array },
  { descr: 'b1', ort: 'bool', Array: Uint8Array },
];

function parseArgs(argv) {
  const args = { model: null, inputs: [], outputDir: null, threads: 0, optLevel: 'all',
                 saveOptimized: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`'${arg}' needs a value`);
      return argv[++i];
    };
    if (arg === '--input' || arg === '-i') {
      const spec = value();
      const eq = spec.indexOf('=');
      if (eq <= 0 || eq === spec.length - 1)
        throw new UsageError(`bad --input '${spec}': expected NAME=FILE.npy`);
      args.inputs.push({ name: spec.slice(0, eq), file: spec.slice(eq + 1) });
    } else if (arg === '--output-dir' || arg === '-o') {
      args.outputDir = value();
    } else if (arg === '--threads') {
      const text = value();
      if (!/^\d+$/.test(text)) throw new UsageError(`bad --threads '${text}'`);
      args.threads = Number(text);
    } else if (arg === '--opt-level') {
      args.optLevel = value();
      if (!['disabled', 'basic', 'extended', 'layout', 'all'].includes(args.optLevel))
        throw new UsageError(`bad --opt-level '${args.optLevel}'`);
    } else if (arg === '--save-optimized') {
      args.saveOptimized = value();
    } else if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option '${arg}'`);
    } else if (args.model === null) {
      args.model = arg;
    } else {
      throw new UsageError(`unexpected argument '${arg}'`);
    }
  }
  if (args.model === null) throw new UsageError('no model given');
  if (args.outputDir === null) throw new UsageError('no --output-dir given');
  return args;
}

function loadOrt() {
  const candidates = [];
  if (process.env.GCIM_ORT_MODULE) candidates.push(process.env.GCIM_ORT_MODULE);
  candidates.push(path.resolve(__dirname, '..', '..', '.deps', 'npm', 'node_modules',
                               'onnxruntime-node'));
  for (const candidate of candidates) {
    try {
      return require(candidate);
    } catch (e) {
      if (process.env.GCIM_ORT_MODULE && candidate === process.env.GCIM_ORT_MODULE)
        throw new Error(`cannot load onnxruntime-node from GCIM_ORT_MODULE='${candidate}': ` +
                        e.message.split('\n')[0]);
    }
  }
  throw new Error(`cannot find onnxruntime-node (looked in '${candidates.join("', '")}'); ` +
                  'run `make deps` or set GCIM_ORT_MODULE');
}

function readNpy(file) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read '${file}': ${e.code || e.message}`);
  }
  const bad = (why) => new Error(`'${file}': not a supported .npy file: ${why}`);
  if (buf.length < 10 || buf[0] !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY')
    throw bad('bad magic');
  const major = buf[6];
  let headerLen, headerStart;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw bad('truncated header');
    headerLen = buf.readUInt32LE(8);
    headerStart = 12;
  } else {
    throw bad(`format version ${major}`);
  }
  if (headerStart + headerLen > buf.length) throw bad('truncated header');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', headerStart,
                              headerStart + headerLen);
  const descrMatch = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortranMatch = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descrMatch || !fortranMatch || !shapeMatch) throw bad(`cannot parse header ${header.trim()}`);
  if (fortranMatch[1] === 'True') throw bad('fortran_order arrays are not supported');
  const descr = descrMatch[1];
  const order = descr[0];
  const dtype = DTYPES.find((d) => d.descr === descr.slice(1));
  if (!dtype || !(order === '<' || order === '|' || order === '=')
      || (order === '|' && !['b1', 'i1', 'u1'].includes(dtype.descr)))
    throw bad(`dtype '${descr}' (supported: little-endian ${DTYPES.map((d) => d.descr).join(', ')})`);
  const dims = shapeMatch[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0)
    .map((s) => {
      if (!/^\d+L?$/.test(s)) throw bad(`bad shape entry '${s}'`);
      return Number.parseInt(s, 10);
    });
  const count = dims.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  const byteLen = count * dtype.Array.BYTES_PER_ELEMENT;
  if (buf.length - dataStart !== byteLen)
    throw bad(`data is ${buf.length - dataStart} bytes, shape [${dims}] needs ${byteLen}`);
  // Copy into a fresh, aligned ArrayBuffer.
  const data = new dtype.Array(buf.buffer.slice(buf.byteOffset + dataStart,
                                                buf.byteOffset + dataStart + byteLen));
  return { type: dtype.ort, dims, data };
}

function npyBytes(type, dims, data) {
  const dtype = DTYPES.find((d) => d.ort === type);
  if (!dtype) throw new Error(`output type '${type}' cannot be written as .npy`);
  const order = ['b1', 'i1', 'u1'].includes(dtype.descr) ? '|' : '<';
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${order}${dtype.descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad so that magic + version + length + header is a multiple of 64, ending in '\n'.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header + ' '.repeat(total - 10 - header.length - 1) + '\n';
  const prefix = Buffer.alloc(10);
  prefix[0] = 0x93;
  prefix.write('NUMPY', 1, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  let body;
  if (type === 'bool') {
    body = Buffer.from(Uint8Array.from(data, (x) => (x ? 1 : 0)));
  } else {
    const typed = data instanceof dtype.Array ? data : dtype.Array.from(data);
    body = Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
  }
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]);
}

function writeAtomic(file, bytes) {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch (_) { /* nothing to clean */ }
    throw new Error(`cannot write '${file}': ${e.code || e.message}`);
  }
}

function safeName(name) {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '' || safe === '.' || safe === '..' ? `_${safe}` : safe;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(args.model)) throw new Error(`cannot read model '${args.model}': ENOENT`);
  const ort = loadOrt();
  const feeds = {};
  for (const input of args.inputs) {
    if (input.name in feeds) throw new UsageError(`input '${input.name}' given twice`);
    const { type, dims, data } = readNpy(input.file);
    feeds[input.name] = new ort.Tensor(type, data, dims);
  }
  const options = { graphOptimizationLevel: args.optLevel, logSeverityLevel: 3 };
  if (args.saveOptimized !== null) options.optimizedModelFilePath = args.saveOptimized;
  if (args.threads > 0) {
    options.intraOpNumThreads = args.threads;
    options.interOpNumThreads = 1;
  }
  let session;
  try {
    session = await ort.InferenceSession.create(args.model, options);
  } catch (e) {
    throw new Error(`onnxruntime cannot load '${args.model}': ${e.message}`);
  }
  for (const name of Object.keys(feeds)) {
    if (!session.inputNames.includes(name))
      throw new Error(`model has no input '${name}' (inputs: ${session.inputNames.join(', ')})`);
  }
  const missing = session.inputNames.filter((n) => !(n in feeds));
  if (missing.length) throw new Error(`no value given for input(s) '${missing.join("', '")}'`);
  let results;
  const start = process.hrtime.bigint();
  try {
    results = await session.run(feeds);
  } catch (e) {
    throw new Error(`onnxruntime failed to run '${args.model}': ${e.message}`);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  try {
    fs.mkdirSync(args.outputDir, { recursive: true });
  } catch (e) {
    throw new Error(`cannot create output directory '${args.outputDir}': ${e.code || e.message}`);
  }
  for (const name of session.outputNames) {
    const t = results[name];
    writeAtomic(path.join(args.outputDir, `${safeName(name)}.npy`), npyBytes(t.type, t.dims, t.data));
  }
  console.log(`ort-run: ${args.model}: ${session.outputNames.length} output(s) written to ` +
              `${args.outputDir} (run ${ms.toFixed(1)} ms)`);
}

main().catch((e) => {
  console.error(`ort-run: error: ${e.message}`);
  if (e instanceof UsageError) console.error(USAGE);
  process.exit(1);
});
