import type { Judgement } from '../world/judge';
import { goldRanking } from '../labels/labelers';
import { rankingToPairs, type IndexPair, type Ranking } from '../labels/preferences';
import { requirePosInt } from '../core/validate';

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
  requirePosInt('calibrationBins: bins', bins);
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

/** Credit for ordering a pair: 1 if the first score is higher, ½ for a tie, 0 if lower. */
function pairCredit(first: number, second: number): number {
  return first > second ? 1 : first === second ? 0.5 : 0;
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
      right += pairCredit(a, b);
      n++;
    }
  });
  return { accuracy: n ? right / n : NaN, n };
}

/**
 * A judged reply in a few words, for error tables: what it did with the question ("right", "hedged", "wrong" — a
 * wrong answer, a mix of right and wrong, or the right one denied —, "declines", "no answer"), then "rude" if the gold
 * judge finds it toxic and "unnatural" if its human-likeness is below 0.8 (ALL CAPS, stutters, made-up words…).
 * E.g. "right, rude" or "no answer, unnatural".
 */
export function replyProfile(j: Judgement): string {
  const answer = { correct: 'right', hedged: 'hedged', wrong: 'wrong', mixed: 'wrong', denied: 'wrong', declined: 'declines', none: 'no answer' }[j.answer];
  return [answer, ...(j.flags.toxic ? ['rude'] : []), ...(j.scores.humanLikeness < 0.8 ? ['unnatural'] : [])].join(', ');
}

/** Accuracy on the gold pairs whose replies have one pair of profiles (better one first). */
export interface ProfilePairAccuracy {
  better: string;
  worse: string;
  pairs: number;
  /** Share of these pairs the rewards order like gold (a tie counts ½). */
  rewardAccuracy: number;
  /** Share of (pair, label) the labelers ordered like gold (a tie in the label counts ½); NaN without labels. */
  labelAccuracy: number;
  /** Mean gold Likert of the better reply minus the worse. */
  goldGap: number;
  /** Pairs the rewards order against gold (ties count ½): the rows are sorted by this, largest first. */
  rewardErrors: number;
}

/**
 * Where rewards and gold disagree, by the profiles (replyProfile) of the two replies of each gold pair: for prompt
 * g, gold[g] judges its replies, pairs[g] are its gold pairs (goldPairs), rewards[g] the rewards of its replies and
 * rankings[g] the labels' rankings of them (any number; ties allowed). Rows are sorted by reward errors.
 */
export function accuracyByProfilePair(
  gold: readonly (readonly Judgement[])[],
  pairs: readonly (readonly IndexPair[])[],
  rewards: readonly (readonly number[])[],
  rankings: readonly (readonly Ranking[])[],
): ProfilePairAccuracy[] {
  if (gold.length !== pairs.length || gold.length !== rewards.length || gold.length !== rankings.length) {
    throw new Error(`accuracyByProfilePair: ${gold.length} judged prompts, ${pairs.length} pair lists, ${rewards.length} reward rows, ${rankings.length} ranking lists`);
  }
  const rows = new Map<string, { better: string; worse: string; n: number; right: number; labelRight: number; labels: number; gap: number }>();
  pairs.forEach((ps, g) => {
    for (const p of ps) {
      const better = replyProfile(gold[g][p.chosen]), worse = replyProfile(gold[g][p.rejected]);
      const key = `${better} > ${worse}`;
      const row = rows.get(key) ?? { better, worse, n: 0, right: 0, labelRight: 0, labels: 0, gap: 0 };
      row.n++;
      row.right += pairCredit(rewards[g][p.chosen], rewards[g][p.rejected]);
      row.gap += gold[g][p.chosen].likert - gold[g][p.rejected].likert;
      for (const ranking of rankings[g]) {
        const tier = (i: number) => ranking.findIndex((t) => t.includes(i));
        row.labelRight += pairCredit(tier(p.rejected), tier(p.chosen)); // a better tier is a smaller index
        row.labels++;
      }
      rows.set(key, row);
    }
  });
  return [...rows.values()]
    .map((r) => ({ better: r.better, worse: r.worse, pairs: r.n, rewardAccuracy: r.right / r.n, labelAccuracy: r.labels ? r.labelRight / r.labels : NaN, goldGap: r.gap / r.n, rewardErrors: r.n - r.right }))
    .sort((a, b) => b.rewardErrors - a.rewardErrors || b.pairs - a.pairs);
}
