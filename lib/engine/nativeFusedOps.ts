import * as tf from '@tensorflow/tfjs';
import { AdamHyper, FastPaths, fastPaths } from './fusedOpRegistry';
import { installedAddon, nativeKernelsInstalled, offsetOf, syncHeap } from './nativeKernels';
import { KernelArgs, shapeSize as size, WasmBackend } from './wasmBackend';

/**
 * Fused native versions of the model's building blocks, each a custom wasm kernel with a registered gradient,
 * so that one tfjs kernel call replaces the 5–20 small ones of the reference implementation (lib/ops.ts):
 *   RlhfLinear          x·w + b (GEMM with a bias epilogue); gradient: two matmuls and a column sum
 *   RlhfGelu            GELU (tanh form); gradient RlhfGeluGrad
 *   RlhfLayerNorm       layer norm over the last axis; gradient RlhfLayerNormGrad → dx, dγ, dβ
 *   RlhfAttention       softmax(q·kᵀ·scale + bias)·v on [B, H, T, hd] tensors, or straight on the fused
 *                       projection qkv [B·T, 3d] (no split, no transposes); gradient RlhfAttentionGrad
 *                       (probabilities are recomputed per head instead of being kept)
 *   RlhfXent            softmax cross-entropy per row → loss and logsumexp; gradient RlhfXentGrad
 *   RlhfLogSoftmax      log-softmax over the last axis; gradient RlhfLogSoftmaxGrad (from the saved output)
 *   RlhfTokenLogprobs   log-probability of each row's target at a temperature (PPO); gradient RlhfTokenLogprobsGrad
 *   RlhfAdam            one Adam step for all variables at once → new params, m, v
 *   RlhfKvAttention     decoding: new tokens' attention over a KV cache, the cache extended in the same call
 * installNativeOps() registers them and fills lib/fastpath.ts, through which lib/ops.ts and lib/adam.ts reach
 * them; each fast path returns null (reference implementation) when the backend is not wasm with native
 * kernels or the dtypes/shapes are not the simple float32 ones.
 */


function ready(...ts: tf.Tensor[]): boolean {
  return nativeKernelsInstalled() && tf.getBackend() === 'wasm' && ts.every((t) => t.dtype === 'float32');
}

function run(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];
}

// ---------------------------------------------------------------------------------------------------------
// Kernels (backend functions: inputs and outputs are TensorInfos on the wasm heap)

function linearKernel(args: KernelArgs): tf.TensorInfo {
  const { x, w, b } = args.inputs as { x: tf.TensorInfo; w: tf.TensorInfo; b: tf.TensorInfo };
  const be = args.backend as WasmBackend;
  const [N, K] = x.shape;
  const M = w.shape[1];
  const out = be.makeOutput([N, M], 'float32');
  if (N * M === 0) return out;
  syncHeap(be);
  installedAddon().matmul(offsetOf(be, x), 0, offsetOf(be, w), 0, offsetOf(be, out), offsetOf(be, b), 1, N, M, K, 0, 0);
  return out;
}

function geluKernel(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  const be = args.backend as WasmBackend;
  const out = be.makeOutput(x.shape, 'float32');
  const n = size(x.shape);
  if (n === 0) return out;
  syncHeap(be);
  installedAddon().gelu(offsetOf(be, x), offsetOf(be, out), n);
  return out;
}

function geluGradKernel(args: KernelArgs): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const be = args.backend as WasmBackend;
  const out = be.makeOutput(x.shape, 'float32');
  const n = size(x.shape);
  if (n === 0) return out;
  syncHeap(be);
  installedAddon().geluGrad(offsetOf(be, x), offsetOf(be, dy), offsetOf(be, out), n);
  return out;
}

function layerNormKernel(args: KernelArgs): tf.TensorInfo {
  const { x, gamma, beta } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
  const { eps } = args.attrs as { eps: number };
  const be = args.backend as WasmBackend;
  const d = x.shape[x.shape.length - 1];
  const rows = size(x.shape) / d;
  const out = be.makeOutput(x.shape, 'float32');
  if (rows * d === 0) return out;
  syncHeap(be);
  installedAddon().layerNorm(offsetOf(be, x), offsetOf(be, gamma), offsetOf(be, beta), offsetOf(be, out), rows, d, eps);
  return out;
}

