import { JsonlError, readJsonlNumbered, requireObject, requireString, writeJsonl, type NumberedRecord } from '../core/jsonl';
import { withKnownFact } from '../world/facts';

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
 *
 * The loaders refuse, naming file and line: an empty file; a fact id the world does not have; a pair whose chosen
 * and rejected are the same response (the same index, or in the TRL export the same text); and a labeler who
 * contradicts themself, ordering two responses of the same prompt one way in one place and the other way in
 * another (see checkOwnConsistency). Two labelers disagreeing is no error: that is what labelerAgreement measures.
 */

/** Options of the loaders of candidates, rankings and pairs. */
export interface DataFileOptions {
  /** The fact ids a record may name (default: the world's, data/facts.json). */
  factIds?: ReadonlySet<string>;
}


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

/**
 * Reads a rankings JSONL file (errors name file and line): at least one record, known fact ids, and no labeler
 * contradicting themself across the labels of the file (checkOwnConsistency).
 */
export function loadRankings(file: string, options: DataFileOptions = {}): RankingRecord[] {
  const rows = readJsonlNumbered(file, withKnownFact(validateRankingRecord, options.factIds));
  checkOwnConsistency(file, rows.flatMap(({ value: r, line }) => r.labels.map((l) => ({ line, labeler: l.labeler, prompt: r.prompt, responses: r.responses, pairs: rankingToPairs(l.ranking) }))));
  return rows.map((r) => r.value);
}

/** Reads a candidates JSONL file (errors name file and line): at least one record, known fact ids. */
export function loadCandidates(file: string, options: DataFileOptions = {}): CandidateSet[] {
  return readJsonlNumbered(file, withKnownFact(validateCandidateSet, options.factIds)).map((r) => r.value);
}

/** One labeler's ordered pairs of one prompt's responses, and the line they were read from. */
interface OwnPairs {
  line: number;
  labeler: string;
  prompt: string;
  responses: readonly string[];
  pairs: readonly IndexPair[];
}

/**
 * Refuses a labeler who contradicts themself: the same labeler ordering responses i and j of the same prompt and
 * responses as i above j in one place and j above i in another (two lines, two labels of one line, or two pairs of
 * one line). Such records are not a judgement but a defect (a file appended to twice, two sessions of one person
 * under one name, a merge gone wrong), and training on both orders teaches nothing. Different labelers may
 * disagree (that is labeler noise, measured by labelerAgreement), and equal texts at two indices are two samples,
 * not one response: neither is reported. The error names the file, both lines, the labeler and the prompt.
 */
export function checkOwnConsistency(file: string, entries: readonly OwnPairs[]): void {
  const seen = new Map<string, { line: number; chosen: number }>();
  for (const e of entries) {
    const setKey = JSON.stringify([e.labeler, e.prompt, e.responses]);
    for (const p of e.pairs) {
      const key = `${setKey}|${Math.min(p.chosen, p.rejected)},${Math.max(p.chosen, p.rejected)}`;
      const before = seen.get(key);
      if (!before) seen.set(key, { line: e.line, chosen: p.chosen });
      else if (before.chosen !== p.chosen) {
        const where = before.line === e.line ? 'on this same line' : `on line ${before.line}`;
        throw new JsonlError(file, e.line, `${e.labeler} puts response ${p.chosen} above ${p.rejected} for ${JSON.stringify(e.prompt)}, but ${where} the other way round (one labeler must not contradict themself; remove one of the two)`);
      }
    }
  }
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

/**
 * Reads a pairs JSONL file, one PairGroup per line (errors name file and line): at least one group, known fact
 * ids, chosen ≠ rejected, and no labeler contradicting themself (checkOwnConsistency).
 */
export function loadPairGroups(file: string, options: DataFileOptions = {}): PairGroup[] {
  const rows = readJsonlNumbered(file, withKnownFact(validatePairGroup, options.factIds));
  checkOwnConsistency(file, rows.map(({ value: g, line }) => ({ line, labeler: g.labeler, prompt: g.prompt, responses: g.responses, pairs: g.pairs })));
  return rows.map((r) => r.value);
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

/**
 * Pair groups flattened to preference rows, group by group. A pair of two samples with the same text is left
 * out: as a row it would say a reply is better than itself.
 */
export function toPreferenceRows(groups: readonly PairGroup[]): PreferenceRow[] {
  return groups.flatMap((g) => g.pairs
    .filter((p) => g.responses[p.chosen] !== g.responses[p.rejected])
    .map((p) => ({ prompt: g.prompt, chosen: g.responses[p.chosen], rejected: g.responses[p.rejected] })));
}

/** Writes preference rows as JSONL {"prompt","chosen","rejected"} atomically. */
export function writePreferences(file: string, groups: readonly PairGroup[]): number {
  const rows = toPreferenceRows(groups);
  writeJsonl(file, rows);
  return rows.length;
}

/** Validator for a preference line {"prompt","chosen","rejected"}: strings, a non-empty prompt, chosen ≠ rejected. */
export function validatePreferenceRow(value: unknown): PreferenceRow {
  const o = requireObject(value);
  const prompt = requireString(o, 'prompt');
  if (prompt.trim() === '') throw new Error('field "prompt" must not be empty');
  const row = { prompt, chosen: requireString(o, 'chosen'), rejected: requireString(o, 'rejected') };
  if (row.chosen === row.rejected) throw new Error(`"chosen" and "rejected" are the same reply ${JSON.stringify(row.chosen.slice(0, 60))}`);
  return row;
}

/** Reads a preferences JSONL file {"prompt","chosen","rejected"} (errors name file and line); at least one row. */
export function loadPreferences(file: string): PreferenceRow[] {
  return readJsonlNumbered(file, validatePreferenceRow).map((r) => r.value);
}

/** Two rows of a preferences file that order the same two replies of one prompt both ways. */
export interface PreferenceContradiction {
  prompt: string;
  /** The reply chosen on the earlier line (rejected on the later one). */
  first: string;
  second: string;
  /** The two 1-based lines: [earlier, later]. */
  lines: [number, number];
  /** "file:3 and file:9: ..." for a report. */
  message: string;
}

/**
 * Every contradiction of a preferences file: the same prompt with reply A over B on one line and B over A on
 * another. Reported, not refused: the TRL format carries no labeler, and the export of several people's pairs
 * may rightly hold two who disagree (loadPairGroups, which knows the labelers, refuses a labeler's own).
 */
export function preferenceContradictions(file: string): PreferenceContradiction[] {
  const rows: NumberedRecord<PreferenceRow>[] = readJsonlNumbered(file, validatePreferenceRow);
  const firstLine = new Map<string, number>();
  const found: PreferenceContradiction[] = [];
  for (const { value: r, line } of rows) {
    const reversed = firstLine.get(JSON.stringify([r.prompt, r.rejected, r.chosen]));
    if (reversed !== undefined) {
      found.push({
        prompt: r.prompt, first: r.rejected, second: r.chosen, lines: [reversed, line],
        message: `${file}:${reversed} and ${file}:${line}: ${JSON.stringify(r.prompt)} prefers ${JSON.stringify(r.rejected.slice(0, 40))} on the first and ${JSON.stringify(r.chosen.slice(0, 40))} on the second`,
      });
    }
    const key = JSON.stringify([r.prompt, r.chosen, r.rejected]);
    if (!firstLine.has(key)) firstLine.set(key, line);
  }
  return found;
}
