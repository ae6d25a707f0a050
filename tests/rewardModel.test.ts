import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { GPT, GPTConfig } from '../lib/model/gpt';
import { Adam } from '../lib/model/adam';
import { Rng } from '../lib/core/rng';
import { chatPrompt, chatReply } from '../lib/model/chat';
import { defaultRewardModelConfig, validateRewardModelConfig } from '../lib/reward/config';
import { applyRewardNormalization, fitRewardNormalization } from '../lib/reward/normalization';
import { REWARD_HEAD, headRewardModel, logRatioRewardModel, logLikelihoodRewardModel, weightedLogLikelihoodRewardModel, TOKEN_WEIGHT_HEAD, TOKEN_BONUS_HEAD, TOKEN_HEAD_GAIN, type RewardModel } from '../lib/reward/rewardModel';
import { replyStartOf, packRewardRows, rewardRow } from '../lib/reward/rows';
import { rewardForward, rewardScores, scoreReplies, tokenRewards } from '../lib/reward/scoring';
import { pairAccuracy, rewardBatch, rewardModelLoss, rewardModelStep, type RewardGroup } from '../lib/reward/training';

before(async () => {
  await initEngine({ quiet: true });
});

const tiny: GPTConfig = { vocabSize: 16, contextLength: 12, dModel: 16, nLayers: 1, nHeads: 2, dropout: 0 };
const PAD = 15;
const EOS = 14;

function tinyRm(seed = 1): GPT {
  const m = new GPT(tiny, { seed });
  m.addHead(REWARD_HEAD, { seed });
  return m;
}

/** A stand-in tokenizer: one id per character code mod 14 (ids 0..13), EOS 14, PAD 15. */
const charTokenizer = {
  eosId: EOS,
  padId: PAD,
  encode: (text: string) => [...text].map((c) => c.charCodeAt(0) % 14),
};

test('rewardRow: prompt, reply and EOS for text; tokens as generated', () => {
  const enc = charTokenizer.encode;
  assert.deepEqual(rewardRow(charTokenizer, 'Q?', 'Lima.'), [...enc(chatPrompt('Q?')), ...enc(chatReply('Lima.')), EOS]);
  assert.deepEqual(rewardRow(charTokenizer, 'Q?', '  '), [...enc(chatPrompt('Q?')), EOS], 'an empty reply is EOS alone');
  assert.deepEqual(rewardRow(charTokenizer, 'Q?', [3, 4]), [...enc(chatPrompt('Q?')), 3, 4], 'a cut reply gets no EOS');
  assert.deepEqual(rewardRow(charTokenizer, 'Q?', [3, EOS]), [...enc(chatPrompt('Q?')), 3, EOS]);
});

test('packRewardRows: right-padding, last real token, long rows keep their end', () => {
  const p = packRewardRows([[1, 2, 3], [4], [5, 6]], PAD);
  assert.deepEqual(p.tokens, [[1, 2, 3], [4, PAD, PAD], [5, 6, PAD]]);
  assert.deepEqual(p.lastIndex, [2, 0, 1]);
  const cut = packRewardRows([[1, 2, 3, 4, 5], [6]], PAD, 3);
  assert.deepEqual(cut.tokens, [[3, 4, 5], [6, PAD, PAD]]);
  assert.deepEqual(cut.lastIndex, [2, 0]);
  assert.throws(() => packRewardRows([[1], []], PAD), /row 1 is empty/);
  assert.deepEqual(p.replyStart, [-1, -1, -1], 'no reply starts given');
  // Reply starts move with the cut; one cut off becomes 1.
  assert.deepEqual(packRewardRows([[1, 2, 3, 4, 5], [6, 7]], PAD, 3, [3, 1]).replyStart, [1, 1]);
  assert.deepEqual(packRewardRows([[1, 2, 3, 4, 5], [6, 7]], PAD, 4, [3, 1]).replyStart, [2, 1]);
  assert.throws(() => packRewardRows([[1, 2]], PAD, 9, [3]), /reply start 3 of row 0/);
});

