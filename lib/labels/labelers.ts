import { loadFacts, type Fact } from '../world/facts';
import { Rng } from '../core/rng';
import { combineLikert, judge as defaultJudge, likertToScore, NEUTRAL_WEIGHTS, type CriterionWeights, type Judgement, type JudgeFn } from '../world/judge';
import type { CandidateSet, Label, Ranking, RankingRecord, Ratings } from './preferences';
import { checkConfig, int, num } from '../core/validate';

/**
 * The simulated labeler panel. Each labeler sees the gold judge's per-criterion ratings through its own
 * Gaussian noise, weighs the criteria its own way (one cares most about facts, one about tone, one about
 * style), now and then loses attention, and ties responses it finds about equally good. So the panel disagrees
 * the way people do — on taste, not only by noise. (Calibration note from the prototype: noise σ = 0.7 alone
 * gave labels that agreed with gold on 97 % of pairs, far cleaner than InstructGPT's people, who agreed with each
 * other on 72.6 %.)
 *
 * How one labeler rates one response (gold criteria g_c on the 1–7 scale):
 *   seen_c  = g_c + σ·N(0, 1)                                    for factualness, harmlessness, humanLikeness
 *   overall = combineLikert(seen, weights)  (weights are exponents; 1, 1, 1 is the gold formula)
 *   with probability lapseRate the overall is instead uniform in [1, 7] (an attention lapse)
 * Ratings are the rounded values (integers 1–7). The ranking sorts by the real-valued overall; neighbours closer
 * than tieMargin are tied. With σ = 0, lapseRate = 0, tieMargin = 0 and neutral weights a labeler's ranking is
 * the gold ranking.
 */

/** One simulated labeler's settings (every field validated by validateLabelerConfig). */
export interface LabelerConfig {
  /** "sim:<n>". */
  id: string;
  /** Seed of this labeler's noise (with the prompt and responses it fixes every draw). */
  seed: number;
  /** Standard deviation of the noise on each criterion, in Likert points (0 = sees gold exactly). */
  sigma: number;
  /** How much each criterion counts: exponents in the overall score (1, 1, 1 = gold). */
  weights: CriterionWeights;
  /** Probability that a response gets a careless overall score, uniform in [1, 7]. */
  lapseRate: number;
  /** Responses whose overall scores are closer than this (Likert points) are ranked as tied. */
  tieMargin: number;
  /** What kind of labeler this is, for people reading a table. */
  description: string;
}

/** The default panel of five. Change a field, or pass your own array, to see how labels and agreement move. */
export const DEFAULT_PANEL: readonly LabelerConfig[] = Object.freeze([
  { id: 'sim:0', seed: 101, sigma: 0.6, weights: { factualness: 2, harmlessness: 0.7, humanLikeness: 0.5 }, lapseRate: 0.03, tieMargin: 0.25, description: 'fact-checker: a wrong answer is the worst thing' },
  { id: 'sim:1', seed: 202, sigma: 0.6, weights: { factualness: 0.7, harmlessness: 2, humanLikeness: 0.7 }, lapseRate: 0.03, tieMargin: 0.25, description: 'tone-watcher: rudeness is the worst thing' },
  { id: 'sim:2', seed: 303, sigma: 0.7, weights: { factualness: 0.7, harmlessness: 0.7, humanLikeness: 2 }, lapseRate: 0.03, tieMargin: 0.25, description: 'stylist: cares how natural the reply reads' },
  { id: 'sim:3', seed: 404, sigma: 0.8, weights: { ...NEUTRAL_WEIGHTS }, lapseRate: 0.03, tieMargin: 0.25, description: 'all-rounder: weighs everything like the gold judge' },
  { id: 'sim:4', seed: 505, sigma: 1.0, weights: { ...NEUTRAL_WEIGHTS }, lapseRate: 0.1, tieMargin: 0.25, description: 'hurried: noisy, sometimes not reading carefully' },
]);

/**
 * A labeler who is the gold judge: no noise, gold's weights, no lapses, no tie margin, so its ranking is exactly
 * the gold ranking. Not a realistic labeler: a control, to see what a model learns from perfect labels.
 */
export const GOLD_LABELER: Readonly<LabelerConfig> = Object.freeze({
  id: 'sim:gold', seed: 0, sigma: 0, weights: { ...NEUTRAL_WEIGHTS }, lapseRate: 0, tieMargin: 0, description: 'the gold judge itself (a control)',
});

/** Checks one labeler's config; the error names the labeler and the field. */
export function validateLabelerConfig(c: LabelerConfig): LabelerConfig {
  const where = `labeler ${JSON.stringify(c?.id)}`;
  checkConfig(where, c, {
    id: (v) => (typeof v === 'string' && /^sim:[A-Za-z0-9._-]{1,40}$/.test(v) ? null : 'a string like "sim:0"'),
    seed: int(-2147483648, 4294967295), sigma: num('[0, 6]'), lapseRate: num('[0, 1]'), tieMargin: num('[0, 6]'),
    weights: (v) => (typeof v === 'object' && v !== null ? null : 'an object {factualness, harmlessness, humanLikeness}'),
    description: (v) => (typeof v === 'string' ? null : 'a string'),
  });
  checkConfig(`${where}.weights`, c.weights, { factualness: num('[0, 10]'), harmlessness: num('[0, 10]'), humanLikeness: num('[0, 10]') });
  return c;
}

/** Checks a whole panel (non-empty, ids unique). */
export function validatePanel(panel: readonly LabelerConfig[]): readonly LabelerConfig[] {
  if (!Array.isArray(panel) || panel.length === 0) throw new Error('panel must be a non-empty array of labeler configs');
  const ids = new Set<string>();
  for (const c of panel) {
    validateLabelerConfig(c);
    if (ids.has(c.id)) throw new Error(`panel: labeler id ${c.id} appears twice`);
    ids.add(c.id);
  }
  return panel;
}

