import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfig, countOrAll, editDistance, nearest, num, oneOf, orNull, posInt } from '../lib/core/validate';
import { defaultPpoConfig, validatePpoConfig } from '../lib/train/ppo';
import { defaultSftConfig, validateSftConfig } from '../lib/train/sft';
import { defaultDpoConfig, validateDpoConfig } from '../lib/train/dpo';
import { defaultOnlineDpoConfig, validateOnlineDpoConfig } from '../lib/train/onlineDpo';
import { defaultRankingConfig, validateRankingConfig } from '../lib/labels/ranking';
import { defaultRewardModelConfig, validateRewardModelConfig } from '../lib/reward/config';
import { defaultSamplingConfig, validateSamplingConfig } from '../lib/model/sampling';
import { defaultAdamConfig, validateAdamConfig } from '../lib/model/adam';

test('editDistance counts insertions, deletions and substitutions, ignoring case', () => {
  assert.equal(editDistance('klCoeff', 'klCoef'), 1);
  assert.equal(editDistance('learningrate', 'learningRate'), 0);
  assert.equal(editDistance('top_p', 'topP'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(nearest('klCoeff', Object.keys(defaultPpoConfig)), 'klCoef');
});

test('a misspelt field is refused, naming the stage and the nearest valid field', () => {
  assert.throws(() => validatePpoConfig({ ...defaultPpoConfig, klCoeff: 0.05 } as never), {
    message: 'PpoConfig.klCoeff is not a setting of PpoConfig; did you mean klCoef?',
  });
  assert.throws(() => validateSftConfig({ ...defaultSftConfig, learningrate: 1e-3 } as never), /SftConfig\.learningrate .*did you mean learningRate\?/);
  assert.throws(() => validateSamplingConfig({ ...defaultSamplingConfig, top_p: 0.9 } as never), /SamplingConfig\.top_p .*did you mean topP\?/);
});

test('a numeric string is refused, not coerced', () => {
  assert.throws(() => validatePpoConfig({ ...defaultPpoConfig, klCoef: '0.05' } as never), {
    message: 'PpoConfig.klCoef must be a number in [0, ∞), got "0.05" (a string)',
  });
  assert.throws(() => validateSftConfig({ ...defaultSftConfig, epochs: '3' } as never), /SftConfig\.epochs must be a positive integer, got "3" \(a string\)/);
});

test('Infinity and NaN are refused where a finite number is needed; Infinity is kept where it means "all"', () => {
  assert.throws(() => validatePpoConfig({ ...defaultPpoConfig, klCoef: Infinity }), /PpoConfig\.klCoef must be a number in \[0, ∞\), got Infinity/);
  assert.throws(() => validateDpoConfig({ ...defaultDpoConfig, beta: Infinity }), /DpoConfig\.beta must be a number in \(0, ∞\)/);
  assert.throws(() => validateSamplingConfig({ ...defaultSamplingConfig, temperature: NaN }), /SamplingConfig\.temperature .*got NaN/);
  assert.equal(validateRankingConfig({ ...defaultRankingConfig, prompts: Infinity }).prompts, Infinity);
  assert.equal(validateDpoConfig({ ...defaultDpoConfig, maxTrainGroups: Infinity }).maxTrainGroups, Infinity);
});

test('null and missing fields are named with their stage; null passes only where it means something', () => {
  assert.throws(() => validateOnlineDpoConfig({ ...defaultOnlineDpoConfig, beta: null } as never), {
    message: 'OnlineDpoConfig.beta is null: it must be a number in (0, ∞)',
  });
  const { epochs: _, ...noEpochs } = defaultRewardModelConfig;
  assert.throws(() => validateRewardModelConfig(noEpochs as never), /RewardModelConfig\.epochs is missing: RewardModelConfig needs it \(a positive integer\)/);
  assert.equal(validatePpoConfig({ ...defaultPpoConfig, klTarget: null }).klTarget, null);
  assert.throws(() => validatePpoConfig(null as never), /PpoConfig must be an object of settings, got null/);
});

test('ranges: open and closed ends, integers, counts, choices', () => {
  const r = num('(0, 1]');
  assert.deepEqual([r(0), r(0.5), r(1), r(1.0001)], ['a number in (0, 1]', null, null, 'a number in (0, 1]']);
  assert.deepEqual([posInt(1), posInt(0), posInt(1.5)], [null, 'a positive integer', 'a positive integer']);
  assert.deepEqual([countOrAll(Infinity), countOrAll(-Infinity)], [null, 'a positive integer or Infinity (all)']);
  assert.equal(oneOf(['a', 'b'])('c'), "one of 'a', 'b'");
  assert.equal(orNull(posInt)(0), 'a positive integer or null');
  assert.throws(() => validateAdamConfig({ ...defaultAdamConfig, form: 'keras' } as never), /AdamConfig\.form must be one of 'pytorch', 'tf1', got "keras" \(a string\)/);
  assert.throws(() => checkConfig('X', { a: 2 }, { a: num('[0, 1)') }), /X\.a must be a number in \[0, 1\), got 2/);
});

test('every default config passes unchanged', () => {
  for (const [check, c] of [
    [validatePpoConfig, defaultPpoConfig], [validateSftConfig, defaultSftConfig], [validateDpoConfig, defaultDpoConfig],
    [validateOnlineDpoConfig, defaultOnlineDpoConfig], [validateRankingConfig, defaultRankingConfig],
    [validateRewardModelConfig, defaultRewardModelConfig], [validateSamplingConfig, defaultSamplingConfig], [validateAdamConfig, defaultAdamConfig],
  ] as Array<[(c: never) => unknown, object]>) {
    const copy = structuredClone(c);
    assert.equal(check(copy as never), copy);
    assert.deepEqual(copy, c);
  }
});
