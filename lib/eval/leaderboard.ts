import type { Judgement } from '../world/judge';
import { DEFAULT_PANEL, simulateLabel, type LabelerConfig } from '../labels/labelers';
import { requirePosInt } from '../core/validate';
import { bestOfNKl } from '../train/bestOfN';
import { meanInterval, winRate, type MeanInterval, type WinRate } from './intervals';

/**
 * The leaderboard's arithmetic: best-of-n from a pool of samples, the panel's verdict on two replies, and the
 * summary of a method over seeds. Everything here is plain numbers; notebook 08 does the sampling and reading.
 */

/**
 * The expected proxy and gold score of best-of-n when n candidates are drawn at random (without replacement) from a
 * pool of m ≥ n scored samples and the one with the highest proxy is kept. Exact, not a Monte-Carlo estimate: with
 * the pool sorted by proxy (highest first), the candidate of rank i is the best of a random n-subset with probability
 * C(m − 1 − i, n − 1) / C(m, n). With n = 1 it is the pool's mean; with n = m, its proxy-best sample.
 */
export function bestOfNExpected(proxy: readonly number[], gold: readonly number[], n: number): { proxy: number; gold: number } {
  const m = proxy.length;
  requirePosInt('bestOfNExpected: n', n);
  if (gold.length !== m) throw new Error(`bestOfNExpected: ${m} proxy scores but ${gold.length} gold scores`);
  if (n > m) throw new Error(`bestOfNExpected: n = ${n} needs at least ${n} samples, the pool has ${m}`);
  proxy.forEach((s, i) => { if (!Number.isFinite(s)) throw new Error(`bestOfNExpected: proxy score ${i} is ${s}`); });
  const order = proxy.map((_, i) => i).sort((a, b) => proxy[b] - proxy[a] || a - b);
  let w = n / m; // C(m − 1, n − 1) / C(m, n)
  let p = 0;
  let g = 0;
  for (let r = 0; r <= m - n; r++) {
    p += w * proxy[order[r]];
    g += w * gold[order[r]];
    w *= (m - r - n) / (m - 1 - r); // C(m − 2 − r, n − 1) / C(m − 1 − r, n − 1)
  }
  return { proxy: p, gold: g };
}

/** One point of the best-of-n curve: n, its KL to the sampled policy (ln n − (n − 1)/n), d = √KL, mean scores. */
export interface BestOfNPoint {
  n: number;
  kl: number;
  d: number;
  proxy: number;
  gold: number;
}

/** The best-of-n curve over prompts: each prompt's pool of samples, averaged over prompts for every n. */
export function bestOfNCurve(pools: readonly { proxy: readonly number[]; gold: readonly number[] }[], ns: readonly number[]): BestOfNPoint[] {
  if (pools.length === 0) throw new Error('bestOfNCurve: no prompts');
  return ns.map((n) => {
    let proxy = 0;
    let gold = 0;
    for (const pool of pools) {
      const e = bestOfNExpected(pool.proxy, pool.gold, n);
      proxy += e.proxy;
      gold += e.gold;
    }
    const kl = bestOfNKl(n);
    return { n, kl, d: Math.sqrt(kl), proxy: proxy / pools.length, gold: gold / pools.length };
  });
}

/**
 * The panel's verdict on reply A against reply B to one question: every labeler of the panel ranks the two (their
 * noise, weights and tie margins as in stage 02); A wins when more labelers put it first than put B first, ties
 * when as many do. Two identical replies tie (a labeler's noise would otherwise pick one at random). Returns 1 (A),
 * 0.5 (tie) or 0 (B).
 */
export function panelVerdict(prompt: string, a: string, b: string, judgements: readonly [Judgement, Judgement],
  panel: readonly LabelerConfig[] = DEFAULT_PANEL): 0 | 0.5 | 1 {
  if (a === b) return 0.5;
  let forA = 0;
  let forB = 0;
  for (const labeler of panel) {
    const top = simulateLabel(labeler, prompt, [a, b], judgements).ranking[0];
    if (top.length === 1) {
      if (top[0] === 0) forA++;
      else forB++;
    }
  }
  return forA > forB ? 1 : forA < forB ? 0 : 0.5;
}

