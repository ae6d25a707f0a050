import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../lib/model/adam';
import { initEngine } from '../lib/engine/engine';
import { GPT, GPTConfig } from '../lib/model/gpt';
import { defaultGroupRlConfig, GROUP_RL_VARIANTS, groupAdvantages, groupPolicyLoss, groupRlLoss, GroupMinibatch, smokeGroupRlConfig, validateGroupRlConfig, zeroVarianceGroups } from '../lib/train/groupRl';
import { packRollout, rowLogprobs } from '../lib/train/ppo';
import { generate } from '../lib/model/sampling';

const tiny: GPTConfig = { vocabSize: 30, contextLength: 24, dModel: 16, nLayers: 1, nHeads: 2, dropout: 0 };
const EOS = 28;
const PAD = 29;

before(async () => {
  await initEngine({ quiet: true });
});

const close = (a: number[], b: number[], tol = 1e-6) =>
  assert.ok(a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < tol), `${a} vs ${b}`);

test('RLOO: the baseline of each reply is the mean of the other G − 1 rewards', () => {
  // rewards 1, 2, 3, 6: baselines 11/3, 10/3, 3, 2
  close(groupAdvantages([1, 2, 3, 6], 4, { baseline: 'leaveOneOut', scaleByStd: false }), [1 - 11 / 3, 2 - 10 / 3, 0, 4]);
  // equal to G/(G − 1) times the group-mean advantage
  close(groupAdvantages([1, 2, 3, 6], 4, { baseline: 'leaveOneOut', scaleByStd: false }), [-2, -1, 0, 3].map((v) => (v * 4) / 3));
});

test('GRPO divides by the group σ; Dr. GRPO does not; groups are independent', () => {
  const sigma = Math.sqrt((4 + 1 + 0 + 9) / 4);
  close(groupAdvantages([1, 2, 3, 6, 5, 5, 5, 5], 4, { baseline: 'groupMean', scaleByStd: true, eps: 0 }).slice(0, 4), [-2, -1, 0, 3].map((v) => v / sigma));
  close(groupAdvantages([1, 2, 3, 6, 0, 0, 1, 1], 4, { baseline: 'groupMean', scaleByStd: false }), [-2, -1, 0, 3, -0.5, -0.5, 0.5, 0.5]);
  // σ = 0: advantages 0, not NaN
  close(groupAdvantages([5, 5, 5, 5], 4, { baseline: 'groupMean', scaleByStd: true }), [0, 0, 0, 0]);
  assert.throws(() => groupAdvantages([1, 2, 3], 2, { baseline: 'groupMean', scaleByStd: false }), /do not split into groups of 2/);
});

test('zero-variance groups: every reward equal', () => {
  assert.deepEqual(zeroVarianceGroups([1, 1, 1, 1, 0, 1, 0, 1, 7, 7, 7, 7], 4), [true, false, true]);
});

/** Two replies with advantages 2 and −1; reply 0 has 1 token, reply 1 has 3. */
function twoReplies(ratioLog = 0) {
  const mask = tf.tensor2d([[1, 0, 0], [1, 1, 1]]);
  const old = tf.zeros([2, 3]) as tf.Tensor2D;
  const lp = tf.fill([2, 3], ratioLog) as tf.Tensor2D;
  return { mask, old, lp, ref: tf.zeros([2, 3]) as tf.Tensor2D, adv: tf.tensor1d([2, -1]) };
}
const loss = (x: ReturnType<typeof twoReplies>, opts: Parameters<typeof groupPolicyLoss>[5]) =>
  tf.tidy(() => groupPolicyLoss(x.lp, x.old, x.ref, x.adv, x.mask, opts).dataSync()[0]);

test('at ratio 1 the three aggregations weigh tokens differently (hand-checked)', () => {
  const x = twoReplies();
  const base = { clipLow: 0.2, clipHigh: 0.2, klCoef: 0 };
  // per reply: means of −A over each reply's tokens are −2 and 1 → mean −0.5
  assert.ok(Math.abs(loss(x, { ...base, aggregation: 'perReply' }) + 0.5) < 1e-6);
  // all tokens: (−2·1 + 1·3) / 4 tokens = 0.25
  assert.ok(Math.abs(loss(x, { ...base, aggregation: 'allTokens' }) - 0.25) < 1e-6);
  // constant length 4: (−2 + 3) / (2 replies · 4) = 0.125
  assert.ok(Math.abs(loss(x, { ...base, aggregation: 'constant', constantLength: 4 }) - 0.125) < 1e-6);
  assert.throws(() => loss(x, { ...base, aggregation: 'constant' }), /constantLength/);
  tf.dispose(Object.values(x));
});

test('clip-higher: a rising ratio of a good reply is cut at 1 + ε_high', () => {
  const x = twoReplies(0.25); // ρ = e^0.25 ≈ 1.284 everywhere
  const rho = Math.exp(0.25);
  // per reply (A = 2, one token; A = −1, three tokens): −min(ρA, clip(ρ)A)
  const expected = (hi: number) => (-Math.min(rho * 2, (1 + hi) * 2) + -Math.min(rho * -1, (1 + hi) * -1)) / 2;
  assert.ok(Math.abs(loss(x, { clipLow: 0.2, clipHigh: 0.2, klCoef: 0, aggregation: 'perReply' }) - expected(0.2)) < 1e-5);
  assert.ok(Math.abs(loss(x, { clipLow: 0.2, clipHigh: 0.28, klCoef: 0, aggregation: 'perReply' }) - expected(0.28)) < 1e-5);
  assert.ok(expected(0.28) < expected(0.2), 'clip-higher lets the good reply gain more');
  tf.dispose(Object.values(x));
});

