import * as tf from '@tensorflow/tfjs';
import { logSoftmax } from './ops';

/**
 * The RLHF losses and estimators, each a small pure function named after the math.
 *
 * Two forms, chosen by where each function runs:
 * - Tensors (usable inside tf.variableGrads, no dataSync inside): bradleyTerryLoss, pairRewards, ppoClipLoss,
 *   clippedValueLoss, klK1, klK3, tokenEntropy, entropyFromLogits, maskedMean.
 * - Plain arrays (rollout bookkeeping, outside any gradient; PPO rollouts are small): gae, whiten,
 *   explainedVariance, maskedStats, groupedPairs. ppoDiagnostics takes tensors and returns numbers.
 *
 * Shapes: B sequences, T token positions, V vocabulary, N scored responses, P preference pairs.
 * A mask is 0/1 with the shape of the values it masks (1 = this response token counts).
 */

// ---------------------------------------------------------------------------------------------------------------
// Masks

/** Mean of x over the positions where mask = 1. x, mask [...] (same shape) → scalar; 0 if the mask is empty. */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const m = tf.cast(mask, 'float32');
    return tf.div(tf.sum(tf.mul(x, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  });
}

function sameShape(fn: string, tensors: Record<string, tf.Tensor>): void {
  const names = Object.keys(tensors);
  const ref = tensors[names[0]].shape;
  for (const name of names.slice(1)) {
    const s = tensors[name].shape;
    if (s.length !== ref.length || s.some((d, i) => d !== ref[i])) {
      throw new Error(`${fn}: ${name} has shape [${s}] but ${names[0]} has shape [${ref}]`);
    }
  }
}

/** Checks that each array is a rows × cols grid like `ref`; the error names the function, array and row. */
function sameGrid(fn: string, ref: { name: string; x: number[][] }, others: Record<string, number[][]>): void {
  for (const [name, x] of Object.entries(others)) {
    if (x.length !== ref.x.length) throw new Error(`${fn}: ${name} has ${x.length} rows but ${ref.name} has ${ref.x.length}`);
    x.forEach((row, i) => {
      if (row.length !== ref.x[i].length) {
        throw new Error(`${fn}: ${name}[${i}] has ${row.length} entries but ${ref.name}[${i}] has ${ref.x[i].length}`);
      }
    });
  }
}

/**
 * Mean and population variance (divided by the count, not count − 1) of x over the masked entries.
 * x, mask [B][T] → { mean, variance, count }. An empty mask gives mean 0, variance 0, count 0.
 */
export function maskedStats(x: number[][], mask: number[][]): { mean: number; variance: number; count: number } {
  sameGrid('maskedStats', { name: 'x', x }, { mask });
  let count = 0;
  let sum = 0;
  x.forEach((row, i) => row.forEach((v, t) => {
    if (mask[i][t]) { count++; sum += v; }
  }));
  if (count === 0) return { mean: 0, variance: 0, count: 0 };
  const mean = sum / count;
  let sq = 0;
  x.forEach((row, i) => row.forEach((v, t) => {
    if (mask[i][t]) sq += (v - mean) * (v - mean);
  }));
  return { mean, variance: sq / count, count };
}

// ---------------------------------------------------------------------------------------------------------------
// Reward model: Bradley–Terry

/**
 * Bradley–Terry loss −log σ(r_w − r_l), written as softplus(−(r_w − r_l)) (tf.logSigmoid on an intermediate
 * crashes tfjs 4.22 inside optimizers). rChosen, rRejected [P] → scalar.
 * Without weights: the mean over pairs. With weights [P]: Σ w·loss / Σ w. With the weights of groupedPairs
 * (1/(pairs of its prompt)), that is InstructGPT's loss: each prompt's pairs averaged, then the mean over prompts.
 * Equal rewards give ln 2 ≈ 0.6931; r_w − r_l = 1 gives softplus(−1) ≈ 0.3133.
 */
export function bradleyTerryLoss(rChosen: tf.Tensor1D, rRejected: tf.Tensor1D, weights?: tf.Tensor1D | number[]): tf.Scalar {
  sameShape('bradleyTerryLoss', { rChosen, rRejected });
  if (weights !== undefined) {
    const n = weights instanceof tf.Tensor ? weights.size : weights.length;
    if (n !== rChosen.size) throw new Error(`bradleyTerryLoss: ${n} weights for ${rChosen.size} pairs`);
  }
  return tf.tidy(() => {
    const perPair = tf.softplus(tf.neg(tf.sub(rChosen, rRejected))); // (P)
    if (!weights) return tf.mean(perPair) as tf.Scalar;
    const w = weights instanceof tf.Tensor ? weights : tf.tensor1d(weights);
    return tf.div(tf.sum(tf.mul(perPair, w)), tf.sum(w)) as tf.Scalar;
  });
}