test('the reward is read at the last real token: the head on that position of the unpadded row', () => {
  const m = tinyRm(3);
  const row = [1, 2, 3, 4];
  const expected = tf.tidy(() => m.head(REWARD_HEAD, m.hidden(tf.tensor2d([row], undefined, 'int32'))).arraySync() as number[][])[0][3];
  const got = tf.tidy(() => rewardForward(headRewardModel(m), tf.tensor2d([[...row, PAD, PAD]], undefined, 'int32'), { lastIndex: [3] }).arraySync() as number[]);
  assert.ok(Math.abs(got[0] - expected) < 1e-5, `${got[0]} vs ${expected}`);
  // A different token AT the last position changes the reward; different padding AFTER it does not.
  const [same, changed] = tf.tidy(() => rewardForward(headRewardModel(m), tf.tensor2d([[1, 2, 3, 4, 9, 9], [1, 2, 3, 5, PAD, PAD]], undefined, 'int32'), { lastIndex: [3, 3] }).arraySync() as number[]);
  assert.ok(Math.abs(same - expected) < 1e-5);
  assert.ok(Math.abs(changed - expected) > 1e-4);
  assert.throws(() => rewardForward(headRewardModel(m), tf.zeros([1, 3], 'int32') as tf.Tensor2D, { lastIndex: [3] }), /lastIndex\[0\] = 3/);
  m.dispose();
});

test('padding does not change a row\'s reward: alone or batched with longer rows, in any batch size', () => {
  const m = tinyRm(4);
  const rows = [[1, 2], [3, 4, 5, 6, 7, 8, 9], [2, 2, 2, 1], [7]];
  const alone = rows.map((r) => rewardScores(headRewardModel(m), [r], { padId: PAD })[0]);
  const together = rewardScores(headRewardModel(m), rows, { padId: PAD });
  const inPairs = rewardScores(headRewardModel(m), rows, { padId: PAD, batchSize: 2 });
  rows.forEach((_, i) => {
    assert.ok(Math.abs(together[i] - alone[i]) < 1e-5, `row ${i}: ${together[i]} vs ${alone[i]}`);
    assert.ok(Math.abs(inPairs[i] - alone[i]) < 1e-5);
  });
  assert.ok(new Set(alone.map((x) => x.toFixed(5))).size === rows.length, 'different rows get different rewards');
  m.dispose();
});

test('scoreReplies: text replies score like their token rows with EOS', () => {
  const m = tinyRm(5);
  const viaText = scoreReplies(headRewardModel(m), charTokenizer, ['a?', 'b?'], ['x', 'yy']);
  const viaTokens = scoreReplies(headRewardModel(m), charTokenizer, ['a?', 'b?'], [[...charTokenizer.encode(' x'), EOS], [...charTokenizer.encode(' yy'), EOS]]);
  assert.deepEqual(viaText, viaTokens);
  assert.throws(() => scoreReplies(headRewardModel(m), charTokenizer, ['a?'], []), /1 questions but 0 replies/);
  m.dispose();
});

test('Bradley–Terry loss of a batch with equal rewards is ln 2', () => {
  const m = tinyRm(6);
  m.param(`heads.${REWARD_HEAD}.weight`).assign(tf.zeros([tiny.dModel, 1])); // every reward = the bias = 0
  const groups: RewardGroup[] = [
    { rows: [[1, 2], [3], [4, 5, 6]], pairs: [{ chosen: 0, rejected: 1 }, { chosen: 0, rejected: 2 }, { chosen: 2, rejected: 1 }] },
    { rows: [[7], [8, 9]], pairs: [{ chosen: 1, rejected: 0 }] },
  ];
  const batch = rewardBatch(groups, PAD);
  assert.deepEqual(batch.pairs.chosen, [0, 0, 2, 4]);
  assert.deepEqual(batch.pairs.rejected, [1, 2, 1, 3]);
  const loss = tf.tidy(() => rewardModelLoss(headRewardModel(m), tf.tensor2d(batch.tokens, undefined, 'int32'), batch).dataSync()[0]);
  assert.ok(Math.abs(loss - Math.LN2) < 1e-6, `${loss}`);
  m.dispose();
});

