import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparisonsEnabled, defaultRewardModelConfig, smokeRewardModelConfig, validateRewardModelConfig } from '../lib/reward/config';

test('smokeRewardModelConfig shrinks a copy to one epoch on 32 groups and leaves the rest (and the original) alone', () => {
  const full = { ...defaultRewardModelConfig, learningRate: 3e-4 };
  const smoke = validateRewardModelConfig(smokeRewardModelConfig(full));
  assert.deepEqual(smoke, { ...full, epochs: 1, promptsPerBatch: 8, maxTrainGroups: 32, heldOutFraction: 0.25 });
  assert.equal(full.epochs, defaultRewardModelConfig.epochs);
  assert.equal(full.maxTrainGroups, Infinity);
});

test('comparisonsEnabled: RLHF_COMPARE=1 (or any value but empty, 0, false) turns 03\'s comparisons on; unset is off', () => {
  assert.equal(comparisonsEnabled({}), false);
  assert.equal(comparisonsEnabled({ RLHF_COMPARE: '' }), false);
  assert.equal(comparisonsEnabled({ RLHF_COMPARE: '0' }), false);
  assert.equal(comparisonsEnabled({ RLHF_COMPARE: 'False' }), false);
  assert.equal(comparisonsEnabled({ RLHF_COMPARE: '1' }), true);
  assert.equal(comparisonsEnabled({ RLHF_COMPARE: 'yes' }), true);
});