function layerNormGradKernel(args: KernelArgs): tf.TensorInfo[] {
  const { x, gamma, dy } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; dy: tf.TensorInfo };
  const { eps } = args.attrs as { eps: number };
  const be = args.backend as WasmBackend;
  const d = x.shape[x.shape.length - 1];
  const rows = d === 0 ? 0 : size(x.shape) / d;
  const dx = be.makeOutput(x.shape, 'float32');
  const dg = be.makeOutput([d], 'float32');
  const db = be.makeOutput([d], 'float32');
  if (d > 0) {
    syncHeap(be);
    installedAddon().layerNormGrad(offsetOf(be, x), offsetOf(be, gamma), offsetOf(be, dy), offsetOf(be, dx), offsetOf(be, dg), offsetOf(be, db), rows, d, eps);
  }
  return [dx, dg, db];
}

function xentKernel(args: KernelArgs): tf.TensorInfo[] {
  const { logits, targets } = args.inputs as { logits: tf.TensorInfo; targets: tf.TensorInfo };
  const be = args.backend as WasmBackend;
  const [N, V] = logits.shape;
  const loss = be.makeOutput([N], 'float32');
  const lse = be.makeOutput([N], 'float32');
  if (N > 0) {
    syncHeap(be);
    installedAddon().xent(offsetOf(be, logits), offsetOf(be, targets), offsetOf(be, loss), offsetOf(be, lse), N, V);
  }
  return [loss, lse];
}

function tokenLogprobsKernel(args: KernelArgs): tf.TensorInfo[] {
  const { logits, targets } = args.inputs as { logits: tf.TensorInfo; targets: tf.TensorInfo };
  const { temperature } = args.attrs as unknown as { temperature: number };
  const be = args.backend as WasmBackend;
  const [N, V] = logits.shape;
  const lp = be.makeOutput([N], 'float32');
  const lse = be.makeOutput([N], 'float32');
  if (N > 0) {
    syncHeap(be);
    installedAddon().tokenLogprobs(offsetOf(be, logits), offsetOf(be, targets), offsetOf(be, lp), offsetOf(be, lse), N, V, temperature);
  }
  return [lp, lse];
}

function tokenLogprobsGradKernel(args: KernelArgs): tf.TensorInfo {
  const { logits, targets, lse, dlp } = args.inputs as Record<string, tf.TensorInfo>;
  const { temperature } = args.attrs as unknown as { temperature: number };
  const be = args.backend as WasmBackend;
  const [N, V] = logits.shape;
  const out = be.makeOutput([N, V], 'float32');
  if (N * V === 0) return out;
  syncHeap(be);
  installedAddon().tokenLogprobsGrad(offsetOf(be, logits), offsetOf(be, targets), offsetOf(be, lse), offsetOf(be, dlp), offsetOf(be, out), N, V, temperature);
  return out;
}

function logSoftmaxKernel(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  const be = args.backend as WasmBackend;
  const V = x.shape[x.shape.length - 1];
  const rows = V === 0 ? 0 : size(x.shape) / V;
  const out = be.makeOutput(x.shape, 'float32');
  if (rows * V === 0) return out;
  syncHeap(be);
  installedAddon().logSoftmax(offsetOf(be, x), offsetOf(be, out), rows, V);
  return out;
}

function logSoftmaxGradKernel(args: KernelArgs): tf.TensorInfo {
  const { y, dy } = args.inputs as Record<string, tf.TensorInfo>;
  const be = args.backend as WasmBackend;
  const V = y.shape[y.shape.length - 1];
  const rows = V === 0 ? 0 : size(y.shape) / V;
  const out = be.makeOutput(y.shape, 'float32');
  if (rows * V === 0) return out;
  syncHeap(be);
  installedAddon().logSoftmaxGrad(offsetOf(be, y), offsetOf(be, dy), offsetOf(be, out), rows, V);
  return out;
}

