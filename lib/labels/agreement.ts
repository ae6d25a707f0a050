import type { Ranking, RankingRecord } from './preferences';

/** How often labelers agree on the order of two replies: with each other, and with the gold judge. */

/** +1 if the ranking puts i above j, −1 if below, 0 if tied. */
export function pairOrder(ranking: Ranking, i: number, j: number): number {
  const tierOf = (x: number): number => ranking.findIndex((t) => t.includes(x));
  const ti = tierOf(i);
  const tj = tierOf(j);
  if (ti < 0 || tj < 0) throw new Error(`pairOrder: response ${ti < 0 ? i : j} is not in the ranking`);
  return ti < tj ? 1 : ti > tj ? -1 : 0;
}

/** Agreement on pairs: `agreed` of `compared` pairs (both sides strict) had the same order. */
export interface Agreement {
  agreement: number;
  agreed: number;
  compared: number;
}

function agreementOf(agreed: number, compared: number): Agreement {
  return { agreement: compared > 0 ? agreed / compared : NaN, agreed, compared };
}

/**
 * How often two labelers order a pair of responses the same way (InstructGPT's labelers: 72.6 %). Over every
 * record, every two labels from different labelers and every pair of responses that both order strictly
 * (a tie on either side is left out). Also broken down by pair of labelers ("sim:0|sim:1").
 */
export function labelerAgreement(records: readonly RankingRecord[]): Agreement & { byPair: Record<string, Agreement> } {
  let agreed = 0;
  let compared = 0;
  const counts = new Map<string, [number, number]>();
  for (const r of records) {
    const k = r.responses.length;
    for (let a = 0; a < r.labels.length; a++) {
      for (let b = a + 1; b < r.labels.length; b++) {
        const la = r.labels[a];
        const lb = r.labels[b];
        if (la.labeler === lb.labeler) continue;
        const key = [la.labeler, lb.labeler].sort().join('|');
        const c = counts.get(key) ?? [0, 0];
        for (let i = 0; i < k; i++) {
          for (let j = i + 1; j < k; j++) {
            const oa = pairOrder(la.ranking, i, j);
            const ob = pairOrder(lb.ranking, i, j);
            if (oa === 0 || ob === 0) continue;
            compared++;
            c[1]++;
            if (oa === ob) {
              agreed++;
              c[0]++;
            }
          }
        }
        counts.set(key, c);
      }
    }
  }
  const byPair: Record<string, Agreement> = {};
  for (const [key, [ag, co]] of [...counts].sort()) byPair[key] = agreementOf(ag, co);
  return { ...agreementOf(agreed, compared), byPair };
}

/**
 * How often labels agree with the gold judge on pairs where both are strict. `gold[r][i]` is the gold score of
 * response i of record r (higher is better; equal scores are a gold tie and are left out). Computed on the labels
 * the reward model trains on, this is the noise ceiling: the best accuracy against gold a reward model fitting
 * those labels can expect. Also broken down by labeler.
 */
export function goldAgreement(records: readonly RankingRecord[], gold: readonly (readonly number[])[], tolerance = 1e-9): Agreement & { byLabeler: Record<string, Agreement> } {
  if (gold.length !== records.length) throw new Error(`goldAgreement: ${gold.length} gold rows for ${records.length} records`);
  let agreed = 0;
  let compared = 0;
  const counts = new Map<string, [number, number]>();
  records.forEach((r, ri) => {
    const g = gold[ri];
    if (g.length !== r.responses.length) throw new Error(`goldAgreement: record ${ri} has ${r.responses.length} responses but ${g.length} gold scores`);
    for (const l of r.labels) {
      const c = counts.get(l.labeler) ?? [0, 0];
      for (let i = 0; i < g.length; i++) {
        for (let j = i + 1; j < g.length; j++) {
          const og = Math.abs(g[i] - g[j]) <= tolerance ? 0 : g[i] > g[j] ? 1 : -1;
          const ol = pairOrder(l.ranking, i, j);
          if (og === 0 || ol === 0) continue;
          compared++;
          c[1]++;
          if (og === ol) {
            agreed++;
            c[0]++;
          }
        }
      }
      counts.set(l.labeler, c);
    }
  });
  const byLabeler: Record<string, Agreement> = {};
  for (const [key, [ag, co]] of [...counts].sort()) byLabeler[key] = agreementOf(ag, co);
  return { ...agreementOf(agreed, compared), byLabeler };
}