/**
 * Preference pairs of a batch of prompts, as indices into the flat list of the batch's scored responses
 * (prompt 0's responses first, then prompt 1's, …).
 */
export interface PairBatch {
  /** Flat index of the preferred response of each pair [P]. */
  chosen: number[];
  /** Flat index of the other response of each pair [P]. */
  rejected: number[];
  /** 1 / (number of pairs of this pair's prompt) [P]: each prompt weighs the same in bradleyTerryLoss. */
  weights: number[];
  /** Which prompt (group) each pair comes from [P]. */
  prompt: number[];
  /** N, the number of scored responses in the batch. */
  numResponses: number;
}

/**
 * Flattens grouped pairs. groups[g] = { size: K_g responses, pairs: { chosen, rejected } indices local to the
 * group } (the shape of lib/labels/preferences' PairGroup: `{ size: g.responses.length, pairs: g.pairs }`) → PairBatch with
 * flat indices (group g's responses start at K_0 + … + K_{g−1}). Groups without pairs add responses, no pairs.
 * Example: [{ size: 3, pairs: [{chosen: 1, rejected: 0}, {chosen: 1, rejected: 2}] }, { size: 2, pairs:
 * [{chosen: 0, rejected: 1}] }] → chosen [1, 1, 3], rejected [0, 2, 4], weights [½, ½, 1], prompt [0, 0, 1], N 5.
 */
export function groupedPairs(groups: { size: number; pairs: { chosen: number; rejected: number }[] }[]): PairBatch {
  const out: PairBatch = { chosen: [], rejected: [], weights: [], prompt: [], numResponses: 0 };
  groups.forEach((g, gi) => {
    for (const { chosen: w, rejected: l } of g.pairs) {
      if (!(Number.isInteger(w) && Number.isInteger(l) && w >= 0 && l >= 0 && w < g.size && l < g.size && w !== l)) {
        throw new Error(`groupedPairs: group ${gi} has the pair chosen ${w}, rejected ${l}: not two different responses among its ${g.size}`);
      }
      out.chosen.push(out.numResponses + w);
      out.rejected.push(out.numResponses + l);
      out.weights.push(1 / g.pairs.length);
      out.prompt.push(gi);
    }
    out.numResponses += g.size;
  });
  return out;
}

/**
 * The rewards of each pair's two responses: rewards [N] → { chosen [P], rejected [P] }. Selected by one-hot
 * matrices times rewards, because tf.gather's gradient (UnsortedSegmentSum) is not registered on wasm.
 */
