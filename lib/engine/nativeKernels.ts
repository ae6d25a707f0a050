import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './nativeAddon';
import { KernelArgs, matMulDims, shapeSize as size, WasmBackend } from './wasmBackend';

/**
 * The native kernels (native/, a C++ N-API addon) plugged into tfjs's wasm backend. Each kernel reads and
 * writes the wasm heap in place: JavaScript allocates the output tensor first (allocation can grow the heap,
 * which replaces its ArrayBuffer), then hands the addon the current heap and float offsets.
 * The original wasm kernels stay available: inputs a native kernel does not cover (other dtypes, exotic
 * broadcasts) go to them, and uninstallNativeKernels() puts them back.
 */

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