test('pairAccuracy counts right orders, ties as ½', () => {
  assert.equal(pairAccuracy([3, 1, 2, 2], { chosen: [0, 1, 2], rejected: [1, 0, 3] }), 0.5); // 1 + 0 + ½ of 3
  assert.ok(Number.isNaN(pairAccuracy([1], { chosen: [], rejected: [] })));
});

test('reward normalisation: gain and bias folded into the head give mean 0, std 1', () => {
  const n = fitRewardNormalization([1, 3]);
  assert.deepEqual([n.gain, n.bias, n.rawMean, n.rawStd], [1, -2, 2, 1]);
  assert.throws(() => fitRewardNormalization([2, 2]), /standard deviation 0/);
  const m = tinyRm(7);
  const rows = [[1, 2, 3], [4, 5], [6], [7, 8, 9, 10], [11, 2]];
  const raw = rewardScores(headRewardModel(m), rows, { padId: PAD });
  applyRewardNormalization(headRewardModel(m), fitRewardNormalization(raw));
  const z = rewardScores(headRewardModel(m), rows, { padId: PAD });
  const mean = z.reduce((s, x) => s + x, 0) / z.length;
  const std = Math.sqrt(z.reduce((s, x) => s + (x - mean) ** 2, 0) / z.length);
  assert.ok(Math.abs(mean) < 1e-5 && Math.abs(std - 1) < 1e-4, `mean ${mean}, std ${std}`);
  // The order of the rewards is unchanged (gain > 0).
  assert.deepEqual(z.map((_, i) => i).sort((a, b) => z[a] - z[b]), raw.map((_, i) => i).sort((a, b) => raw[a] - raw[b]));
  m.dispose();
});

test('a reward-model training step does not leak tensors', () => {
  const m = tinyRm(8);
  const opt = new Adam(m.params().values(), { learningRate: 1e-3 });
  const batch = rewardBatch([
    { rows: [[1, 2, 3], [1, 4], [1, 5, 6, 7]], pairs: [{ chosen: 0, rejected: 1 }, { chosen: 2, rejected: 1 }] },
    { rows: [[2, 3], [2, 9]], pairs: [{ chosen: 1, rejected: 0 }] },
  ], PAD);
  rewardModelStep(headRewardModel(m), opt, batch, { learningRate: 1e-3, gradClip: 1 }); // burn-in
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) rewardModelStep(headRewardModel(m), opt, batch, { learningRate: 1e-3, gradClip: 1 });
  rewardModelStep(headRewardModel(m), opt, batch, { learningRate: 1e-3, gradClip: 0 });
  assert.equal(tf.memory().numTensors, before);
  opt.dispose();
  m.dispose();
});

/**
 * A prompt of 3 tokens and K = 3 replies of 2–4 tokens (replies start at position 3); exactly one reply contains
 * the token 7 somewhere, and it is preferred to the other two.
 */
function tokenSevenGroup(rng: Rng): RewardGroup {
  const prompt = [1 + rng.int(6), 1 + rng.int(6), 13];
  const good = rng.int(3);
  const rows = [0, 1, 2].map((i) => {
    const reply = Array.from({ length: 2 + rng.int(3) }, () => 8 + rng.int(5)); // tokens 8..12
    if (i === good) reply[rng.int(reply.length)] = 7;
    return [...prompt, ...reply, EOS];
  });
  return { rows, pairs: [0, 1, 2].filter((i) => i !== good).map((i) => ({ chosen: good, rejected: i })), replyStart: 3 };
}

/**
 * Trains `rm` for 4 epochs on 256 token-7 groups (batches of 16, lr 3e-3) and measures pair accuracy on 64
 * held-out groups before and after; `last` is the last step's result.
 */