/** The gold judge's verdict on A against B: 1, 0.5 (scores within `tolerance`) or 0. */
export function goldVerdict(goldA: number, goldB: number, tolerance = 1e-6): 0 | 0.5 | 1 {
  return Math.abs(goldA - goldB) <= tolerance ? 0.5 : goldA > goldB ? 1 : 0;
}

/** A win rate (with its Wilson interval) from verdicts of 1, 0.5 and 0. */
export function winRateOf(verdicts: readonly number[]): WinRate {
  let wins = 0;
  let ties = 0;
  let losses = 0;
  for (const v of verdicts) {
    if (v === 1) wins++;
    else if (v === 0.5) ties++;
    else if (v === 0) losses++;
    else throw new Error(`winRateOf: a verdict must be 1, 0.5 or 0, got ${v}`);
  }
  return winRate(wins, ties, losses);
}

/** One method's result in one seed, as the leaderboard's table and chart use it. */
export interface LeaderboardRow {
  method: string;
  seed: number;
  goldLikert: number;
  klToSft: number;
  hallucinationRate: number;
  rmScore: number;
  /** Win rate against the SFT model's reply to the same prompt: by the simulated panel and by gold. */
  winRateVsSft: { panel: number; gold: number } | null;
  wallSeconds: number;
}

/** A method over its seeds: mean and 95 % interval of each figure, and the pooled win rates. */
export interface MethodSummary {
  method: string;
  seeds: number[];
  gold: MeanInterval;
  kl: MeanInterval;
  /** √KL of each seed, averaged: the chart's x. */
  d: MeanInterval;
  rmScore: MeanInterval;
  hallucinationRate: MeanInterval;
  wallSeconds: MeanInterval;
}

/** Summarises the rows of each method (in first-seen order). */
export function summarizeMethods(rows: readonly LeaderboardRow[]): MethodSummary[] {
  const methods = [...new Set(rows.map((r) => r.method))];
  return methods.map((method) => {
    const rs = rows.filter((r) => r.method === method);
    const of = (f: (r: LeaderboardRow) => number) => meanInterval(rs.map(f));
    return {
      method,
      seeds: rs.map((r) => r.seed),
      gold: of((r) => r.goldLikert),
      kl: of((r) => r.klToSft),
      d: of((r) => Math.sqrt(Math.max(0, r.klToSft))),
      rmScore: of((r) => r.rmScore),
      hallucinationRate: of((r) => r.hallucinationRate),
      wallSeconds: of((r) => r.wallSeconds),
    };
  });
}

/**
 * Peak and end of a gold curve beside its proxy, for the over-optimisation run: the iteration where gold peaks, the
 * gold and proxy there and at the end. Gold and proxy are given per iteration (NaN where not measured).
 */
export function overOptimisationSummary(series: readonly { iteration: number; gold: number; proxy: number }[]): {
  peakIteration: number; goldPeak: number; goldFinal: number; proxyAtPeak: number; proxyFinal: number;
} {
  const pts = series.filter((p) => Number.isFinite(p.gold) && Number.isFinite(p.proxy));
  if (pts.length === 0) throw new Error('overOptimisationSummary: no iteration has both gold and proxy');
  let peak = pts[0];
  for (const p of pts) if (p.gold > peak.gold) peak = p;
  const last = pts[pts.length - 1];
  return { peakIteration: peak.iteration, goldPeak: peak.gold, goldFinal: last.gold, proxyAtPeak: peak.proxy, proxyFinal: last.proxy };
}

/** Centred moving average over `window` points (shorter at the ends): smooths a per-iteration rollout curve. */
export function movingAverage(xs: readonly number[], window: number): number[] {
  requirePosInt('movingAverage: window', window);
  const h = Math.floor(window / 2);
  return xs.map((_, i) => {
    const part = xs.slice(Math.max(0, i - h), Math.min(xs.length, i + h + 1)).filter(Number.isFinite);
    return part.length ? part.reduce((a, b) => a + b, 0) / part.length : NaN;
  });
}