function xentGradKernel(args: KernelArgs): tf.TensorInfo {
  const { logits, targets, lse, dloss } = args.inputs as Record<string, tf.TensorInfo>;
  const be = args.backend as WasmBackend;
  const [N, V] = logits.shape;
  const out = be.makeOutput([N, V], 'float32');
  if (N * V === 0) return out;
  syncHeap(be);
  installedAddon().xentGrad(offsetOf(be, logits), offsetOf(be, targets), offsetOf(be, lse), offsetOf(be, dloss), offsetOf(be, out), N, V);
  return out;
}

/**
 * Attention layouts. 'bhtd': q [B, H, Tq, hd], k and v [B, H, Tk, hd] (separate tensors). 'qkv': one tensor
 * [B·T, 3d] holding q | k | v per row (d = H·hd), output [B·T, d] — heads are read and written in place.
 * The descriptor handed to the addon (44 float64, offsets and strides in floats):
 *   0 q, 1 k, 2 v, 3 y, 4 (unused), 5 bias (−1: none), 6–8 q strides (batch, head, row), 9–11 k, 12–14 v,
 *   15–17 y, 18–20 bias, 21 B, 22 H, 23 Tq, 24 Tk, 25 hd, 26 scale, 27 causal offset (−1: none),
 *   28 dy, 29–31 dy strides, 32 dq, 33–35, 36 dk, 37–39, 40 dv, 41–43.
 */
interface AttentionAttrs {
  layout: 'bhtd' | 'qkv';
  heads: number;
  batch: number;
  scale: number;
  causal: boolean;
}

/** Base offsets and (batch, head, row) strides of q, k, v (and y/dy, dq/dk/dv which share the layouts). */
function attentionGeometry(layout: 'bhtd' | 'qkv', B: number, H: number, Tq: number, Tk: number, hd: number) {
  if (layout === 'qkv') {
    const d = H * hd;
    const T = Tq;
    const s = [T * 3 * d, hd, 3 * d];
    return { qOff: 0, kOff: d, vOff: 2 * d, q: s, k: s, v: s, y: [T * d, hd, d] };
  }
  return {
    qOff: 0, kOff: 0, vOff: 0,
    q: [H * Tq * hd, Tq * hd, hd], k: [H * Tk * hd, Tk * hd, hd], v: [H * Tk * hd, Tk * hd, hd], y: [H * Tq * hd, Tq * hd, hd],
  };
}

/** Strides of a bias broadcastable to [B, H, Tq, Tk] (last axis must be Tk); null if it is not. */
function biasStrides(shape: number[], B: number, H: number, Tq: number, Tk: number): number[] | null {
  if (shape.length > 4 || shape.length === 0) return null;
  const s = [...new Array(4 - shape.length).fill(1), ...shape];
  const want = [B, H, Tq, Tk];
  if (s[3] !== Tk) return null;
  for (let i = 0; i < 3; i++) if (s[i] !== 1 && s[i] !== want[i]) return null;
  const contiguous = [s[1] * s[2] * s[3], s[2] * s[3], s[3]];
  return [0, 1, 2].map((i) => (s[i] === 1 ? 0 : contiguous[i]));
}

function attentionDims(inputs: Record<string, tf.TensorInfo>, a: AttentionAttrs) {
  if (a.layout === 'qkv') {
    const [BT, threeD] = inputs.qkv.shape;
    const T = BT / a.batch;
    const hd = threeD / 3 / a.heads;
    return { B: a.batch, H: a.heads, Tq: T, Tk: T, hd };
  }
  const [B, H, Tq, hd] = inputs.q.shape;
  return { B, H, Tq, Tk: inputs.k.shape[2], hd };
}

