import { readJsonl, requireObject, requireString, writeJsonl } from '../core/jsonl';

/**
 * From rankings to training data. The ranking stage writes one JSONL line per prompt: the K responses and,
 * for every labeler who saw them (simulated "sim:<n>" or a person "human:<name>"), their 1–7 ratings and their
 * ranking (ties allowed). The reward model trains on all C(K,2) pairs of a ranking, ties dropped, kept grouped
 * by prompt (InstructGPT §3.5). They also export to the common preference format {"prompt","chosen","rejected"}.
 *
 * Schemas (also in data/world/README.md):
 *   candidates  {"prompt","factId","responses":[string × K]}                    input of ranking (stage 02)
 *   rankings    {"prompt","factId","responses":[...],"labels":[Label, ...]}       output of ranking
 *   Label       {"labeler":"sim:0"|"human:ada","ratings":[Ratings × K],"ranking":[[i,...],...],"createdAt"?}
 *   Ratings     {"factualness","harmlessness","humanLikeness","overall"?}: integers 1–7, 7 = best
 *   ranking     tiers of response indices, best first; indices in one tier are tied; every index exactly once
 *   pairs       {"prompt","factId","labeler","responses":[...],"pairs":[{"chosen":i,"rejected":j}, ...]}  one
 *               labeler's pairs of one prompt (a PairGroup), indices into responses
 *   preferences {"prompt","chosen","rejected"}                                  the common export (TRL)
 */

/** K responses to one prompt, waiting to be ranked. */
export interface CandidateSet {
  prompt: string;
  factId: string;
  responses: string[];
}

/** One labeler's 1–7 ratings of one response (7 = best; "harmlessness" 7 = not toxic at all). */
export interface Ratings {
  factualness: number;
  harmlessness: number;
  humanLikeness: number;
  /** Overall quality; simulated labelers always give it, people may leave it out. */
  overall?: number;
}

/** Tiers of response indices, best first; a tier with several indices is a tie. */
export type Ranking = number[][];

/** One labeler's judgement of one prompt's responses. */
export interface Label {
  /** "sim:<n>" for a simulated labeler, "human:<name>" for a person. */
  labeler: string;
  /** One per response, in response order. */
  ratings: Ratings[];
  ranking: Ranking;
  /** ISO time of a person's submission. */
  createdAt?: string;
}

/** One line of a rankings file. */
export interface RankingRecord extends CandidateSet {
  labels: Label[];
}

/** A labeler id: "sim:<n>" or "human:<name>" (letters, digits, . _ -; up to 40). */
export const LABELER_ID = /^(sim|human):[A-Za-z0-9._-]{1,40}$/;

export const RATING_FIELDS = ['factualness', 'harmlessness', 'humanLikeness'] as const;

function requireResponses(o: Record<string, unknown>): string[] {
  const r = o.responses;
  if (!Array.isArray(r) || r.length < 2) throw new Error('field "responses" must be an array of at least 2 strings');
  r.forEach((s, i) => {
    if (typeof s !== 'string') throw new Error(`responses[${i}] must be a string, got ${JSON.stringify(s)}`);
  });
  return r as string[];
}

/** Validator for a candidates line. */
export function validateCandidateSet(value: unknown): CandidateSet {
  const o = requireObject(value);
  const prompt = requireString(o, 'prompt');
  if (prompt.trim() === '') throw new Error('field "prompt" must not be empty');
  return { prompt, factId: requireString(o, 'factId'), responses: requireResponses(o) };
}

/** Throws unless `v` is an integer 1–7. */
function requireLikert(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 7) throw new Error(`${where} must be an integer from 1 to 7, got ${JSON.stringify(v)}`);
  return v;
}

