import * as tf from '@tensorflow/tfjs';
import { GPT } from './gpt';
import { Adam, clipByGlobalNorm } from './adam';
import { assertFinite, type StepContext } from './finiteGuard';
import { chatPrompt, chatReply } from './chat';
import { bradleyTerryLoss, groupedPairs, pairRewards, PairBatch } from './losses';
import type { IndexPair } from './preferences';

/**
 * The reward model: a GPT trained with Bradley–Terry on the labelers' rankings, in one of three forms.
 *
 * - 'lastTokenHead' (InstructGPT §3.5; OpenAI's lm-human-preferences): a scalar head, "reward", read on the final
 *   hidden state of the last token (below).
 * - 'logRatio' (the implicit reward of DPO, Rafailov et al. 2023): the reward is β times the log-probability ratio
 *   of the reply under the trained GPT and under a frozen reference (the SFT model it started from),
 *     r(x, y) = β · Σ_t [log π_θ(y_t | x, y_<t) − log π_ref(y_t | x, y_<t)]   (t over the reply's tokens, EOS included).
 *   It reads the model's LM head, where the facts the model learned live: on this world a last-token head learns
 *   tone but not whether the answer is right (notebooks/03_reward_model.ipynb shows all three forms).
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
 * gradient's scale) they move 10 × as fast as the trunk from their zero start: at the trunk's rate they stayed too
 * small to matter in three epochs (0.75 against 0.78 held-out accuracy vs gold on this world).
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

// ---------------------------------------------------------------------------------------------------------------
// Rows

/**
 * Token row of one (question, reply): chatPrompt(question) then the reply. A text reply is encoded as
 * chatReply(text) followed by EOS (an empty text is EOS alone, as the model generates it); a token reply is
 * appended as it is.
 */
export function rewardRow(
  tokenizer: { encode(text: string): number[]; eosId: number },
  question: string,
  reply: string | readonly number[],
): number[] {
  const prompt = tokenizer.encode(chatPrompt(question));
  if (typeof reply !== 'string') return prompt.concat(reply as number[]);
  const body = reply.trim() === '' ? [] : tokenizer.encode(chatReply(reply));
  return prompt.concat(body, [tokenizer.eosId]);
}

/** Where the reply starts in rewardRow(tokenizer, question, ·): the length of the encoded chat prompt. */
export function replyStartOf(tokenizer: { encode(text: string): number[] }, question: string): number {
  return tokenizer.encode(chatPrompt(question)).length;
}

/** Right-padded rows and where each row's last real token is. */
export interface RewardRows {
  /** [B][T] token ids, right-padded with PAD. */
  tokens: number[][];
  /** [B] index of each row's last real token (where the reward is read). */
  lastIndex: number[];
  /** [B] index of each row's first reply token (after any cut), or −1 when not given ('lastTokenHead' needs none). */
  replyStart: number[];
}

/**
 * Pads token rows to the longest one with `padId`. Rows longer than `maxLength` (the model's context) keep their
 * LAST maxLength tokens: the reward is read at the end, and that is the part that must be seen. `replyStarts`
 * (where each row's reply begins) move with the cut; a reply start cut off becomes 1 (position 0 has no
 * log-probability).
 */
