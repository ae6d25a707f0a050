import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { GPT, GPTConfig, countParams, validateGPTConfig, leftPaddedInputs } from '../lib/model/gpt';
import { embedding, softmaxCrossEntropy } from '../lib/model/ops';

const tiny: GPTConfig = { vocabSize: 50, contextLength: 16, dModel: 16, nLayers: 2, nHeads: 2, dropout: 0 };

before(async () => {
  await initEngine({ quiet: true });
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

test('config validation names the bad field', () => {
  assert.throws(() => validateGPTConfig({ ...tiny, nHeads: 3 }), /nHeads \(3\) must divide dModel \(16\)/);
  assert.throws(() => validateGPTConfig({ ...tiny, vocabSize: 0 }), /vocabSize must be a positive integer/);
  assert.throws(() => validateGPTConfig({ ...tiny, dropout: 1 }), /dropout must be a number in \[0, 1\)/);
  assert.throws(() => new GPT({ ...tiny, contextLength: 2.5 }), /contextLength/);
});

test('weights carry GPT-2 names and countParams counts them', () => {
  const m = new GPT(tiny, { seed: 1 });
  const names = [...m.params().keys()];
  assert.equal(names[0], 'wte.weight');
  assert.ok(names.includes('h.1.attn.c_attn.weight'));
  assert.deepEqual(m.param('h.0.attn.c_attn.weight').shape, [16, 48]);
  assert.deepEqual(m.param('h.0.mlp.c_proj.weight').shape, [64, 16]);
  const total = [...m.params().values()].reduce((s, v) => s + v.size, 0);
  assert.equal(total, countParams(tiny));
  m.dispose();
});

test('the same seed gives the same weights; another seed does not', () => {
  const a = new GPT(tiny, { seed: 7 });
  const b = new GPT(tiny, { seed: 7 });
  const c = new GPT(tiny, { seed: 8 });
  assert.equal(maxAbsDiff(a.param('wte.weight'), b.param('wte.weight')), 0);
  assert.ok(maxAbsDiff(a.param('wte.weight'), c.param('wte.weight')) > 0);
  [a, b, c].forEach((m) => m.dispose());
});

test('causal: changing a later token does not change earlier hidden states', () => {
  const m = new GPT(tiny, { seed: 2 });
  const x1 = tf.tensor2d([[1, 2, 3, 4, 5]], undefined, 'int32');
  const x2 = tf.tensor2d([[1, 2, 3, 9, 9]], undefined, 'int32');
  const h1 = m.hidden(x1);
  const h2 = m.hidden(x2);
  assert.ok(maxAbsDiff(h1.slice([0, 0, 0], [1, 3, -1]), h2.slice([0, 0, 0], [1, 3, -1])) < 1e-6);
  assert.ok(maxAbsDiff(h1.slice([0, 3, 0], [1, 1, -1]), h2.slice([0, 3, 0], [1, 1, -1])) > 1e-4);
  tf.dispose([x1, x2, h1, h2]);
  m.dispose();
});

test('KV cache: token-by-token decoding equals the full forward pass', () => {
  const m = new GPT(tiny, { seed: 3 });
  const seq = [[5, 7, 11, 13, 17, 19, 23]];
  const full = m.hidden(tf.tensor2d(seq, undefined, 'int32'));
  const cache = { keys: [] as tf.Tensor4D[], values: [] as tf.Tensor4D[] };
  const steps: tf.Tensor3D[] = [];
  steps.push(m.hidden(tf.tensor2d([seq[0].slice(0, 3)], undefined, 'int32'), { cache }));
  for (let t = 3; t < seq[0].length; t++) steps.push(m.hidden(tf.tensor2d([[seq[0][t]]], undefined, 'int32'), { cache }));
  const inc = tf.concat(steps, 1);
  assert.ok(maxAbsDiff(full, inc) < 1e-5, `max diff ${maxAbsDiff(full, inc)}`);
  tf.dispose([full, inc, ...steps, ...cache.keys, ...cache.values]);
  m.dispose();
});

test('left padding: a padded row gives the same hidden states as the unpadded sequence', () => {
  const m = new GPT(tiny, { seed: 4 });
  const alone = m.hidden(tf.tensor2d([[3, 4, 5]], undefined, 'int32'));
  const mask = tf.tensor2d([[0, 0, 1, 1, 1]], undefined, 'int32');
  const { positions, bias } = leftPaddedInputs(mask);
  assert.deepEqual(positions.arraySync(), [[0, 0, 0, 1, 2]]);
  const padded = m.hidden(tf.tensor2d([[0, 0, 3, 4, 5]], undefined, 'int32'), { positions, bias });
  assert.ok(maxAbsDiff(alone, padded.slice([0, 2, 0], [1, 3, -1])) < 1e-5);
  tf.dispose([alone, mask, positions, bias, padded]);
  m.dispose();
});

test('too long a sequence is refused with the lengths in the message', () => {
  const m = new GPT(tiny, { seed: 5 });
  const x = tf.zeros([1, 17], 'int32') as tf.Tensor2D;
  assert.throws(() => m.hidden(x), /17 tokens is longer than the context length 16/);
  x.dispose();
  m.dispose();
});

test('tokenLogprobs agree with a hand computation from the logits', () => {
  const m = new GPT(tiny, { seed: 6 });
  const tokens = tf.tensor2d([[1, 2, 3, 4]], undefined, 'int32');
  const lp = m.tokenLogprobs(tokens, { temperature: 0.7 }).arraySync()[0];
  const logits = m.logits(m.hidden(tokens)).arraySync()[0];
  for (let t = 0; t < 3; t++) {
    const row = logits[t].map((v) => v / 0.7);
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((s, v) => s + Math.exp(v - mx), 0));
    assert.ok(Math.abs(lp[t] - (row[[2, 3, 4][t]] - lse)) < 1e-4);
  }
  tokens.dispose();
  m.dispose();
});

test('embedding gradient (scatter-add) equals the one-hot matmul gradient, repeated ids summed', () => {
  const table = tf.randomNormal([6, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
  const ids = tf.tensor2d([[1, 1, 4], [0, 1, 5]], undefined, 'int32');
  const w = tf.randomNormal([2, 3, 3], 0, 1, 'float32', 2);
  const g1 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embedding(t as tf.Tensor2D, ids), w)))(table);
  const g2 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.matMul(tf.oneHot(ids.reshape([6]), 6), t).reshape([2, 3, 3]), w)))(table);
  assert.ok(maxAbsDiff(g1, g2) < 1e-5);
  tf.dispose([table, ids, w, g1, g2]);
});

