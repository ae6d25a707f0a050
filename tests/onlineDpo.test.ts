import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultOnlineDpoConfig, pairGroupsFromScores, validateOnlineDpoConfig } from '../lib/train/onlineDpo';

test('the default online-DPO config is valid; validateOnlineDpoConfig names the bad field', () => {
  assert.equal(validateOnlineDpoConfig({ ...defaultOnlineDpoConfig }).samplesPerPrompt, 4);
  const bad: [Partial<typeof defaultOnlineDpoConfig>, RegExp][] = [
    [{ beta: 0 }, /OnlineDpoConfig\.beta must be a number in \(0, ∞\)/],
    [{ learningRate: 1 }, /OnlineDpoConfig\.learningRate/],
    [{ steps: 0 }, /OnlineDpoConfig\.steps must be a positive integer/],
    [{ promptsPerStep: 2.5 }, /OnlineDpoConfig\.promptsPerStep/],
    [{ samplesPerPrompt: 1 }, /OnlineDpoConfig\.samplesPerPrompt must be an integer ≥ 2/],
    [{ warmupFraction: 2 }, /OnlineDpoConfig\.warmupFraction/],
    [{ minLearningRateRatio: -0.1 }, /OnlineDpoConfig\.minLearningRateRatio/],
    [{ gradClip: -1 }, /OnlineDpoConfig\.gradClip/],
    [{ temperature: 0 }, /OnlineDpoConfig\.temperature/],
    [{ maxNewTokens: 0 }, /OnlineDpoConfig\.maxNewTokens/],
    [{ evalEvery: NaN }, /OnlineDpoConfig\.evalEvery/],
    [{ seed: 1.5 }, /OnlineDpoConfig\.seed must/],
  ];
  for (const [change, re] of bad) assert.throws(() => validateOnlineDpoConfig({ ...defaultOnlineDpoConfig, ...change }), re);
});

test('pairGroupsFromScores: every pair the scores order, higher preferred; ties and all-equal prompts give no pair', () => {
  // Two prompts, K = 4. Prompt 0: scores 3, 1, 2, 2 → order 0 > {2, 3} > 1: five pairs (2 and 3 tie).
  // Prompt 1: all replies score 0.5 (a collapsed policy) → no group.
  const rows = [[1, 10], [1, 11], [1, 12], [1, 13], [2, 20], [2, 20], [2, 20], [2, 20]];
  const groups = pairGroupsFromScores(rows, [3, 1, 2, 2, 0.5, 0.5, 0.5, 0.5], 4, [1, 1]);
  assert.equal(groups.length, 1);
  assert.deepEqual(groups[0].rows, rows.slice(0, 4));
  assert.equal(groups[0].replyStart, 1);
  const key = (p: { chosen: number; rejected: number }) => `${p.chosen}>${p.rejected}`;
  assert.deepEqual(groups[0].pairs.map(key).sort(), ['0>1', '0>2', '0>3', '2>1', '3>1']);
  // K = 2 with different scores: exactly one pair, the second reply preferred.
  const two = pairGroupsFromScores([[5, 6], [5, 7]], [-1, 4], 2, [1]);
  assert.deepEqual(two[0].pairs, [{ chosen: 1, rejected: 0 }]);
  // The rows are copies: changing them later does not change the group.
  rows[0][1] = 99;
  assert.equal(groups[0].rows[0][1], 10);
});

test('pairGroupsFromScores rejects mismatched inputs with a clear error', () => {
  assert.throws(() => pairGroupsFromScores([[1], [2]], [1], 2, [0]), /2 rows but 1 scores/);
  assert.throws(() => pairGroupsFromScores([[1], [2], [3]], [1, 2, 3], 2, [0]), /not 2 per prompt for 1 prompts/);
  assert.throws(() => pairGroupsFromScores([[1]], [1], 1, [0]), /samplesPerPrompt must be an integer ≥ 2/);
});
