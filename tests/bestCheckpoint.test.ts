import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { GPT } from '../lib/model/gpt';
import { BestCheckpoint } from '../lib/train/bestCheckpoint';

before(async () => {
  await initEngine({ quiet: true });
});

/** Every weight of the model as plain numbers. */
const weightsOf = (m: GPT) => new Map([...m.params()].map(([n, v]) => [n, Array.from(v.dataSync())]));
/** Moves every weight by a fixed amount (a stand-in for a training step). */
const nudge = (m: GPT, by: number) => tf.tidy(() => { for (const v of m.params().values()) v.assign(tf.add(v, by)); });

test('BestCheckpoint keeps the weights of the highest score offered and restores them', () => {
  const model = new GPT({ vocabSize: 20, contextLength: 8, dModel: 8, nLayers: 1, nHeads: 2, dropout: 0 }, { seed: 1 });
  model.addHead('value', { zero: true });
  const start = weightsOf(model);
  const best = new BestCheckpoint(model, 3.0);
  assert.deepEqual([best.step, best.score], [0, 3.0]);

  nudge(model, 0.5);
  assert.equal(best.offer(10, 2.5), false, 'a lower score is not kept');
  assert.equal(best.offer(10, 3.0), false, 'an equal score is not kept either (the earlier checkpoint wins ties)');
  assert.deepEqual([best.step, best.score], [0, 3.0]);

  nudge(model, 0.25);
  const atStep20 = weightsOf(model);
  assert.equal(best.offer(20, 4.0), true);
  assert.deepEqual([best.step, best.score], [20, 4.0]);

  nudge(model, 1);
  assert.equal(best.offer(30, NaN), false, 'a NaN score is never best');
  best.restore();
  assert.deepEqual(weightsOf(model), atStep20, 'restore puts back the weights of step 20, heads included');
  assert.notDeepEqual(weightsOf(model), start);
  best.dispose();
  model.dispose();
});

test('BestCheckpoint does not leak tensors: one copy of the weights is kept, and dispose frees it', () => {
  const model = new GPT({ vocabSize: 20, contextLength: 8, dModel: 8, nLayers: 1, nHeads: 2, dropout: 0 }, { seed: 2 });
  const before = tf.memory().numTensors;
  const best = new BestCheckpoint(model, 0);
  best.offer(1, 1); // burn-in: the first replacement
  const kept = tf.memory().numTensors;
  assert.equal(kept - before, model.params().size, 'one copy of each weight');
  for (let s = 2; s < 6; s++) {
    nudge(model, 0.1);
    best.offer(s, s);
    best.offer(s, -1);
    best.restore();
  }
  assert.equal(tf.memory().numTensors, kept);
  best.dispose();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});
