import * as tf from '@tensorflow/tfjs';
import { fastPaths, GELU_C, GELU_CUBIC } from '../engine/fusedOpRegistry';

/**
 * The GPT's building blocks as plain functions of tensors. These are the reference implementations in tfjs
 * ops; the engine (lib/engine/engine.ts) may route some of them to native fused kernels with the same semantics.
 * Shapes: B batch, T time, H heads, hd head width, d model width, V vocabulary, N = B·T rows.
 */

/** x [N, in] · w [in, out] + b [out] → [N, out]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return fastPaths.linear?.(x, w, b) ?? linearReference(x, w, b);
}

/** The reference implementation of linear() in tfjs ops. */
function linearReference(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.matMul(x, w), b);
}

/** Layer normalisation over the last axis: (x − mean) / √(var + eps) · gamma + beta. x [..., d] → [..., d]. */
export function layerNorm<R extends tf.Rank>(x: tf.Tensor<R>, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): tf.Tensor<R> {
  return (fastPaths.layerNorm?.(x, gamma, beta, eps) as tf.Tensor<R> | null) ?? layerNormReference(x, gamma, beta, eps);
}

/** The reference implementation of layerNorm() in tfjs ops. */
function layerNormReference<R extends tf.Rank>(x: tf.Tensor<R>, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): tf.Tensor<R> {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(xhat, gamma), beta) as tf.Tensor<R>;
  });
}

/** GELU, tanh approximation (GPT-2's "gelu_new"): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function gelu<T extends tf.Tensor>(x: T): T {
  return (fastPaths.gelu?.(x) as T | null) ?? geluReference(x);
}

/** The reference implementation of gelu() in tfjs ops. */
function geluReference<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), GELU_CUBIC)), GELU_C);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as T;
  });
}

/**
 * Scaled dot-product attention: softmax(q·kᵀ/√hd + bias)·v.
 * q [B, H, Tq, hd], k and v [B, H, Tk, hd], bias broadcastable to [B, H, Tq, Tk] (0 where allowed, −1e9 where
 * masked: the causal mask and padded keys) or null → [B, H, Tq, hd].
 */
export function attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor | null): tf.Tensor4D {
  return fastPaths.attention?.(q, k, v, bias) ?? attentionReference(q, k, v, bias);
}

/** The reference implementation of attention() in tfjs ops. */
function attentionReference(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor | null): tf.Tensor4D {
  return tf.tidy(() => {
    const hd = q.shape[3];
    let scores: tf.Tensor4D = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)); // (B, H, Tq, Tk)
    if (bias) scores = tf.add(scores, bias);
    return tf.matMul(tf.softmax(scores), v); // (B, H, Tq, hd)
  });
}

/**
 * Multi-head self-attention on the fused projection: qkv [B·T, 3d] (q | k | v per row, d = H·hd) → [B·T, d],
 * the heads' outputs side by side. bias as in attention(); biasIsCausal says that bias is exactly the causal
 * mask (causalBias(T)), which lets a fast path apply the mask without reading it.
 */
export function multiHeadAttention(qkv: tf.Tensor2D, B: number, T: number, H: number, bias: tf.Tensor | null, biasIsCausal = false): tf.Tensor2D {
  return fastPaths.multiHeadAttention?.(qkv, B, T, H, bias, biasIsCausal) ?? multiHeadAttentionReference(qkv, B, T, H, bias);
}

/** The reference implementation of multiHeadAttention(): split, heads, attention(), merge. */
function multiHeadAttentionReference(qkv: tf.Tensor2D, B: number, T: number, H: number, bias: tf.Tensor | null): tf.Tensor2D {
  return tf.tidy(() => {
    const d = qkv.shape[1] / 3;
    const heads = (t: tf.Tensor) => t.reshape([B, T, H, d / H]).transpose([0, 2, 1, 3]) as tf.Tensor4D; // (B, H, T, hd)
    const [q, k, v] = tf.split(qkv, 3, 1).map(heads);
    return attentionReference(q, k, v, bias).transpose([0, 2, 1, 3]).reshape([B * T, d]) as tf.Tensor2D;
  });
}

/**
 * Self-attention of T new tokens while decoding with a KV cache: qkv [B·T, 3d] (their fused projections),
 * pastK/pastV [B, H, Tp, hd] (null at the first call), bias broadcastable to [B, H, T, Tp + T]
 * → y [B·T, d] and the cache extended by the new keys and values, k and v [B, H, Tp + T, hd].
 */
export function cachedAttention(
  qkv: tf.Tensor2D, B: number, T: number, H: number, pastK: tf.Tensor4D | null, pastV: tf.Tensor4D | null, bias: tf.Tensor | null,
): { y: tf.Tensor2D; k: tf.Tensor4D; v: tf.Tensor4D } {
  return fastPaths.cachedAttention?.(qkv, B, T, H, pastK, pastV, bias) ?? cachedAttentionReference(qkv, B, T, H, pastK, pastV, bias);
}