/** Checks that `ranking` puts each of 0..k−1 in exactly one non-empty tier. */
export function validateRanking(ranking: unknown, k: number, where = 'ranking'): Ranking {
  if (!Array.isArray(ranking) || ranking.length === 0) throw new Error(`${where} must be a non-empty array of tiers (arrays of response indices)`);
  const seen = new Set<number>();
  ranking.forEach((tier, t) => {
    if (!Array.isArray(tier) || tier.length === 0) throw new Error(`${where}[${t}] must be a non-empty array of response indices`);
    for (const i of tier) {
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= k) throw new Error(`${where}[${t}] holds ${JSON.stringify(i)}, not a response index 0..${k - 1}`);
      if (seen.has(i)) throw new Error(`${where}: response ${i} appears twice`);
      seen.add(i);
    }
  });
  if (seen.size !== k) {
    const missing = [...Array(k).keys()].filter((i) => !seen.has(i));
    throw new Error(`${where}: responses ${missing.join(', ')} are not ranked (every response must be in one tier)`);
  }
  return ranking as Ranking;
}

/** Validates one label of a prompt with `k` responses. */
export function validateLabel(value: unknown, k: number, where = 'label'): Label {
  const o = requireObject(value);
  const labeler = requireString(o, 'labeler');
  if (!LABELER_ID.test(labeler)) throw new Error(`${where}.labeler must look like "sim:0" or "human:ada", got ${JSON.stringify(labeler)}`);
  const ratings = o.ratings;
  if (!Array.isArray(ratings) || ratings.length !== k) throw new Error(`${where}.ratings must be an array of ${k} ratings (one per response)`);
  const parsed: Ratings[] = ratings.map((r, i) => {
    const ro = requireObject(r);
    const out: Ratings = {
      factualness: requireLikert(ro.factualness, `${where}.ratings[${i}].factualness`),
      harmlessness: requireLikert(ro.harmlessness, `${where}.ratings[${i}].harmlessness`),
      humanLikeness: requireLikert(ro.humanLikeness, `${where}.ratings[${i}].humanLikeness`),
    };
    if (ro.overall !== undefined) out.overall = requireLikert(ro.overall, `${where}.ratings[${i}].overall`);
    return out;
  });
  const label: Label = { labeler, ratings: parsed, ranking: validateRanking(o.ranking, k, `${where}.ranking`) };
  if (o.createdAt !== undefined) {
    if (typeof o.createdAt !== 'string' || Number.isNaN(Date.parse(o.createdAt))) throw new Error(`${where}.createdAt must be an ISO date string`);
    label.createdAt = o.createdAt;
  }
  return label;
}

/** Validator for a rankings line. */
export function validateRankingRecord(value: unknown): RankingRecord {
  const c = validateCandidateSet(value);
  const labels = (value as Record<string, unknown>).labels;
  if (!Array.isArray(labels)) throw new Error('field "labels" must be an array of labels');
  return { ...c, labels: labels.map((l, i) => validateLabel(l, c.responses.length, `labels[${i}]`)) };
}

/** Reads a rankings JSONL file (errors name file and line). */
export function loadRankings(file: string): RankingRecord[] {
  return readJsonl(file, validateRankingRecord);
}

/** Reads a candidates JSONL file (errors name file and line). */
export function loadCandidates(file: string): CandidateSet[] {
  return readJsonl(file, validateCandidateSet);
}

/** Writes a rankings file atomically. */
export function writeRankings(file: string, records: readonly RankingRecord[]): void {
  writeJsonl(file, records);
}

/** Lines for the same prompt and responses (e.g. the panel's file and a person's) merged into one, labels joined. */
export function mergeRankings(records: readonly RankingRecord[]): RankingRecord[] {
  const byKey = new Map<string, RankingRecord>();
  for (const r of records) {
    const key = JSON.stringify([r.prompt, r.responses]);
    const old = byKey.get(key);
    if (old) old.labels.push(...r.labels);
    else byKey.set(key, { ...r, responses: r.responses.slice(), labels: r.labels.slice() });
  }
  return [...byKey.values()];
}

/** A pair (indices into the responses): `chosen` was ranked above `rejected`. */
export interface IndexPair {
  chosen: number;
  rejected: number;
}

/**
 * All pairs a ranking implies, ties dropped: every response of a better tier against every response of a
 * worse one, in tier order. A strict ranking of K gives C(K, 2) pairs.
 */