export function pairRewards(rewards: tf.Tensor1D, pairs: PairBatch): { chosen: tf.Tensor1D; rejected: tf.Tensor1D } {
  const N = rewards.shape[0];
  if (N !== pairs.numResponses) throw new Error(`pairRewards: rewards has ${N} entries but the pairs index ${pairs.numResponses} responses`);
  return tf.tidy(() => {
    const r = tf.reshape(rewards, [N, 1]);
    const pick = (idx: number[]) =>
      tf.reshape(tf.matMul(tf.oneHot(tf.tensor1d(idx, 'int32'), N), r), [idx.length]) as tf.Tensor1D; // (P, N)·(N, 1) → (P)
    return { chosen: pick(pairs.chosen), rejected: pick(pairs.rejected) };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// PPO

/**
 * PPO's clipped surrogate loss: masked mean of −min(ρA, clip(ρ, 1−ε, 1+ε)·A), ρ = exp(logp − logp_old).
 * logprobs (with gradient), oldLogprobs, advantages, mask [B, T]; clipEps ε → scalar.
 * At ρ = 1 it equals −mean(A) over the masked tokens. Where the clipped term is the minimum, the token's gradient
 * is zero.
 */
export function ppoClipLoss(logprobs: tf.Tensor2D, oldLogprobs: tf.Tensor2D, advantages: tf.Tensor2D, mask: tf.Tensor2D, clipEps: number): tf.Scalar {
  sameShape('ppoClipLoss', { logprobs, oldLogprobs, advantages, mask });
  if (!(clipEps > 0)) throw new Error(`ppoClipLoss: clipEps must be > 0, got ${clipEps}`);
  return tf.tidy(() => {
    const ratio = tf.exp(tf.sub(logprobs, oldLogprobs)); // ρ (B, T)
    const unclipped = tf.mul(ratio, advantages);
    const clipped = tf.mul(tf.clipByValue(ratio, 1 - clipEps, 1 + clipEps), advantages);
    return tf.neg(maskedMean(tf.minimum(unclipped, clipped), mask)) as tf.Scalar;
  });
}

/** Health signals of one PPO minibatch, read outside the gradient. */
export interface PpoDiagnostics {
  /** Fraction of masked tokens whose clipped term is the strict minimum (their gradient is cut). Early: 0–0.2. */
  clipFraction: number;
  /** ½·mean (log ρ)² over masked tokens (lm-human-preferences' and TRL's "approxkl"); should stay ≲ 0.02. */
  approxKl: number;
  /** mean ρ over masked tokens; should float around 1. */
  meanRatio: number;
}

/**
 * clip fraction, approx-KL and mean ratio of a minibatch. Tensors [B, T] in, numbers out (calls dataSync: use
 * outside tf.variableGrads). The clip fraction counts tokens where min(ρA, clip(ρ)A) picks the clipped term
 * strictly: ρ > 1+ε with A > 0, or ρ < 1−ε with A < 0 (as OpenAI's lm-human-preferences and TRL count it).
 */
export function ppoDiagnostics(logprobs: tf.Tensor2D, oldLogprobs: tf.Tensor2D, advantages: tf.Tensor2D, mask: tf.Tensor2D, clipEps: number): PpoDiagnostics {
  sameShape('ppoDiagnostics', { logprobs, oldLogprobs, advantages, mask });
  const stats = tf.tidy(() => {
    const logRatio = tf.sub(logprobs, oldLogprobs); // log ρ (B, T)
    const ratio = tf.exp(logRatio);
    const unclipped = tf.mul(ratio, advantages);
    const clipped = tf.mul(tf.clipByValue(ratio, 1 - clipEps, 1 + clipEps), advantages);
    return tf.stack([
      maskedMean(tf.cast(tf.less(clipped, unclipped), 'float32'), mask),
      maskedMean(tf.mul(tf.square(logRatio), 0.5), mask),
      maskedMean(ratio, mask),
    ]);
  });
  const [clipFraction, approxKl, meanRatio] = stats.dataSync();
  stats.dispose();
  return { clipFraction, approxKl, meanRatio };
}

/**
 * Clipped value loss: ½·masked mean of max((V − R)², (V_old + clip(V − V_old, −c, c) − R)²).
 * values (with gradient), oldValues (from the rollout), returns, mask [B, T]; clipRange c → scalar.
 */
export function clippedValueLoss(values: tf.Tensor2D, oldValues: tf.Tensor2D, returns: tf.Tensor2D, mask: tf.Tensor2D, clipRange: number): tf.Scalar {
  sameShape('clippedValueLoss', { values, oldValues, returns, mask });
  if (!(clipRange > 0)) throw new Error(`clippedValueLoss: clipRange must be > 0, got ${clipRange}`);
  return tf.tidy(() => {
    const vClipped = tf.add(oldValues, tf.clipByValue(tf.sub(values, oldValues), -clipRange, clipRange)); // (B, T)
    const lossUnclipped = tf.square(tf.sub(values, returns));
    const lossClipped = tf.square(tf.sub(vClipped, returns));
    return tf.mul(maskedMean(tf.maximum(lossUnclipped, lossClipped), mask), 0.5) as tf.Scalar;
  });
}

/**
 * Generalised advantage estimation, per token. rewards, values, mask [B][T] (plain arrays: rollouts, outside
 * gradients) → { advantages, returns } [B][T], 0 at masked positions.
 *   δ_t = r_t + γ·V_{t+1} − V_t,   A_t = δ_t + γλ·A_{t+1},   returns_t = A_t + V_t,
 * where t+1 is the next response (mask = 1) token of the row; after the row's last response token V = 0 and A = 0
 * (the episode ends there). λ = 0 gives the one-step TD error; λ = 1, γ = 1 gives (Σ_{s≥t} r_s) − V_t.
 * A nonzero reward at a masked position is an error (it would be silently lost: an EOS/pad mix-up).
 */
export function gae(rewards: number[][], values: number[][], mask: number[][], gamma = 1, lambda = 0.95): { advantages: number[][]; returns: number[][] } {
  sameGrid('gae', { name: 'rewards', x: rewards }, { values, mask });
  if (!(gamma >= 0 && gamma <= 1)) throw new Error(`gae: gamma must be in [0, 1], got ${gamma}`);
  if (!(lambda >= 0 && lambda <= 1)) throw new Error(`gae: lambda must be in [0, 1], got ${lambda}`);
  const advantages: number[][] = [];
  const returns: number[][] = [];
  rewards.forEach((row, i) => {
    const T = row.length;
    const adv = new Array<number>(T).fill(0);
    const ret = new Array<number>(T).fill(0);
    let nextValue = 0; // V_{t+1}: 0 beyond the last response token
    let nextAdv = 0; // A_{t+1}
    for (let t = T - 1; t >= 0; t--) {
      if (!mask[i][t]) {
        if (row[t] !== 0) throw new Error(`gae: rewards[${i}][${t}] = ${row[t]} sits at a masked position (mask = 0)`);
        continue;
      }
      const delta = row[t] + gamma * nextValue - values[i][t];
      adv[t] = delta + gamma * lambda * nextAdv;
      ret[t] = adv[t] + values[i][t];
      nextValue = values[i][t];
      nextAdv = adv[t];
    }
    advantages.push(adv);
    returns.push(ret);
  });
  return { advantages, returns };
}

/**
 * Masked whitening (TRL's whiten): (x − mean)/√(var + eps) over the masked entries; with shiftMean = false the mean
 * is added back (the scale changes, the mean stays). Population variance (TRL uses the unbiased one; the
 * difference is a factor √(n/(n−1))). x, mask [B][T] → [B][T], 0 at masked positions.
 */
export function whiten(x: number[][], mask: number[][], shiftMean = true, eps = 1e-8): number[][] {
  const { mean, variance, count } = maskedStats(x, mask);
  if (count === 0) throw new Error('whiten: the mask selects no entries');
  const scale = 1 / Math.sqrt(variance + eps);
  return x.map((row, i) => row.map((v, t) => (mask[i][t] ? (v - mean) * scale + (shiftMean ? 0 : mean) : 0)));
}

/**
 * Explained variance of the value head: 1 − Var(R − V)/Var(R) over the masked entries. values, returns, mask
 * [B][T] → number. 1 = perfect values, 0 = no better than the mean return, < 0 = worse; NaN if Var(R) = 0.
 */
export function explainedVariance(values: number[][], returns: number[][], mask: number[][]): number {
  sameGrid('explainedVariance', { name: 'values', x: values }, { returns });
  const varR = maskedStats(returns, mask).variance;
  const residual = returns.map((row, i) => row.map((r, t) => r - values[i][t]));
  return varR > 0 ? 1 - maskedStats(residual, mask).variance / varR : NaN;
}

// ---------------------------------------------------------------------------------------------------------------
// KL and entropy

/**
 * k1 estimator of KL(π ‖ π_ref) per sampled token: log π − log π_ref. logp, logpRef [...] → same shape.
 * Unbiased, can be negative per token; its sum over a response is the usual per-response KL.
 */
export function klK1<T extends tf.Tensor>(logp: T, logpRef: T): T {
  sameShape('klK1', { logp, logpRef });
  return tf.sub(logp, logpRef) as T;
}

/**
 * Schulman's k3 estimator of KL(π ‖ π_ref) per sampled token: (r − 1) − log r with r = π_ref/π, always ≥ 0.
 * Computed as expm1(d) − d, d = log π_ref − log π (exp(d) − 1 − d goes slightly negative in fp32).
 * logp, logpRef [...] → same shape.
 */
export function klK3<T extends tf.Tensor>(logp: T, logpRef: T): T {
  sameShape('klK3', { logp, logpRef });
  return tf.tidy(() => {
    const d = tf.sub(logpRef, logp); // log r
    return tf.sub(tf.expm1(d), d) as T;
  });
}

/** Entropy of each position's next-token distribution: −Σ_v p log p. logits [B, T, V] → [B, T] (nats). */
export function tokenEntropy(logits: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const logp = logSoftmax(logits); // (B, T, V)
    return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as tf.Tensor2D;
  });
}

/** Masked mean entropy per token (nats): logits [B, T, V], mask [B, T] → scalar. Uniform logits give ln V. */
export function entropyFromLogits(logits: tf.Tensor3D, mask: tf.Tensor2D): tf.Scalar {
  const [B, T] = logits.shape;
  if (mask.shape[0] !== B || mask.shape[1] !== T) throw new Error(`entropyFromLogits: mask has shape [${mask.shape}] but logits start with [${B},${T}]`);
  return tf.tidy(() => maskedMean(tokenEntropy(logits), mask));
}