function fillDescriptor(be: WasmBackend, inputs: Record<string, tf.TensorInfo>, a: AttentionAttrs): Float64Array {
  const { B, H, Tq, Tk, hd } = attentionDims(inputs, a);
  const g = attentionGeometry(a.layout, B, H, Tq, Tk, hd);
  const d = new Float64Array(44);
  const base = (t: tf.TensorInfo) => offsetOf(be, t);
  if (a.layout === 'qkv') {
    const o = base(inputs.qkv);
    d[0] = o + g.qOff; d[1] = o + g.kOff; d[2] = o + g.vOff;
  } else {
    d[0] = base(inputs.q); d[1] = base(inputs.k); d[2] = base(inputs.v);
  }
  d.set(g.q, 6); d.set(g.k, 9); d.set(g.v, 12); d.set(g.y, 15);
  d[5] = -1;
  if (inputs.bias) {
    d[5] = base(inputs.bias);
    d.set(biasStrides(inputs.bias.shape, B, H, Tq, Tk)!, 18);
  }
  d[21] = B; d[22] = H; d[23] = Tq; d[24] = Tk; d[25] = hd;
  d[26] = a.scale;
  d[27] = a.causal ? Tk - Tq : -1;
  return d;
}

function attentionKernel(args: KernelArgs): tf.TensorInfo {
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const a = args.attrs as unknown as AttentionAttrs;
  const be = args.backend as WasmBackend;
  const { B, H, Tq, hd } = attentionDims(inputs, a);
  const out = be.makeOutput(a.layout === 'qkv' ? [B * Tq, H * hd] : [B, H, Tq, hd], 'float32');
  if (B * H * Tq * hd === 0) return out;
  syncHeap(be);
  const desc = fillDescriptor(be, inputs, a);
  desc[3] = offsetOf(be, out);
  installedAddon().attention(desc);
  return out;
}

function attentionGradKernel(args: KernelArgs): tf.TensorInfo[] {
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const a = args.attrs as unknown as AttentionAttrs;
  const be = args.backend as WasmBackend;
  const { B, H, Tq, Tk, hd } = attentionDims(inputs, a);
  const outs: tf.TensorInfo[] = a.layout === 'qkv'
    ? [be.makeOutput(inputs.qkv.shape, 'float32')]
    : [be.makeOutput(inputs.q.shape, 'float32'), be.makeOutput(inputs.k.shape, 'float32'), be.makeOutput(inputs.v.shape, 'float32')];
  if (B * H * Tq * Tk * hd === 0) return outs;
  syncHeap(be);
  const desc = fillDescriptor(be, inputs, a);
  const g = attentionGeometry(a.layout, B, H, Tq, Tk, hd);
  desc[28] = offsetOf(be, inputs.dy);
  desc.set(g.y, 29);
  if (a.layout === 'qkv') {
    const o = offsetOf(be, outs[0]);
    desc[32] = o + g.qOff; desc[36] = o + g.kOff; desc[40] = o + g.vOff;
  } else {
    desc[32] = offsetOf(be, outs[0]); desc[36] = offsetOf(be, outs[1]); desc[40] = offsetOf(be, outs[2]);
  }
  desc.set(g.q, 33); desc.set(g.k, 37); desc.set(g.v, 41);
  installedAddon().attentionGrad(desc);
  return outs;
}

/** Attention of new tokens over a KV cache: inputs qkv [B·T, 3d], optional pastK/pastV [B, H, Tp, hd] and bias;
 *  outputs y [B·T, d] and the extended cache k, v [B, H, Tp + T, hd]. Inference only (no gradient). */
function kvAttentionKernel(args: KernelArgs): tf.TensorInfo[] {
  const { qkv, pastK, pastV, bias } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { batch: B, heads: H } = args.attrs as unknown as { batch: number; heads: number };
  const be = args.backend as WasmBackend;
  const [BT, threeD] = qkv!.shape;
  const T = BT / B;
  const d = threeD / 3;
  const hd = d / H;
  const Tp = pastK ? pastK.shape[2] : 0;
  const Tk = Tp + T;
  const y = be.makeOutput([BT, d], 'float32');
  const k = be.makeOutput([B, H, Tk, hd], 'float32');
  const v = be.makeOutput([B, H, Tk, hd], 'float32');
  if (BT * d === 0) return [y, k, v];
  syncHeap(be);
  const addon = installedAddon();
  const ko = offsetOf(be, k);
  const vo = offsetOf(be, v);
  addon.kvAppend(pastK ? offsetOf(be, pastK) : -1, pastV ? offsetOf(be, pastV) : -1, offsetOf(be, qkv!), ko, vo, B, H, Tp, T, hd);
  const desc = new Float64Array(44);
  const q0 = offsetOf(be, qkv!);
  desc[0] = q0; desc[1] = ko; desc[2] = vo; desc[3] = offsetOf(be, y);
  desc.set([T * 3 * d, hd, 3 * d], 6);
  desc.set([H * Tk * hd, Tk * hd, hd], 9);
  desc.set([H * Tk * hd, Tk * hd, hd], 12);
  desc.set([T * d, hd, d], 15);
  desc[5] = -1;
  if (bias) {
    desc[5] = offsetOf(be, bias);
    desc.set(biasStrides(bias.shape, B, H, T, Tk)!, 18);
  }
  desc[21] = B; desc[22] = H; desc[23] = T; desc[24] = Tk; desc[25] = hd;
  desc[26] = 1 / Math.sqrt(hd);
  desc[27] = -1;
  addon.attention(desc);
  return [y, k, v];
}

