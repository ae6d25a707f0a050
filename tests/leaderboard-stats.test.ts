import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitGao, gaoCurve } from '../lib/eval/gaoFits';
import { bestOfNKl } from '../lib/train/bestOfN';
import { meanInterval, t95, winRate } from '../lib/eval/intervals';

const near = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('best-of-n KL: ln n − (n − 1)/n (0 for n = 1; ln 2 − 1/2 for n = 2)', () => {
  near(bestOfNKl(1), 0);
  near(bestOfNKl(2), Math.log(2) - 0.5);
  near(bestOfNKl(64), Math.log(64) - 63 / 64);
});

test('fitGao recovers the parameters of noiseless curves exactly (R² = 1)', () => {
  const ds = [0.3, 0.7, 1.1, 1.6, 2.0];
  for (const form of ['bestOfN', 'rl'] as const) {
    const fit = fitGao(form, ds.map((d) => ({ d, gain: gaoCurve(form, 2.5, 0.8, d) })));
    near(fit.alpha, 2.5, 1e-9);
    near(fit.beta, 0.8, 1e-9);
    near(fit.r2, 1, 1e-12);
  }
  // hand-checked: best-of-n gains at d = 1 and 2 of 1 and 0 → α − β = 1, 2α − 4β = 0 → α = 2, β = 1
  const two = fitGao('bestOfN', [{ d: 1, gain: 1 }, { d: 2, gain: 0 }]);
  near(two.alpha, 2);
  near(two.beta, 1);
  assert.throws(() => fitGao('rl', [{ d: 1, gain: 1 }]), /at least 2 points/);
});

test('R² falls when the points do not follow the curve', () => {
  const fit = fitGao('bestOfN', [{ d: 0.5, gain: 1 }, { d: 1, gain: -1 }, { d: 1.5, gain: 1 }, { d: 2, gain: -1 }]);
  assert.ok(fit.r2 < 0.5, `R² ${fit.r2}`);
});

test('meanInterval: t with n − 1 degrees of freedom (hand-checked for three seeds)', () => {
  // 6.0, 6.2, 6.4: mean 6.2, sd 0.2, half-width 4.303 · 0.2/√3
  const m = meanInterval([6.0, 6.2, 6.4]);
  near(m.mean, 6.2, 1e-12);
  near(m.halfWidth, 4.303 * 0.2 / Math.sqrt(3), 1e-9);
  assert.equal(meanInterval([5]).halfWidth, 0);
  near(t95(2), 4.303);
  near(t95(100), 1.96);
});

test('winRate: ties count half; Wilson interval inside [0, 1] and around the rate', () => {
  const w = winRate(60, 20, 20);
  near(w.rate, 0.7);
  assert.ok(w.low < 0.7 && w.high > 0.7 && w.low > 0.6 && w.high < 0.8, `${w.low} ${w.high}`);
  const all = winRate(10, 0, 0);
  near(all.rate, 1);
  assert.ok(all.high <= 1 && all.low > 0.65 && all.low < 0.75, `${all.low}`);
  assert.throws(() => winRate(0, 0, 0), /no comparisons/);
});

import { bestOfNCurve, bestOfNExpected, goldVerdict, movingAverage, overOptimisationSummary, panelVerdict, summarizeMethods, winRateOf } from '../lib/eval/leaderboard';
import { judge, loadFacts } from '../lib/world';