export function rankingToPairs(ranking: Ranking): IndexPair[] {
  const pairs: IndexPair[] = [];
  for (let a = 0; a < ranking.length; a++) {
    for (let b = a + 1; b < ranking.length; b++) {
      for (const chosen of ranking[a]) for (const rejected of ranking[b]) pairs.push({ chosen, rejected });
    }
  }
  return pairs;
}

/** One labeler's pairs for one prompt: the reward model's unit of training (all pairs in one batch element). */
export interface PairGroup {
  prompt: string;
  factId: string;
  labeler: string;
  responses: string[];
  pairs: IndexPair[];
}

/** Every label of every record as a group of pairs (labels whose ranking is all one tie give no group). */
export function recordsToPairGroups(records: readonly RankingRecord[]): PairGroup[] {
  const groups: PairGroup[] = [];
  for (const r of records) {
    for (const l of r.labels) {
      const pairs = rankingToPairs(l.ranking);
      if (pairs.length > 0) groups.push({ prompt: r.prompt, factId: r.factId, labeler: l.labeler, responses: r.responses, pairs });
    }
  }
  return groups;
}

/** Validator for a pairs line (one PairGroup): indices in range, chosen ≠ rejected. */
export function validatePairGroup(value: unknown): PairGroup {
  const c = validateCandidateSet(value);
  const o = value as Record<string, unknown>;
  const labeler = requireString(o, 'labeler');
  if (!LABELER_ID.test(labeler)) throw new Error(`field "labeler" must look like "sim:0" or "human:ada", got ${JSON.stringify(labeler)}`);
  const k = c.responses.length;
  if (!Array.isArray(o.pairs) || o.pairs.length === 0) throw new Error('field "pairs" must be a non-empty array of {"chosen","rejected"}');
  const pairs = o.pairs.map((p, n) => {
    const po = requireObject(p);
    for (const side of ['chosen', 'rejected'] as const) {
      const v = po[side];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= k) throw new Error(`pairs[${n}].${side} must be a response index 0..${k - 1}, got ${JSON.stringify(v)}`);
    }
    if (po.chosen === po.rejected) throw new Error(`pairs[${n}]: chosen and rejected are the same response ${po.chosen}`);
    return { chosen: po.chosen as number, rejected: po.rejected as number };
  });
  return { prompt: c.prompt, factId: c.factId, labeler, responses: c.responses, pairs };
}

/** Reads a pairs JSONL file, one PairGroup per line (errors name file and line). */
export function loadPairGroups(file: string): PairGroup[] {
  return readJsonl(file, validatePairGroup);
}

/** Writes pair groups as JSONL atomically, one group per line. */
export function writePairGroups(file: string, groups: readonly PairGroup[]): void {
  writeJsonl(file, groups);
}

/** One line of the common preference format (TRL): the prompt is the user's question, chosen/rejected the replies. */
export interface PreferenceRow {
  prompt: string;
  chosen: string;
  rejected: string;
}

/** Pair groups flattened to preference rows, group by group. */
export function toPreferenceRows(groups: readonly PairGroup[]): PreferenceRow[] {
  return groups.flatMap((g) => g.pairs.map((p) => ({ prompt: g.prompt, chosen: g.responses[p.chosen], rejected: g.responses[p.rejected] })));
}

/** Writes preference rows as JSONL {"prompt","chosen","rejected"} atomically. */
export function writePreferences(file: string, groups: readonly PairGroup[]): number {
  const rows = toPreferenceRows(groups);
  writeJsonl(file, rows);
  return rows.length;
}

/** Validator for a preference line {"prompt","chosen","rejected"} (all non-empty-prompt strings). */
export function validatePreferenceRow(value: unknown): PreferenceRow {
  const o = requireObject(value);
  const prompt = requireString(o, 'prompt');
  if (prompt.trim() === '') throw new Error('field "prompt" must not be empty');
  return { prompt, chosen: requireString(o, 'chosen'), rejected: requireString(o, 'rejected') };
}

/** Reads a preferences JSONL file {"prompt","chosen","rejected"} (errors name file and line). */
export function loadPreferences(file: string): PreferenceRow[] {
  return readJsonl(file, validatePreferenceRow);
}

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