/** Adam over `count` variables: inputs p0…, m0…, v0…, g0…; outputs [p0′, m0′, v0′, p1′, …]. */
function adamKernel(args: KernelArgs): tf.TensorInfo[] {
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const h = args.attrs as unknown as AdamHyper & { count: number };
  const be = args.backend as WasmBackend;
  const outs: tf.TensorInfo[] = [];
  for (let i = 0; i < h.count; i++) {
    const shape = inputs[`p${i}`].shape;
    outs.push(be.makeOutput(shape, 'float32'), be.makeOutput(shape, 'float32'), be.makeOutput(shape, 'float32'));
  }
  syncHeap(be);
  const lr = h.learningRate;
  const desc = new Float64Array(12 + 8 * h.count);
  desc.set([lr, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.epsilon, h.c1, h.c2, lr * h.weightDecay, h.form === 'pytorch' ? 0 : 1, Math.sqrt(h.c2) / h.c1, h.count]);
  for (let i = 0; i < h.count; i++) {
    const o = 12 + 8 * i;
    desc[o] = offsetOf(be, inputs[`p${i}`]);
    desc[o + 1] = offsetOf(be, inputs[`m${i}`]);
    desc[o + 2] = offsetOf(be, inputs[`v${i}`]);
    desc[o + 3] = offsetOf(be, inputs[`g${i}`]);
    desc[o + 4] = offsetOf(be, outs[3 * i]);
    desc[o + 5] = offsetOf(be, outs[3 * i + 1]);
    desc[o + 6] = offsetOf(be, outs[3 * i + 2]);
    desc[o + 7] = size(inputs[`p${i}`].shape);
  }
  installedAddon().adamMulti(desc);
  return outs;
}

// ---------------------------------------------------------------------------------------------------------
// Gradients

const gradients: tf.GradConfig[] = [
  {
    kernelName: 'RlhfLinear',
    inputsToSave: ['x', 'w'],
    gradFunc: (dy, saved) => {
      const [x, w] = saved;
      const g = dy as tf.Tensor2D;
      return { x: () => tf.matMul(g, w, false, true), w: () => tf.matMul(x, g, true, false), b: () => tf.sum(g, 0) };
    },
  },
  {
    kernelName: 'RlhfGelu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => run('RlhfGeluGrad', { x: saved[0], dy: dy as tf.Tensor }) as tf.Tensor }),
  },
  {
    kernelName: 'RlhfLayerNorm',
    inputsToSave: ['x', 'gamma'],
    gradFunc: (dy, saved, attrs) => {
      // One kernel gives all three gradients. It runs here, not inside the per-input closures: each closure
      // runs in its own tidy, which would dispose the other two.
      const [dx, dgamma, dbeta] = run('RlhfLayerNormGrad', { x: saved[0], gamma: saved[1], dy: dy as tf.Tensor }, attrs) as tf.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  },
  {
    kernelName: 'RlhfTokenLogprobs',
    inputsToSave: ['logits', 'targets'],
    outputsToSave: [false, true],
    gradFunc: (dys, saved, attrs) => {
      const [logits, targets, lse] = saved;
      const dlp = (dys as tf.Tensor[])[0];
      return {
        logits: () => run('RlhfTokenLogprobsGrad', { logits, targets, lse, dlp }, attrs) as tf.Tensor,
        targets: () => tf.zerosLike(targets),
      };
    },
  },
  {
    kernelName: 'RlhfLogSoftmax',
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => run('RlhfLogSoftmaxGrad', { y: saved[0], dy: dy as tf.Tensor }) as tf.Tensor }),
  },
  {
    kernelName: 'RlhfXent',
    inputsToSave: ['logits', 'targets'],
    outputsToSave: [false, true],
    gradFunc: (dys, saved) => {
      const [logits, targets, lse] = saved;
      const dloss = (dys as tf.Tensor[])[0];
      return {
        logits: () => run('RlhfXentGrad', { logits, targets, lse, dloss }) as tf.Tensor,
        targets: () => tf.zerosLike(targets),
      };
    },
  },
];

