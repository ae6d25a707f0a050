import { tiersFromScores } from './labelers';
import type { Label, Ranking, RankingRecord } from './preferences';
import { mean } from '../core/stats';

/**
 * The panel's consensus: one ranking per prompt from all the labels it received.
 *
 * When several labelers rank the same K replies, their labels disagree where each one's noise differs. Training on
 * one agreed ranking per prompt, rather than on one labeler's, averages that noise away; OpenAssistant's data merges
 * several people's rankings of the same replies in this spirit. The rule here:
 *
 *   consensus score of reply i = mean over labels of the overall rating (1–7) they gave i
 *   ranking = replies by score, best first; equal scores tie (and give no pair, like any tie)
 *
 * The overall ratings say how much better a reply is, not only its place. When a label has no overall ratings (a
 * person may leave them out), the score is the reply's mean place in the rankings instead (a Borda count). A
 * record with a single label keeps it as it is. notebooks/03_reward_model.ipynb compares a reward model trained on
 * the consensus of five labels with one trained on one label per prompt.
 */

/** The id a consensus label is filed under: a label computed from the others, not given by anyone. */
export const CONSENSUS_LABELER = 'sim:consensus';

/** The tier (0 = best) of each of K replies in a ranking: ranking → [K]. */
function tiersOf(ranking: Ranking, k: number): number[] {
  const tier = new Array<number>(k).fill(-1);
  ranking.forEach((t, n) => t.forEach((i) => { tier[i] = n; }));
  const missing = tier.indexOf(-1);
  if (missing >= 0) throw new Error(`consensus: reply ${missing} is missing from a ranking ${JSON.stringify(ranking)}`);
  return tier;
}

/** The consensus label of one prompt's labels (see the file comment); its ratings are the labels' means. */
export function consensusLabel(labels: readonly Label[], k: number): Label {
  if (labels.length === 0) throw new Error('consensusLabel: no labels');
  if (labels.length === 1) return labels[0];
  labels.forEach((l, n) => {
    if (l.ratings.length !== k) throw new Error(`consensusLabel: label ${n} (${l.labeler}) has ${l.ratings.length} ratings for ${k} replies`);
  });
  const rated = labels.every((l) => l.ratings.every((r) => r.overall !== undefined));
  const tiers = labels.map((l) => tiersOf(l.ranking, k)); // also checks that every ranking places every reply
  // Higher is better: the mean overall rating, or minus the mean tier.
  const score = Array.from({ length: k }, (_, i) => (rated ? mean(labels.map((l) => l.ratings[i].overall as number)) : -mean(tiers.map((t) => t[i]))));
  const ranking = tiersFromScores(score, 0);
  const meanOf = (i: number, f: 'factualness' | 'harmlessness' | 'humanLikeness') => mean(labels.map((l) => l.ratings[i][f]));
  const ratings = Array.from({ length: k }, (_, i) => ({
    factualness: meanOf(i, 'factualness'),
    harmlessness: meanOf(i, 'harmlessness'),
    humanLikeness: meanOf(i, 'humanLikeness'),
    ...(rated ? { overall: score[i] } : {}),
  }));
  return { labeler: CONSENSUS_LABELER, ratings, ranking };
}

/**
 * Each record with its labels replaced by their consensus (a record with one label is returned as it is). The
 * consensus ratings are means, not whole Likert points: keep these records in memory (stage 02 writes the
 * labels themselves to rankings.jsonl, and the consensus pairs to pairs.jsonl).
 */
export function consensusRecords(records: readonly RankingRecord[]): RankingRecord[] {
  return records.map((r) => (r.labels.length <= 1 ? r : { ...r, labels: [consensusLabel(r.labels, r.responses.length)] }));
}