function trainOnTokenSeven(rm: RewardModel, rngSeed: number) {
  const rng = new Rng(rngSeed);
  const train = Array.from({ length: 256 }, () => tokenSevenGroup(rng));
  const heldOut = rewardBatch(Array.from({ length: 64 }, () => tokenSevenGroup(rng)), PAD);
  const accuracy = () => pairAccuracy(rewardScores(rm, heldOut.tokens.map((r, i) => r.slice(0, heldOut.lastIndex[i] + 1)),
    { padId: PAD, replyStarts: rm.form === 'lastTokenHead' ? undefined : heldOut.replyStart }), heldOut.pairs);
  const opt = new Adam(rm.model.params().values(), { learningRate: 3e-3 });
  const start = accuracy();
  let last = { loss: Infinity, accuracy: 0 };
  for (let epoch = 0; epoch < 4; epoch++) {
    for (let i = 0; i < train.length; i += 16) last = rewardModelStep(rm, opt, rewardBatch(train.slice(i, i + 16), PAD), { learningRate: 3e-3, gradClip: 1 });
  }
  const end = accuracy();
  opt.dispose();
  return { start, end, last };
}

test('a tiny reward model learns to prefer replies that contain token 7 (held-out pair accuracy → 1)', () => {
  const m = tinyRm(12);
  const { start, end, last } = trainOnTokenSeven(headRewardModel(m), 11);
  assert.ok(start < 0.8, `untrained accuracy ${start}`);
  assert.ok(end >= 0.97, `held-out accuracy after training ${end} (last batch loss ${last.loss})`);
  assert.ok(last.loss < 0.2, `last loss ${last.loss}`);
  m.dispose();
});

/** log π(row[t+1] | row[≤t]) for every t of one row, from one unbatched tokenLogprobs call. */
function rowTokenLogprobs(g: GPT, row: number[]): number[] {
  return tf.tidy(() => g.tokenLogprobs(tf.tensor2d([row], undefined, 'int32')).arraySync() as number[][])[0];
}

/** Σ log π(row[t] | row[<t]) over t = start..end of the row. */
function replyLogprob(g: GPT, row: number[], start: number): number {
  const lp = rowTokenLogprobs(g, row);
  let s = 0;
  for (let t = start; t < row.length; t++) s += lp[t - 1]; // entry t−1 scores token t
  return s;
}

/** A trainable copy of `m` and a frozen reference copy: the log-ratio reward model before training. */
function logRatioPair(seed: number, beta = 0.5) {
  const ref = new GPT(tiny, { seed, trainable: false });
  const model = new GPT(tiny, { seed });
  return { model, ref, rm: logRatioRewardModel(model, ref, beta) };
}