/** The default panel with some fields changed for every labeler, e.g. panelWith({ sigma: 0, lapseRate: 0 }). */
export function panelWith(change: Partial<Omit<LabelerConfig, 'id' | 'seed'>>, base: readonly LabelerConfig[] = DEFAULT_PANEL): LabelerConfig[] {
  return validatePanel(base.map((c) => ({ ...c, ...change, weights: { ...(change.weights ?? c.weights) } }))) as LabelerConfig[];
}

/**
 * Tiers from scores (higher is better): sorted best first, and a response joins the previous tier when its
 * score is within `margin` of the previous response's (margin 0: only equal scores tie).
 */
export function tiersFromScores(scores: readonly number[], margin = 0): Ranking {
  const order = scores.map((s, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const tiers: Ranking = [];
  for (let n = 0; n < order.length; n++) {
    const i = order[n];
    if (n > 0 && scores[order[n - 1]] - scores[i] <= margin + 1e-9) tiers[tiers.length - 1].push(i);
    else tiers.push([i]);
  }
  return tiers;
}

/** The gold ranking of K judged responses (ties only for equal gold scores). */
export function goldRanking(judgements: readonly Judgement[]): Ranking {
  return tiersFromScores(judgements.map((j) => j.likert), 0);
}

/** A 32-bit hash of a string (FNV-1a), to give every (labeler, prompt) its own noise stream. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function toLikertInt(x: number): number {
  return Math.min(7, Math.max(1, Math.round(x)));
}

/**
 * One labeler's label for one prompt's responses, from their gold judgements. Deterministic: the same labeler,
 * prompt and responses always give the same label.
 */
export function simulateLabel(config: LabelerConfig, prompt: string, responses: readonly string[], judgements: readonly Judgement[]): Label {
  validateLabelerConfig(config);
  if (judgements.length !== responses.length) throw new Error(`simulateLabel: ${responses.length} responses but ${judgements.length} judgements`);
  const rng = new Rng((config.seed ^ hashString(`${prompt}\u0000${responses.join('\u0000')}`)) | 0);
  const overall: number[] = [];
  const ratings: Ratings[] = judgements.map((j) => {
    const seen = {
      factualness: j.criteriaLikert.factualness + config.sigma * rng.normal(),
      harmlessness: j.criteriaLikert.harmlessness + config.sigma * rng.normal(),
      humanLikeness: j.criteriaLikert.humanLikeness + config.sigma * rng.normal(),
    };
    let o = combineLikert(
      {
        factualness: likertToScore(seen.factualness),
        harmlessness: likertToScore(seen.harmlessness),
        humanLikeness: likertToScore(seen.humanLikeness),
        politeness: j.scores.politeness,
      },
      config.weights,
    );
    const lapse = rng.next() < config.lapseRate;
    const careless = 1 + 6 * rng.next();
    if (lapse) o = careless;
    overall.push(o);
    return {
      factualness: toLikertInt(seen.factualness),
      harmlessness: toLikertInt(seen.harmlessness),
      humanLikeness: toLikertInt(seen.humanLikeness),
      overall: toLikertInt(o),
    };
  });
  return { labeler: config.id, ratings, ranking: tiersFromScores(overall, config.tieMargin) };
}

/** Who labels which prompt: 'rotation' — prompt i by labeler i mod n (one label each, as InstructGPT mostly had); 'all' — every labeler labels every prompt (stage 02's default: agreement statistics, and a consensus to train on). */
export type Assignment = 'rotation' | 'all';

export interface PanelOptions {
  panel?: readonly LabelerConfig[];
  assignment?: Assignment;
  /** The fact table (default data/facts.json). */
  facts?: readonly Fact[];
  /** The gold judge (default lib/world/judge.ts's judge). */
  judgeFn?: JudgeFn;
}

/** Judges every response of every candidate set with the gold judge. */
export function judgeCandidates(sets: readonly CandidateSet[], facts: readonly Fact[] = loadFacts(), judgeFn: JudgeFn = defaultJudge): Judgement[][] {
  const byId = new Map(facts.map((f) => [f.id, f]));
  return sets.map((s, i) => {
    const fact = byId.get(s.factId);
    if (!fact) throw new Error(`candidate set ${i} ("${s.prompt}"): unknown factId ${s.factId}`);
    return s.responses.map((r) => judgeFn(s.prompt, r, fact));
  });
}

/**
 * The panel labels candidate sets: returns one rankings record per set (schema in lib/labels/preferences.ts) and the
 * gold judgements (hidden from the reward model; used for evaluation and the noise ceiling).
 */
export function rankWithPanel(sets: readonly CandidateSet[], options: PanelOptions = {}): { records: RankingRecord[]; gold: Judgement[][] } {
  const panel = validatePanel(options.panel ?? DEFAULT_PANEL);
  const assignment = options.assignment ?? 'rotation';
  if (assignment !== 'rotation' && assignment !== 'all') throw new Error(`rankWithPanel: assignment must be 'rotation' or 'all', got ${JSON.stringify(assignment)}`);
  const gold = judgeCandidates(sets, options.facts ?? loadFacts(), options.judgeFn ?? defaultJudge);
  const records = sets.map((s, i) => {
    const who = assignment === 'all' ? panel : [panel[i % panel.length]];
    return {
      prompt: s.prompt,
      factId: s.factId,
      responses: s.responses.slice(),
      labels: who.map((c) => simulateLabel(c, s.prompt, s.responses, gold[i])),
    };
  });
  return { records, gold };
}
