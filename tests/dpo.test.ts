import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDpoConfig, validateDpoConfig } from '../lib/train/dpo';

test('the default DPO config is valid; validateDpoConfig names the bad field', () => {
  assert.equal(validateDpoConfig({ ...defaultDpoConfig }).beta, 0.1);
  const bad: [Partial<typeof defaultDpoConfig>, RegExp][] = [
    [{ beta: 0 }, /DpoConfig\.beta must be a number in \(0, ∞\)/],
    [{ learningRate: 2 }, /DpoConfig\.learningRate/],
    [{ epochs: 1.5 }, /DpoConfig\.epochs must be a positive integer/],
    [{ evalEvery: 0 }, /DpoConfig\.evalEvery/],
    [{ heldOutFraction: 1 }, /DpoConfig\.heldOutFraction/],
    [{ temperature: -1 }, /DpoConfig\.temperature/],
    [{ maxTrainGroups: 0 }, /DpoConfig\.maxTrainGroups/],
    [{ seed: 0.5 }, /DpoConfig\.seed must/],
    [{ splitSeed: NaN }, /DpoConfig\.splitSeed/],
  ];
  for (const [change, re] of bad) assert.throws(() => validateDpoConfig({ ...defaultDpoConfig, ...change }), re);
});
