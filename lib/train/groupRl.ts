import * as tf from '@tensorflow/tfjs';
import { GPT, logprobsOf } from '../model/gpt';
import { klK3 } from '../model/losses';
import { checkConfig, int, num, posInt, requirePosInt } from '../core/validate';

/**
 * Critic-free RL for language models: each prompt gets a group of G sampled replies, and the group itself is
 * the baseline — no value head. The variants differ in four switches, not in code:
 *
 *   variant   baseline of reply i          scale      loss averaged over            KL to the reference
 *   RLOO      mean of the other G − 1      none       each reply's tokens, then     in the reward (per token, as PPO)
 *   GRPO      mean of the group            ÷ σ        each reply's tokens, then     k3, in the loss
 *   Dr. GRPO  mean of the group            none       all tokens ÷ a constant       k3, in the loss
 *   DAPO      mean of the group            ÷ σ        all tokens of the batch       none; clip-higher; skip σ = 0 groups
 *
 * (Ahmadian et al. 2024 for RLOO; Shao et al. 2024 for GRPO; Liu et al. 2025 for Dr. GRPO; Yu et al. 2025 for DAPO.)
 * Rewards are laid out group after group: rewards[g·G + i] is reply i of prompt g.
 */

/** How the group turns rewards into advantages. */
export interface GroupAdvantageOptions {
  /** 'leaveOneOut' (RLOO): mean of the other G − 1 rewards; 'groupMean' (GRPO): mean of all G. */
  baseline: 'leaveOneOut' | 'groupMean';
  /** Divide by the group's standard deviation (GRPO, DAPO); Dr. GRPO and RLOO do not. */
  scaleByStd: boolean;
  /** Added to σ before dividing. */
  eps?: number;
}

/** Advantages of replies grouped by prompt: rewards [N·G] → [N·G]. */
export function groupAdvantages(rewards: number[], groupSize: number, opts: GroupAdvantageOptions): number[] {
  checkGroups('groupAdvantages', rewards.length, groupSize);
  if (opts.baseline === 'leaveOneOut' && groupSize < 2) throw new Error('groupAdvantages: a leave-one-out baseline needs groups of at least 2');
  const eps = opts.eps ?? 1e-6;
  const out: number[] = [];
  for (let g = 0; g < rewards.length; g += groupSize) {
    const r = rewards.slice(g, g + groupSize);
    const sum = r.reduce((s, v) => s + v, 0);
    const mean = sum / groupSize;
    const std = Math.sqrt(r.reduce((s, v) => s + (v - mean) ** 2, 0) / groupSize);
    for (const v of r) {
      const base = opts.baseline === 'leaveOneOut' ? (sum - v) / (groupSize - 1) : mean;
      out.push(opts.scaleByStd ? (v - base) / (std + eps) : v - base);
    }
  }
  return out;
}

/** For each group, whether all its rewards are equal (then every advantage is 0 and the group teaches nothing). */
export function zeroVarianceGroups(rewards: number[], groupSize: number, tol = 1e-9): boolean[] {
  checkGroups('zeroVarianceGroups', rewards.length, groupSize);
  const out: boolean[] = [];
  for (let g = 0; g < rewards.length; g += groupSize) {
    const r = rewards.slice(g, g + groupSize);
    out.push(Math.max(...r) - Math.min(...r) <= tol);
  }
  return out;
}

function checkGroups(fn: string, n: number, groupSize: number): void {
  requirePosInt(`${fn}: groupSize`, groupSize);
  if (n % groupSize !== 0) throw new Error(`${fn}: ${n} rewards do not split into groups of ${groupSize}`);
}

/** How the per-token surrogate is averaged into one number. */
export type LossAggregation =
  /** GRPO: mean over each reply's tokens, then over the replies (a long reply's tokens weigh less each). */
  | 'perReply'
  /** DAPO: sum over every token of the batch ÷ the number of tokens (every token weighs the same). */
  | 'allTokens'
  /** Dr. GRPO: sum over every token ÷ (replies × a constant length), so the length does not rescale anything. */
  | 'constant';

export interface GroupLossOptions {
  /** Lower clip range ε_low: the ratio is clipped to [1 − ε_low, 1 + ε_high]. */
  clipLow: number;
  /** Upper clip range ε_high (= ε_low for GRPO; DAPO's clip-higher 0.28). */
  clipHigh: number;
  aggregation: LossAggregation;
  /** The constant length of 'constant' aggregation (e.g. the longest reply allowed). */
  constantLength?: number;
  /** Weight of the k3 KL estimate to the reference in the loss (GRPO, Dr. GRPO); 0 for none. */
  klCoef: number;
}

