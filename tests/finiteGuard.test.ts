import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { GPT, GPTConfig } from '../lib/model/gpt';
import { Adam } from '../lib/model/adam';
import { lmLoss } from '../lib/model/lm';
import { assertFinite, assertFiniteValues, globalGradNorm, NonFiniteError } from '../lib/core/finiteGuard';
import { logRatioRewardModel, rewardBatch, rewardModelStep } from '../lib/reward';
import { saveCheckpoint } from '../lib/io/checkpoint';

const tiny: GPTConfig = { vocabSize: 30, contextLength: 24, dModel: 16, nLayers: 1, nHeads: 2, dropout: 0 };
const PAD = 29;
const ctx = { stage: 'sft', step: 7, lastCheckpoint: 'runs/base' };

before(async () => {
  await initEngine({ quiet: true });
});

const batch = () => rewardBatch([
  { rows: [[1, 2, 3], [1, 4], [1, 5, 6, 7]], pairs: [{ chosen: 0, rejected: 1 }, { chosen: 2, rejected: 1 }], replyStart: 1 },
], PAD);

test('assertFinite passes finite values and names stage, step, quantity and last checkpoint otherwise', () => {
  assert.doesNotThrow(() => assertFinite(ctx, 1.5, 3, 1e-3));
  const cases: [number, number | undefined, number | undefined, RegExp][] = [
    [NaN, 1, 1e-3, /the loss is NaN/],
    [Infinity, 1, 1e-3, /the loss is Infinity/],
    [1, -Infinity, 1e-3, /the gradient norm is -Infinity/],
    [1, 1, NaN, /the learning rate is NaN/],
  ];
  for (const [loss, norm, lr, re] of cases) {
    const err = (() => { try { assertFinite(ctx, loss, norm, lr); } catch (e) { return e; } return null; })();
    assert.ok(err instanceof NonFiniteError, `${loss}, ${norm}, ${lr} must throw`);
    assert.match(err.message, re);
    assert.match(err.message, /stage sft stopped at step 7/);
    assert.match(err.message, /last checkpoint on disk is runs\/base, where the stage started/);
    assert.equal(err.step, 7);
  }
});

test('globalGradNorm is the L2 norm over all gradients (3-4-12 → 13) and sees one NaN entry; no tensor leaks', () => {
  const g = { a: tf.tensor1d([3, 4]), b: tf.tensor2d([[12]]) };
  const before = tf.memory().numTensors;
  assert.ok(Math.abs(globalGradNorm(g) - 13) < 1e-5);
  assert.equal(tf.memory().numTensors, before);
  const bad = { ...g, c: tf.tensor1d([0, NaN, 0]) };
  assert.throws(() => assertFinite(ctx, 1, bad), /gradient norm is NaN/);
  assert.equal(tf.memory().numTensors, before + 1);
  tf.dispose([g.a, g.b, bad.c]);
});

test('a checked LM step leaks no tensors; a NaN weight stops the loop at that step and the checkpoint after it is never written', () => {
  const model = new GPT(tiny, { seed: 3 });
  const opt = new Adam(model.params().values(), { learningRate: 1e-3 });
  const tokens = tf.tensor2d([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]], undefined, 'int32');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finite-guard-'));
  const out = path.join(dir, 'sft');
  const vocabFile = path.join(dir, 'vocab.json');
  fs.writeFileSync(vocabFile, JSON.stringify({ vocabSize: tiny.vocabSize, eosId: 28, padId: PAD }));
  /** The loop of notebooks 00/01 in small: step, check, update; save after the loop. */
  const train = (steps: number, spoilAt: number) => {
    for (let step = 0; step < steps; step++) {
      if (step === spoilAt) model.param('wte.weight').assign(tf.tidy(() => tf.mul(model.param('wte.weight'), NaN)));
      const { value, grads } = tf.variableGrads(() => lmLoss(model, tokens, undefined, { training: true }));
      try {
        assertFinite({ stage: 'sft', step: step + 1, lastCheckpoint: 'data/base' }, value, grads, 1e-3);
      } finally {
        if (step === spoilAt) tf.dispose([value, ...Object.values(grads)]);
      }
      opt.step(grads, 1e-3);
      tf.dispose([value, ...Object.values(grads)]);
    }
    saveCheckpoint(out, { tensors: model.params(), model: tiny, stage: 'sft', seed: 1, vocabFile });
  };
  train(1, -1); // burn-in (the optimiser's and the kernels' first allocations)
  const before = tf.memory().numTensors;
  train(3, -1);
  assert.equal(tf.memory().numTensors, before, 'a checked step leaks no tensor');
  fs.rmSync(out, { recursive: true });
  assert.throws(() => train(5, 2), (e: unknown) => e instanceof NonFiniteError && /stage sft stopped at step 3: the loss is NaN/.test(e.message) && /data\/base/.test(e.message));
  assert.equal(fs.existsSync(out), false, 'nothing is written after the bad step');
  assert.deepEqual(fs.readdirSync(dir), ['vocab.json']);
  tf.dispose(tokens);
  opt.dispose();
  model.dispose();
  fs.rmSync(dir, { recursive: true });
});

test('rewardModelStep refuses a NaN learning rate before the update: weights untouched, guard named, no tensor leaks', () => {
  const model = new GPT(tiny, { seed: 5 });
  const ref = new GPT(tiny, { seed: 5, trainable: false });
  const rm = logRatioRewardModel(model, ref, 0.5);
  const opt = new Adam(model.params().values(), { learningRate: 1e-3 });
  rewardModelStep(rm, opt, batch(), { learningRate: 1e-3, gradClip: 1 }); // burn-in
  const weights = model.param('wte.weight').dataSync().slice();
  const before = tf.memory().numTensors;
  for (const gradClip of [1, 0]) {
    assert.throws(() => rewardModelStep(rm, opt, batch(), { learningRate: NaN, gradClip, guard: { stage: 'dpo', step: 4, lastCheckpoint: 'runs/sft' } }),
      /stage dpo stopped at step 4: the learning rate is NaN.*last checkpoint on disk is runs\/sft/s);
  }
  assert.equal(tf.memory().numTensors, before, 'the refused step leaks no tensor');
  assert.deepEqual(model.param('wte.weight').dataSync(), weights, 'the weights are not updated');
  assert.equal(opt.steps, 1);
  // A NaN weight makes the loss NaN: refused the same way.
  const spoiled = tf.tidy(() => tf.mul(model.param('wte.weight'), NaN));
  model.param('wte.weight').assign(spoiled);
  spoiled.dispose();
  assert.throws(() => rewardModelStep(rm, opt, batch(), { learningRate: 1e-3, gradClip: 1, guard: { stage: 'rm', step: 2, lastCheckpoint: 'runs/sft' } }),
    /stage rm stopped at step 2: the loss is NaN/);
  assert.equal(tf.memory().numTensors, before);
  opt.dispose();
  model.dispose();
  ref.dispose();
});

test('assertFiniteValues names the first value that is not finite', () => {
  assert.doesNotThrow(() => assertFiniteValues(ctx, { 'reward-model score': 1.5, 'KL to the reference': 0 }));
  assert.throws(() => assertFiniteValues({ stage: 'online-dpo', step: 3, lastCheckpoint: 'runs/sft' }, { 'reward-model score': 1.5, 'KL to the reference': NaN }),
    (e: unknown) => e instanceof NonFiniteError && /stage online-dpo stopped at step 3: the KL to the reference is NaN/.test(e.message));
});
