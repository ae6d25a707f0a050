import * as tf from '@tensorflow/tfjs';
import { installedAddon, offsetOf, syncHeap } from './nativeKernels';
import { KernelArgs, WasmBackend } from './wasmBackend';

/** The native attention kernels behind the fused-op registry (nativeFusedOps.ts): forward, gradient, KV cache. */
/**
 * Attention layouts. 'bhtd': q [B, H, Tq, hd], k and v [B, H, Tk, hd] (separate tensors). 'qkv': one tensor
 * [B·T, 3d] holding q | k | v per row (d = H·hd), output [B·T, d] — heads are read and written in place.
 * The descriptor handed to the addon (44 float64, offsets and strides in floats):
 *   0 q, 1 k, 2 v, 3 y, 4 (unused), 5 bias (−1: none), 6–8 q strides (batch, head, row), 9–11 k, 12–14 v,
 *   15–17 y, 18–20 bias, 21 B, 22 H, 23 Tq, 24 Tk, 25 hd, 26 scale, 27 causal offset (−1: none),
 *   28 dy, 29–31 dy strides, 32 dq, 33–35, 36 dk, 37–39, 40 dv, 41–43.
 */
export interface AttentionAttrs {
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
export function biasStrides(shape: number[], B: number, H: number, Tq: number, Tk: number): number[] | null {
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

export function attentionKernel(args: KernelArgs): tf.TensorInfo {
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

export function attentionGradKernel(args: KernelArgs): tf.TensorInfo[] {
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
export function kvAttentionKernel(args: KernelArgs): tf.TensorInfo[] {
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

/** The four attention kernels: layout × with/without bias (inputs to save must all exist). */
export const attentionKernelNames: Array<[string, string[]]> = [
  ['RlhfAttention', ['q', 'k', 'v']],
  ['RlhfAttentionBias', ['q', 'k', 'v', 'bias']],
  ['RlhfQkvAttention', ['qkv']],
  ['RlhfQkvAttentionBias', ['qkv', 'bias']],
];
/** The gradients of the four attention kernels (one RlhfAttentionGrad call gives dq, dk, dv). */
export const attentionGradients: tf.GradConfig[] = attentionKernelNames.map(([kernelName, inputNames]) => ({
    kernelName,
    inputsToSave: inputNames,
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as unknown as AttentionAttrs;
      const byName: Record<string, tf.Tensor> = {};
      inputNames.forEach((n, i) => (byName[n] = saved[i]));
      const inputs: tf.NamedTensorMap = { ...byName, dy: dy as tf.Tensor };
      const r = [tf.engine().runKernel('RlhfAttentionGrad', inputs, attrs) as tf.Tensor | tf.Tensor[]].flat(); // eagerly, as for RlhfLayerNorm
      const grads: Record<string, () => tf.Tensor> = {};
      inputNames.filter((n) => n !== 'bias').forEach((n, i) => (grads[n] = () => r[i]));
      // The bias is a mask (a constant): the model never needs its gradient, but it is given exactly, through
      // the reference ops, should anything ask for it.
      if (byName.bias) grads.bias = () => attentionBiasGrad(byName, byName.bias, dy as tf.Tensor, a);
      return grads;
    },
}));

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