/**
 * The clipped surrogate of critic-free RL on token rows, every tensor [B, T] (B replies, masked to the reply
 * tokens), advantages one per reply broadcast over its tokens:
 *   per token   −min(ρA, clip(ρ, 1 − ε_low, 1 + ε_high)A) + klCoef · k3(π, π_ref),  ρ = π/π_old
 * averaged as opts.aggregation says. With ρ = 1 and klCoef = 0 the loss is −(average of A over the tokens).
 */
export function groupPolicyLoss(logprobs: tf.Tensor2D, oldLogprobs: tf.Tensor2D, refLogprobs: tf.Tensor2D,
  advantages: tf.Tensor1D, mask: tf.Tensor2D, opts: GroupLossOptions): tf.Scalar {
  const [B, T] = logprobs.shape;
  for (const [name, t] of [['oldLogprobs', oldLogprobs], ['refLogprobs', refLogprobs], ['mask', mask]] as const) {
    if (t.shape[0] !== B || t.shape[1] !== T) throw new Error(`groupPolicyLoss: ${name} has shape [${t.shape}], expected [${B},${T}]`);
  }
  if (advantages.shape[0] !== B) throw new Error(`groupPolicyLoss: ${advantages.shape[0]} advantages for ${B} replies`);
  if (!(opts.clipLow > 0 && opts.clipHigh > 0)) throw new Error(`groupPolicyLoss: clip ranges must be > 0, got ${opts.clipLow}, ${opts.clipHigh}`);
  if (opts.aggregation === 'constant' && !(opts.constantLength !== undefined && opts.constantLength > 0)) {
    throw new Error("groupPolicyLoss: 'constant' aggregation needs constantLength > 0");
  }
  return tf.tidy(() => {
    const m = tf.cast(mask, 'float32');
    const a = tf.reshape(advantages, [B, 1]); // (B, 1) broadcast over tokens
    const ratio = tf.exp(tf.sub(logprobs, oldLogprobs)); // ρ (B, T)
    const surrogate = tf.minimum(tf.mul(ratio, a), tf.mul(tf.clipByValue(ratio, 1 - opts.clipLow, 1 + opts.clipHigh), a));
    let perToken = tf.neg(surrogate) as tf.Tensor2D;
    if (opts.klCoef > 0) perToken = tf.add(perToken, tf.mul(klK3(logprobs, refLogprobs), opts.klCoef)) as tf.Tensor2D;
    const masked = tf.mul(perToken, m); // (B, T)
    switch (opts.aggregation) {
      case 'perReply': {
        const perReply = tf.div(tf.sum(masked, 1), tf.maximum(tf.sum(m, 1), 1)); // (B)
        return tf.mean(perReply) as tf.Scalar;
      }
      case 'allTokens':
        return tf.div(tf.sum(masked), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
      case 'constant':
        return tf.div(tf.sum(masked), B * opts.constantLength!) as tf.Scalar;
    }
  });
}

/** The switches of one critic-free variant. */
export interface GroupRlVariant {
  advantage: GroupAdvantageOptions;
  loss: Omit<GroupLossOptions, 'constantLength'>;
  /** Per-token KL penalty folded into the reward before the baseline (RLOO, as PPO does); 0 for none. */
  rewardKlCoef: number;
  /** Leave out groups whose rewards are all equal (DAPO's dynamic sampling, without resampling). */
  skipZeroVariance: boolean;
}

/** The named variants, as the papers define them (KL coefficients as in TRL's defaults, clip 0.2). */
export const GROUP_RL_VARIANTS: Record<'rloo' | 'grpo' | 'drGrpo' | 'dapo', GroupRlVariant> = {
  rloo: {
    advantage: { baseline: 'leaveOneOut', scaleByStd: false },
    loss: { clipLow: 0.2, clipHigh: 0.2, aggregation: 'perReply', klCoef: 0 },
    rewardKlCoef: 0.05,
    skipZeroVariance: false,
  },
  grpo: {
    advantage: { baseline: 'groupMean', scaleByStd: true },
    loss: { clipLow: 0.2, clipHigh: 0.2, aggregation: 'perReply', klCoef: 0.04 },
    rewardKlCoef: 0,
    skipZeroVariance: false,
  },
  drGrpo: {
    advantage: { baseline: 'groupMean', scaleByStd: false },
    loss: { clipLow: 0.2, clipHigh: 0.2, aggregation: 'constant', klCoef: 0.04 },
    rewardKlCoef: 0,
    skipZeroVariance: false,
  },
  dapo: {
    advantage: { baseline: 'groupMean', scaleByStd: true },
    loss: { clipLow: 0.2, clipHigh: 0.28, aggregation: 'allTokens', klCoef: 0 },
    rewardKlCoef: 0,
    skipZeroVariance: true,
  },
};

/** Tensors of one minibatch of grouped replies: tokens [b, T]; mask and log-probs [b, T−1]; advantages [b]. */
export interface GroupMinibatch {
  tokens: tf.Tensor2D;
  mask: tf.Tensor2D;
  oldLogprobs: tf.Tensor2D;
  refLogprobs: tf.Tensor2D;
  advantages: tf.Tensor1D;
}

/**
 * The critic-free loss of a policy on a minibatch, from one forward pass: log-probs of the rows' tokens at the
 * sampling temperature (dropout off, as when the replies were scored, so that ρ = 1 before any update), then
 * groupPolicyLoss.
 */
export function groupRlLoss(model: GPT, mb: GroupMinibatch, opts: GroupLossOptions, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const [B, T] = mb.tokens.shape;
    const logits = model.logits(model.hidden(mb.tokens.slice([0, 0], [B, T - 1])));
    const logprobs = logprobsOf(logits, mb.tokens.slice([0, 1], [B, T - 1]), temperature);
    return groupPolicyLoss(logprobs, mb.oldLogprobs, mb.refLogprobs, mb.advantages, mb.mask, opts);
  });
}