export function packRewardRows(rows: readonly (readonly number[])[], padId: number, maxLength = Infinity, replyStarts?: readonly number[]): RewardRows {
  if (rows.length === 0) throw new Error('packRewardRows: no rows');
  if (replyStarts && replyStarts.length !== rows.length) throw new Error(`packRewardRows: ${replyStarts.length} reply starts for ${rows.length} rows`);
  const dropped = rows.map((r) => Math.max(0, r.length - maxLength));
  const cut = rows.map((r, i) => {
    if (r.length === 0) throw new Error(`packRewardRows: row ${i} is empty`);
    return r.slice(dropped[i]);
  });
  const T = Math.max(...cut.map((r) => r.length));
  return {
    tokens: cut.map((r) => r.concat(new Array<number>(T - r.length).fill(padId))),
    lastIndex: cut.map((r) => r.length - 1),
    replyStart: cut.map((r, i) => {
      if (!replyStarts) return -1;
      const s = replyStarts[i];
      if (!(Number.isInteger(s) && s >= 1 && s <= rows[i].length)) throw new Error(`packRewardRows: reply start ${s} of row ${i} is not in 1..${rows[i].length}`);
      return Math.max(1, s - dropped[i]);
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Forward

/**
 * Rewards of a padded batch: tokens [B, T] int32 → [B]. 'lastTokenHead' reads the reward head at each row's
 * `lastIndex`; 'logRatio' sums scale · (log π − log π_ref) over the tokens replyStart..lastIndex and adds the shift;
 * 'logLikelihood' the same without the reference; 'weightedLogLikelihood' sums its weighted terms (file comment).
 * Usable inside tf.variableGrads (positions are picked with masks, because tf.gather has no gradient on wasm; the
 * reference is frozen, so no gradient reaches it).
 */
export function rewardForward(
  rm: RewardModel,
  tokens: tf.Tensor2D,
  at: { lastIndex: readonly number[]; replyStart?: readonly number[] },
  opts: { training?: boolean } = {},
): tf.Tensor1D {
  const [B, T] = tokens.shape;
  const { lastIndex } = at;
  if (lastIndex.length !== B) throw new Error(`rewardForward: ${lastIndex.length} last indices for ${B} rows`);
  lastIndex.forEach((t, i) => {
    if (!(Number.isInteger(t) && t >= 0 && t < T)) throw new Error(`rewardForward: lastIndex[${i}] = ${t} is not a position 0..${T - 1}`);
  });
  if (rm.form === 'lastTokenHead') {
    return tf.tidy(() => {
      const h = rm.model.hidden(tokens, { training: opts.training }); // (B, T, d)
      const r = rm.model.head(REWARD_HEAD, h); // (B, T): a reward at every position
      const onehot = new Float32Array(B * T);
      lastIndex.forEach((t, i) => { onehot[i * T + t] = 1; });
      const pick = tf.tensor2d(onehot, [B, T]); // (B, T), 1 at the last real token
      return tf.sum(tf.mul(r, pick), 1) as tf.Tensor1D; // (B)
    });
  }
  const starts = at.replyStart;
  if (!starts || starts.length !== B || starts.some((s) => s < 0)) throw new Error(`rewardForward: the '${rm.form}' reward needs each row's replyStart`);
  if (rm.form === 'logRatio' && !rm.reference) throw new Error("rewardForward: the 'logRatio' reward needs a reference model");
  if (T < 2) return tf.fill([B], rm.shift) as tf.Tensor1D;
  return tf.tidy(() => {
    const lp = logProbTerms(rm, tokens, opts.training); // (B, T−1): entry t scores token t+1
    const mask = new Float32Array(B * (T - 1)); // 1 where the scored token is a reply token
    lastIndex.forEach((last, i) => {
      for (let t = starts[i]; t <= last; t++) mask[i * (T - 1) + t - 1] = 1;
    });
    const summed = tf.sum(tf.mul(lp, tf.tensor2d(mask, [B, T - 1])), 1); // (B)
    return tf.add(tf.mul(summed, rm.scale), rm.shift) as tf.Tensor1D;
  });
}

/**
 * The per-token terms the LM-head forms sum over the reply: tokens [B, T] → (B, T−1), entry t the log-probability
 * of token t+1 under the trained model, minus the reference's for 'logRatio' (the caller checks it has one); for
 * 'weightedLogLikelihood', exp(w) · log π + b with both heads read on the hidden state at t+1 (after the token).
 */
function logProbTerms(rm: RewardModel, tokens: tf.Tensor2D, training?: boolean): tf.Tensor2D {
  if (rm.form === 'weightedLogLikelihood') {
    return tf.tidy(() => {
      const [B, T] = tokens.shape;
      const h = rm.model.hidden(tokens, { training }); // (B, T, d)
      const lp = rm.model.logprobsFromHidden(h, tokens); // (B, T−1)
      const after = h.slice([0, 1, 0], [B, T - 1, -1]) as tf.Tensor3D; // (B, T−1, d): the state that has read token t+1
      const weight = tf.exp(tf.mul(rm.model.head(TOKEN_WEIGHT_HEAD, after), TOKEN_HEAD_GAIN)); // (B, T−1)
      const bonus = tf.mul(rm.model.head(TOKEN_BONUS_HEAD, after), TOKEN_HEAD_GAIN); // (B, T−1)
      return tf.add(tf.mul(weight, lp), bonus) as tf.Tensor2D;
    });
  }
  const lp = rm.model.tokenLogprobs(tokens, { training });
  return rm.form === 'logRatio' ? tf.sub(lp, rm.reference!.tokenLogprobs(tokens)) : lp;
}

/**
 * Rewards of many token rows (no gradient), in batches of `batchSize`: rows [N][*] → [N]. Each batch is padded
 * to its own longest row with `padId`; rows longer than the model's context keep their last tokens. The
 * LM-head forms ('logRatio', 'logLikelihood', 'weightedLogLikelihood') need `replyStarts` (where each row's reply
 * begins: replyStartOf, or the prompt's length).
 */
export function rewardScores(rm: RewardModel, rows: readonly (readonly number[])[], opts: { padId: number; batchSize?: number; replyStarts?: readonly number[] }): number[] {
  const batchSize = opts.batchSize ?? 64;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`rewardScores: batchSize must be a positive integer, got ${batchSize}`);
  if (opts.replyStarts && opts.replyStarts.length !== rows.length) throw new Error(`rewardScores: ${opts.replyStarts.length} reply starts for ${rows.length} rows`);
  const out: number[] = [];
  for (let i = 0; i < rows.length; i += batchSize) {
    const packed = packRewardRows(rows.slice(i, i + batchSize), opts.padId, rm.model.config.contextLength, opts.replyStarts?.slice(i, i + batchSize));
    const r = tf.tidy(() => rewardForward(rm, tf.tensor2d(packed.tokens, undefined, 'int32'), packed));
    const values = r.dataSync();
    r.dispose();
    for (const v of values) out.push(v);
  }
  return out;
}

/**
 * The reward of rollout rows token by token (no gradient), for PPO's per-token rewards (lib/rewards.shapeRewards):
 * tokens [B][T] (prompt + reply, right-padded, at most the model's context) and mask [B][T−1] (1 where entry t
 * scores reply token t+1, as lib/ppo.packRollout lays them out; each row's ones contiguous) → [B][T−1], 0 off the
 * mask. Each row sums to the reply's reward (rewardScores):
 * - the LM-head forms are sums over the reply's tokens, so each reply token gets its own term, scale · log π(y_t |
 *   x, y_<t) (minus the reference's; weighted and shifted for 'weightedLogLikelihood'), and the last one also the
 *   shift. A wrong capital is then charged at the capital, and an insult at the insult.
 * - 'lastTokenHead' scores the reply as a whole: all of it sits on the last reply token.
 */
export function tokenRewards(rm: RewardModel, tokens: readonly (readonly number[])[], mask: readonly (readonly number[])[]): number[][] {
  const B = tokens.length;
  if (B === 0 || mask.length !== B) throw new Error(`tokenRewards: ${B} token rows but ${mask.length} mask rows`);
  const T = tokens[0].length;
  if (T > rm.model.config.contextLength) throw new Error(`tokenRewards: rows of ${T} tokens exceed the model's context of ${rm.model.config.contextLength}`);
  const first = mask.map((m) => m.indexOf(1));
  const last = mask.map((m) => m.lastIndexOf(1));
  tokens.forEach((row, b) => {
    if (row.length !== T || mask[b].length !== T - 1) throw new Error(`tokenRewards: row ${b} has ${row.length} tokens and ${mask[b].length} mask entries (expected ${T} and ${T - 1})`);
    if (last[b] < 0) throw new Error(`tokenRewards: mask[${b}] has no reply token`);
    if (mask[b].some((v, t) => (v === 1) !== (t >= first[b] && t <= last[b]))) throw new Error(`tokenRewards: mask[${b}] is not one run of reply tokens`);
  });
  const x = tf.tensor2d(tokens as number[][], undefined, 'int32');
  if (rm.form === 'lastTokenHead') {
    const r = tf.tidy(() => rewardForward(rm, x, { lastIndex: last.map((t) => t + 1) }));
    const score = r.dataSync();
    tf.dispose([r, x]);
    return mask.map((m, b) => m.map((_, t) => (t === last[b] ? score[b] : 0)));
  }
  if (rm.form === 'logRatio' && !rm.reference) throw new Error("tokenRewards: the 'logRatio' reward needs a reference model");
  const lp = tf.tidy(() => logProbTerms(rm, x)); // (B, T−1)
  const values = lp.arraySync() as number[][];
  tf.dispose([lp, x]);
  return values.map((row, b) => row.map((v, t) => {
    if (!mask[b][t]) return 0;
    return rm.scale * v + (t === last[b] ? rm.shift : 0);
  }));
}

/**
 * What the PPO stage calls: the (normalised) reward of each reply to each question. questions[i] is the user's
 * question (the text inside chatPrompt); replies[i] is the reply text (treated as finished: EOS appended) or the
 * generated token ids (as generated, EOS included when emitted). Returns [N] numbers.
 */
export function scoreReplies(
  rm: RewardModel,
  tokenizer: { encode(text: string): number[]; eosId: number; padId: number },
  questions: readonly string[],
  replies: readonly (string | readonly number[])[],
  opts: { batchSize?: number } = {},
): number[] {
  if (questions.length !== replies.length) throw new Error(`scoreReplies: ${questions.length} questions but ${replies.length} replies`);
  const rows = questions.map((q, i) => rewardRow(tokenizer, q, replies[i]));
  return rewardScores(rm, rows, { padId: tokenizer.padId, batchSize: opts.batchSize, replyStarts: questions.map((q) => replyStartOf(tokenizer, q)) });
}

// ---------------------------------------------------------------------------------------------------------------
// Training on grouped pairs

/** One prompt's (one label's) K token rows and the pairs of its ranking: one batch element. */
export interface RewardGroup {
  /** [K][*] token rows of prompt + each response. */
  rows: number[][];
  /** Pairs of indices into rows: `chosen` was ranked above `rejected`. */
  pairs: IndexPair[];
  /** Where the replies start in the rows (the prompt's length; all rows share the prompt). The LM-head forms need it. */
  replyStart?: number;
}

/** One prompt's pair group (lib/preferences' PairGroup) as token rows: prompt + each reply + EOS, its pairs, and where the replies start. */
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
 * global norm and the learning rate must be finite (lib/finiteGuard.ts): otherwise a NonFiniteError naming
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

// ---------------------------------------------------------------------------------------------------------------
// Normalisation

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
  const mean = raw.reduce((s, x) => s + x, 0) / n;
  const std = Math.sqrt(raw.reduce((s, x) => s + (x - mean) * (x - mean), 0) / n);
  if (!(std > 0) || !Number.isFinite(std)) throw new Error(`fitRewardNormalization: the rewards have standard deviation ${std}; cannot normalise`);
  return { gain: 1 / std, bias: -mean / std, rawMean: mean, rawStd: std, count: n };
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

// ---------------------------------------------------------------------------------------------------------------
// Config

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

/** What to save with a reward model (its metrics.json "reward"): form, scale, shift and, for 'logRatio', which reference. */
export function rewardModelMeta(rm: RewardModel, reference?: { stage: string; sha256: string }): RewardModelMeta {
  if (rm.form === 'logRatio' && !reference) throw new Error("rewardModelMeta: a 'logRatio' reward model must name its reference (stage and weights SHA-256)");
  return { form: rm.form, scale: rm.scale, shift: rm.shift, ...(rm.form === 'logRatio' ? { reference } : {}) };
}
