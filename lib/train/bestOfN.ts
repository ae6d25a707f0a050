import { requirePosInt } from '../core/validate';

/**
 * Best-of-n sampling (rejection sampling against the reward model; Stiennon et al. 2020, Nakano et al. 2021):
 * sample n replies from the policy, keep the one the reward model scores highest. It needs no training, so it is
 * the baseline PPO has to beat at a similar distance from the SFT model.
 */

/**
 * The usual formula for KL(best-of-n ‖ policy) in nats: log n − (n − 1)/n (Stiennon et al. 2020). Beirami et al.
 * (2024) show it is an upper bound; the true KL can be smaller. n = 1 gives 0, n = 16 gives 1.83.
 */
export function bestOfNKl(n: number): number {
  requirePosInt('bestOfNKl: n', n);
  return Math.log(n) - (n - 1) / n;
}

/**
 * Which candidate wins in each group: scores [P][n] (prompt p's n candidates) → [P] index of the highest score,
 * the first one on a tie.
 */
export function pickBest(scores: readonly (readonly number[])[]): number[] {
  return scores.map((group, p) => {
    if (group.length === 0) throw new Error(`pickBest: prompt ${p} has no candidates`);
    let best = 0;
    group.forEach((s, k) => {
      if (Number.isNaN(s)) throw new Error(`pickBest: candidate ${k} of prompt ${p} has score NaN`);
      if (s > group[best]) best = k;
    });
    return best;
  });
}
