import { GPT } from '../model/gpt';

/**
 * The reward model: a GPT trained with Bradley–Terry on the labelers' rankings, in one of four forms.
 *
 * - 'lastTokenHead' (InstructGPT §3.5; OpenAI's lm-human-preferences): a scalar head, "reward", read on the final
 *   hidden state of the last token (below).
 * - 'logRatio' (the implicit reward of DPO, Rafailov et al. 2023): the reward is β times the log-probability ratio
 *   of the reply under the trained GPT and under a frozen reference (the SFT model it started from),
 *     r(x, y) = β · Σ_t [log π_θ(y_t | x, y_<t) − log π_ref(y_t | x, y_<t)]   (t over the reply's tokens, EOS included).
 *   It reads the model's LM head, where the facts the model learned live: on this world a last-token head learns
 *   tone but not whether the answer is right (notebooks/03_reward_model.ipynb compares the forms).
 * - 'logLikelihood' (reference-free, like SimPO's reward, Meng et al. 2024, but summed rather than averaged over
 *   the reply): the reward is β times the reply's log-probability under the trained GPT,
 *     r(x, y) = β · Σ_t log π_θ(y_t | x, y_<t).
 *   The log-ratio subtracts the SFT model's log-probabilities, and with them what SFT already knew: before any
 *   training, the SFT model's own Σ log π orders held-out pairs about as well as a trained log-ratio RM, and best
 *   on the pairs that differ only in whether the answer is right. This form starts from that knowledge and learns
 *   the labelers' preferences on top of it; it needs no reference model.
 * - 'weightedLogLikelihood': the same sum, each token's term weighted and shifted by two scalar heads read on the
 *   hidden state h_t just after the token (so they see it and what came before),
 *     r(x, y) = β · Σ_t [exp(w(h_t)) · log π_θ(y_t | x, y_<t) + b(h_t)],   w, b = TOKEN_HEAD_GAIN · (linear heads),
 *   both heads zero-initialised, so training starts from exactly the 'logLikelihood' reward. A plain sum charges an
 *   insult on every token it spans and a wrong answer on one token; the weights let the model learn what each
 *   token's surprise is worth.
 *
 * The last-token head, in detail: it reads the final hidden state of the LAST token of prompt + response. Where the
 * reply ended with EOS, that last token is EOS: the head then sees the whole reply, and a reply that stopped is told
 * apart from one cut at the length limit.
 *
 *   row:      U ser : … Assistant :  ␣Lima  .  EOS  PAD PAD
 *   lastIndex                                  ↑ (the reward is read here; PAD never reaches it: attention is causal)
 *
 * Rows are right-padded with PAD; because attention is causal, the hidden state at the last real token does not
 * depend on the padding after it, so a row's reward is the same in any batch.
 *
 * Replies given as text (the rankings of stage 02, which store the reply text without EOS) are treated as finished:
 * EOS is appended. Replies given as token ids (PPO's rollouts) are used as generated: EOS is there if the model
 * emitted it, and a reply cut at the length limit is scored at its last token.
 *
 * Shapes: B rows, T positions, d width, N scored responses, P preference pairs.
 */

/** The name of the scalar head that carries the reward. */
export const REWARD_HEAD = 'reward';
/** The 'weightedLogLikelihood' form's heads: the log of each reply token's weight, and its additive bonus. */
export const TOKEN_WEIGHT_HEAD = 'tokenWeight';
export const TOKEN_BONUS_HEAD = 'tokenBonus';
/**
 * The token heads' outputs are multiplied by this gain, so that under Adam (whose steps do not depend on the
 * gradient's scale) they move 10 × as fast as the trunk from their zero start: at the trunk's rate they stay too
 * small to matter within the few epochs of reward-model training.
 */
export const TOKEN_HEAD_GAIN = 10;

/** How the reward is read from the model (see the file comment). */
export const REWARD_FORMS = ['lastTokenHead', 'logRatio', 'logLikelihood', 'weightedLogLikelihood'] as const;
export type RewardForm = (typeof REWARD_FORMS)[number];

