import type { Label, Ranking, RankingRecord } from './preferences';

/**
 * The panel's consensus: one ranking per prompt from all the labels it received.
 *
 * When several labelers rank the same K replies, their labels disagree where each one's noise differs. Training on
 * one agreed ranking per prompt, rather than on one labeler's, averages that noise away; OpenAssistant's data merges
 * several people's rankings of the same replies in this spirit. The rule here:
 *
 *   consensus score of reply i = mean over labels of the overall rating (1–7) they gave i
 *   ranking = replies by score, best first; equal scores are ordered by mean tier (Borda); equal on both, tied.
 *
 * The overall ratings carry how much better a reply is, not only its place: with five labelers the mean rating
 * gave a reward model 0.80 held-out accuracy against gold where the mean tier gave 0.79 and one labeler 0.79
 * (notebooks/03_reward_model.ipynb). Labels without overall ratings (a person may leave them out) count in the
 * tie-break only; with none rated, the mean tier decides alone. A record with a single label keeps it as it is.
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
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const tiers = labels.map((l) => tiersOf(l.ranking, k));
  const rated = labels.filter((l) => l.ratings.every((r) => r.overall !== undefined));
  const score = Array.from({ length: k }, (_, i) => (rated.length > 0 ? mean(rated.map((l) => l.ratings[i].overall as number)) : 0));
  const place = Array.from({ length: k }, (_, i) => mean(tiers.map((t) => t[i])));
  const same = (a: number, b: number) => Math.abs(a - b) <= 1e-9;
  const order = score.map((_, i) => i).sort((a, b) => (same(score[a], score[b]) ? (same(place[a], place[b]) ? a - b : place[a] - place[b]) : score[b] - score[a]));
  const ranking: Ranking = [];
  order.forEach((i, n) => {
    const prev = order[n - 1];
    if (n > 0 && same(score[prev], score[i]) && same(place[prev], place[i])) ranking[ranking.length - 1].push(i);
    else ranking.push([i]);
  });
  const field = (f: 'factualness' | 'harmlessness' | 'humanLikeness') => (i: number) => mean(labels.map((l) => l.ratings[i][f]));
  const ratings = Array.from({ length: k }, (_, i) => ({
    factualness: field('factualness')(i),
    harmlessness: field('harmlessness')(i),
    humanLikeness: field('humanLikeness')(i),
    ...(rated.length > 0 ? { overall: score[i] } : {}),
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