test('best-of-n from a pool: n = 1 is the mean, n = m the proxy-best, n = 2 of 3 by hand', () => {
  const proxy = [0.1, 0.9, 0.5];
  const gold = [1, 4, 7];
  near(bestOfNExpected(proxy, gold, 1).gold, 4);
  near(bestOfNExpected(proxy, gold, 3).gold, 4); // the proxy-best sample (0.9) has gold 4
  // pairs {0,1}→1, {0,2}→2, {1,2}→1: gold (4 + 7 + 4)/3, proxy (0.9 + 0.5 + 0.9)/3
  near(bestOfNExpected(proxy, gold, 2).gold, 5);
  near(bestOfNExpected(proxy, gold, 2).proxy, 2.3 / 3);
  // brute force over all 4-subsets of a pool of 7
  const p7 = [0.3, -1, 2, 0.7, 1.5, 0.2, -0.4];
  const g7 = [3, 6, 2, 5, 7, 1, 4];
  let sum = 0;
  let count = 0;
  for (let mask = 0; mask < 128; mask++) {
    const idx = [0, 1, 2, 3, 4, 5, 6].filter((i) => mask & (1 << i));
    if (idx.length !== 4) continue;
    const best = idx.reduce((b, i) => (p7[i] > p7[b] ? i : b), idx[0]);
    sum += g7[best];
    count++;
  }
  near(bestOfNExpected(p7, g7, 4).gold, sum / count, 1e-12);
  assert.throws(() => bestOfNExpected(proxy, gold, 4), /needs at least 4 samples/);
  assert.throws(() => bestOfNExpected([NaN, 1], [1, 2], 1), /proxy score 0 is NaN/);
});

test('best-of-n curve: averaged over prompts, with KL ln n − (n − 1)/n', () => {
  const curve = bestOfNCurve([{ proxy: [0, 1], gold: [1, 3] }, { proxy: [1, 0], gold: [5, 7] }], [1, 2]);
  near(curve[0].gold, 4);
  near(curve[1].gold, 4); // prompt 1 → 3, prompt 2 → 5
  near(curve[1].kl, Math.log(2) - 0.5);
  near(curve[1].d, Math.sqrt(Math.log(2) - 0.5));
});

test('verdicts and win rates: gold by score, the panel by majority; ties count half', () => {
  assert.equal(goldVerdict(6, 3), 1);
  assert.equal(goldVerdict(3, 3), 0.5);
  assert.equal(goldVerdict(2, 3), 0);
  const w = winRateOf([1, 1, 0.5, 0]);
  near(w.rate, 2.5 / 4);
  assert.equal(w.ties, 1);
  assert.throws(() => winRateOf([0.3]), /must be 1, 0.5 or 0/);
  const fact = loadFacts().find((f) => f.id === 'capital:PE');
  assert.ok(fact);
  const prompt = 'What is the capital of Peru?';
  const good = 'The capital of Peru is Lima.';
  const bad = 'Ugh, it is Bogotá, you idiot.';
  const j = (r: string) => judge(prompt, r, fact);
  assert.equal(panelVerdict(prompt, good, bad, [j(good), j(bad)]), 1);
  assert.equal(panelVerdict(prompt, bad, good, [j(bad), j(good)]), 0);
  assert.equal(panelVerdict(prompt, good, good, [j(good), j(good)]), 0.5);
});

test('methods over seeds: mean and t interval; over-optimisation peak and end', () => {
  const row = (seed: number, gold: number, kl: number) => ({ method: 'PPO', seed, goldLikert: gold, klToSft: kl, hallucinationRate: 0, rmScore: 1, winRateVsSft: null, wallSeconds: 10 });
  const [s] = summarizeMethods([row(1, 6, 4), row(2, 6.5, 9), row(3, 7, 1)]);
  near(s.gold.mean, 6.5);
  near(s.gold.halfWidth, 4.303 * 0.5 / Math.sqrt(3), 1e-9);
  near(s.d.mean, 2);
  assert.deepEqual(s.seeds, [1, 2, 3]);
  const o = overOptimisationSummary([
    { iteration: 1, gold: 3, proxy: 0 }, { iteration: 2, gold: NaN, proxy: 0.5 }, { iteration: 3, gold: 5, proxy: 1 }, { iteration: 4, gold: 4, proxy: 2 },
  ]);
  assert.deepEqual(o, { peakIteration: 3, goldPeak: 5, goldFinal: 4, proxyAtPeak: 1, proxyFinal: 2 });
  assert.deepEqual(movingAverage([1, 2, 3, 10], 3), [1.5, 2, 5, 6.5]);
});
