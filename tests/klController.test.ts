import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveKlController, FixedKlController, klProportionalError, makeKlController } from '../lib/train/klController';

function close(actual: number, expected: number, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

test('the proportional error is KL/target − 1, clipped at ±0.2', () => {
  close(klProportionalError(6.6, 6), 0.1);
  close(klProportionalError(5.7, 6), -0.05);
  close(klProportionalError(6, 6), 0);
  assert.equal(klProportionalError(12, 6), 0.2);
  assert.equal(klProportionalError(0, 6), -0.2);
});

test('adaptive β grows when KL > target, shrinks when below, by β·(1 + err·n/horizon)', () => {
  const c = new AdaptiveKlController(0.1, 6, 10000);
  close(c.update(6.6, 64), 0.1 * (1 + (0.1 * 64) / 10000)); // err 0.1
  const b1 = c.beta;
  close(c.update(12, 64), b1 * (1 + (0.2 * 64) / 10000)); // err 1 → clipped to 0.2
  const b2 = c.beta;
  close(c.update(1, 64), b2 * (1 - (0.2 * 64) / 10000)); // err −5/6 → clipped to −0.2
  const b3 = c.beta;
  assert.equal(c.update(6, 64), b3); // on target: unchanged
  assert.equal(c.update(100, 0), b3); // no samples: unchanged
  // A large KL can move β by at most 20 %·n/horizon per update.
  const big = new AdaptiveKlController(1, 1, 100);
  close(big.update(1e6, 100), 1.2);
});

test('the fixed controller keeps β and has the same interface', () => {
  const c = makeKlController({ kind: 'fixed', beta: 0.05 });
  assert.ok(c instanceof FixedKlController);
  assert.equal(c.update(100, 64), 0.05);
  assert.equal(c.beta, 0.05);
  const a = makeKlController({ kind: 'adaptive', beta: 0.05, target: 6, horizon: 10000 });
  assert.ok(a instanceof AdaptiveKlController);
  assert.ok(a.update(100, 64) > 0.05);
});

test('bad settings and inputs are refused with the field named', () => {
  assert.throws(() => new AdaptiveKlController(0.1, 0, 10000), /target must be > 0, got 0/);
  assert.throws(() => new AdaptiveKlController(0.1, 6, -1), /horizon must be > 0/);
  assert.throws(() => new FixedKlController(-1), /beta must be ≥ 0/);
  assert.throws(() => new AdaptiveKlController(0.1, 6, 100).update(NaN, 8), /kl must be a finite number/);
  assert.throws(() => new FixedKlController(0.1).update(1, 2.5), /n must be a sample count/);
});
