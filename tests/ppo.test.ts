import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { GPT, GPTConfig } from '../lib/model/gpt';
import { generate } from '../lib/model/sampling';
import { packRollout, scorePolicy, ppoLoss, PpoMinibatch, defaultPpoConfig, validatePpoConfig, rowSums, splitValueHead } from '../lib/train/ppo';
import { Adam } from '../lib/model/adam';

const tiny: GPTConfig = { vocabSize: 30, contextLength: 24, dModel: 16, nLayers: 1, nHeads: 2, dropout: 0 };
const EOS = 28;
const PAD = 29;

before(async () => {
  await initEngine({ quiet: true });
});

test('packRollout: right-padded rows, mask on the positions that predict response tokens', () => {
  const rows = packRollout({ prompts: [[1, 2, 3], [4]], responses: [[5, EOS], [6, 7, 8]], logprobs: [[], []], finished: [true, false] }, PAD);
  assert.deepEqual(rows.tokens, [[1, 2, 3, 5, EOS], [4, 6, 7, 8, PAD]]);
  // row 0: position 2 predicts 5, position 3 predicts EOS; row 1: positions 0, 1, 2 predict 6, 7, 8
  assert.deepEqual(rows.mask, [[0, 0, 1, 1], [1, 1, 1, 0]]);
  assert.deepEqual(rows.responseLengths, [2, 3]);
  assert.deepEqual(rowSums([[1, 2, 3, 4], [1, 2, 3, 4]], rows.mask), [7, 6]);
});

test('scorePolicy re-scores sampled tokens with the log-probs the sampler reported', () => {
  const m = new GPT(tiny, { seed: 3 });
  m.addHead('value');
  const gen = generate(m, [[1, 2, 3], [4, 5]], EOS, { seed: 4, maxNewTokens: 6, temperature: 0.7 });
  const rows = packRollout(gen, PAD);
  const s = scorePolicy(m, rows.tokens, 0.7);
  gen.responses.forEach((r, i) => {
    const P = gen.prompts[i].length;
    r.forEach((_, k) => assert.ok(Math.abs(s.logprobs[i][P - 1 + k] - gen.logprobs[i][k]) < 1e-4));
  });
  assert.equal(s.values[0].length, rows.tokens[0].length - 1);
  s.entropy.flat().forEach((e) => assert.ok(e >= 0 && e <= Math.log(tiny.vocabSize) + 1e-4));
  m.dispose();
});

test('before any update (ratio 1) the policy loss is −mean(A); an update step leaks no tensors', () => {
  const m = new GPT(tiny, { seed: 5 });
  m.addHead('value');
  const gen = generate(m, [[1, 2, 3], [4, 5], [6], [7, 8, 9]], EOS, { seed: 6, maxNewTokens: 5 });
  const rows = packRollout(gen, PAD);
  const s = scorePolicy(m, rows.tokens, 1);
  const adv = rows.mask.map((r, i) => r.map((v, t) => (v ? (i + 1) * 0.5 - t * 0.1 : 0)));
  const mb: PpoMinibatch = {
    tokens: tf.tensor2d(rows.tokens, undefined, 'int32'),
    mask: tf.tensor2d(rows.mask),
    oldLogprobs: tf.tensor2d(s.logprobs),
    oldValues: tf.tensor2d(s.values),
    advantages: tf.tensor2d(adv),
    returns: tf.tensor2d(s.values),
  };
  const cfg = validatePpoConfig({ ...defaultPpoConfig });
  const first = ppoLoss(m, mb, cfg);
  const n = rows.mask.flat().reduce((a, b) => a + b, 0);
  const meanA = adv.flat().reduce((a, b) => a + b, 0) / n;
  assert.ok(Math.abs(first.policyLoss.dataSync()[0] + meanA) < 1e-4, `${first.policyLoss.dataSync()[0]} vs ${-meanA}`);
  assert.ok(Math.abs(first.valueLoss.dataSync()[0]) < 1e-9);
  tf.dispose([first.loss, first.policyLoss, first.valueLoss, first.logprobs]);

  // As in 04: the value head has its own optimizer and learning rate; both step on the same gradients.
  const groups = splitValueHead(m);
  const opt = new Adam(groups.policy, { learningRate: cfg.learningRate });
  const valueOpt = new Adam(groups.value, { learningRate: cfg.valueLearningRate });
  const step = () => {
    const { value, grads } = tf.variableGrads(() => ppoLoss(m, mb, cfg).loss);
    opt.step(grads);
    valueOpt.step(grads);
    tf.dispose([value, ...Object.values(grads)]);
  };
  step();
  const count = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, count);
  tf.dispose(Object.values(mb));
  opt.dispose();
  valueOpt.dispose();
  m.dispose();
});

test('splitValueHead: the value head\'s weight and bias apart from every other trainable weight', () => {
  const m = new GPT(tiny, { seed: 5 });
  assert.throws(() => splitValueHead(m), /no head named "value"/);
  m.addHead('value', { zero: true });
  const { policy, value } = splitValueHead(m);
  const name = (v: tf.Variable) => [...m.params()].find(([, w]) => w === v)![0];
  assert.deepEqual(value.map(name).sort(), ['heads.value.bias', 'heads.value.weight']);
  assert.equal(policy.length + value.length, m.params().size);
  assert.ok(policy.every((v) => !name(v).startsWith('heads.')));
  m.dispose();
});

test('PPO config validation names the field', () => {
  assert.throws(() => validatePpoConfig({ ...defaultPpoConfig, clipRange: 0 }), /clipRange must be a number in \(0, 1\)/);
  assert.throws(() => validatePpoConfig({ ...defaultPpoConfig, valueLearningRate: 0 }), /valueLearningRate must be a number in \(0, 1\)/);
  assert.throws(() => validatePpoConfig({ ...defaultPpoConfig, minibatches: 100 }), /minibatches \(100\) cannot exceed/);
  assert.throws(() => validatePpoConfig({ ...defaultPpoConfig, rewardPerToken: 'yes' as unknown as boolean }), /rewardPerToken must be true or false/);
  assert.throws(() => validatePpoConfig({ ...defaultPpoConfig, adamForm: 'sgd' as 'tf1' }), /adamForm/);
});
