import { REWARD_FORMS, type RewardForm } from './rewardModel';
import { atLeastOrInfinity, checkConfig, int, num, oneOf, posInt, type Rules } from '../core/validate';

/** Settings of reward-model training, and the parts of them that DPO and online DPO share. */

/** Settings of reward-model training (notebooks/03_reward_model.ipynb). */
export interface RewardModelConfig {
  /** Peak Adam learning rate (after warm-up; cosine decay follows). */
  learningRate: number;
  /** Passes over the training prompts. */
  epochs: number;
  /** Prompts (pair groups) per step; each brings its K responses, all scored in one forward pass. */
  promptsPerBatch: number;
  /** Share of the ranking prompts (not pairs) held out to measure accuracy. */
  heldOutFraction: number;
  /** Share of all steps spent warming up linearly. */
  warmupFraction: number;
  /** Final learning rate as a fraction of the peak (cosine decay). */
  minLearningRateRatio: number;
  /** Clip the gradients' global norm to this (0 = no clipping). */
  gradClip: number;
  /** Adam's β₂. */
  beta2: number;
  /** Use at most this many training groups (Infinity = all; smoke mode uses a few). */
  maxTrainGroups: number;
  /**
   * How the reward is read: 'weightedLogLikelihood' (default), 'logLikelihood' or 'logRatio' (all read the LM head),
   * or 'lastTokenHead' (InstructGPT's scalar head).
   */
  form: RewardForm;
  /**
   * The forms that read log-probabilities ('logRatio', 'logLikelihood', 'weightedLogLikelihood'): β of r = β · log π/π_ref (or β · log π)
   * before normalisation (DPO's usual 0.1).
   */
  logProbBeta: number;
  /** Seed of the split, the shuffling and the reward head's initial weights. */
  seed: number;
}

export const defaultRewardModelConfig: RewardModelConfig = {
  learningRate: 1e-4,
  epochs: 3,
  promptsPerBatch: 8,
  heldOutFraction: 0.1,
  warmupFraction: 0.05,
  minLearningRateRatio: 0.1,
  gradClip: 1,
  beta2: 0.999,
  maxTrainGroups: Infinity,
  form: 'weightedLogLikelihood',
  logProbBeta: 0.1,
  seed: 1,
};

/** The fields of reward-model training that DPO shares (lib/train/dpo.ts): batching, schedule, clipping and split. */
export type PairTrainingConfig = Pick<RewardModelConfig,
  'learningRate' | 'epochs' | 'promptsPerBatch' | 'heldOutFraction' | 'warmupFraction' | 'minLearningRateRatio' | 'gradClip' | 'maxTrainGroups'>;

/** The optimiser schedule shared with online DPO (lib/train/onlineDpo.ts): peak rate, warm-up, decay floor and clipping. */
export type ScheduleConfig = Pick<RewardModelConfig, 'learningRate' | 'warmupFraction' | 'minLearningRateRatio' | 'gradClip'>;

/** The rules of the ScheduleConfig fields (checkConfig), shared with online DPO. */
export const scheduleRules: Rules<ScheduleConfig> = {
  learningRate: num('(0, 1)'), warmupFraction: num('[0, 1]'), minLearningRateRatio: num('[0, 1]'), gradClip: num('[0, ∞)'),
};

/** The rules of the PairTrainingConfig fields (checkConfig), shared with DPO. */
export const pairTrainingRules: Rules<PairTrainingConfig> = {
  ...scheduleRules, epochs: posInt, promptsPerBatch: posInt, heldOutFraction: num('(0, 1)'), maxTrainGroups: atLeastOrInfinity(1),
};

/** The config shrunk for smoke mode (CI runs every notebook in seconds): one epoch on a few groups, a larger held-out share. */
export function smokeRewardModelConfig(c: RewardModelConfig): RewardModelConfig {
  return { ...c, epochs: 1, promptsPerBatch: 8, maxTrainGroups: 32, heldOutFraction: 0.25 };
}

/**
 * Whether notebooks/03_reward_model.ipynb trains its comparison reward models (the other forms, the gold-rankings
 * control, one label per prompt) besides the one it keeps: `RLHF_COMPARE=1`. Off by default, because they take
 * several times as long as the reward model the later stages use, and nothing downstream reads them.
 */
export function comparisonsEnabled(env: Record<string, string | undefined> = process.env): boolean {
  const v = env.RLHF_COMPARE;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** Checks a reward-model config; throws an error naming the bad field. */
export function validateRewardModelConfig(c: RewardModelConfig): RewardModelConfig {
  return checkConfig('RewardModelConfig', c, {
    ...pairTrainingRules, beta2: num('(0, 1)'), form: oneOf(REWARD_FORMS), logProbBeta: num('(0, ∞)'), seed: int(),
  });
}
