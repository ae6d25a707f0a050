import type * as tf from '@tensorflow/tfjs';

/**
 * Optional fast implementations of the model's building blocks (lib/model/ops.ts) and of the Adam update
 * (lib/model/adam.ts). The engine fills this in when native kernels are active (lib/engine/nativeFusedOps.ts); every function
 * returns null when it cannot handle a call (another backend, dtype or shape), and the caller then runs its
 * reference implementation. The semantics are the reference's: tests/native-ops.test.ts checks parity.
 */
/** GELU's tanh approximation (GPT-2's "gelu_new"): 0.5·x·(1 + tanh(GELU_C·(x + GELU_CUBIC·x³))). */
export const GELU_C = Math.sqrt(2 / Math.PI);
export const GELU_CUBIC = 0.044715;

export interface FastPaths {
  /** x [N, in] · w [in, out] + b [out] → [N, out]. */
  linear?(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D | null;
  /** Layer normalisation over the last axis. */
  layerNorm?(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor | null;
  /** GELU, tanh approximation. */
  gelu?(x: tf.Tensor): tf.Tensor | null;
  /** softmax(q·kᵀ/√hd + bias)·v for q [B, H, Tq, hd], k, v [B, H, Tk, hd]. */
  attention?(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor | null): tf.Tensor4D | null;
  /** Multi-head self-attention on fused projections qkv [B·T, 3d] → [B·T, d] (see ops.multiHeadAttention). */
  multiHeadAttention?(qkv: tf.Tensor2D, B: number, T: number, H: number, bias: tf.Tensor | null, biasIsCausal: boolean): tf.Tensor2D | null;
  /** Attention of new tokens over a KV cache, extending the cache (see ops.cachedAttention); inference only. */
  cachedAttention?(qkv: tf.Tensor2D, B: number, T: number, H: number, pastK: tf.Tensor4D | null, pastV: tf.Tensor4D | null, bias: tf.Tensor | null): { y: tf.Tensor2D; k: tf.Tensor4D; v: tf.Tensor4D } | null;
  /** Log-probability of each row's target under softmax(logits / temperature): logits [N, V], targets [N] → [N]. */
  tokenLogprobs?(logits: tf.Tensor2D, targets: tf.Tensor1D, temperature: number): tf.Tensor1D | null;
  /** Log-softmax over the last axis. */
  logSoftmax?(x: tf.Tensor): tf.Tensor | null;
  /** Per-row softmax cross-entropy: logits [N, V], targets [N] → [N]. */
  softmaxCrossEntropy?(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D | null;
  /**
   * One Adam step for many variables at once: params, first and second moments and gradients, index by index;
   * returns the new [param, m, v] of each (the caller assigns them), computed exactly as lib/model/adam.ts does.
   */
  adam?(ps: tf.Tensor[], ms: tf.Tensor[], vs: tf.Tensor[], gs: tf.Tensor[], h: AdamHyper): Array<[tf.Tensor, tf.Tensor, tf.Tensor]> | null;
}

/** The scalars of one Adam step (see lib/model/adam.ts). */
export interface AdamHyper {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 − β₁ᵗ and 1 − β₂ᵗ. */
  c1: number;
  c2: number;
  weightDecay: number;
  form: 'pytorch' | 'tf1';
}

/** The active fast paths (empty unless the engine installed some). */
export const fastPaths: FastPaths = {};