/** The four attention kernels: layout × with/without bias (inputs to save must all exist). */
const attentionKernelNames: Array<[string, string[]]> = [
  ['RlhfAttention', ['q', 'k', 'v']],
  ['RlhfAttentionBias', ['q', 'k', 'v', 'bias']],
  ['RlhfQkvAttention', ['qkv']],
  ['RlhfQkvAttentionBias', ['qkv', 'bias']],
];
for (const [kernelName, inputNames] of attentionKernelNames) {
  gradients.push({
    kernelName,
    inputsToSave: inputNames,
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as unknown as AttentionAttrs;
      const byName: Record<string, tf.Tensor> = {};
      inputNames.forEach((n, i) => (byName[n] = saved[i]));
      const inputs: tf.NamedTensorMap = { ...byName, dy: dy as tf.Tensor };
      const r = [run('RlhfAttentionGrad', inputs, attrs)].flat(); // eagerly, as for RlhfLayerNorm
      const grads: Record<string, () => tf.Tensor> = {};
      inputNames.filter((n) => n !== 'bias').forEach((n, i) => (grads[n] = () => r[i]));
      // The bias is a mask (a constant): the model never needs its gradient, but it is given exactly, through
      // the reference ops, should anything ask for it.
      if (byName.bias) grads.bias = () => attentionBiasGrad(byName, byName.bias, dy as tf.Tensor, a);
      return grads;
    },
  });
}

/**
 * d(loss)/d(bias) of the attention, from reference ops (only evaluated if something asks for it):
 * dS = P∘(dP − Σ_j dP∘P) with dP = dY·Vᵀ, summed over the axes along which the bias was broadcast.
 */
function attentionBiasGrad(inputs: Record<string, tf.Tensor>, bias: tf.Tensor, dy: tf.Tensor, a: AttentionAttrs): tf.Tensor {
  return tf.tidy(() => {
    let q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, dy4: tf.Tensor4D;
    if (a.layout === 'qkv') {
      const [BT, threeD] = inputs.qkv.shape;
      const T = BT / a.batch;
      const hd = threeD / 3 / a.heads;
      const heads = (t: tf.Tensor) => t.reshape([a.batch, T, a.heads, hd]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
      [q, k, v] = tf.split(inputs.qkv, 3, 1).map(heads);
      dy4 = heads(dy);
    } else {
      [q, k, v, dy4] = [inputs.q as tf.Tensor4D, inputs.k as tf.Tensor4D, inputs.v as tf.Tensor4D, dy as tf.Tensor4D];
    }
    let s = tf.add(tf.mul(tf.matMul(q, k, false, true), a.scale), bias);
    if (a.causal) s = tf.add(s, causalMask(q.shape[2], k.shape[2]));
    const p = tf.softmax(s); // (B, H, Tq, Tk)
    const dp = tf.matMul(dy4, v, false, true);
    const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), -1, true)));
    const full = ds.shape;
    const padded = [...new Array(full.length - bias.rank).fill(1), ...bias.shape];
    const axes = full.map((n, i) => (padded[i] === 1 && n !== 1 ? i : -1)).filter((i) => i >= 0);
    return (axes.length > 0 ? tf.sum(ds, axes, true) : ds).reshape(bias.shape);
  });
}

