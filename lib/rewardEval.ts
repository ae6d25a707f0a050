import type { Judgement } from './judge';
import { goldRanking } from './labelers';
import { rankingToPairs, type IndexPair } from './preferences';

/**
 * How good is a reward model? Pairwise accuracy against labels (the panel's, or the hidden gold judge's), by the
 * kind of difference between the two replies, and calibration of its predicted preference probabilities.
 */

/** What differs between two judged replies, on the gold judge's rated criteria. */
export type PairKind = 'factualness' | 'toxicity' | 'humanLikeness' | 'several' | 'none';

/**
 * Which criterion alone separates two replies: 'factualness' if only the gold factualness differs (e.g. "The
 * capital of Peru is Lima." vs "…is Quito."), 'toxicity' if only harmlessness differs, 'humanLikeness' if only
 * human-likeness differs, 'several' if two or more differ, 'none' if none does (politeness, the tie-breaker, may).
 * Differences of at most `tolerance` Likert points count as equal.
 */
export function pairKind(a: Judgement, b: Judgement, tolerance = 1e-6): PairKind {
  const differs = {
    factualness: Math.abs(a.criteriaLikert.factualness - b.criteriaLikert.factualness) > tolerance,
    toxicity: Math.abs(a.criteriaLikert.harmlessness - b.criteriaLikert.harmlessness) > tolerance,
    humanLikeness: Math.abs(a.criteriaLikert.humanLikeness - b.criteriaLikert.humanLikeness) > tolerance,
  };
  const which = (Object.keys(differs) as (keyof typeof differs)[]).filter((k) => differs[k]);
  if (which.length === 0) return 'none';
  return which.length === 1 ? which[0] : 'several';
}

/** The gold judge's pairs of one prompt's replies: every pair its real-valued Likert orders, exact ties dropped. */
export function goldPairs(judgements: readonly Judgement[]): IndexPair[] {
  return rankingToPairs(goldRanking(judgements));
}

/** One bin of a calibration plot. */
export interface CalibrationBin {
  /** Bin edges of the predicted probability. */
  lo: number;
  hi: number;
  /** Mean predicted probability in the bin (NaN if empty). */
  predicted: number;
  /** Observed frequency of the outcome in the bin (NaN if empty). */
  observed: number;
  count: number;
}

/**
 * Predicted probabilities against observed outcomes, in `bins` equal-width bins of [0, 1] (a probability of
 * exactly 1 falls in the last bin). predicted [n] in [0, 1], outcomes [n] 0/1 → bins. A calibrated model has
 * observed ≈ predicted in every bin.
 */
export function calibrationBins(predicted: readonly number[], outcomes: readonly number[], bins = 10): CalibrationBin[] {
  if (predicted.length !== outcomes.length) throw new Error(`calibrationBins: ${predicted.length} predictions but ${outcomes.length} outcomes`);
  if (!(Number.isInteger(bins) && bins >= 1)) throw new Error(`calibrationBins: bins must be a positive integer, got ${bins}`);
  const sumP = new Array<number>(bins).fill(0);
  const sumO = new Array<number>(bins).fill(0);
  const count = new Array<number>(bins).fill(0);
  predicted.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new Error(`calibrationBins: predicted[${i}] = ${p} is not a probability`);
    const o = outcomes[i];
    if (o !== 0 && o !== 1) throw new Error(`calibrationBins: outcomes[${i}] = ${o} is not 0 or 1`);
    const b = Math.min(bins - 1, Math.floor(p * bins));
    sumP[b] += p;
    sumO[b] += o;
    count[b]++;
  });
  return count.map((n, b) => ({ lo: b / bins, hi: (b + 1) / bins, predicted: n ? sumP[b] / n : NaN, observed: n ? sumO[b] / n : NaN, count: n }));
}

/** σ(x) = 1 / (1 + e^−x): the Bradley–Terry probability that a reply with reward margin x is preferred. */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Accuracy with its count, for tables: `right` of `n` (ties count ½). */
export interface CountedAccuracy {
  accuracy: number;
  n: number;
}

/**
 * Accuracy of rewards on pairs of one prompt's replies, pooled over prompts: rewards[g][i] is the reward of reply i
 * of prompt g, pairs[g] the labelled pairs of prompt g. A tie in reward counts ½.
 */
export function pooledPairAccuracy(rewards: readonly (readonly number[])[], pairs: readonly (readonly IndexPair[])[]): CountedAccuracy {
  if (rewards.length !== pairs.length) throw new Error(`pooledPairAccuracy: ${rewards.length} reward rows but ${pairs.length} pair lists`);
  let right = 0;
  let n = 0;
  pairs.forEach((ps, g) => {
    for (const p of ps) {
      const a = rewards[g][p.chosen];
      const b = rewards[g][p.rejected];
      if (a === undefined || b === undefined) throw new Error(`pooledPairAccuracy: prompt ${g} has a pair (${p.chosen}, ${p.rejected}) beyond its ${rewards[g].length} rewards`);
      right += a > b ? 1 : a === b ? 0.5 : 0;
      n++;
    }
  });
  return { accuracy: n ? right / n : NaN, n };
}
