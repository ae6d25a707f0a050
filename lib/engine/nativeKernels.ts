import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { repoRoot } from '../core/paths';
import { KernelArgs, matMulDims, shapeSize as size, WasmBackend } from './wasmBackend';

/**
 * The native kernels (native/, a C++ N-API addon) plugged into tfjs's wasm backend. Each kernel reads and
 * writes the wasm heap in place: JavaScript allocates the output tensor first (allocation can grow the heap,
 * which replaces its ArrayBuffer), then hands the addon the current heap and float offsets.
 * The original wasm kernels stay available: inputs a native kernel does not cover (other dtypes, exotic
 * broadcasts) go to them, and uninstallNativeKernels() puts them back.
 */

/** What the addon exports (native/src/addon.cc). Offsets and sizes are in floats. */
export interface NativeAddon {
  setHeap(heap: ArrayBuffer): void;
  matmul(a: number, aBatchStride: number, b: number, bBatchStride: number, c: number, bias: number, batch: number,
    m: number, n: number, k: number, transposeA: number, transposeB: number): void;
  add(a: number, b: number, y: number, n: number): void;
  exp(x: number, y: number, n: number): void;
  tanh(x: number, y: number, n: number): void;
  sum3(x: number, y: number, outer: number, reduce: number, inner: number): void;
  gelu(x: number, y: number, n: number): void;
  geluGrad(x: number, dy: number, dx: number, n: number): void;
  layerNorm(x: number, gamma: number, beta: number, y: number, rows: number, d: number, eps: number): void;
  layerNormGrad(x: number, gamma: number, dy: number, dx: number, dgamma: number, dbeta: number, rows: number, d: number, eps: number): void;
  xent(logits: number, targets: number, loss: number, lse: number, rows: number, V: number): void;
  xentGrad(logits: number, targets: number, lse: number, dloss: number, dlogits: number, rows: number, V: number): void;
  adam(p: number, m: number, v: number, g: number, pOut: number, mOut: number, vOut: number, n: number,
    lr: number, b1: number, oneMinusB1: number, b2: number, oneMinusB2: number, eps: number, c1: number, c2: number,
    lrTimesWd: number, form: number, sqrtC2OverC1: number): void;
  tokenLogprobs(logits: number, targets: number, lp: number, lse: number, rows: number, V: number, temperature: number): void;
  tokenLogprobsGrad(logits: number, targets: number, lse: number, dlp: number, dlogits: number, rows: number, V: number, temperature: number): void;
  logSoftmax(x: number, y: number, rows: number, V: number): void;
  logSoftmaxGrad(y: number, dy: number, dx: number, rows: number, V: number): void;
  /** Adam over many tensors: [11 hyper-parameters as for adam(), count, then per tensor p, m, v, g, pOut, mOut, vOut, n]. */
  adamMulti(descriptor: Float64Array): void;
  /** Attention over B·H heads; the Float64Array descriptor's layout is documented in lib/native-ops.ts. */
  attention(descriptor: Float64Array): void;
  attentionGrad(descriptor: Float64Array): void;
  kvAppend(kOld: number, vOld: number, qkv: number, kOut: number, vOut: number, B: number, H: number, Tp: number, T: number, hd: number): void;
  /** Returns −1, or the position of the first index outside [0, dim) (then nothing is written). */
  gather(x: number, indices: number, out: number, outer: number, dim: number, slice: number, n: number): number;
  configure(threads: number, isa: string, spinMicroseconds: number): boolean;
  info(): { isa: string; threads: number; mr: number; nr: number };
}

/** Every function of NativeAddon: an addon built from older sources lacks some, and is then not used. */
const NATIVE_FUNCTIONS: (keyof NativeAddon)[] = ['setHeap', 'matmul', 'add', 'exp', 'tanh', 'sum3', 'gelu', 'geluGrad', 'layerNorm',
  'layerNormGrad', 'xent', 'xentGrad', 'adam', 'tokenLogprobs', 'tokenLogprobsGrad', 'logSoftmax', 'logSoftmaxGrad', 'adamMulti',
  'attention', 'attentionGrad', 'kvAppend', 'gather', 'configure', 'info'];

/** Where tools/build-native.js puts the addon. */
export const nativeAddonPath = path.join(repoRoot, 'native', 'build', 'Release', 'rlhf_native.node');

let loaded: { addon: NativeAddon | null; error: string | null } | null = null;

/**
 * Loads the addon once and configures it from the environment: RLHF_THREADS (default 2, at most the CPUs),
 * RLHF_ISA (avx512 | avx2 | generic; default: the best the CPU has), RLHF_SPIN_US (how long idle workers spin,
 * default 100); RLHF_NO_NATIVE=1 pretends the addon is not built. Returns the addon, or null with the reason.
 */