test('k3 KL in the loss: 0 at the reference, e^−δ + δ − 1 per token away from it', () => {
  const x = twoReplies();
  const opts = { clipLow: 0.2, clipHigh: 0.2, aggregation: 'allTokens' as const };
  const without = loss(x, { ...opts, klCoef: 0 });
  assert.ok(Math.abs(loss(x, { ...opts, klCoef: 0.5 }) - without) < 1e-7, 'policy = reference: no KL');
  const d = 0.3;
  x.ref.dispose();
  x.ref = tf.fill([2, 3], -d) as tf.Tensor2D; // log π − log π_ref = δ = 0.3
  const k3 = Math.exp(-d) + d - 1;
  assert.ok(Math.abs(loss(x, { ...opts, klCoef: 0.5 }) - (without + 0.5 * k3)) < 1e-6);
  tf.dispose(Object.values(x));
});

test('the named variants are the papers\' switches', () => {
  assert.equal(GROUP_RL_VARIANTS.rloo.advantage.baseline, 'leaveOneOut');
  assert.equal(GROUP_RL_VARIANTS.grpo.advantage.scaleByStd, true);
  assert.equal(GROUP_RL_VARIANTS.drGrpo.advantage.scaleByStd, false);
  assert.equal(GROUP_RL_VARIANTS.drGrpo.loss.aggregation, 'constant');
  assert.equal(GROUP_RL_VARIANTS.dapo.loss.clipHigh, 0.28);
  assert.equal(GROUP_RL_VARIANTS.dapo.skipZeroVariance, true);
});

test('groupRlLoss on a model: −(per-reply mean of A) before any update; an update step leaks no tensors', () => {
  const m = new GPT(tiny, { seed: 5 });
  const ref = new GPT(tiny, { seed: 5 });
  const G = 2;
  const prompts = [[1, 2, 3], [1, 2, 3], [4, 5], [4, 5]];
  const gen = generate(m, prompts, EOS, { seed: 6, maxNewTokens: 5 });
  const rows = packRollout(gen, PAD);
  const rewards = [1, 0, 0.5, 0.5];
  const adv = groupAdvantages(rewards, G, { baseline: 'leaveOneOut', scaleByStd: false });
  const mb: GroupMinibatch = {
    tokens: tf.tensor2d(rows.tokens, undefined, 'int32'),
    mask: tf.tensor2d(rows.mask),
    oldLogprobs: tf.tensor2d(rowLogprobs(m, rows.tokens, 1)),
    refLogprobs: tf.tensor2d(rowLogprobs(ref, rows.tokens, 1)),
    advantages: tf.tensor1d(adv),
  };
  const opts = { ...GROUP_RL_VARIANTS.grpo.loss };
  const first = groupRlLoss(m, mb, opts, 1);
  // ρ = 1 and π = π_ref: the loss is −mean over replies of A (each reply's tokens share its A)
  const expected = -adv.reduce((s, v) => s + v, 0) / adv.length;
  assert.ok(Math.abs(first.dataSync()[0] - expected) < 1e-5, `${first.dataSync()[0]} vs ${expected}`);
  first.dispose();

  const opt = new Adam([...m.params().values()].filter((v) => v.trainable), { learningRate: 1e-2 });
  const step = () => {
    const { value, grads } = tf.variableGrads(() => groupRlLoss(m, mb, opts, 1));
    opt.step(grads);
    tf.dispose([value, ...Object.values(grads)]);
  };
  step();
  const count = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, count);
  // the update moved the policy: reply 0 of prompt 0 (A > 0) became likelier
  const after = rowLogprobs(m, rows.tokens, 1);
  const sumMasked = (lp: number[][], i: number) => lp[i].reduce((s, v, t) => s + (rows.mask[i][t] ? v : 0), 0);
  const before = mb.oldLogprobs.arraySync() as number[][];
  assert.ok(sumMasked(after, 0) > sumMasked(before, 0), 'the reply with a positive advantage gained probability');
  tf.dispose(Object.values(mb));
  opt.dispose();
  m.dispose();
  ref.dispose();
});

test('the critic-free config: defaults pass; misspelt, string and too-small values are refused by name', () => {
  assert.doesNotThrow(() => validateGroupRlConfig({ ...defaultGroupRlConfig }));
  assert.throws(() => validateGroupRlConfig({ ...defaultGroupRlConfig, groupsize: 4 } as never), /groupsize is not a setting.*did you mean groupSize/);
  assert.throws(() => validateGroupRlConfig({ ...defaultGroupRlConfig, learningRate: '1e-4' } as never), /learningRate must be a number/);
  assert.throws(() => validateGroupRlConfig({ ...defaultGroupRlConfig, groupSize: 1 }), /groupSize must be an integer ≥ 2/);
  assert.doesNotThrow(() => validateGroupRlConfig(smokeGroupRlConfig(defaultGroupRlConfig)));
});
