import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { GPT } from '../lib/model/gpt';
import { completionLossMask, lmLoss, packReplies } from '../lib/model/lm';
import { Adam, clipByGlobalNorm } from '../lib/model/adam';
import { warmupCosine } from '../lib/model/schedule';

before(async () => {
  await initEngine({ quiet: true });
});

test('completionLossMask counts exactly the targets that are reply tokens', () => {
  // row: p0 p1 p2 | r0 r1 EOS | PAD PAD  (P = 3, R = 3 with EOS, length 8)
  // input t predicts token t+1: targets r0 (t=2), r1 (t=3), EOS (t=4) count
  assert.deepEqual(completionLossMask(3, 3, 8), [0, 0, 1, 1, 1, 0, 0]);
  assert.deepEqual(completionLossMask(1, 1, 2), [1]);
  assert.throws(() => completionLossMask(5, 4, 8), /exceed the row length 8/);
  assert.throws(() => completionLossMask(0, 1, 8), /at least one token/);
});

test('packReplies appends EOS, pads with PAD, and masks prompt and padding', () => {
  const { tokens, lossMask } = packReplies([{ prompt: [10, 11], reply: [20] }], 1, 0, 6);
  assert.deepEqual(tokens, [[10, 11, 20, 1, 0, 0]]);
  assert.deepEqual(lossMask, [[0, 1, 1, 0, 0]]);
  assert.throws(() => packReplies([{ prompt: [1, 2, 3], reply: [4, 5, 6] }], 1, 0, 6), /example 0 has 7 tokens/);
});

test('lmLoss of an untrained model is about ln V; the mask changes which positions count', () => {
  const m = new GPT({ vocabSize: 64, contextLength: 8, dModel: 16, nLayers: 1, nHeads: 2, dropout: 0 }, { seed: 1 });
  const tokens = tf.tensor2d([[1, 2, 3, 4, 5, 6]], undefined, 'int32');
  const all = lmLoss(m, tokens).dataSync()[0];
  assert.ok(Math.abs(all - Math.log(64)) < 0.1, `loss ${all}`);
  const onlyLast = lmLoss(m, tokens, tf.tensor2d([[0, 0, 0, 0, 1]])).dataSync()[0];
  const lp = m.tokenLogprobs(tokens).arraySync()[0];
  assert.ok(Math.abs(onlyLast + lp[4]) < 1e-4);
  m.dispose();
});

test('Adam (both forms) fits a tiny regression; the first step moves each weight by about lr', () => {
  for (const form of ['pytorch', 'tf1'] as const) {
    const w = tf.variable(tf.tensor1d([0, 0]));
    const opt = new Adam([w], { learningRate: 0.1, form });
    const target = tf.tensor1d([1, -2]);
    const loss = () => tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar;
    const { grads, value } = tf.variableGrads(loss, [w]);
    opt.step(grads);
    tf.dispose([value, ...Object.values(grads)]);
    assert.deepEqual(Array.from(w.dataSync()).map((v) => Math.round(v * 1000) / 1000), [0.1, -0.1]);
    for (let i = 0; i < 300; i++) {
      const r = tf.variableGrads(loss, [w]);
      opt.step(r.grads);
      tf.dispose([r.value, ...Object.values(r.grads)]);
    }
    const got = Array.from(w.dataSync());
    assert.ok(Math.abs(got[0] - 1) < 0.05 && Math.abs(got[1] + 2) < 0.05, `${form}: ${got}`);
    opt.dispose();
    tf.dispose([w, target]);
  }
});

test('clipByGlobalNorm scales to the max norm and reports the norm before clipping', () => {
  const g = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) };
  const { grads, norm } = clipByGlobalNorm(g, 1);
  assert.ok(Math.abs(norm - 5) < 1e-6);
  assert.ok(Math.abs(grads.a.dataSync()[0] - 0.6) < 1e-5);
  assert.ok(Math.abs(grads.b.dataSync()[0] - 0.8) < 1e-5);
});

test('warmupCosine: linear warm-up, peak, then decay to the floor', () => {
  const s = warmupCosine({ peak: 1, warmupSteps: 10, totalSteps: 110, minRatio: 0.1 });
  assert.ok(Math.abs(s(0) - 0.1) < 1e-12);
  assert.equal(s(9), 1);
  assert.ok(Math.abs(s(60) - 0.55) < 1e-12);
  assert.ok(Math.abs(s(110) - 0.1) < 1e-12);
  assert.throws(() => warmupCosine({ peak: 1, warmupSteps: 20, totalSteps: 10 }), /warmupSteps/);
});
