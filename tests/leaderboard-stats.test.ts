import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestOfNKlExact, fitGao, gaoCurve } from '../lib/eval/gaoFits';
import { meanInterval, t95, winRate } from '../lib/eval/intervals';

const near = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('best-of-n KL: ln n − (n − 1)/n (0 for n = 1; ln 2 − 1/2 for n = 2)', () => {
  near(bestOfNKlExact(1), 0);
  near(bestOfNKlExact(2), Math.log(2) - 0.5);
  near(bestOfNKlExact(64), Math.log(64) - 63 / 64);
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