/** A reward model ready to score or train. */
export interface RewardModel {
  form: RewardForm;
  /** The trained GPT: its REWARD_HEAD ('lastTokenHead') or its LM head (the other forms; 'weightedLogLikelihood' also its two token heads). */
  model: GPT;
  /** 'logRatio': the frozen model the reply's log-probabilities are compared with (the SFT model); else null. */
  reference: GPT | null;
  /**
   * 'logRatio', 'logLikelihood', 'weightedLogLikelihood': reward = scale · Σ log-ratio (or log π, or the weighted
   * term) + shift (scale starts as β;
   * normalisation folds into both).
   * 'lastTokenHead': 1 and 0 (the normalisation is folded into the head's weights instead).
   */
  scale: number;
  shift: number;
}

/** The InstructGPT reward model: `model` must have a REWARD_HEAD. */
export function headRewardModel(model: GPT): RewardModel {
  model.param(`heads.${REWARD_HEAD}.weight`); // throws, naming the head, if it is missing
  return { form: 'lastTokenHead', model, reference: null, scale: 1, shift: 0 };
}

/** The log-ratio (DPO implicit) reward model: β · log π_model(y|x) / π_reference(y|x). */
export function logRatioRewardModel(model: GPT, reference: GPT, beta: number): RewardModel {
  if (!(Number.isFinite(beta) && beta > 0)) throw new Error(`logRatioRewardModel: beta must be finite and > 0, got ${beta}`);
  if (model === reference) throw new Error('logRatioRewardModel: the reference must be a separate (frozen) copy of the model');
  const c = model.config, r = reference.config;
  if (c.vocabSize !== r.vocabSize || c.contextLength !== r.contextLength) {
    throw new Error(`logRatioRewardModel: model (vocab ${c.vocabSize}, context ${c.contextLength}) and reference (vocab ${r.vocabSize}, context ${r.contextLength}) differ`);
  }
  if ([...reference.params().values()].some((v) => v.trainable)) throw new Error('logRatioRewardModel: the reference must be frozen (load it with trainable: false)');
  return { form: 'logRatio', model, reference, scale: beta, shift: 0 };
}

/** The reference-free reward model: β · log π_model(y|x). */
export function logLikelihoodRewardModel(model: GPT, beta: number): RewardModel {
  if (!(Number.isFinite(beta) && beta > 0)) throw new Error(`logLikelihoodRewardModel: beta must be finite and > 0, got ${beta}`);
  return { form: 'logLikelihood', model, reference: null, scale: beta, shift: 0 };
}

/**
 * The token-weighted reference-free reward model: β · Σ_t [exp(w(h_t)) · log π_model(y_t) + b(h_t)]. Adds the two
 * token heads, zero-initialised, when `model` lacks them (a fresh copy of the SFT model); a loaded reward model
 * brings its trained ones.
 */
export function weightedLogLikelihoodRewardModel(model: GPT, beta: number): RewardModel {
  if (!(Number.isFinite(beta) && beta > 0)) throw new Error(`weightedLogLikelihoodRewardModel: beta must be finite and > 0, got ${beta}`);
  for (const name of missingTokenHeads(model)) model.addHead(name, { zero: true });
  return { form: 'weightedLogLikelihood', model, reference: null, scale: beta, shift: 0 };
}

/** The token heads of the 'weightedLogLikelihood' form that `model` lacks (none for a trained or loaded one). */
export function missingTokenHeads(model: GPT): string[] {
  const heads = model.headNames();
  return [TOKEN_WEIGHT_HEAD, TOKEN_BONUS_HEAD].filter((name) => !heads.includes(name));
}

/** What a saved reward model records about its form (stored in its metrics.json under "reward"). */
export interface RewardModelMeta {
  form: RewardForm;
  scale: number;
  shift: number;
  /** 'logRatio': the stage (or folder) of the reference model, and its weights' SHA-256. */
  reference?: { stage: string; sha256: string };
}


/** What to save with a reward model (its metrics.json "reward"): form, scale, shift and, for 'logRatio', which reference. */
export function rewardModelMeta(rm: RewardModel, reference?: { stage: string; sha256: string }): RewardModelMeta {
  if (rm.form === 'logRatio' && !reference) throw new Error("rewardModelMeta: a 'logRatio' reward model must name its reference (stage and weights SHA-256)");
  return { form: rm.form, scale: rm.scale, shift: rm.shift, ...(rm.form === 'logRatio' ? { reference } : {}) };
}