function causalMask(Tq: number, Tk: number): tf.Tensor2D {
  return tf.tidy(() => {
    const row = tf.range(Tk - Tq, Tk, 1, 'int32').reshape([Tq, 1]);
    const col = tf.range(0, Tk, 1, 'int32').reshape([1, Tk]);
    return tf.where(tf.greater(col, row), tf.fill([Tq, Tk], -1e9), tf.zeros([Tq, Tk])) as tf.Tensor2D;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Fast paths

const paths: FastPaths = {
  linear(x, w, b) {
    if (!ready(x, w, b) || x.rank !== 2 || w.rank !== 2 || b.rank !== 1 || x.shape[1] !== w.shape[0] || b.shape[0] !== w.shape[1]) return null;
    return run('RlhfLinear', { x, w, b }) as tf.Tensor2D;
  },
  gelu(x) {
    if (!ready(x)) return null;
    return run('RlhfGelu', { x }) as tf.Tensor;
  },
  layerNorm(x, gamma, beta, eps) {
    if (!ready(x, gamma, beta) || x.rank < 1) return null;
    const d = x.shape[x.rank - 1];
    if (gamma.rank !== 1 || beta.rank !== 1 || gamma.shape[0] !== d || beta.shape[0] !== d) return null;
    return run('RlhfLayerNorm', { x, gamma, beta }, { eps }) as tf.Tensor;
  },
  attention(q, k, v, bias) {
    if (!ready(q, k, v) || (bias && bias.dtype !== 'float32')) return null;
    const [B, H, Tq, hd] = q.shape;
    const Tk = k.shape[2];
    if (k.shape[0] !== B || k.shape[1] !== H || k.shape[3] !== hd || v.shape.join() !== k.shape.join()) return null;
    if (bias && !biasStrides(bias.shape, B, H, Tq, Tk)) return null;
    const inputs: tf.NamedTensorMap = { q, k, v };
    if (bias) inputs.bias = bias;
    const attrs: AttentionAttrs = { layout: 'bhtd', heads: H, batch: B, scale: 1 / Math.sqrt(hd), causal: false };
    return run(bias ? 'RlhfAttentionBias' : 'RlhfAttention', inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  },
  multiHeadAttention(qkv, B, T, H, bias, biasIsCausal) {
    if (!ready(qkv) || (bias && bias.dtype !== 'float32')) return null;
    const [BT, threeD] = qkv.shape;
    if (BT !== B * T || threeD % (3 * H) !== 0) return null;
    const hd = threeD / 3 / H;
    const useBias = bias !== null && !biasIsCausal;
    if (useBias && !biasStrides(bias!.shape, B, H, T, T)) return null;
    const inputs: tf.NamedTensorMap = { qkv };
    if (useBias) inputs.bias = bias!;
    const attrs: AttentionAttrs = { layout: 'qkv', heads: H, batch: B, scale: 1 / Math.sqrt(hd), causal: biasIsCausal };
    return run(useBias ? 'RlhfQkvAttentionBias' : 'RlhfQkvAttention', inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  },
  cachedAttention(qkv, B, T, H, pastK, pastV, bias) {
    // Inference only: under a gradient tape the reference (differentiable) path runs.
    if (tf.engine().state.gradientDepth > 0) return null;
    if (!ready(qkv) || (pastK && !ready(pastK)) || (pastV && !ready(pastV)) || (bias && bias.dtype !== 'float32')) return null;
    const [BT, threeD] = qkv.shape;
    if (BT !== B * T || threeD % (3 * H) !== 0 || (pastK === null) !== (pastV === null)) return null;
    const hd = threeD / 3 / H;
    const Tp = pastK ? pastK.shape[2] : 0;
    if (pastK && (pastK.shape.join() !== [B, H, Tp, hd].join() || pastV!.shape.join() !== pastK.shape.join())) return null;
    if (bias && !biasStrides(bias.shape, B, H, T, Tp + T)) return null;
    const inputs: tf.NamedTensorMap = { qkv };
    if (pastK) {
      inputs.pastK = pastK;
      inputs.pastV = pastV!;
    }
    if (bias) inputs.bias = bias;
    const [y, k, v] = run('RlhfKvAttention', inputs, { batch: B, heads: H }) as tf.Tensor[];
    return { y: y as tf.Tensor2D, k: k as tf.Tensor4D, v: v as tf.Tensor4D };
  },
  tokenLogprobs(logits, targets, temperature) {
    if (!ready(logits) || logits.rank !== 2 || targets.rank !== 1 || targets.shape[0] !== logits.shape[0] || !(temperature > 0)) return null;
    if (logits.shape[1] < 2) return null; // the reference's tf.oneHot refuses a depth below 2
    return tf.tidy(() => {
      const t = targets.dtype === 'int32' ? targets : tf.cast(targets, 'int32');
      return (run('RlhfTokenLogprobs', { logits, targets: t }, { temperature }) as tf.Tensor[])[0] as tf.Tensor1D;
    });
  },
  logSoftmax(x) {
    if (!ready(x) || x.rank < 1) return null;
    return run('RlhfLogSoftmax', { x }) as tf.Tensor;
  },
  softmaxCrossEntropy(logits, targets) {
    if (!ready(logits) || logits.rank !== 2 || targets.rank !== 1 || targets.shape[0] !== logits.shape[0]) return null;
    return tf.tidy(() => {
      const t = targets.dtype === 'int32' ? targets : tf.cast(targets, 'int32');
      return (run('RlhfXent', { logits, targets: t }) as tf.Tensor[])[0] as tf.Tensor1D;
    });
  },
  adam(ps, ms, vs, gs, h) {
    const same = (a: tf.Tensor, b: tf.Tensor) => a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
    if (ps.length === 0 || !ready(...ps, ...ms, ...vs, ...gs)) return null;
    if (!ps.every((p, i) => same(p, ms[i]) && same(p, vs[i]) && same(p, gs[i]))) return null;
    const inputs: tf.NamedTensorMap = {};
    ps.forEach((p, i) => {
      inputs[`p${i}`] = p;
      inputs[`m${i}`] = ms[i];
      inputs[`v${i}`] = vs[i];
      inputs[`g${i}`] = gs[i];
    });
    const out = run('RlhfAdam', inputs, { ...h, count: ps.length } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return ps.map((_, i): [tf.Tensor, tf.Tensor, tf.Tensor] => [out[3 * i], out[3 * i + 1], out[3 * i + 2]]);
  },
};

const kernels: Array<[string, tf.KernelFunc]> = [
  ['RlhfLinear', linearKernel as tf.KernelFunc],
  ['RlhfGelu', geluKernel as tf.KernelFunc],
  ['RlhfGeluGrad', geluGradKernel as tf.KernelFunc],
  ['RlhfLayerNorm', layerNormKernel as tf.KernelFunc],
  ['RlhfLayerNormGrad', layerNormGradKernel as tf.KernelFunc],
  ['RlhfXent', xentKernel as tf.KernelFunc],
  ['RlhfXentGrad', xentGradKernel as tf.KernelFunc],
  ['RlhfTokenLogprobs', tokenLogprobsKernel as tf.KernelFunc],
  ['RlhfTokenLogprobsGrad', tokenLogprobsGradKernel as tf.KernelFunc],
  ['RlhfLogSoftmax', logSoftmaxKernel as tf.KernelFunc],
  ['RlhfLogSoftmaxGrad', logSoftmaxGradKernel as tf.KernelFunc],
  ...attentionKernelNames.map(([name]): [string, tf.KernelFunc] => [name, attentionKernel as tf.KernelFunc]),
  ['RlhfAttentionGrad', attentionGradKernel as tf.KernelFunc],
  ['RlhfAdam', adamKernel as tf.KernelFunc],
  ['RlhfKvAttention', kvAttentionKernel as tf.KernelFunc],
];

let registered = false;

/** Registers the fused kernels and their gradients (once) and enables the fast paths. */
export function installNativeOps(): void {
  if (!registered) {
    for (const [kernelName, kernelFunc] of kernels) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
    for (const g of gradients) tf.registerGradient(g);
    registered = true;
  }
  Object.assign(fastPaths, paths);
}

/** Disables the fast paths (the reference implementations run again). */
export function uninstallNativeOps(): void {
  for (const k of Object.keys(fastPaths) as Array<keyof FastPaths>) delete fastPaths[k];
}
