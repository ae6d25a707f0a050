import * as tf from '@tensorflow/tfjs';
import { Adam, clipByGlobalNorm } from '../model/adam';
import { bradleyTerryLoss, groupedPairs, pairRewards, PairBatch } from '../model/losses';
import type { IndexPair } from '../labels/preferences';
import type { RewardModel } from './rewardModel';
import { assertFinite, type StepContext } from '../core/finiteGuard';
import { packRewardRows, replyStartOf, rewardRow, type RewardRows } from './rows';
import { rewardForward } from './scoring';

/**
 * Bradley–Terry training of a reward model on grouped pairs (InstructGPT §3.5). DPO trains its policy with the same
 * code: its loss is this loss of the 'logRatio' reward model.
 */

/** One prompt's (one label's) K token rows and the pairs of its ranking: one batch element. */
export interface RewardGroup {
  /** [K][*] token rows of prompt + each response. */
  rows: number[][];
  /** Pairs of indices into rows: `chosen` was ranked above `rejected`. */
  pairs: IndexPair[];
  /** Where the replies start in the rows (the prompt's length; all rows share the prompt). The LM-head forms need it. */
  replyStart?: number;
}

/** One prompt's pair group (lib/labels/preferences' PairGroup) as token rows: prompt + each reply + EOS, its pairs, and where the replies start. */
export function encodePairGroup(tokenizer: { encode(text: string): number[]; eosId: number }, g: { prompt: string; responses: readonly string[]; pairs: IndexPair[] }): RewardGroup {
  return { rows: g.responses.map((r) => rewardRow(tokenizer, g.prompt, r)), pairs: g.pairs, replyStart: replyStartOf(tokenizer, g.prompt) };
}

/** A training batch: every response of its groups scored once, the pairs indexing into them. */
export interface RewardBatch extends RewardRows {
  pairs: PairBatch;
}

/** Groups → one batch (InstructGPT §3.5: all C(K,2) pairs of a prompt in the same batch, each response scored once). */
export function rewardBatch(groups: readonly RewardGroup[], padId: number, maxLength = Infinity): RewardBatch {
  const pairs = groupedPairs(groups.map((g) => ({ size: g.rows.length, pairs: g.pairs })));
  const starts = groups.every((g) => g.replyStart !== undefined) ? groups.flatMap((g) => g.rows.map(() => g.replyStart as number)) : undefined;
  return { ...packRewardRows(groups.flatMap((g) => g.rows), padId, maxLength, starts), pairs };
}

/**
 * The reward model's loss on one batch: Bradley–Terry −log σ(r_w − r_l), averaged over each prompt's pairs and
 * then over prompts (weights of groupedPairs). tokens [N, T] int32 → scalar; `rewards` receives the [N] rewards
 * (kept, for accuracy) when given.
 */
export function rewardModelLoss(rm: RewardModel, tokens: tf.Tensor2D, batch: RewardBatch, opts: { training?: boolean; keepRewards?: (r: tf.Tensor1D) => void } = {}): tf.Scalar {
  return tf.tidy(() => {
    const r = rewardForward(rm, tokens, batch, { training: opts.training }); // (N)
    if (opts.keepRewards) opts.keepRewards(tf.keep(r));
    const { chosen, rejected } = pairRewards(r, batch.pairs); // (P), (P)
    return bradleyTerryLoss(chosen, rejected, batch.pairs.weights);
  });
}

/**
 * Share of pairs the rewards order like the labels: r[chosen] > r[rejected] counts 1, a tie ½.
 * rewards [N], pairs with flat indices → number in [0, 1] (NaN without pairs).
 */
export function pairAccuracy(rewards: ArrayLike<number>, pairs: { chosen: readonly number[]; rejected: readonly number[] }): number {
  if (pairs.chosen.length !== pairs.rejected.length) throw new Error(`pairAccuracy: ${pairs.chosen.length} chosen but ${pairs.rejected.length} rejected`);
  if (pairs.chosen.length === 0) return NaN;
  let right = 0;
  pairs.chosen.forEach((c, p) => {
    const a = rewards[c];
    const b = rewards[pairs.rejected[p]];
    if (a === undefined || b === undefined) throw new Error(`pairAccuracy: pair ${p} indexes beyond the ${rewards.length} rewards`);
    right += a > b ? 1 : a === b ? 0.5 : 0;
  });
  return right / pairs.chosen.length;
}

/** What one training step measured. */
export interface RewardStepResult {
  /** Bradley–Terry loss of the batch (before the update). */
  loss: number;
  /** Pair accuracy on the batch (before the update). */
  accuracy: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Mean |r_w − r_l| over the batch's pairs. */
  margin: number;
}

/**
 * One optimiser step of the reward model on a batch: loss and gradients of every trainable weight, global-norm
 * clipping (gradClip 0 = none), Adam with the given learning rate. Before the update, the loss, the gradients'
 * global norm and the learning rate must be finite (lib/core/finiteGuard.ts): otherwise a NonFiniteError naming
 * `opts.guard`'s stage, step and last checkpoint on disk, with the weights untouched. Allocates no tensor that
 * outlives the call (nor when it throws).
 */
export function rewardModelStep(rm: RewardModel, optimizer: Adam, batch: RewardBatch, opts: { learningRate: number; gradClip: number; training?: boolean; guard?: StepContext }): RewardStepResult {
  const tokens = tf.tensor2d(batch.tokens, undefined, 'int32');
  let rewards: tf.Tensor1D | null = null;
  const trainable = [...rm.model.params().values()].filter((v) => v.trainable);
  if (trainable.length === 0) throw new Error('rewardModelStep: the model has no trainable weights (loaded with trainable: false?)');
  const { value, grads } = tf.variableGrads(
    () => rewardModelLoss(rm, tokens, batch, { training: opts.training ?? true, keepRewards: (r) => { rewards = r; } }),
    trainable,
  );
  let gradNorm = NaN;
  let clipped = grads;
  if (opts.gradClip > 0) {
    const c = clipByGlobalNorm(grads, opts.gradClip);
    clipped = c.grads;
    gradNorm = c.norm;
  }
  try {
    assertFinite(opts.guard ?? { stage: 'rewardModelStep', step: optimizer.steps + 1, lastCheckpoint: 'not given' }, value,
      opts.gradClip > 0 ? gradNorm : grads, opts.learningRate);
  } catch (err) {
    tf.dispose([tokens, value, rewards ?? [], ...Object.values(grads), ...(clipped === grads ? [] : Object.values(clipped))]);
    throw err;
  }
  optimizer.step(clipped, opts.learningRate);
  const loss = value.dataSync()[0];
  const r = (rewards as tf.Tensor1D | null)?.dataSync() ?? new Float32Array(0);
  tf.dispose([tokens, value, rewards ?? [], ...Object.values(grads), ...(clipped === grads ? [] : Object.values(clipped))]);
  const p = batch.pairs;
  const margin = p.chosen.reduce((s, c, i) => s + Math.abs(r[c] - r[p.rejected[i]]), 0) / Math.max(1, p.chosen.length);
  return { loss, accuracy: pairAccuracy(r, p), gradNorm, margin };
}