/** Settings of the critic-free stage (notebook 07); the variant's own switches are in GROUP_RL_VARIANTS. */
export interface GroupRlConfig {
  /** Iterations (each: one batch of prompts × groupSize replies, then the updates). */
  iterations: number;
  /** Prompts per iteration. */
  promptsPerIteration: number;
  /** Replies sampled per prompt (G). */
  groupSize: number;
  /** Passes over each batch of replies. */
  epochs: number;
  /** Minibatches per pass (whole groups stay together). */
  minibatches: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Sampling temperature; log-probs use the same. */
  temperature: number;
  /** Longest reply, in tokens (also Dr. GRPO's constant length). */
  maxNewTokens: number;
  /** Subtracted from the reward of a reply that never emits EOS. */
  noEosPenalty: number;
  /** Weight of the verifier's 0/1 next to the reward model's score in the combined reward. */
  verifierWeight: number;
  /** Measure gold Likert on the validation prompts every this many iterations (checkpoint choice). */
  evalEvery: number;
  /** Seed of prompt order and sampling. */
  seed: number;
}

export const defaultGroupRlConfig: GroupRlConfig = {
  iterations: 120,
  promptsPerIteration: 16,
  groupSize: 4,
  epochs: 2,
  minibatches: 2,
  learningRate: 8e-5,
  temperature: 1,
  maxNewTokens: 24,
  noEosPenalty: 1,
  verifierWeight: 1,
  evalEvery: 10,
  seed: 1,
};

/** Checks a critic-free config; throws an error naming the bad field. */
export function validateGroupRlConfig(c: GroupRlConfig): GroupRlConfig {
  checkConfig('GroupRlConfig', c, {
    iterations: posInt, promptsPerIteration: posInt, groupSize: int(2), epochs: posInt, minibatches: posInt,
    learningRate: num('(0, 1)'), temperature: num('(0, ∞)'), maxNewTokens: posInt, noEosPenalty: num('[0, ∞)'),
    verifierWeight: num('[0, ∞)'), evalEvery: posInt, seed: int(),
  });
  if (c.minibatches > c.promptsPerIteration) throw new Error(`GroupRlConfig.minibatches (${c.minibatches}) cannot exceed promptsPerIteration (${c.promptsPerIteration})`);
  return c;
}

/** The config shrunk for smoke mode (CI runs every notebook in seconds): the same code paths, tiny sizes. */
export function smokeGroupRlConfig(c: GroupRlConfig): GroupRlConfig {
  return { ...c, iterations: 2, promptsPerIteration: 4, groupSize: 2, epochs: 1, minibatches: 2, maxNewTokens: 8, evalEvery: 1 };
}
