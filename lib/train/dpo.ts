import { pairTrainingRules, type PairTrainingConfig } from '../reward/config';
import { checkConfig, int, num, posInt, type Rules } from '../core/validate';
import type { Adam } from '../model/adam';
import type { StepContext } from '../core/finiteGuard';
import { rewardModelStep, type RewardBatch, type RewardStepResult } from '../reward/training';
import type { RewardModel } from '../reward/rewardModel';

/**
 * Direct Preference Optimization (Rafailov et al. 2023): the policy learns the labelers' preferences directly, with
 * no reward model and no sampling loop.
 *
 * PPO maximises E[r(x, y)] − β·KL(π ‖ π_ref). That objective's optimum is known in closed form,
 *   π*(y|x) = π_ref(y|x) · exp(r(x, y)/β) / Z(x),   so   r(x, y) = β · log π*(y|x)/π_ref(y|x) + β · log Z(x).
 * Put that reward into the Bradley–Terry loss of stage 03 and Z(x) cancels in the difference of two replies to the
 * same prompt:
 *   loss = −log σ(β · [log π_θ(y_w|x)/π_ref(y_w|x) − log π_θ(y_l|x)/π_ref(y_l|x)])   (sums over each reply's tokens)
 * which is the loss of the 'logRatio' reward model (lib/reward/training.ts) — the same code trains both. Trained that
 * way, the model is a reward model whose best policy, at this β, is the model itself: the policy is what we keep.
 *
 * Offline: it learns only from the replies stage 02 sampled and the panel ranked; PPO keeps sampling new replies
 * from the policy it is training and asks the reward model about each.
 */

/**
 * Settings of DPO training (notebooks/05_dpo.ipynb): the batching, schedule and split of reward-model training
 * (lib/reward/config.ts, same meanings), plus β and the evaluations that choose the checkpoint.
 */
export interface DpoConfig extends PairTrainingConfig {
  /** β of the implicit reward β · log π/π_ref: larger keeps the policy nearer the reference (DPO and TRL: 0.1). */
  beta: number;
  /** Steps between evaluations on the validation prompts (the best one, by gold, is kept). */
  evalEvery: number;
  /** Sampling temperature of every evaluation (1, as PPO's). */
  temperature: number;
  /** Reply length limit of every evaluation, in tokens (PPO's). */
  maxNewTokens: number;
  /** Validation prompts the policy answers at every evaluation; their gold score chooses the checkpoint (PPO's). */
  validationPrompts: number;
  /** Evaluation prompts of the final comparison with SFT and PPO (PPO's). */
  evalPrompts: number;
  /** Seed of the order in which the training prompts are visited (RLHF_SEED in notebooks/05_dpo.ipynb). */
  seed: number;
  /** Seed of the held-out split: 03's seed, so that both hold out the same prompts. */
  splitSeed: number;
}

/**
 * Published DPO runs train at learning rates of 5e-7 to 1e-6, on models of billions of weights; this workbook's
 * 1.7 M-parameter GPT learns at the reward model's 1e-4 (3e-4 reached a lower validation gold). Validation gold peaks
 * within two epochs. The held-out share and the split's seed are 03's, so both hold out the same prompts.
 */
export const defaultDpoConfig: DpoConfig = {
  beta: 0.1,
  learningRate: 1e-4,
  epochs: 2,
  promptsPerBatch: 8,
  heldOutFraction: 0.1,
  warmupFraction: 0.05,
  minLearningRateRatio: 0.1,
  gradClip: 1,
  evalEvery: 35,
  temperature: 1,
  maxNewTokens: 24,
  maxTrainGroups: Infinity,
  validationPrompts: 150,
  evalPrompts: 300,
  seed: 1,
  splitSeed: 1,
};

/** The fields online DPO shares (lib/train/onlineDpo.ts): β, the checkpoint's evaluations, and the seed. */
export type DpoPolicyFields = Pick<DpoConfig, 'beta' | 'evalEvery' | 'temperature' | 'maxNewTokens' | 'seed'>;

/** The rules of the DpoPolicyFields (checkConfig), shared with online DPO. */
export const dpoPolicyRules: Rules<DpoPolicyFields> = {
  beta: num('(0, ∞)'), evalEvery: posInt, temperature: num('(0, ∞)'), maxNewTokens: posInt, seed: int(),
};

/** Checks a DPO config; throws an error naming the bad field. */
export function validateDpoConfig(c: DpoConfig): DpoConfig {
  return checkConfig('DpoConfig', c, { ...pairTrainingRules, ...dpoPolicyRules, validationPrompts: posInt, evalPrompts: posInt, splitSeed: int() });
}

/** The config shrunk for smoke mode (CI runs every notebook in seconds): one epoch on a few groups, short replies, few prompts. */
export function smokeDpoConfig(c: DpoConfig): DpoConfig {
  return { ...c, epochs: 1, maxTrainGroups: 32, heldOutFraction: 0.25, evalEvery: 2, maxNewTokens: 8, validationPrompts: 8, evalPrompts: 8 };
}

/**
 * One DPO step (notebooks 05 and 06): rewardModelStep on the 'logRatio' reward model with dropout off. The policy's
 * log-probabilities in the loss are then the ones it gives its replies when it samples and when it is scored (both
 * without dropout), as in PPO's loss (lib/train/ppo.ts ppoLoss): at the first step the policy equals the reference, so every
 * log-ratio is exactly 0 and the loss exactly log 2, whatever the model's dropout. With dropout on, the policy's pass
 * would be a random thinned network compared against the reference's full one: a log-ratio that is not 0 at the
 * start and a gradient that pushes on noise. At dropout 0 (the workbook's default) the two settings compute the same.
 */
export function dpoStep(dpo: RewardModel, optimizer: Adam, batch: RewardBatch, opts: { learningRate: number; gradClip: number; guard?: StepContext }): RewardStepResult {
  if (dpo.form !== 'logRatio') throw new Error(`dpoStep: DPO trains a 'logRatio' reward model, got '${dpo.form}'`);
  return rewardModelStep(dpo, optimizer, batch, { ...opts, training: false });
}