/** The reference implementation of cachedAttention(): split, heads, concatenation, attention(), merge. */
function cachedAttentionReference(
  qkv: tf.Tensor2D, B: number, T: number, H: number, pastK: tf.Tensor4D | null, pastV: tf.Tensor4D | null, bias: tf.Tensor | null,
): { y: tf.Tensor2D; k: tf.Tensor4D; v: tf.Tensor4D } {
  return tf.tidy(() => {
    const d = qkv.shape[1] / 3;
    const heads = (t: tf.Tensor) => t.reshape([B, T, H, d / H]).transpose([0, 2, 1, 3]) as tf.Tensor4D; // (B, H, T, hd)
    const [q, kNew, vNew] = tf.split(qkv, 3, 1).map(heads);
    const k = pastK ? (tf.concat([pastK, kNew], 2) as tf.Tensor4D) : kNew;
    const v = pastV ? (tf.concat([pastV, vNew], 2) as tf.Tensor4D) : vNew;
    const y = attention(q, k, v, bias).transpose([0, 2, 1, 3]).reshape([B * T, d]) as tf.Tensor2D;
    return { y, k, v };
  });
}

/** The additive causal mask for T positions: [T, T], 0 on and below the diagonal, −1e9 above it. */
export function causalBias(T: number): tf.Tensor2D {
  return tf.tidy(() => {
    const row = tf.range(0, T, 1, 'int32').reshape([T, 1]);
    const col = tf.range(0, T, 1, 'int32').reshape([1, T]);
    return tf.where(tf.greater(col, row), tf.fill([T, T], -1e9), tf.zeros([T, T])) as tf.Tensor2D;
  });
}

/**
 * The additive mask for padded keys: keyMask [B, Tk] (1 = real token, 0 = padding) → [B, 1, 1, Tk] with
 * 0 for real keys and −1e9 for padding, ready to broadcast over heads and queries.
 */
export function keyPaddingBias(keyMask: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, Tk] = keyMask.shape;
    return tf.mul(tf.sub(1, tf.cast(keyMask, 'float32')), -1e9).reshape([B, 1, 1, Tk]) as tf.Tensor4D;
  });
}

/**
 * Embedding lookup table[ids] with a scatter-add gradient (tf.gather's own gradient uses UnsortedSegmentSum,
 * which is unusably slow on 'cpu' and missing on wasm). table [V, d], ids [B, T] int32 → [B, T, d].
 */
export function embedding(table: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor3D {
  const [B, T] = ids.shape;
  const [V, d] = table.shape;
  const lookup = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const tbl = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const flatIds = tf.cast(ids, 'int32').reshape([B * T]) as tf.Tensor1D;
    save([flatIds]); // kept alive for the backward pass
    const value = tf.gather(tbl, flatIds).reshape([B, T, d]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => scatterAddRows(dy.reshape([B * T, d]) as tf.Tensor2D, saved[0], V);
    return { value, gradFunc };
  });
  return lookup(table) as tf.Tensor3D;
}

/** Sums rows of `rows` [N, d] into a [V, d] table at the row indices `ids` (N values, any shape). */
export function scatterAddRows(rows: tf.Tensor2D, ids: tf.Tensor, V: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [N, d] = rows.shape;
    return tf.scatterND(tf.cast(ids, 'int32').reshape([N, 1]), rows, [V, d]) as tf.Tensor2D;
  });
}

/**
 * Per-row softmax cross-entropy: −log softmax(logits)[target]. logits [N, V], targets [N] int32 → [N].
 * Computed as logsumexp(logits) − logits[target].
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  return fastPaths.softmaxCrossEntropy?.(logits, targets) ?? softmaxCrossEntropyReference(logits, targets);
}

/** The reference implementation of softmaxCrossEntropy() in tfjs ops. */
function softmaxCrossEntropyReference(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const V = logits.shape[1];
    const picked = tf.sum(tf.mul(logits, tf.oneHot(tf.cast(targets, 'int32'), V)), -1);
    return tf.sub(tf.logSumExp(logits, -1), picked) as tf.Tensor1D;
  });
}

/**
 * Log-probability of each row's target token under softmax(logits / temperature): logits [N, V], targets [N]
 * int32 → [N]. A target outside [0, V) scores 0 (its one-hot row is empty).
 */
export function tokenLogprobs(logits: tf.Tensor2D, targets: tf.Tensor1D, temperature = 1): tf.Tensor1D {
  return fastPaths.tokenLogprobs?.(logits, targets, temperature) ?? tokenLogprobsReference(logits, targets, temperature);
}

/** The reference implementation of tokenLogprobs() in tfjs ops. */
function tokenLogprobsReference(logits: tf.Tensor2D, targets: tf.Tensor1D, temperature = 1): tf.Tensor1D {
  return tf.tidy(() => {
    const V = logits.shape[1];
    const lp = logSoftmax(temperature === 1 ? logits : tf.div(logits, temperature));
    return tf.sum(tf.mul(lp, tf.oneHot(tf.cast(targets, 'int32'), V)), -1) as tf.Tensor1D;
  });
}

/** Log-softmax over the last axis, written as x − logsumexp(x) (safe inside gradients). */
export function logSoftmax<T extends tf.Tensor>(x: T): T {
  return (fastPaths.logSoftmax?.(x) as T | null) ?? logSoftmaxReference(x);
}

/** The reference implementation of logSoftmax() in tfjs ops. */
function logSoftmaxReference<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.sub(x, tf.logSumExp(x, -1, true)) as T);
}