export function loadNativeAddon(): { addon: NativeAddon | null; error: string | null } {
  if (loaded) return loaded;
  const off = process.env.RLHF_NO_NATIVE;
  if (off !== undefined && off !== '' && off !== '0') {
    loaded = { addon: null, error: 'disabled by RLHF_NO_NATIVE' };
    return loaded;
  }
  if (!fs.existsSync(nativeAddonPath)) {
    loaded = { addon: null, error: 'the native addon is not built (node tools/build-native.js)' };
    return loaded;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const addon = require(nativeAddonPath) as NativeAddon;
    const missing = NATIVE_FUNCTIONS.filter((f) => typeof (addon as unknown as Record<string, unknown>)[f] !== 'function');
    if (missing.length > 0) {
      throw new Error(`it is out of date (no ${missing.join(', ')}); rebuild it with: npm run build:native`);
    }
    // Two threads by default (the machines this targets have 2 cores); never more than the CPUs available.
    const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    const threads = envInt('RLHF_THREADS', Math.max(1, Math.min(2, cpus)));
    const isa = process.env.RLHF_ISA ?? '';
    if (!addon.configure(threads, isa, envInt('RLHF_SPIN_US', 100, 0))) {
      throw new Error(`RLHF_ISA=${isa} is not supported by this CPU or build`);
    }
    loaded = { addon, error: null };
  } catch (e) {
    loaded = { addon: null, error: `the native addon does not load: ${(e as Error).message}` };
  }
  return loaded;
}

function envInt(name: string, dflt: number, min = 1): number {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}


let addon: NativeAddon | null = null;
let heapBuffer: ArrayBufferLike | null = null;
const originals = new Map<string, tf.KernelConfig>();

/** The addon the kernels are installed with (throws before installNativeKernels). */
export function installedAddon(): NativeAddon {
  if (!addon) throw new Error('native kernels are not installed');
  return addon;
}

/** Points the addon at the current heap (call after every allocation, before using offsets). */
export function syncHeap(be: WasmBackend): void {
  const buf = be.wasm.HEAPU8.buffer;
  if (buf !== heapBuffer) {
    addon!.setHeap(buf as ArrayBuffer);
    heapBuffer = buf;
  }
}

/** Float offset of a tensor's data in the heap. */
export function offsetOf(be: WasmBackend, t: tf.TensorInfo): number {
  const d = be.dataIdMap.get(t.dataId);
  if (!d) throw new Error('native kernel: tensor data is not on the wasm backend');
  return d.memoryOffset / 4;
}

function original(name: string, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  return originals.get(name)!.kernelFunc(args);
}


// ---------------------------------------------------------------------------------------------------------
// Kernels

/** BatchMatMul as tfjs defines it: a [..., m, k] (or [..., k, m] with transposeA), b [..., k, n] (or [..., n, k]),
 *  batch dimensions broadcast → [...batch, m, n]. */
