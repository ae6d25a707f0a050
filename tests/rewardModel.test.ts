import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine';
import { GPT, GPTConfig } from '../lib/gpt';
import { Adam } from '../lib/adam';
import { Rng } from '../lib/rng';
import { chatPrompt, chatReply } from '../lib/chat';
import {
  REWARD_HEAD,
  applyRewardNormalization,
  defaultRewardModelConfig,
  fitRewardNormalization,
  packRewardRows,
  pairAccuracy,
  rewardBatch,
  rewardForward,
  rewardModelLoss,
  rewardModelStep,
  rewardRow,
  rewardScores,
  scoreReplies,
  validateRewardModelConfig,
  type RewardGroup,
} from '../lib/rewardModel';

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
});

test('the reward is read at the last real token: the head on that position of the unpadded row', () => {
  const m = tinyRm(3);
  const row = [1, 2, 3, 4];
  const expected = tf.tidy(() => m.head(REWARD_HEAD, m.hidden(tf.tensor2d([row], undefined, 'int32'))).arraySync() as number[][])[0][3];
  const got = tf.tidy(() => rewardForward(m, tf.tensor2d([[...row, PAD, PAD]], undefined, 'int32'), [3]).arraySync() as number[]);
  assert.ok(Math.abs(got[0] - expected) < 1e-5, `${got[0]} vs ${expected}`);
  // A different token AT the last position changes the reward; different padding AFTER it does not.
  const [same, changed] = tf.tidy(() => rewardForward(m, tf.tensor2d([[1, 2, 3, 4, 9, 9], [1, 2, 3, 5, PAD, PAD]], undefined, 'int32'), [3, 3]).arraySync() as number[]);
  assert.ok(Math.abs(same - expected) < 1e-5);
  assert.ok(Math.abs(changed - expected) > 1e-4);
  assert.throws(() => rewardForward(m, tf.zeros([1, 3], 'int32') as tf.Tensor2D, [3]), /lastIndex\[0\] = 3/);
  m.dispose();
});

test('padding does not change a row\'s reward: alone or batched with longer rows, in any batch size', () => {
  const m = tinyRm(4);
  const rows = [[1, 2], [3, 4, 5, 6, 7, 8, 9], [2, 2, 2, 1], [7]];
  const alone = rows.map((r) => rewardScores(m, [r], { padId: PAD })[0]);
  const together = rewardScores(m, rows, { padId: PAD });
  const inPairs = rewardScores(m, rows, { padId: PAD, batchSize: 2 });
  rows.forEach((_, i) => {
    assert.ok(Math.abs(together[i] - alone[i]) < 1e-5, `row ${i}: ${together[i]} vs ${alone[i]}`);
    assert.ok(Math.abs(inPairs[i] - alone[i]) < 1e-5);
  });
  assert.ok(new Set(alone.map((x) => x.toFixed(5))).size === rows.length, 'different rows get different rewards');
  m.dispose();
});

test('scoreReplies: text replies score like their token rows with EOS', () => {
  const m = tinyRm(5);
  const viaText = scoreReplies(m, charTokenizer, ['a?', 'b?'], ['x', 'yy']);
  const viaTokens = scoreReplies(m, charTokenizer, ['a?', 'b?'], [[...charTokenizer.encode(' x'), EOS], [...charTokenizer.encode(' yy'), EOS]]);
  assert.deepEqual(viaText, viaTokens);
  assert.throws(() => scoreReplies(m, charTokenizer, ['a?'], []), /1 questions but 0 replies/);
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
  const loss = tf.tidy(() => rewardModelLoss(m, tf.tensor2d(batch.tokens, undefined, 'int32'), batch).dataSync()[0]);
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
  const raw = rewardScores(m, rows, { padId: PAD });
  applyRewardNormalization(m, fitRewardNormalization(raw));
  const z = rewardScores(m, rows, { padId: PAD });
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
  rewardModelStep(m, opt, batch, { learningRate: 1e-3, gradClip: 1 }); // burn-in
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) rewardModelStep(m, opt, batch, { learningRate: 1e-3, gradClip: 1 });
  rewardModelStep(m, opt, batch, { learningRate: 1e-3, gradClip: 0 });
  assert.equal(tf.memory().numTensors, before);
  opt.dispose();
  m.dispose();
});

test('a tiny reward model learns to prefer replies that contain token 7 (held-out pair accuracy → 1)', () => {
  const rng = new Rng(11);
  /** A prompt of 3 tokens and K = 3 replies of 2–4 tokens; exactly one reply contains the token 7 somewhere. */
  const makeGroup = (): RewardGroup => {
    const prompt = [1 + rng.int(6), 1 + rng.int(6), 13];
    const good = rng.int(3);
    const rows = [0, 1, 2].map((i) => {
      const reply = Array.from({ length: 2 + rng.int(3) }, () => 8 + rng.int(5)); // tokens 8..12
      if (i === good) reply[rng.int(reply.length)] = 7;
      return [...prompt, ...reply, EOS];
    });
    const pairs = [0, 1, 2].filter((i) => i !== good).map((i) => ({ chosen: good, rejected: i }));
    return { rows, pairs };
  };
  const train = Array.from({ length: 256 }, makeGroup);
  const heldOut = Array.from({ length: 64 }, makeGroup);
  const m = tinyRm(12);
  const opt = new Adam(m.params().values(), { learningRate: 3e-3 });
  const accuracyOn = (groups: RewardGroup[]) => {
    const b = rewardBatch(groups, PAD);
    return pairAccuracy(rewardScores(m, b.tokens.map((r, i) => r.slice(0, b.lastIndex[i] + 1)), { padId: PAD }), b.pairs);
  };
  const start = accuracyOn(heldOut);
  let last = { loss: Infinity, accuracy: 0 };
  for (let epoch = 0; epoch < 4; epoch++) {
    for (let i = 0; i < train.length; i += 16) last = rewardModelStep(m, opt, rewardBatch(train.slice(i, i + 16), PAD), { learningRate: 3e-3, gradClip: 1 });
  }
  const end = accuracyOn(heldOut);
  assert.ok(start < 0.8, `untrained accuracy ${start}`);
  assert.ok(end >= 0.97, `held-out accuracy after training ${end} (last batch loss ${last.loss})`);
  assert.ok(last.loss < 0.2, `last loss ${last.loss}`);
  opt.dispose();
  m.dispose();
});

test('validateRewardModelConfig names the bad field', () => {
  assert.equal(validateRewardModelConfig({ ...defaultRewardModelConfig }).learningRate, 3e-4);
  assert.throws(() => validateRewardModelConfig({ ...defaultRewardModelConfig, epochs: 0 }), /RewardModelConfig\.epochs/);
  assert.throws(() => validateRewardModelConfig({ ...defaultRewardModelConfig, heldOutFraction: 1 }), /heldOutFraction/);
  assert.throws(() => validateRewardModelConfig({ ...defaultRewardModelConfig, learningRate: -1 }), /learningRate/);
});
