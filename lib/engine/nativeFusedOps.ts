import * as tf from '@tensorflow/tfjs';
import { AdamHyper, FastPaths, fastPaths } from './fusedOpRegistry';
import { installedAddon, nativeKernelsInstalled, offsetOf, syncHeap } from './nativeKernels';
import { attentionGradients, attentionGradKernel, attentionKernel, attentionKernelNames, biasStrides, kvAttentionKernel, type AttentionAttrs } from './nativeAttention';
import { KernelArgs, shapeSize as size, WasmBackend } from './wasmBackend';

/**
 * Fused native versions of the model's building blocks, each a custom wasm kernel with a registered gradient,
 * so that one tfjs kernel call replaces the 5–20 small ones of the reference implementation (lib/model/ops.ts):
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
 * installNativeOps() registers them and fills lib/engine/fusedOpRegistry.ts, through which lib/model/ops.ts and lib/model/adam.ts reach
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
    for (const g of [...gradients, ...attentionGradients]) tf.registerGradient(g);
    registered = true;
  }
  Object.assign(fastPaths, paths);
}

/** Disables the fast paths (the reference implementations run again). */
export function uninstallNativeOps(): void {
  for (const k of Object.keys(fastPaths) as Array<keyof FastPaths>) delete fastPaths[k];
}
