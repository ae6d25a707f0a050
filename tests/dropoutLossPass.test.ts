import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { GPT, GPTConfig } from '../lib/model/gpt';
import { Adam } from '../lib/model/adam';
import { generate } from '../lib/model/sampling';
import { defaultPpoConfig, packRollout, PpoMinibatch, ppoLoss, scorePolicy, validatePpoConfig } from '../lib/train/ppo';
import { dpoStep } from '../lib/train/dpo';
import { logRatioRewardModel, rewardBatch, rewardModelStep } from '../lib/reward';

/**
 * The loss passes of PPO and DPO run the policy with dropout off, like rollout scoring: with a model whose dropout
 * is 0.5, the first PPO minibatch has ratio 1 (policy loss −mean(A)) and the first DPO step has loss ln 2.
 */

const cfgOf = (dropout: number): GPTConfig => ({ vocabSize: 30, contextLength: 24, dModel: 16, nLayers: 1, nHeads: 2, dropout });
const EOS = 28;
const PAD = 29;

before(async () => {
  await initEngine({ quiet: true });
});

function minibatch(m: GPT) {
  const gen = generate(m, [[1, 2, 3], [4, 5], [6], [7, 8, 9]], EOS, { seed: 6, maxNewTokens: 5 });
  const rows = packRollout(gen, PAD);
  const s = scorePolicy(m, rows.tokens, 1);
  const adv = rows.mask.map((r, i) => r.map((v, t) => (v ? (i + 1) * 0.5 - t * 0.1 : 0)));
  const n = rows.mask.flat().reduce((a, b) => a + b, 0);
  const mb: PpoMinibatch = {
    tokens: tf.tensor2d(rows.tokens, undefined, 'int32'), mask: tf.tensor2d(rows.mask), oldLogprobs: tf.tensor2d(s.logprobs),
    oldValues: tf.tensor2d(s.values), advantages: tf.tensor2d(adv), returns: tf.tensor2d(s.values),
  };
  return { mb, meanA: adv.flat().reduce((a, b) => a + b, 0) / n, rows };
}

/** Log-probs of the minibatch's tokens from a pass with dropout on (what ppoLoss computed before). */
function droppedLogprobs(m: GPT, tokens: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => m.tokenLogprobs(tokens, { training: true }));
}

test('ppoLoss with dropout 0.5: at ratio 1 the policy loss is exactly −mean(A), its log-probs those of the rollout', () => {
  const m = new GPT(cfgOf(0.5), { seed: 5 });
  m.addHead('value');
  const { mb, meanA } = minibatch(m);
  const out = ppoLoss(m, mb, validatePpoConfig({ ...defaultPpoConfig }));
  assert.ok(Math.abs(out.policyLoss.dataSync()[0] + meanA) < 1e-6, `policy loss ${out.policyLoss.dataSync()[0]}, −mean(A) ${-meanA}`);
  const lp = out.logprobs.dataSync(), old = mb.oldLogprobs.dataSync(), mask = mb.mask.dataSync();
  lp.forEach((v, i) => { if (mask[i]) assert.ok(Math.abs(v - old[i]) < 1e-5); });
  // With dropout on, the same pass differs from the rollout's log-probs (what this test guards against).
  const dropped = droppedLogprobs(m, mb.tokens);
  const gap = Math.max(...Array.from(dropped.dataSync()).map((v, i) => (mask[i] ? Math.abs(v - old[i]) : 0)));
  assert.ok(gap > 1e-2, `dropout 0.5 should move some log-prob, max gap ${gap}`);
  tf.dispose([out.loss, out.policyLoss, out.valueLoss, out.logprobs, dropped, ...Object.values(mb)]);
  m.dispose();
});

test('ppoLoss at dropout 0: the log-probs equal those of a pass with the training flag on, bit for bit', () => {
  const m = new GPT(cfgOf(0), { seed: 7 });
  m.addHead('value');
  const { mb } = minibatch(m);
  const out = ppoLoss(m, mb, validatePpoConfig({ ...defaultPpoConfig }));
  const dropped = droppedLogprobs(m, mb.tokens);
  assert.deepEqual(Array.from(out.logprobs.dataSync()), Array.from(dropped.dataSync()));
  tf.dispose([out.loss, out.policyLoss, out.valueLoss, out.logprobs, dropped, ...Object.values(mb)]);
  m.dispose();
});

const dpoBatch = () => rewardBatch([
  { rows: [[1, 2, 3], [1, 4], [1, 5, 6, 7]], pairs: [{ chosen: 0, rejected: 1 }, { chosen: 2, rejected: 1 }], replyStart: 1 },
  { rows: [[2, 3, 4], [2, 9]], pairs: [{ chosen: 1, rejected: 0 }], replyStart: 1 },
], PAD);

test('dpoStep with dropout 0.5: policy = reference gives loss exactly ln 2 (dropout on would not); no tensor leaks', () => {
  const pair = (seed: number) => {
    const model = new GPT(cfgOf(0.5), { seed });
    const ref = new GPT(cfgOf(0.5), { seed, trainable: false });
    return { model, ref, rm: logRatioRewardModel(model, ref, 0.5) };
  };
  const a = pair(11);
  const optA = new Adam(a.model.params().values(), { learningRate: 1e-3 });
  const first = dpoStep(a.rm, optA, dpoBatch(), { learningRate: 1e-3, gradClip: 1 });
  assert.ok(Math.abs(first.loss - Math.LN2) < 1e-6, `loss ${first.loss}`);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) dpoStep(a.rm, optA, dpoBatch(), { learningRate: 1e-3, gradClip: 1 });
  assert.equal(tf.memory().numTensors, before);
  const b = pair(11);
  const optB = new Adam(b.model.params().values(), { learningRate: 1e-3 });
  const withDropout = rewardModelStep(b.rm, optB, dpoBatch(), { learningRate: 1e-3, gradClip: 1, training: true });
  assert.ok(Math.abs(withDropout.loss - Math.LN2) > 1e-4, `dropout on moves the first loss off ln 2: ${withDropout.loss}`);
  assert.throws(() => dpoStep({ ...a.rm, form: 'logLikelihood' }, optA, dpoBatch(), { learningRate: 1e-3, gradClip: 1 }), /'logRatio'/);
  for (const x of [optA, optB, a.model, a.ref, b.model, b.ref]) x.dispose();
});

test('dpoStep at dropout 0 computes what rewardModelStep with the training flag did, bit for bit', () => {
  const runs = [true, false].map((training) => {
    const model = new GPT(cfgOf(0), { seed: 13 });
    const ref = new GPT(cfgOf(0), { seed: 13, trainable: false });
    const rm = logRatioRewardModel(model, ref, 0.5);
    const opt = new Adam(model.params().values(), { learningRate: 1e-2 });
    const losses = [0, 1, 2].map(() => (training ? rewardModelStep(rm, opt, dpoBatch(), { learningRate: 1e-2, gradClip: 1, training: true })
      : dpoStep(rm, opt, dpoBatch(), { learningRate: 1e-2, gradClip: 1 })).loss);
    const w = Array.from(model.param('wte.weight').dataSync());
    for (const x of [opt, model, ref]) x.dispose();
    return { losses, w };
  });
  assert.deepEqual(runs[1].losses, runs[0].losses);
  assert.deepEqual(runs[1].w, runs[0].w);
});
