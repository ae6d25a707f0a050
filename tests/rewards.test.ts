import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shapeRewards } from '../lib/train/rewardShaping';
import { gae } from '../lib/model/losses';

function closeGrid(actual: number[][], expected: number[][], tol = 1e-12): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, i) => row.forEach((v, t) => assert.ok(Math.abs(v - expected[i][t]) <= tol, `[${i}][${t}]: expected ${expected[i][t]}, got ${v}`)));
}

// Row 0: prompt token, three response tokens ending with EOS, padding. Row 1: two response tokens, cut off (no EOS).
const scores = [2, 1];
const kl = [[9, 0.5, 0.2, 0.1, 9], [9, 0.3, 0.4, 9, 9]];
const mask = [[0, 1, 1, 1, 0], [0, 1, 1, 0, 0]];

test('per-token reward: −β·KL on every response token, the score on the last one, 0 elsewhere', () => {
  closeGrid(shapeRewards(scores, kl, mask, { beta: 0.1 }), [
    [0, -0.05, -0.02, -0.01 + 2, 0],
    [0, -0.03, -0.04 + 1, 0, 0],
  ]);
  closeGrid(shapeRewards(scores, kl, mask, { beta: 0 }), [[0, 0, 0, 2, 0], [0, 0, 1, 0, 0]]);
});

test('a response that never emitted EOS has the penalty subtracted from its score', () => {
  closeGrid(shapeRewards(scores, kl, mask, { beta: 0.1, endedWithEos: [true, false], noEosPenalty: 0.5 }), [
    [0, -0.05, -0.02, -0.01 + 2, 0],
    [0, -0.03, -0.04 + 1 - 0.5, 0, 0],
  ]);
});

test('the shaped rewards feed gae (zeros at masked positions) and bad inputs are refused', () => {
  const rewards = shapeRewards(scores, kl, mask, { beta: 0.1 });
  const zeroValues = mask.map((row) => row.map(() => 0));
  // With V = 0, γ = λ = 1 the advantage is the reward-to-go: row 0 → [0, 1.92, 1.97, 1.99, 0].
  closeGrid(gae(rewards, zeroValues, mask, 1, 1).advantages, [[0, 1.92, 1.97, 1.99, 0], [0, 0.93, 0.96, 0, 0]], 1e-9);
  assert.throws(() => shapeRewards(scores, kl, [[0, 1, 1, 1, 0], [0, 0, 0, 0, 0]], { beta: 0.1 }), /mask\[1\] has no response token/);
  assert.throws(() => shapeRewards(scores, kl, mask, { beta: 0.1, noEosPenalty: 1 }), /noEosPenalty needs endedWithEos/);
  assert.throws(() => shapeRewards([1], kl, mask, { beta: 0.1 }), /1 scores but kl has 2 rows/);
  assert.throws(() => shapeRewards(scores, kl, mask, { beta: -1 }), /beta must be ≥ 0/);
});

test('per-token scores: each response token gets its own score and −β·KL, the penalty the last one', () => {
  const tokenScores = [[7, 0.5, 1, 0.5, 7], [7, 0.25, 0.75, 7, 7]]; // off-mask entries are ignored; rows sum to 2 and 1
  closeGrid(shapeRewards(tokenScores, kl, mask, { beta: 0.1, endedWithEos: [true, false], noEosPenalty: 0.5 }), [
    [0, 0.5 - 0.05, 1 - 0.02, 0.5 - 0.01, 0],
    [0, 0.25 - 0.03, 0.75 - 0.04 - 0.5, 0, 0],
  ]);
  // With γ = 1 the return from the first response token is the same as with the whole score at the end.
  const zeroValues = mask.map((row) => row.map(() => 0));
  const dense = gae(shapeRewards(tokenScores, kl, mask, { beta: 0.1 }), zeroValues, mask, 1, 1).returns;
  const sparse = gae(shapeRewards(scores, kl, mask, { beta: 0.1 }), zeroValues, mask, 1, 1).returns;
  assert.ok(Math.abs(dense[0][1] - sparse[0][1]) < 1e-12 && Math.abs(dense[1][1] - sparse[1][1]) < 1e-12);
  assert.throws(() => shapeRewards([[1, 2], [1, 2, 3, 4, 5]], kl, mask, { beta: 0.1 }), /scores\[0\] has 2 entries but kl\[0\] has 5/);
});
