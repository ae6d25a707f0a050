import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestOfNKl, pickBest } from '../lib/train/bestOfN';

test('bestOfNKl: log n − (n − 1)/n nats; 0 for n = 1', () => {
  assert.equal(bestOfNKl(1), 0);
  assert.ok(Math.abs(bestOfNKl(2) - (Math.LN2 - 0.5)) < 1e-12); // 0.193
  assert.ok(Math.abs(bestOfNKl(16) - (Math.log(16) - 15 / 16)) < 1e-12); // 1.835
  assert.throws(() => bestOfNKl(0), /positive integer/);
  assert.throws(() => bestOfNKl(2.5), /positive integer/);
});

test('pickBest: the highest score of each prompt, the first on a tie', () => {
  assert.deepEqual(pickBest([[0.1, 0.9, 0.3], [2, 2, 1], [-5]]), [1, 0, 0]);
  assert.throws(() => pickBest([[1], []]), /prompt 1 has no candidates/);
  assert.throws(() => pickBest([[1, NaN]]), /candidate 1 of prompt 0 has score NaN/);
});
