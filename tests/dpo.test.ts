import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDpoConfig, smokeDpoConfig, validateDpoConfig } from '../lib/train/dpo';

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
    [{ validationPrompts: 0 }, /DpoConfig\.validationPrompts must be a positive integer/],
    [{ evalPrompts: 2.5 }, /DpoConfig\.evalPrompts must be a positive integer/],
  ];
  for (const [change, re] of bad) assert.throws(() => validateDpoConfig({ ...defaultDpoConfig, ...change }), re);
});

test('smokeDpoConfig shrinks a copy (one epoch, 32 groups, 8 prompts each way) and keeps β and the seeds', () => {
  const full = { ...defaultDpoConfig, beta: 0.3, seed: 2 };
  const smoke = validateDpoConfig(smokeDpoConfig(full));
  assert.deepEqual(smoke, { ...full, epochs: 1, maxTrainGroups: 32, heldOutFraction: 0.25, evalEvery: 2, maxNewTokens: 8, validationPrompts: 8, evalPrompts: 8 });
  assert.equal(full.validationPrompts, 150);
  assert.equal(full.evalPrompts, 300);
});
