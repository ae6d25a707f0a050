/**
 * PPO's per-token reward (Ziegler et al. 2019; InstructGPT): every response token pays −β·KL_t to the reference,
 * and the final response token (EOS, or the last token of a response cut at the length limit) also receives the
 * reward model's score — minus a penalty when the response never emitted EOS.
 *
 *   mask:     0  0  1    1    1    0
 *   kl:       .  .  k₂   k₃   k₄   .
 *   reward:   0  0  −βk₂ −βk₃ −βk₄ + score − (no EOS ? penalty : 0)   0
 *
 * A reward model whose score is a sum over the reply's tokens (the log-likelihood and log-ratio forms, see
 * tokenRewards in lib/reward/scoring.ts) can instead hand PPO its score token by token: pass scores [B][T] and each
 * response token gets its own share s_t (the penalty still lands on the last token). The return from any token is
 * the same as with the whole score at the end (γ = 1); what changes is that the advantage of a token carries the
 * part of the score that token earned, instead of waiting for the value head to learn where it came from.
 *
 *   reward:   0  0  s₂−βk₂  s₃−βk₃  s₄−βk₄ − (no EOS ? penalty : 0)   0
 */
export interface ShapeRewardsOptions {
  /** KL coefficient β (from a KlController). */
  beta: number;
  /** Whether each response emitted EOS [B]; required when noEosPenalty > 0. */
  endedWithEos?: boolean[];
  /** Subtracted from the score of a response that never emitted EOS (≥ 0; 0 = no penalty). */
  noEosPenalty?: number;
}

/**
 * Per-token rewards. scores [B] (one scalar per response, given to its last token) or [B][T] (the score of each
 * response token), kl [B][T] (per-token KL estimate, usually klK1 of the sampled tokens), mask [B][T]
 * (1 = response token) → rewards [B][T], 0 at masked positions. Arrays in, arrays out.
 */
export function shapeRewards(scores: number[] | number[][], kl: number[][], mask: number[][], opts: ShapeRewardsOptions): number[][] {
  const { beta, endedWithEos, noEosPenalty = 0 } = opts;
  if (!(beta >= 0)) throw new Error(`shapeRewards: beta must be ≥ 0, got ${beta}`);
  if (!(noEosPenalty >= 0)) throw new Error(`shapeRewards: noEosPenalty must be ≥ 0, got ${noEosPenalty}`);
  if (noEosPenalty > 0 && !endedWithEos) throw new Error('shapeRewards: noEosPenalty needs endedWithEos (one flag per response)');
  if (kl.length !== scores.length || mask.length !== scores.length) {
    throw new Error(`shapeRewards: ${scores.length} scores but kl has ${kl.length} rows and mask ${mask.length}`);
  }
  if (endedWithEos && endedWithEos.length !== scores.length) {
    throw new Error(`shapeRewards: ${scores.length} scores but ${endedWithEos.length} endedWithEos flags`);
  }
  return kl.map((row, i) => {
    if (mask[i].length !== row.length) throw new Error(`shapeRewards: kl[${i}] has ${row.length} entries but mask[${i}] has ${mask[i].length}`);
    const score = scores[i];
    if (Array.isArray(score) && score.length !== row.length) throw new Error(`shapeRewards: scores[${i}] has ${score.length} entries but kl[${i}] has ${row.length}`);
    const rewards = row.map((k, t) => (mask[i][t] ? (Array.isArray(score) ? score[t] : 0) - beta * k : 0));
    const last = mask[i].lastIndexOf(1);
    if (last < 0) throw new Error(`shapeRewards: mask[${i}] has no response token`);
    const penalty = endedWithEos && !endedWithEos[i] ? noEosPenalty : 0;
    rewards[last] += (Array.isArray(score) ? 0 : score) - penalty;
    return rewards;
  });
}
