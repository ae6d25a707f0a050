import * as tf from '@tensorflow/tfjs';
import { KernelArgs, matMulDims, shapeSize as size, WasmBackend } from './wasmBackend';

/**
 * The fallback engine when the native addon could not be built: tfjs's wasm backend is fast (XNNPACK, 20–30
 * GFLOP/s) only for a plain, untransposed, unbatched 2-D matmul, and 10–50× slower otherwise. This replaces its
 * BatchMatMul kernel by one that first makes every product plain: transposed operands are transposed
 * explicitly (a cheap memory pass), a shared right operand turns a batch into one tall 2-D product, and
 * remaining batched products (attention) run entry by entry on copies in the heap.
 */

let original: tf.KernelConfig | null = null;

function runOriginal(name: string, inputs: tf.NamedTensorInfoMap, backend: WasmBackend, attrs: tf.NamedAttrMap): tf.TensorInfo {
  const k = name === tf.BatchMatMul ? original! : tf.getKernel(name, 'wasm');
  return k.kernelFunc({ inputs, backend: backend as unknown as KernelArgs['backend'], attrs }) as tf.TensorInfo;
}

/** [batch, r, c] → [batch, c, r] with the wasm Transpose kernel. */
function transposeLast2(x: tf.TensorInfo, be: WasmBackend): tf.TensorInfo {
  const [batch, r, c] = x.shape;
  const t = runOriginal(tf.Transpose, { x: { ...x, shape: [batch, r, c] } }, be, { perm: [0, 2, 1] });
  return t;
}

/** A plain product [rows, k] · [k, n] of heap tensors through the stock 2-D path. */
function plain2d(a: tf.TensorInfo, b: tf.TensorInfo, be: WasmBackend): tf.TensorInfo {
  return runOriginal(tf.BatchMatMul, { a, b }, be, { transposeA: false, transposeB: false });
}

function batchMatMul(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const a = args.inputs.a as tf.TensorInfo;
  const b = args.inputs.b as tf.TensorInfo;
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const be = args.backend as WasmBackend;
  const batchDimsA = a.shape.slice(0, -2);
  const batchDimsB = b.shape.slice(0, -2);
  const batchA = size(batchDimsA);
  const batchB = size(batchDimsB);
  const { m, n, kA: k, kB } = matMulDims(a.shape, b.shape, transposeA, transposeB);
  const nb = Math.max(batchA, batchB);
  const simpleBroadcast = (batchA === nb || batchA === 1) && (batchB === nb || batchB === 1);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || k !== kB || !simpleBroadcast || nb * m * n * k === 0) {
    return original!.kernelFunc(args);
  }
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(batchDimsA, batchDimsB);
  const temps: tf.TensorInfo[] = [];
  // Untransposed 3-D operands: A [batchA, m, k], B [batchB, k, n].
  let a3: tf.TensorInfo = { ...a, shape: transposeA ? [batchA, k, m] : [batchA, m, k] };
  let b3: tf.TensorInfo = { ...b, shape: transposeB ? [batchB, n, k] : [batchB, k, n] };
  if (transposeA) temps.push((a3 = transposeLast2(a3, be)));
  if (transposeB) temps.push((b3 = transposeLast2(b3, be)));
  let out: tf.TensorInfo;
  if (batchB === 1) {
    // Every batch entry of A meets the same B: one tall product.
    out = plain2d({ ...a3, shape: [1, batchA * m, k] }, { ...b3, shape: [1, k, n] }, be);
  } else {
    // Entry by entry on heap copies. Each entry gets new tensors: the wasm backend caches the packed right
    // operand of a product by tensor id, so refilling one tensor would reuse stale weights.
    out = be.makeOutput([nb, m, n], 'float32');
    for (let i = 0; i < nb; i++) {
      const ea = be.makeOutput([1, m, k], 'float32');
      const eb = be.makeOutput([1, k, n], 'float32');
      const off = (t: tf.TensorInfo) => be.dataIdMap.get(t.dataId)!.memoryOffset / 4;
      const heap = be.wasm.HEAPF32; // after the allocations (they may grow the heap)
      const sa = off(a3) + (batchA === 1 ? 0 : i * m * k);
      const sb = off(b3) + i * k * n;
      heap.copyWithin(off(ea), sa, sa + m * k);
      heap.copyWithin(off(eb), sb, sb + k * n);
      const r = plain2d(ea, eb, be);
      be.wasm.HEAPF32.copyWithin(off(out) + i * m * n, off(r), off(r) + m * n);
      be.disposeData(r.dataId);
      be.disposeData(ea.dataId);
      be.disposeData(eb.dataId);
    }
  }
  for (const t of temps) be.disposeData(t.dataId);
  return { ...out, shape: [...batchShape, m, n] };
}

let originalIdentity: tf.KernelConfig | null = null;

/**
 * Identity (tf.clone, and every tensor the tape saves for the backward pass) without a copy: the output shares
 * the input's data with one more reference, as Reshape already does. tfjs tensors are immutable, so sharing
 * is safe; the stock wasm kernel copies, which costs several ms per training step.
 */
function identity(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string') return originalIdentity!.kernelFunc(args);
  (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

let originalCast: tf.KernelConfig | null = null;

/** Cast to the dtype the tensor already has (tf.cast(ids, 'int32') on int32 ids, …): shared, like Identity. */
function cast(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
  if (x.dtype !== dtype || dtype === 'string') return originalCast!.kernelFunc(args);
  (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype };
}

/** Installs the copy-free Identity and same-dtype Cast kernels (idempotent); used by both wasm engines. */
export function installZeroCopyIdentity(): void {
  if (originalIdentity) return;
  originalIdentity = tf.getKernel(tf.Identity, 'wasm');
  originalCast = tf.getKernel(tf.Cast, 'wasm');
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({ ...originalIdentity, kernelFunc: identity as tf.KernelFunc });
  tf.unregisterKernel(tf.Cast, 'wasm');
  tf.registerKernel({ ...originalCast, kernelFunc: cast as tf.KernelFunc });
}

/** Restores the stock (copying) Identity and Cast kernels. */
export function uninstallZeroCopyIdentity(): void {
  if (!originalIdentity) return;
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel(originalIdentity);
  tf.unregisterKernel(tf.Cast, 'wasm');
  tf.registerKernel(originalCast!);
  originalIdentity = null;
  originalCast = null;
}

/** Replaces the wasm BatchMatMul kernel (idempotent). */
export function installWasmTricks(): void {
  installZeroCopyIdentity();
  if (original) return;
  original = tf.getKernel(tf.BatchMatMul, 'wasm');
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: batchMatMul as tf.KernelFunc });
}

/** Restores the stock kernel. */
export function uninstallWasmTricks(): void {
  uninstallZeroCopyIdentity();
  if (!original) return;
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel(original);
  original = null;
}
