import * as tf from '@tensorflow/tfjs';
import { chatPrompt } from '../model/chat';
import { REWARD_HEAD, type RewardModel, TOKEN_BONUS_HEAD, TOKEN_HEAD_GAIN, TOKEN_WEIGHT_HEAD } from './rewardModel';
import { packRewardRows, replyStartOf, rewardRow } from './rows';
import { requirePosInt } from '../core/validate';

/** The reward model's forward pass: rewards of a padded batch, of many rows, token by token, and of reply texts. */

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
  requirePosInt('rewardScores: batchSize', batchSize);
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
 * The reward of rollout rows token by token (no gradient), for PPO's per-token rewards (lib/train/rewardShaping.shapeRewards):
 * tokens [B][T] (prompt + reply, right-padded, at most the model's context) and mask [B][T−1] (1 where entry t
 * scores reply token t+1, as lib/train/ppo.packRollout lays them out; each row's ones contiguous) → [B][T−1], 0 off the
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