function batchMatMul(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const a = args.inputs.a as tf.TensorInfo;
  const b = args.inputs.b as tf.TensorInfo;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return original(tf.BatchMatMul, args);
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const be = args.backend as WasmBackend;
  const { m, n, kA, kB } = matMulDims(a.shape, b.shape, transposeA, transposeB);
  if (kA !== kB) {
    throw new Error(
      `Error in matMul: inner shapes (${kA}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} and ` +
        `transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const batchDimsA = a.shape.slice(0, -2);
  const batchDimsB = b.shape.slice(0, -2);
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(batchDimsA, batchDimsB);
  const out = be.makeOutput([...batchShape, m, n], 'float32');
  const nb = size(batchShape);
  if (nb * m * n === 0) return out;
  syncHeap(be);
  const ao = offsetOf(be, a);
  const bo = offsetOf(be, b);
  const co = offsetOf(be, out);
  const batchA = size(batchDimsA);
  const batchB = size(batchDimsB);
  const ta = transposeA ? 1 : 0;
  const tb = transposeB ? 1 : 0;
  if ((batchA === nb || batchA === 1) && (batchB === nb || batchB === 1)) {
    // Equal batches, or one operand shared by every batch entry (stride 0).
    const aStride = batchA === 1 ? 0 : m * kA;
    const bStride = batchB === 1 ? 0 : kA * n;
    if (batchB === 1 && batchA === nb && !transposeA && nb > 1) {
      // [nb, m, k] · [k, n]: one product with nb·m rows.
      addon!.matmul(ao, 0, bo, 0, co, -1, 1, nb * m, n, kA, 0, tb);
    } else {
      addon!.matmul(ao, aStride, bo, bStride, co, -1, nb, m, n, kA, ta, tb);
    }
    return out;
  }
  // General broadcast (e.g. [2, 1] with [1, 3]): one product per output batch entry.
  const rank = batchShape.length;
  const padA = [...new Array(rank - batchDimsA.length).fill(1), ...batchDimsA];
  const padB = [...new Array(rank - batchDimsB.length).fill(1), ...batchDimsB];
  const idx = new Array(rank).fill(0);
  for (let i = 0; i < nb; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      ia = ia * padA[d] + (padA[d] === 1 ? 0 : idx[d]);
      ib = ib * padB[d] + (padB[d] === 1 ? 0 : idx[d]);
    }
    addon!.matmul(ao + ia * m * kA, 0, bo + ib * kA * n, 0, co + i * m * n, -1, 1, m, n, kA, ta, tb);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < batchShape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function unary(name: string, fn: (x: number, y: number, n: number) => void): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype !== 'float32') return original(name, args);
    const be = args.backend as WasmBackend;
    const out = be.makeOutput(x.shape, 'float32');
    const n = size(x.shape);
    if (n === 0) return out;
    syncHeap(be);
    fn(offsetOf(be, x), offsetOf(be, out), n);
    return out;
  };
}

/** Add of two float32 tensors of the same shape (residual streams, gradient accumulation); others: stock. */
function add(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const a = args.inputs.a as tf.TensorInfo;
  const b = args.inputs.b as tf.TensorInfo;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) {
    return original(tf.Add, args);
  }
  const be = args.backend as WasmBackend;
  const out = be.makeOutput(a.shape, 'float32');
  const n = size(a.shape);
  if (n === 0) return out;
  syncHeap(be);
  addon!.add(offsetOf(be, a), offsetOf(be, b), offsetOf(be, out), n);
  return out;
}

/** Sum over any set of axes that are adjacent once size-1 axes are ignored (x viewed as [outer, reduce, inner]). */
function sum(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype !== 'float32') return original(tf.Sum, args);
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const reduced = x.shape.map((_, i) => axes.includes(i));
  let outer = 1;
  let red = 1;
  let inner = 1;
  let phase = 0; // 0: before the reduced block, 1: inside it, 2: after it
  for (let i = 0; i < x.shape.length; i++) {
    const s = x.shape[i];
    if (s === 1) continue;
    if (reduced[i]) {
      if (phase === 2) return original(tf.Sum, args); // reduced axes separated by kept ones
      phase = 1;
      red *= s;
    } else if (phase === 0) {
      outer *= s;
    } else {
      phase = 2;
      inner *= s;
    }
  }
  // Zero-sized dimensions: sizes above are products, so an empty input gives red·outer·inner = 0 somewhere.
  if (x.shape.some((s) => s === 0)) {
    outer = x.shape.filter((s, i) => !reduced[i]).reduce((p, s) => p * s, 1);
    red = 0;
    inner = 1;
  }
  const be = args.backend as WasmBackend;
  let outShape = tf.backend_util.computeOutAndReduceShapes(x.shape, axes)[0];
  if (keepDims) outShape = tf.backend_util.expandShapeToKeepDim(outShape, axes);
  const out = be.makeOutput(outShape, 'float32');
  if (size(outShape) === 0) return out;
  syncHeap(be);
  addon!.sum3(offsetOf(be, x), offsetOf(be, out), outer, red, inner);
  return out;
}

/** GatherV2 (batchDims 0) of float32 / int32 values: whole slices copied natively. */
function gatherV2(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const indices = args.inputs.indices as tf.TensorInfo;
  const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32' || batchDims !== 0) return original(tf.GatherV2, args);
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const outer = size(x.shape.slice(0, ax));
  const dim = x.shape[ax];
  const slice = size(x.shape.slice(ax + 1));
  const n = size(indices.shape);
  const be = args.backend as WasmBackend;
  const out = be.makeOutput([...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)], x.dtype);
  if (n === 0) return out;
  syncHeap(be);
  const io = offsetOf(be, indices);
  // Indices are checked even when nothing is copied (empty slices), as the stock kernel does.
  const bad = addon!.gather(offsetOf(be, x), io, offsetOf(be, out), outer, dim, slice, n);
  if (bad >= 0) {
    const value = new Int32Array(be.wasm.HEAPU8.buffer, (io + bad) * 4, 1)[0];
    be.disposeData(out.dataId);
    throw new Error(`GatherV2: the index value ${value} is not in [0, ${dim - 1}]`);
  }
  return out;
}

const kernels: Array<[string, tf.KernelFunc]> = [
  [tf.BatchMatMul, batchMatMul as tf.KernelFunc],
  [tf.Exp, unary(tf.Exp, (x, y, n) => addon!.exp(x, y, n))],
  [tf.Tanh, unary(tf.Tanh, (x, y, n) => addon!.tanh(x, y, n))],
  [tf.Sum, sum as tf.KernelFunc],
  [tf.GatherV2, gatherV2 as tf.KernelFunc],
  [tf.Add, add as tf.KernelFunc],
];

/** Names of the wasm kernels the native addon replaces. */
export const nativeKernelNames: string[] = kernels.map(([name]) => name);

/** Replaces the wasm backend's kernels by the native ones (idempotent). */
export function installNativeKernels(a: NativeAddon): void {
  addon = a;
  heapBuffer = null;
  for (const [name, kernelFunc] of kernels) {
    if (!originals.has(name)) originals.set(name, tf.getKernel(name, 'wasm'));
    const orig = originals.get(name)!;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc, setupFunc: orig.setupFunc, disposeFunc: orig.disposeFunc });
  }
}

/** Puts the wasm backend's own kernels back (for comparisons and tests). */
export function uninstallNativeKernels(): void {
  for (const [name, orig] of originals) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(orig);
  }
  originals.clear();
}

/** Whether the native kernels are currently registered. */
export function nativeKernelsInstalled(): boolean {
  return originals.size > 0;
}
