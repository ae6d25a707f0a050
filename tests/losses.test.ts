import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { logSoftmax } from '../lib/model/ops';
import {
  bradleyTerryLoss,
  clippedValueLoss,
  entropyFromLogits,
  explainedVariance,
  gae,
  groupedPairs,
  klK1,
  klK3,
  maskedMean,
  maskedStats,
  pairRewards,
  ppoClipLoss,
  ppoDiagnostics,
  tokenEntropy,
  whiten,
} from '../lib/model/losses';

before(async () => {
  await initEngine({ quiet: true });
});

/** Reads a scalar tensor and disposes it. */
function num(t: tf.Tensor): number {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}

function close(actual: number, expected: number, tol = 1e-5, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected}, got ${actual}`);
}

function closeGrid(actual: number[][], expected: number[][], tol = 1e-9): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, i) => row.forEach((v, t) => close(v, expected[i][t], tol, `[${i}][${t}]`)));
}

const t1 = (x: number[]) => tf.tensor1d(x);
const pair = (chosen: number, rejected: number) => ({ chosen, rejected });
const t2 = (x: number[][]) => tf.tensor2d(x);

// --- Bradley–Terry -------------------------------------------------------------------------------------------

test('Bradley–Terry: equal rewards give ln 2, a margin of 1 gives softplus(−1) ≈ 0.3133', () => {
  close(num(bradleyTerryLoss(t1([0.3, -2, 5]), t1([0.3, -2, 5]))), Math.LN2);
  close(num(bradleyTerryLoss(t1([1, 3.5]), t1([0, 2.5]))), Math.log(1 + Math.exp(-1)));
  close(Math.log(1 + Math.exp(-1)), 0.3133, 1e-4);
  // The wrong order costs more: margin −1 → softplus(1) ≈ 1.3133.
  close(num(bradleyTerryLoss(t1([0]), t1([1]))), Math.log(1 + Math.E));
});

test('Bradley–Terry with per-prompt weights averages each prompt’s pairs, then the prompts', () => {
  // Prompt A: one pair at margin 0 (ln 2). Prompt B: three pairs at margin 1 (0.3133 each).
  const pairs = groupedPairs([
    { size: 2, pairs: [pair(0, 1)] },
    { size: 3, pairs: [pair(0, 1), pair(0, 2), pair(1, 2)] },
  ]);
  assert.deepEqual(pairs.weights, [1, 1 / 3, 1 / 3, 1 / 3]);
  const chosen = t1([0, 1, 1, 1]);
  const rejected = t1([0, 0, 0, 0]);
  const sp1 = Math.log(1 + Math.exp(-1));
  close(num(bradleyTerryLoss(chosen, rejected)), (Math.LN2 + 3 * sp1) / 4, 1e-5, 'per pair');
  close(num(bradleyTerryLoss(chosen, rejected, pairs.weights)), (Math.LN2 + sp1) / 2, 1e-5, 'per prompt');
  close(num(bradleyTerryLoss(chosen, rejected, t1(pairs.weights))), (Math.LN2 + sp1) / 2, 1e-5, 'tensor weights');
  assert.throws(() => bradleyTerryLoss(chosen, rejected, [1, 1]), /2 weights for 4 pairs/);
  assert.throws(() => bradleyTerryLoss(chosen, t1([0])), /rRejected has shape \[1\]/);
});

test('groupedPairs flattens each prompt’s pairs into batch indices, weighting each prompt’s pairs 1/count', () => {
  const p = groupedPairs([
    { size: 3, pairs: [pair(1, 0), pair(1, 2)] },
    { size: 2, pairs: [] }, // a prompt whose ranking was all one tie
    { size: 2, pairs: [pair(1, 0)] },
  ]);
  assert.deepEqual(p.chosen, [1, 1, 6]); // prompt 2's responses are 5 and 6
  assert.deepEqual(p.rejected, [0, 2, 5]);
  assert.deepEqual(p.weights, [0.5, 0.5, 1]);
  assert.deepEqual(p.prompt, [0, 0, 2]);
  assert.equal(p.numResponses, 7);
  assert.throws(() => groupedPairs([{ size: 2, pairs: [pair(0, 2)] }]), /group 0 has the pair chosen 0, rejected 2/);
  assert.throws(() => groupedPairs([{ size: 2, pairs: [pair(1, 1)] }]), /group 0 has the pair chosen 1, rejected 1/);
});

test('pairRewards selects each pair’s rewards and passes the Bradley–Terry gradient back (wasm has no gather grad)', () => {
  const pairs = groupedPairs([{ size: 2, pairs: [pair(1, 0)] }, { size: 2, pairs: [pair(0, 1)] }]); // 1 ≻ 0 and 2 ≻ 3
  const r = t1([0.1, 0.5, -0.2, 0.3]);
  const { chosen, rejected } = pairRewards(r, pairs);
  assert.deepEqual(Array.from(chosen.dataSync()).map((v) => +v.toFixed(6)), [0.5, -0.2]);
  assert.deepEqual(Array.from(rejected.dataSync()).map((v) => +v.toFixed(6)), [0.1, 0.3]);
  tf.dispose([chosen, rejected]);
  // At equal rewards each pair's loss has slope ∓σ(0) = ∓½ in (r_w, r_l), divided by P = 2 pairs.
  const zeros = tf.zeros([4]) as tf.Tensor1D;
  const g = tf.grad((x: tf.Tensor) => {
    const s = pairRewards(x as tf.Tensor1D, pairs);
    return bradleyTerryLoss(s.chosen, s.rejected);
  })(zeros);
  assert.deepEqual(Array.from(g.dataSync()), [0.25, -0.25, -0.25, 0.25]);
  tf.dispose([r, zeros, g]);
  assert.throws(() => pairRewards(t1([1, 2]), pairs), /rewards has 2 entries but the pairs index 4 responses/);
});

// --- PPO -----------------------------------------------------------------------------------------------------

test('PPO clip loss at ρ = 1 is −mean(A) over the masked tokens; masked positions are ignored', () => {
  const logp = t2([[-1, -2, -3], [-0.5, -0.1, -9]]);
  const A = t2([[1, 2, 3], [4, 5, 6]]);
  const mask = t2([[1, 1, 0], [1, 0, 0]]);
  close(num(ppoClipLoss(logp, logp, A, mask, 0.2)), -(1 + 2 + 4) / 3);
  // Change only masked positions (their advantage and their new log-prob): same loss.
  const logp2 = t2([[-1, -2, 5], [-0.5, 3, -9]]);
  const A2 = t2([[1, 2, -100], [4, 100, 0]]);
  close(num(ppoClipLoss(logp2, logp, A2, mask, 0.2)), -(1 + 2 + 4) / 3);
  assert.throws(() => ppoClipLoss(logp, logp, t2([[1]]), mask, 0.2), /advantages has shape \[1,1\] but logprobs has shape \[2,3\]/);
  tf.dispose([logp, A, mask, logp2, A2]);
});

test('PPO clip loss: beyond the clip range with A > 0 the loss is the clipped one and the gradient is zero', () => {
  const old = t2([[0]]);
  const A = t2([[2]]);
  const mask = t2([[1]]);
  const lossAndGrad = (ratio: number, adv: tf.Tensor2D) => {
    const logp = t2([[Math.log(ratio)]]);
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => ppoClipLoss(x as tf.Tensor2D, old, adv, mask, 0.2))(logp);
    const out = { loss: num(value), grad: num(grad) };
    logp.dispose();
    return out;
  };
  // ρ = 1.5 > 1.2, A = 2: −min(3, 2.4) = −2.4, gradient 0.
  let r = lossAndGrad(1.5, A);
  close(r.loss, -2.4);
  assert.equal(r.grad, 0);
  // Inside the range, ρ = 1.1: −ρA = −2.2, ∂/∂logp = −ρA = −2.2.
  r = lossAndGrad(1.1, A);
  close(r.loss, -2.2);
  close(r.grad, -2.2);
  // ρ = 1.5 with A = −2: min(−3, −2.4) = −3 is the unclipped term, so the gradient flows (∂/∂logp = −ρA = 3).
  const negA = t2([[-2]]);
  r = lossAndGrad(1.5, negA);
  close(r.loss, 3);
  close(r.grad, 3);
  tf.dispose([old, A, mask, negA]);
});

test('PPO diagnostics: clip fraction counts tokens whose clipped term wins; approx-KL is ½·mean(log ρ)²', () => {
  const ratios = [1, 1.5, 0.5, 1.5, 9];
  const logp = t2([ratios.map(Math.log)]);
  const old = t2([[0, 0, 0, 0, 0]]);
  const A = t2([[1, 1, 1, -1, 1]]);
  const mask = t2([[1, 1, 1, 1, 0]]); // the last token (ρ = 9) is masked out
  const d = ppoDiagnostics(logp, old, A, mask, 0.2);
  // Only token 1 (ρ = 1.5 > 1.2 with A > 0) is clipped; ρ = 0.5 with A > 0 and ρ = 1.5 with A < 0 are not.
  close(d.clipFraction, 1 / 4);
  close(d.approxKl, (0.5 * (0 + Math.log(1.5) ** 2 + Math.log(0.5) ** 2 + Math.log(1.5) ** 2)) / 4);
  close(d.approxKl, 0.101157, 1e-5);
  close(d.meanRatio, (1 + 1.5 + 0.5 + 1.5) / 4);
  const same = ppoDiagnostics(old, old, A, mask, 0.2);
  assert.deepEqual(same, { clipFraction: 0, approxKl: 0, meanRatio: 1 });
  tf.dispose([logp, old, A, mask]);
});

test('clipped value loss: ½·max of the unclipped and clipped squared errors', () => {
  // Token 0: V 1.5 from V_old 1 toward R 2 → clipped to 1.2: max(0.25, 0.64) = 0.64.
  // Token 1: V 1.1 within the range: 0.81 both ways. Token 2: V 0.5 away from R: max(2.25, 0.64) = 2.25.
  // Token 3 is masked.
  const V = t2([[1.5, 1.1, 0.5, 7]]);
  const Vold = t2([[1, 1, 1, 0]]);
  const R = t2([[2, 2, 2, 0]]);
  const mask = t2([[1, 1, 1, 0]]);
  close(num(clippedValueLoss(V, Vold, R, mask, 0.2)), (0.5 * (0.64 + 0.81 + 2.25)) / 3);
  // With a wide clip range it is the plain ½·MSE.
  close(num(clippedValueLoss(V, Vold, R, mask, 100)), (0.5 * (0.25 + 0.81 + 2.25)) / 3);
  tf.dispose([V, Vold, R, mask]);
});

// --- GAE, whitening, explained variance -----------------------------------------------------------------------

const rewards3 = [[0, 0, 1]];
const values3 = [[0.5, 0.6, 0.7]];
const mask3 = [[1, 1, 1]];

test('GAE with λ = 0 is the one-step TD error r_t + γV_{t+1} − V_t (V = 0 after the last token)', () => {
  closeGrid(gae(rewards3, values3, mask3, 1, 0).advantages, [[0.6 - 0.5, 0.7 - 0.6, 1 - 0.7]]);
  closeGrid(gae(rewards3, values3, mask3, 0.9, 0).advantages, [[0.9 * 0.6 - 0.5, 0.9 * 0.7 - 0.6, 1 - 0.7]]);
});

test('GAE on a hand-worked 3-step example, γ = 1, λ = 0.95', () => {
  // δ = [0.1, 0.1, 0.3]; A₂ = 0.3; A₁ = 0.1 + 0.95·0.3 = 0.385; A₀ = 0.1 + 0.95·0.385 = 0.46575.
  const { advantages, returns } = gae(rewards3, values3, mask3, 1, 0.95);
  closeGrid(advantages, [[0.46575, 0.385, 0.3]]);
  closeGrid(returns, [[0.96575, 0.985, 1.0]]);
  // λ = 1, γ = 1: the return (here 1 from every step) minus V_t.
  closeGrid(gae(rewards3, values3, mask3, 1, 1).advantages, [[0.5, 0.4, 0.3]]);
});

test('GAE ignores masked positions: prompt and padding values do not leak in, rows are independent', () => {
  const rewards = [[0, 0, 0, 1, 0], [0, 0.5, 0, 0, 0]];
  const values = [[9, 0.5, 0.6, 0.7, 9], [9, 0.2, 9, 9, 9]];
  const mask = [[0, 1, 1, 1, 0], [0, 1, 0, 0, 0]];
  const { advantages, returns } = gae(rewards, values, mask, 1, 0.95);
  closeGrid(advantages, [[0, 0.46575, 0.385, 0.3, 0], [0, 0.3, 0, 0, 0]]);
  closeGrid(returns, [[0, 0.96575, 0.985, 1.0, 0], [0, 0.5, 0, 0, 0]]);
  assert.throws(() => gae([[0, 1]], [[0, 0]], [[1, 0]]), /rewards\[0\]\[1\] = 1 sits at a masked position/);
  assert.throws(() => gae([[0, 1]], [[0]], [[1, 1]]), /values\[0\] has 1 entries but rewards\[0\] has 2/);
});

test('whiten: mean 0 and std 1 over the masked entries; shiftMean = false keeps the mean', () => {
  const x = [[1, 2, 3], [4, 100, -50]];
  const mask = [[1, 1, 1], [1, 0, 0]]; // entries 1, 2, 3, 4: mean 2.5, variance 1.25
  const w = whiten(x, mask);
  const s = maskedStats(w, mask);
  close(s.mean, 0, 1e-12);
  close(s.variance, 1, 1e-6);
  close(w[0][0], (1 - 2.5) / Math.sqrt(1.25), 1e-6);
  assert.equal(w[1][1], 0); // masked positions are 0
  const kept = whiten(x, mask, false);
  const k = maskedStats(kept, mask);
  close(k.mean, 2.5, 1e-12);
  close(k.variance, 1, 1e-6);
  close(kept[0][0], 2.5 + (1 - 2.5) / Math.sqrt(1.25), 1e-6);
});

test('explained variance: 1 for perfect values, 0 for the mean return, 2/3 on a hand example', () => {
  const R = [[1, 2, 3, 50]];
  const mask = [[1, 1, 1, 0]];
  close(explainedVariance([[1, 2, 3, 0]], R, mask), 1);
  close(explainedVariance([[2, 2, 2, 0]], R, mask), 0);
  // residual [0, 0, 1]: variance 2/9; Var(R) = 2/3 → 1 − 1/3.
  close(explainedVariance([[1, 2, 2, 0]], R, mask), 2 / 3, 1e-12);
  assert.ok(Number.isNaN(explainedVariance([[0, 0]], [[1, 1]], [[1, 1]])));
});

// --- KL and entropy ------------------------------------------------------------------------------------------

test('KL estimators: k1 = k3 = 0 when equal, k3 ≥ 0 always, hand values at r = ½', () => {
  const a = tf.randomNormal([4000], -2, 1, 'float32', 7);
  const b = tf.randomNormal([4000], -2, 1, 'float32', 8);
  assert.equal(num(tf.max(tf.abs(klK1(a, a)))), 0);
  assert.equal(num(tf.max(tf.abs(klK3(a, a)))), 0);
  assert.ok(num(tf.min(klK3(a, b))) >= 0);
  const near = tf.add(a, tf.randomNormal([4000], 0, 1e-3, 'float32', 9)); // tiny differences: fp32 cancellation
  assert.ok(num(tf.min(klK3(a, near))) >= 0);
  // π = ½, π_ref = ¼: k1 = ln 2; r = ½ → k3 = (½ − 1) − ln ½ = ln 2 − ½.
  const lp = t1([Math.log(0.5)]);
  const lr = t1([Math.log(0.25)]);
  close(num(klK1(lp, lr)), Math.LN2);
  close(num(klK3(lp, lr)), Math.LN2 - 0.5);
  tf.dispose([a, b, near, lp, lr]);
});

test('entropy: uniform logits give ln V, a two-way 1:3 split gives its hand value, masked rows are ignored', () => {
  const V = 8;
  const logits = tf.stack([tf.zeros([2, V]), tf.oneHot([1, 2], V).mul(50)]) as tf.Tensor3D; // (2, 2, V)
  const perToken = tokenEntropy(logits);
  close(perToken.arraySync()[0][0], Math.log(V));
  close(perToken.arraySync()[1][0], 0, 1e-4);
  perToken.dispose();
  const onlyUniform = t2([[1, 1], [0, 0]]);
  close(num(entropyFromLogits(logits, onlyUniform)), Math.log(V));
  const two = tf.tensor3d([[[0, Math.log(3)]]]); // p = [¼, ¾]
  close(num(entropyFromLogits(two, t2([[1]]))), -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)));
  tf.dispose([logits, onlyUniform, two]);
});

test('maskedMean of an empty mask is 0', () => {
  const x = t2([[3, 4]]);
  const m = t2([[0, 0]]);
  close(num(maskedMean(x, m)), 0);
  tf.dispose([x, m]);
});

// --- Memory --------------------------------------------------------------------------------------------------

test('no tensor leaks: the losses inside tf.variableGrads, and outside it with ppoDiagnostics', () => {
  const B = 3;
  const T = 4;
  const Vocab = 5;
  const w = tf.variable(tf.randomNormal<tf.Rank.R3>([B, T, Vocab], 0, 1, 'float32', 1), true, 'leak.w');
  const head = tf.variable(tf.randomNormal<tf.Rank.R1>([B * 2], 0, 1, 'float32', 2), true, 'leak.head');
  const targets = tf.oneHot(tf.tensor2d([[0, 1, 2, 3], [4, 0, 1, 2], [3, 4, 0, 1]], undefined, 'int32'), Vocab);
  const oldLogp = tf.fill([B, T], -1.6) as tf.Tensor2D;
  const adv = tf.randomNormal([B, T], 0, 1, 'float32', 3) as tf.Tensor2D;
  const oldValues = tf.zeros([B, T]) as tf.Tensor2D;
  const returns = tf.ones([B, T]) as tf.Tensor2D;
  const mask = t2([[0, 1, 1, 1], [0, 1, 1, 0], [0, 1, 0, 0]]);
  const pairs = groupedPairs([0, 1, 0].map((w) => ({ size: 2, pairs: [pair(w, 1 - w)] })));
  const step = () => {
    const { value, grads } = tf.variableGrads(() => {
      const logp = tf.sum(tf.mul(logSoftmax(w), targets), -1) as tf.Tensor2D; // (B, T)
      const values = tf.mean(w, -1) as tf.Tensor2D;
      const r = pairRewards(head, pairs);
      return tf.addN([
        bradleyTerryLoss(r.chosen, r.rejected, pairs.weights),
        ppoClipLoss(logp, oldLogp, adv, mask, 0.2),
        clippedValueLoss(values, oldValues, returns, mask, 0.2),
        tf.mul(entropyFromLogits(w, mask), -0.01),
      ]) as tf.Scalar;
    });
    assert.ok(Number.isFinite(value.dataSync()[0]));
    assert.ok(grads['leak.w'] && grads['leak.head']);
    tf.dispose([value, ...Object.values(grads)]);
    // variableGrads tidies the forward pass, so also call everything outside it, as evaluation and logging do.
    const logp = tf.tidy(() => tf.sum(tf.mul(logSoftmax(w), targets), -1) as tf.Tensor2D);
    const r = pairRewards(head, pairs);
    const outside = [
      bradleyTerryLoss(r.chosen, r.rejected, pairs.weights),
      ppoClipLoss(logp, oldLogp, adv, mask, 0.2),
      clippedValueLoss(logp, oldValues, returns, mask, 0.2),
      entropyFromLogits(w, mask),
      klK1(logp, oldLogp),
      klK3(logp, oldLogp),
    ];
    ppoDiagnostics(logp, oldLogp, adv, mask, 0.2);
    tf.dispose([logp, r.chosen, r.rejected, ...outside]);
  };
  step(); // burn-in
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([w, head, targets, oldLogp, adv, oldValues, returns, mask]);
});
