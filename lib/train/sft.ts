import { atLeastOrInfinity, checkConfig, int, num, posInt } from '../core/validate';

/** Settings of supervised fine-tuning (notebooks/01_supervised_finetuning.ipynb). */
export interface SftConfig {
  /** Passes over the demonstrations. More epochs fit the demonstrations better but erase facts never demonstrated. */
  epochs: number;
  /** Demonstrations per step. */
  batchSize: number;
  /** Peak learning rate (after warm-up). */
  learningRate: number;
  /** Share of all steps spent warming up linearly. */
  warmupFraction: number;
  /** Final learning rate as a fraction of the peak (cosine decay). */
  minLearningRateRatio: number;
  /** Clip the gradients' global norm to this (0 = no clipping). */
  gradClip: number;
  /**
   * Weight of the pre-training loss mixed into every step (0 = plain SFT). Rehearsing the pre-training text keeps
   * the facts that no demonstration mentions (InstructGPT mixes pre-training gradients into PPO for the same reason).
   */
  pretrainMix: number;
  /** Pre-training windows per step when pretrainMix > 0. */
  pretrainBatchSize: number;
  /** Share of demonstrations held out to measure validation loss. */
  validationFraction: number;
  /** Longest reply generated when evaluating, in tokens. */
  maxNewTokens: number;
  /** Evaluation prompts used (all of them: Infinity). */
  evalPrompts: number;
  /** Seed of shuffling, dropout and sampling. */
  seed: number;
}

export const defaultSftConfig: SftConfig = {
  epochs: 3,
  batchSize: 16,
  learningRate: 1e-3,
  warmupFraction: 0.05,
  minLearningRateRatio: 0.1,
  gradClip: 1,
  pretrainMix: 1,
  pretrainBatchSize: 8,
  validationFraction: 0.05,
  maxNewTokens: 32,
  evalPrompts: Infinity,
  seed: 1,
};

/** The config shrunk for smoke mode (CI runs every notebook in seconds): the same code paths, tiny sizes. */
export function smokeSftConfig(c: SftConfig): SftConfig {
  return { ...c, epochs: 1, batchSize: 8, evalPrompts: 16, maxNewTokens: 12 };
}

/** Checks an SFT config; throws an error naming the bad field. */
export function validateSftConfig(c: SftConfig): SftConfig {
  return checkConfig('SftConfig', c, {
    epochs: posInt, batchSize: posInt, learningRate: num('(0, 1)'), warmupFraction: num('[0, 1]'), minLearningRateRatio: num('[0, 1]'),
    gradClip: num('[0, ∞)'), pretrainMix: num('[0, ∞)'), pretrainBatchSize: posInt, validationFraction: num('(0, 0.5)'),
    maxNewTokens: posInt, evalPrompts: atLeastOrInfinity(1), seed: int(),
  });
}