test('softmaxCrossEntropy: uniform logits give ln V; a confident right answer gives ~0', () => {
  const ce = softmaxCrossEntropy(tf.zeros([2, 4]) as tf.Tensor2D, tf.tensor1d([0, 3], 'int32')).arraySync();
  ce.forEach((v) => assert.ok(Math.abs(v - Math.log(4)) < 1e-6));
  const sure = softmaxCrossEntropy(tf.tensor2d([[20, 0, 0]]), tf.tensor1d([0], 'int32')).arraySync()[0];
  assert.ok(sure < 1e-6);
});

test('scalar heads: init N(0, 1/(d+1)), shape [B, T], copied with the model', () => {
  const m = new GPT({ ...tiny, dModel: 64, nHeads: 4 }, { seed: 8 });
  m.addHead('value', { seed: 1 });
  assert.deepEqual(m.headNames(), ['value']);
  const std = tf.tidy(() => tf.moments(m.param('heads.value.weight')).variance.sqrt().dataSync()[0]);
  assert.ok(Math.abs(std - 1 / Math.sqrt(65)) < 0.04, `std ${std}`);
  const h = m.hidden(tf.tensor2d([[1, 2, 3]], undefined, 'int32'));
  assert.deepEqual(m.head('value', h).shape, [1, 3]);
  const twin = m.copy({ trainable: false });
  assert.equal(maxAbsDiff(twin.param('heads.value.weight'), m.param('heads.value.weight')), 0);
  assert.equal(twin.param('wte.weight').trainable, false);
  assert.throws(() => m.addHead('value'), /already has a head/);
  h.dispose();
  m.dispose();
  twin.dispose();
});

test('a zero head outputs 0 everywhere and still gets a gradient', () => {
  const m = new GPT({ ...tiny, dModel: 64, nHeads: 4 }, { seed: 8 });
  m.addHead('value', { zero: true });
  const x = tf.tensor2d([[1, 2, 3]], undefined, 'int32');
  const out = tf.tidy(() => m.head('value', m.hidden(x)).arraySync() as number[][]);
  assert.deepEqual(out, [[0, 0, 0]]);
  // d(sum of outputs)/d(weight) is the sum of the hidden states: not zero, so the head can learn.
  const { value, grads } = tf.variableGrads(() => tf.sum(m.head('value', m.hidden(x))) as tf.Scalar, [m.param('heads.value.weight') as tf.Variable]);
  const g = grads[m.param('heads.value.weight').name];
  assert.ok(tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]) > 0);
  tf.dispose([value, g, x]);
  m.dispose();
});

test('a training step does not leak tensors', () => {
  const m = new GPT(tiny, { seed: 9 });
  const opt = tf.train.adam(1e-3);
  const x = tf.tensor2d([[1, 2, 3, 4, 5, 6]], undefined, 'int32');
  const trainStep = () => {
    const { value, grads } = tf.variableGrads(() => {
      const h = m.hidden(x.slice([0, 0], [1, 5]), { training: true });
      const logits = m.logits(h).reshape([5, tiny.vocabSize]) as tf.Tensor2D;
      return tf.mean(softmaxCrossEntropy(logits, x.slice([0, 1], [1, 5]).reshape([5]) as tf.Tensor1D)) as tf.Scalar;
    }, [...m.params().values()]);
    opt.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
    tf.dispose([value, ...Object.values(grads)]);
  };
  trainStep();
  const n = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) trainStep();
  assert.equal(tf.memory().numTensors, n);
  x.dispose();
  opt.dispose();
  m.dispose();
});
