import * as tf from '@tensorflow/tfjs';
import { REWARD_HEAD, type RewardModel } from './rewardModel';
import { mean } from '../core/stats';

/** Normalising a reward model's outputs to mean 0 and standard deviation 1 on reference samples. */

/** Affine map of raw rewards: normalised = gain · raw + bias. */
export interface RewardNormalization {
  gain: number;
  bias: number;
  /** Mean and (population) standard deviation of the raw rewards the constants were fitted on. */
  rawMean: number;
  rawStd: number;
  /** How many rewards they were fitted on. */
  count: number;
}

/**
 * The gain and bias that give `raw` (rewards of reference samples, e.g. SFT samples) mean 0 and standard
 * deviation 1, as OpenAI's lm-human-preferences normalises its reward model: gain = 1/std, bias = −mean/std.
 */
export function fitRewardNormalization(raw: readonly number[]): RewardNormalization {
  const n = raw.length;
  if (n < 2) throw new Error(`fitRewardNormalization: need at least 2 rewards, got ${n}`);
  const m = mean(raw);
  const std = Math.sqrt(raw.reduce((s, x) => s + (x - m) * (x - m), 0) / n);
  if (!(std > 0) || !Number.isFinite(std)) throw new Error(`fitRewardNormalization: the rewards have standard deviation ${std}; cannot normalise`);
  return { gain: 1 / std, bias: -m / std, rawMean: m, rawStd: std, count: n };
}

/**
 * Folds gain and bias into the reward model, so that it outputs normalised rewards: 'lastTokenHead' into the
 * head's weights (w ← gain·w, b ← gain·b + bias); the other forms into scale and shift (saved with the model).
 */
export function applyRewardNormalization(rm: RewardModel, norm: { gain: number; bias: number }): void {
  if (!(Number.isFinite(norm.gain) && norm.gain > 0 && Number.isFinite(norm.bias))) {
    throw new Error(`applyRewardNormalization: gain must be finite and > 0 and bias finite, got gain ${norm.gain}, bias ${norm.bias}`);
  }
  if (rm.form !== 'lastTokenHead') {
    rm.scale *= norm.gain;
    rm.shift = norm.gain * rm.shift + norm.bias;
    return;
  }
  const w = rm.model.param(`heads.${REWARD_HEAD}.weight`);
  const b = rm.model.param(`heads.${REWARD_HEAD}.bias`);
  tf.tidy(() => {
    w.assign(tf.mul(w, norm.gain));
    b.assign(tf.add(tf.mul(b, norm.gain), norm.bias));
  });
}
