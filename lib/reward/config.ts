import { REWARD_FORMS, type RewardForm } from './rewardModel';

/** Settings of reward-model training, and the parts of them that DPO and online DPO share. */

/** Settings of reward-model training (notebooks/03_reward_model.ipynb). */
export interface RewardModelConfig {
  /** Peak Adam learning rate (a calibration run of this world: 3e-4 beat 1e-4). */
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

/** The fields of reward-model training that DPO shares (lib/dpo.ts): batching, schedule, clipping and split. */
export type PairTrainingConfig = Pick<RewardModelConfig,
  'learningRate' | 'epochs' | 'promptsPerBatch' | 'heldOutFraction' | 'warmupFraction' | 'minLearningRateRatio' | 'gradClip' | 'maxTrainGroups'>;

/** The optimiser schedule shared with online DPO (lib/onlineDpo.ts): peak rate, warm-up, decay floor and clipping. */
export type ScheduleConfig = Pick<RewardModelConfig, 'learningRate' | 'warmupFraction' | 'minLearningRateRatio' | 'gradClip'>;

/** Checks the ScheduleConfig fields of a config; errors name the field as `${configName}.field`. */
export function validateScheduleFields(c: ScheduleConfig, configName: string): void {
  if (!(c.learningRate > 0 && c.learningRate < 1)) throw new Error(`${configName}.learningRate must be in (0, 1), got ${c.learningRate}`);
  if (!(c.warmupFraction >= 0 && c.warmupFraction <= 1)) throw new Error(`${configName}.warmupFraction must be in [0, 1], got ${c.warmupFraction}`);
  if (!(c.minLearningRateRatio >= 0 && c.minLearningRateRatio <= 1)) throw new Error(`${configName}.minLearningRateRatio must be in [0, 1], got ${c.minLearningRateRatio}`);
  if (!(c.gradClip >= 0)) throw new Error(`${configName}.gradClip must be ≥ 0, got ${c.gradClip}`);
}

/** Checks the PairTrainingConfig fields of a config; errors name the field as `${configName}.field`. */
export function validatePairTrainingFields(c: PairTrainingConfig, configName: string): void {
  const posInt = (k: 'epochs' | 'promptsPerBatch') => {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`${configName}.${k} must be a positive integer, got ${c[k]}`);
  };
  posInt('epochs');
  posInt('promptsPerBatch');
  validateScheduleFields(c, configName);
  if (!(c.heldOutFraction > 0 && c.heldOutFraction < 1)) throw new Error(`${configName}.heldOutFraction must be in (0, 1), got ${c.heldOutFraction}`);
  if (!(c.maxTrainGroups >= 1)) throw new Error(`${configName}.maxTrainGroups must be ≥ 1, got ${c.maxTrainGroups}`);
}

/** Checks a reward-model config; throws an error naming the bad field. */
export function validateRewardModelConfig(c: RewardModelConfig): RewardModelConfig {
  validatePairTrainingFields(c, 'RewardModelConfig');
  if (!(c.beta2 > 0 && c.beta2 < 1)) throw new Error(`RewardModelConfig.beta2 must be in (0, 1), got ${c.beta2}`);
  if (!REWARD_FORMS.includes(c.form)) throw new Error(`RewardModelConfig.form must be one of ${REWARD_FORMS.map((f) => `'${f}'`).join(', ')}; got ${JSON.stringify(c.form)}`);
  if (!(c.logProbBeta > 0 && Number.isFinite(c.logProbBeta))) throw new Error(`RewardModelConfig.logProbBeta must be > 0, got ${c.logProbBeta}`);
  if (!Number.isInteger(c.seed)) throw new Error(`RewardModelConfig.seed must be an integer, got ${c.seed}`);
  return c;
}
