import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../lib/model/adam';
import { GPT, GPTConfig } from '../lib/model/gpt';
import { lmLoss } from '../lib/model/lm';
import { Rng } from '../lib/core/rng';
import { nativeTestOptions, startNativeEngine, withoutNative } from './native-helpers';

// Whole training steps (forward, backward, Adam) of a small GPT with and without the native kernels and
// fused ops: the losses of 20 steps agree, and no tensor leaks from step to step.

before(async () => {
  if (!nativeTestOptions.skip) await startNativeEngine();
});

const config: GPTConfig = { vocabSize: 97, contextLength: 16, dModel: 32, nLayers: 2, nHeads: 4, dropout: 0 };

/** Losses of `steps` Adam steps on a fixed seeded batch (with a loss mask, to cover the masked path too). */
function train(steps: number, onStep?: (i: number) => void): number[] {
  const model = new GPT(config, { seed: 11 });
  const opt = new Adam(model.params().values(), { learningRate: 3e-3 });
  const rng = new Rng(5);
  const B = 6;
  const T = config.contextLength;
  const tokens = tf.tensor2d(Array.from({ length: B }, () => Array.from({ length: T + 1 }, () => rng.int(config.vocabSize))), undefined, 'int32');
  const mask = tf.tensor2d(Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (t >= b ? 1 : 0))), undefined, 'float32');
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { value, grads } = tf.variableGrads(() => lmLoss(model, tokens, mask));
    opt.step(grads);
    losses.push(value.dataSync()[0]);
    tf.dispose(grads);
    value.dispose();
    onStep?.(i);
  }
  tf.dispose([tokens, mask]);
  opt.dispose();
  model.dispose();
  return losses;
}

test('20 training steps: the same losses with and without native kernels (relative difference ≤ 1e-5)', nativeTestOptions, (t) => {
  const native = train(20);
  const stock = withoutNative(() => train(20));
  let worst = 0;
  native.forEach((l, i) => {
    const rel = Math.abs(l - stock[i]) / Math.abs(stock[i]);
    worst = Math.max(worst, rel);
    assert.ok(rel <= 1e-5, `step ${i}: native ${l} vs stock ${stock[i]} (relative difference ${rel})`);
  });
  assert.ok(native[19] < native[0] - 0.5, `the loss falls (${native[0]} → ${native[19]})`);
  t.diagnostic(`loss ${native[0].toFixed(4)} → ${native[19].toFixed(4)}; max relative difference native vs stock ${worst.toExponential(2)}`);
});

test('no tensor leak over 20 native training steps', nativeTestOptions, (t) => {
  const counts: number[] = [];
  train(21, () => counts.push(tf.memory().numTensors));
  const afterBurnIn = counts[0];
  counts.forEach((n, i) => assert.equal(n, afterBurnIn, `step ${i}: ${n} tensors, ${afterBurnIn} after the burn-in step`));
  t.diagnostic(`${afterBurnIn} live tensors after every step`);
});
