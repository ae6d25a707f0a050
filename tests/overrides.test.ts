import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSetting, settingOverrides, withOverrides } from '../lib/core/overrides';
import { defaultPpoConfig, validatePpoConfig } from '../lib/train/ppo';

test('parseSetting: numbers, booleans and null typed; words as strings; malformed arguments named', () => {
  assert.deepEqual(parseSetting('klCoef=0.02'), ['klCoef', 0.02]);
  assert.deepEqual(parseSetting('klTarget=null'), ['klTarget', null]);
  assert.deepEqual(parseSetting('rewardPerToken=true'), ['rewardPerToken', true]);
  assert.deepEqual(parseSetting('adamForm=tf1'), ['adamForm', 'tf1']);
  assert.deepEqual(parseSetting('seed=-3'), ['seed', -3]);
  assert.throws(() => parseSetting('klCoef'), /expected key=value/);
  assert.throws(() => parseSetting('klCoef='), /no value/);
  assert.throws(() => parseSetting('klCoef=0.0.2'), /neither a number/);
});

test('withOverrides: known fields replaced, a misspelt one refused with the nearest valid name', () => {
  const c = withOverrides('PpoConfig', defaultPpoConfig, { klCoef: 0.02, iterations: 5 });
  assert.equal(c.klCoef, 0.02);
  assert.equal(c.iterations, 5);
  assert.equal(defaultPpoConfig.klCoef === 0.02, false, 'the defaults are not changed');
  assert.throws(() => withOverrides('PpoConfig', defaultPpoConfig, { klCoeff: 0.02 }), /PpoConfig has no setting "klCoeff"; did you mean klCoef\?/);
  assert.throws(() => validatePpoConfig(withOverrides('PpoConfig', defaultPpoConfig, { klCoef: '0.02' })), /klCoef must be a number/);
});

test('settingOverrides reads RLHF_SET as a JSON object and refuses anything else', () => {
  assert.deepEqual(settingOverrides({}), {});
  assert.deepEqual(settingOverrides({ RLHF_SET: '{"klCoef":0.02}' }), { klCoef: 0.02 });
  assert.throws(() => settingOverrides({ RLHF_SET: '[1]' }), /JSON object/);
  assert.throws(() => settingOverrides({ RLHF_SET: '{oops' }), /JSON object/);
});