test('logRatio reward: 0 while the model equals its reference; β · Σ over reply tokens of the log-prob difference', () => {
  const { model, ref, rm } = logRatioPair(21, 0.5);
  const rows = [[1, 2, 3, 4, 5], [6, 7, 8]];
  const starts = [3, 1];
  assert.deepEqual(rewardScores(rm, rows, { padId: PAD, replyStarts: starts }).map((r) => Math.abs(r) < 1e-6), [true, true]);
  // Move the model away from the reference, then check the sum by hand from tokenLogprobs.
  tf.tidy(() => { for (const v of model.params().values()) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', 3))); });
  const byHand = rows.map((row, i) => 0.5 * (replyLogprob(model, row, starts[i]) - replyLogprob(ref, row, starts[i])));
  const got = rewardScores(rm, rows, { padId: PAD, replyStarts: starts });
  got.forEach((g, i) => assert.ok(Math.abs(g - byHand[i]) < 1e-5, `row ${i}: ${g} vs ${byHand[i]}`));
  assert.ok(Math.abs(got[0]) > 1e-4, 'the perturbed model gives a non-zero reward');
  // The same rewards alone, in a batch and after padding; the prompt's tokens (before replyStart) are not counted.
  const alone = rows.map((r, i) => rewardScores(rm, [r], { padId: PAD, replyStarts: [starts[i]] })[0]);
  alone.forEach((a, i) => assert.ok(Math.abs(a - got[i]) < 1e-5));
  assert.throws(() => rewardScores(rm, rows, { padId: PAD }), /needs each row's replyStart/);
  // Normalisation folds into scale and shift.
  applyRewardNormalization(rm, { gain: 2, bias: -1 });
  const z = rewardScores(rm, rows, { padId: PAD, replyStarts: starts });
  z.forEach((v, i) => assert.ok(Math.abs(v - (2 * got[i] - 1)) < 1e-5));
  model.dispose();
  ref.dispose();
});

test('logRatioRewardModel refuses a trainable reference, the model itself and a bad β', () => {
  const { model, ref } = logRatioPair(22);
  assert.throws(() => logRatioRewardModel(model, model, 0.1), /separate/);
  assert.throws(() => logRatioRewardModel(model, ref, 0), /beta/);
  assert.throws(() => logRatioRewardModel(model, new GPT(tiny, { seed: 1 }), 0.1), /frozen/);
  assert.throws(() => headRewardModel(model), /reward/);
  model.dispose();
  ref.dispose();
});

test('scoreReplies gives the logRatio reward the reply start of each question', () => {
  const { model, ref, rm } = logRatioPair(23);
  tf.tidy(() => { for (const v of model.params().values()) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', 4))); });
  const rows = [rewardRow(charTokenizer, 'a?', 'x'), rewardRow(charTokenizer, 'bb?', 'yy')];
  const viaRows = rewardScores(rm, rows, { padId: PAD, replyStarts: [replyStartOf(charTokenizer, 'a?'), replyStartOf(charTokenizer, 'bb?')] });
  const viaText = scoreReplies(rm, charTokenizer, ['a?', 'bb?'], ['x', 'yy']);
  viaText.forEach((v, i) => assert.ok(Math.abs(v - viaRows[i]) < 1e-6));
  model.dispose();
  ref.dispose();
});

/** Two prompts of one token each (replies start at 1), 5 replies, 3 pairs: a batch for the LM-head forms. */
const lmHeadBatch = () => rewardBatch([
  { rows: [[1, 2, 3], [1, 4], [1, 5, 6, 7]], pairs: [{ chosen: 0, rejected: 1 }, { chosen: 2, rejected: 1 }], replyStart: 1 },
  { rows: [[2, 3, 4], [2, 9]], pairs: [{ chosen: 1, rejected: 0 }], replyStart: 1 },
], PAD);

test('a logRatio reward-model training step does not leak tensors and leaves the reference unchanged', () => {
  const { model, ref, rm } = logRatioPair(24);
  const opt = new Adam(model.params().values(), { learningRate: 1e-3 });
  const batch = lmHeadBatch();
  const refBefore = ref.param('wte.weight').dataSync().slice();
  const first = rewardModelStep(rm, opt, batch, { learningRate: 1e-3, gradClip: 1 }); // burn-in
  assert.ok(Math.abs(first.loss - Math.LN2) < 1e-6, `equal rewards (model = reference) give ln 2, got ${first.loss}`);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) rewardModelStep(rm, opt, batch, { learningRate: 1e-3, gradClip: 1 });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(ref.param('wte.weight').dataSync(), refBefore);
  opt.dispose();
  model.dispose();
  ref.dispose();
});

test('a tiny logRatio reward model learns to prefer replies that contain token 7', () => {
  const { model, ref, rm } = logRatioPair(32, 1);
  const { end } = trainOnTokenSeven(rm, 31);
  assert.ok(end >= 0.95, `held-out accuracy after training ${end}`);
  model.dispose();
  ref.dispose();
});

test('logLikelihood reward: β · Σ over reply tokens of the model\'s log-probabilities, any batch, no reference', () => {
  const model = new GPT(tiny, { seed: 41 });
  const rm = logLikelihoodRewardModel(model, 0.5);
  assert.equal(rm.reference, null);
  const rows = [[1, 2, 3, 4, 5], [6, 7, 8]];
  const starts = [3, 1];
  const byHand = rows.map((row, i) => 0.5 * replyLogprob(model, row, starts[i]));
  const got = rewardScores(rm, rows, { padId: PAD, replyStarts: starts });
  got.forEach((g, i) => assert.ok(Math.abs(g - byHand[i]) < 1e-5, `row ${i}: ${g} vs ${byHand[i]}`));
  assert.ok(got.every((g) => g < 0), 'a sum of log-probabilities is negative');
  const alone = rows.map((r, i) => rewardScores(rm, [r], { padId: PAD, replyStarts: [starts[i]] })[0]);
  alone.forEach((a, i) => assert.ok(Math.abs(a - got[i]) < 1e-5));
  assert.throws(() => rewardScores(rm, rows, { padId: PAD }), /'logLikelihood' reward needs each row's replyStart/);
  applyRewardNormalization(rm, { gain: 2, bias: -1 });
  rewardScores(rm, rows, { padId: PAD, replyStarts: starts }).forEach((v, i) => assert.ok(Math.abs(v - (2 * got[i] - 1)) < 1e-5));
  assert.throws(() => logLikelihoodRewardModel(model, 0), /beta/);
  model.dispose();
});

test('tokenRewards: the reward per reply token, summing to the reply\'s reward, in every form', () => {
  // Rollout rows as packRollout lays them out: row 0 is prompt [1, 2, 3] + reply [4, 5]; row 1 prompt [6] + reply
  // [7, 8] then padding. Mask entry t scores token t+1.
  const rows = [[1, 2, 3, 4, 5], [6, 7, 8]];
  const starts = [3, 1];
  const tokens = [[1, 2, 3, 4, 5], [6, 7, 8, PAD, PAD]];
  const mask = [[0, 0, 1, 1], [1, 1, 0, 0]];
  const sums = (x: number[][]) => x.map((r) => r.reduce((a, b) => a + b, 0));
  const close = (a: number[], b: number[], what: string) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `${what} row ${i}: ${v} vs ${b[i]}`));

  // logLikelihood, normalised (scale 2·0.5, shift −1): scale · log π of each reply token, the shift on the last.
  const model = new GPT(tiny, { seed: 43 });
  const ll = logLikelihoodRewardModel(model, 0.5);
  applyRewardNormalization(ll, { gain: 2, bias: -1 });
  const perToken = tokenRewards(ll, tokens, mask);
  const lp = rows.map((row) => rowTokenLogprobs(model, row));
  close(perToken[0], [0, 0, lp[0][2], lp[0][3] - 1], 'logLikelihood by hand');
  close(perToken[1], [lp[1][0], lp[1][1] - 1, 0, 0], 'logLikelihood by hand');
  close(sums(perToken), rewardScores(ll, rows, { padId: PAD, replyStarts: starts }), 'logLikelihood sums');

  // logRatio: the same with the reference's log-probabilities subtracted.
  const pair = logRatioPair(44);
  tf.tidy(() => { for (const v of pair.model.params().values()) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', 4))); });
  const ratio = tokenRewards(pair.rm, tokens, mask);
  close(sums(ratio), rewardScores(pair.rm, rows, { padId: PAD, replyStarts: starts }), 'logRatio sums');
  assert.ok(ratio.every((r, b) => r.every((v, t) => mask[b][t] === 1 || v === 0)), 'nothing off the mask');

  // lastTokenHead: the whole reward on the last reply token.
  const head = headRewardModel(tinyRm(45));
  const whole = rewardScores(head, rows, { padId: PAD });
  const onLast = tokenRewards(head, tokens, mask);
  close(onLast.map((r) => r[mask[0].length - 1]), [whole[0], 0], 'head, last entry');
  close(onLast.map((r) => r[1]), [0, whole[1]], 'head, entry 1');
  close(sums(onLast), whole, 'head sums');

  const before = tf.memory().numTensors;
  for (const rm of [ll, pair.rm, head]) tokenRewards(rm, tokens, mask);
  assert.equal(tf.memory().numTensors, before, 'tokenRewards leaves no tensor behind');
  assert.throws(() => tokenRewards(ll, tokens, [[0, 1, 0, 1], [1, 1, 0, 0]]), /mask\[0\] is not one run of reply tokens/);
  assert.throws(() => tokenRewards(ll, tokens, [[0, 0, 0, 0], [1, 1, 0, 0]]), /mask\[0\] has no reply token/);
  assert.throws(() => tokenRewards(ll, tokens, [[0, 0, 1, 1]]), /2 token rows but 1 mask rows/);
  assert.throws(() => tokenRewards(ll, [new Array(13).fill(1)], [new Array(12).fill(1)]), /13 tokens exceed the model's context of 12/);
  for (const m of [model, pair.model, pair.ref, head.model]) m.dispose();
});

/** One burn-in training step of `rm` on lmHeadBatch, then three more: the tensor count must not grow. */
function assertStepDoesNotLeak(rm: RewardModel): void {
  const opt = new Adam(rm.model.params().values(), { learningRate: 1e-3 });
  const batch = lmHeadBatch();
  const first = rewardModelStep(rm, opt, batch, { learningRate: 1e-3, gradClip: 1 }); // burn-in
  assert.ok(Number.isFinite(first.loss) && first.gradNorm > 0);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) rewardModelStep(rm, opt, batch, { learningRate: 1e-3, gradClip: 1 });
  assert.equal(tf.memory().numTensors, before);
  opt.dispose();
}

test('a logLikelihood reward-model training step does not leak tensors', () => {
  const model = new GPT(tiny, { seed: 42 });
  assertStepDoesNotLeak(logLikelihoodRewardModel(model, 0.1));
  model.dispose();
});

test('a tiny logLikelihood reward model learns to prefer replies that contain token 7', () => {
  const model = new GPT(tiny, { seed: 34 });
  const { end } = trainOnTokenSeven(logLikelihoodRewardModel(model, 1), 33);
  assert.ok(end >= 0.95, `held-out accuracy after training ${end}`);
  model.dispose();
});

test('validateRewardModelConfig names the bad field', () => {
  assert.equal(validateRewardModelConfig({ ...defaultRewardModelConfig }).form, 'weightedLogLikelihood');
  assert.throws(() => validateRewardModelConfig({ ...defaultRewardModelConfig, epochs: 0 }), /RewardModelConfig\.epochs/);
  assert.throws(() => validateRewardModelConfig({ ...defaultRewardModelConfig, heldOutFraction: 1 }), /heldOutFraction/);
  assert.throws(() => validateRewardModelConfig({ ...defaultRewardModelConfig, learningRate: -1 }), /learningRate/);
  assert.throws(() => validateRewardModelConfig({ ...defaultRewardModelConfig, form: 'scalar' as never }), /RewardModelConfig\.form/);
  assert.throws(() => validateRewardModelConfig({ ...defaultRewardModelConfig, logProbBeta: 0 }), /logProbBeta/);
});

test('the logRatio loss is DPO\'s: −log σ(β · [Δ(y_w) − Δ(y_l)]), Δ = Σ log π − Σ log π_ref over the reply, by hand', () => {
  const beta = 0.5;
  const { model, ref, rm } = logRatioPair(25, beta);
  tf.tidy(() => { for (const v of model.params().values()) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', 5))); });
  // One prompt (token 1), two replies; the labelers preferred the second.
  const rows = [[1, 2, 3], [1, 4, 5, 6]];
  const batch = rewardBatch([{ rows, pairs: [{ chosen: 1, rejected: 0 }], replyStart: 1 }], PAD);
  const delta = (i: number) => replyLogprob(model, rows[i], 1) - replyLogprob(ref, rows[i], 1);
  const byHand = Math.log1p(Math.exp(-beta * (delta(1) - delta(0)))); // −log σ(x) = log(1 + e^(−x))
  const loss = tf.tidy(() => rewardModelLoss(rm, tf.tensor2d(batch.tokens, undefined, 'int32'), batch).dataSync()[0]);
  assert.ok(Math.abs(loss - byHand) < 1e-5, `${loss} vs ${byHand}`);
  assert.ok(Math.abs(loss - Math.LN2) > 1e-3, 'the perturbed model is not at ln 2');
  model.dispose();
  ref.dispose();
});

test('weightedLogLikelihood reward: zero heads give the logLikelihood reward; set heads weigh and shift each reply token, by hand', () => {
  const model = new GPT(tiny, { seed: 51 });
  const rm = weightedLogLikelihoodRewardModel(model, 0.5);
  assert.deepEqual(model.headNames().sort(), [TOKEN_BONUS_HEAD, TOKEN_WEIGHT_HEAD].sort());
  const rows = [[1, 2, 3, 4, 5], [6, 7, 8]];
  const starts = [3, 1];
  const plain = rows.map((row, i) => 0.5 * replyLogprob(model, row, starts[i]));
  const atStart = rewardScores(rm, rows, { padId: PAD, replyStarts: starts });
  atStart.forEach((g, i) => assert.ok(Math.abs(g - plain[i]) < 1e-5, `zero heads, row ${i}: ${g} vs ${plain[i]}`));
  // Weight head bias ln 2 / gain → every token weighs 2; bonus head bias 0.05 → +0.5 per reply token (gain 10).
  model.param(`heads.${TOKEN_WEIGHT_HEAD}.bias`).assign(tf.tensor1d([Math.log(2) / TOKEN_HEAD_GAIN]));
  model.param(`heads.${TOKEN_BONUS_HEAD}.bias`).assign(tf.tensor1d([0.5 / TOKEN_HEAD_GAIN]));
  const byHand = rows.map((row, i) => 0.5 * (2 * replyLogprob(model, row, starts[i]) + 0.5 * (row.length - starts[i])));
  const got = rewardScores(rm, rows, { padId: PAD, replyStarts: starts });
  got.forEach((g, i) => assert.ok(Math.abs(g - byHand[i]) < 1e-4, `row ${i}: ${g} vs ${byHand[i]}`));
  // Per-token rewards sum to the reply's reward; normalisation folds into scale and shift.
  applyRewardNormalization(rm, { gain: 2, bias: -1 });
  const tokens = [[1, 2, 3, 4, 5], [6, 7, 8, PAD, PAD]];
  const mask = [[0, 0, 1, 1], [1, 1, 0, 0]];
  const perToken = tokenRewards(rm, tokens, mask);
  perToken.map((r) => r.reduce((a, b) => a + b, 0)).forEach((v, i) => assert.ok(Math.abs(v - (2 * got[i] - 1)) < 1e-4, `token sum row ${i}: ${v}`));
  // A model that already has the heads (a loaded RM) keeps them.
  weightedLogLikelihoodRewardModel(model, 1);
  assert.equal(model.param(`heads.${TOKEN_BONUS_HEAD}.bias`).dataSync()[0], Math.fround(0.5 / TOKEN_HEAD_GAIN));
  assert.throws(() => weightedLogLikelihoodRewardModel(model, Number.NaN), /beta/);
  model.dispose();
});

test('a weightedLogLikelihood reward-model training step does not leak tensors and trains the token heads', () => {
  const model = new GPT(tiny, { seed: 52 });
  assertStepDoesNotLeak(weightedLogLikelihoodRewardModel(model, 0.1));
  for (const h of [TOKEN_WEIGHT_HEAD, TOKEN_BONUS_HEAD]) {
    assert.ok(Array.from(model.param(`heads.${h}.weight`).dataSync()).some((v) => v !== 0), `${h} moved from zero`);
  }
  model.dispose();
});

test('a tiny weightedLogLikelihood reward model learns to prefer replies that contain token 7', () => {
  const model = new GPT(tiny, { seed: 34 });
  const { end } = trainOnTokenSeven(weightedLogLikelihoodRewardModel(model, 1), 33);
  assert.ok(end >= 0.95, `held-out accuracy after training ${end}`);
  model.dispose();
});
