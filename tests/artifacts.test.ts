import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { GPT, GPTConfig } from '../lib/model/gpt';
import { makeVocab } from '../lib/model/tokenizer';
import { hasStage, loadModel, loadRewardModel, requireStage, saveModel } from '../lib/io/artifacts';
import { applyRewardNormalization } from '../lib/reward/normalization';
import { REWARD_HEAD, headRewardModel, logLikelihoodRewardModel, logRatioRewardModel, rewardModelMeta, TOKEN_BONUS_HEAD, TOKEN_WEIGHT_HEAD, weightedLogLikelihoodRewardModel } from '../lib/reward/rewardModel';
import { rewardScores } from '../lib/reward/scoring';

before(async () => {
  await initEngine({ quiet: true });
});

const tiny: GPTConfig = { vocabSize: 258, contextLength: 8, dModel: 8, nLayers: 1, nHeads: 2, dropout: 0 };
const PAD = 257;

/** A temp folder with a tiny vocabulary file; `done` removes it. */
function workspace() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artifacts-'));
  const vocab = path.join(dir, 'vocab-src.json');
  fs.writeFileSync(vocab, JSON.stringify(makeVocab([])));
  return { dir, vocab, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test("loadRewardModel: a saved 'logRatio' reward model scores as before saving, against its own reference only", () => {
  const w = workspace();
  const sft = new GPT(tiny, { seed: 1 });
  const sftInfo = saveModel(path.join(w.dir, 'sft'), sft, { tokenizerFile: w.vocab, stage: 'sft', seed: 1 });
  const ref = loadModel(path.join(w.dir, 'sft'), { trainable: false });
  const trained = new GPT(tiny, { seed: 1 });
  tf.tidy(() => { for (const v of trained.params().values()) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', 5))); });
  const rm = logRatioRewardModel(trained, ref.model, 0.1);
  applyRewardNormalization(rm, { gain: 3, bias: 0.5 });
  const rows = [[1, 2, 3, 4], [5, 6, 7]];
  const before = rewardScores(rm, rows, { padId: PAD, replyStarts: [2, 1] });
  saveModel(path.join(w.dir, 'rm'), trained, { tokenizerFile: w.vocab, stage: 'rm', seed: 1,
    metrics: { reward: rewardModelMeta(rm, { stage: path.join(w.dir, 'sft'), sha256: sftInfo.weights.sha256 }) } });

  for (const loaded of [loadRewardModel(path.join(w.dir, 'rm'), { reference: ref }), loadRewardModel(path.join(w.dir, 'rm'))]) {
    assert.equal(loaded.reward.form, 'logRatio');
    const after = rewardScores(loaded.reward, rows, { padId: PAD, replyStarts: [2, 1] });
    after.forEach((a, i) => assert.ok(Math.abs(a - before[i]) < 1e-5, `${a} vs ${before[i]}`));
    assert.equal(loaded.model.params().get('wte.weight')!.trainable, false, 'loaded frozen');
  }

  // A different SFT checkpoint as the reference is refused, naming both checksums.
  const other = new GPT(tiny, { seed: 2 });
  saveModel(path.join(w.dir, 'sft2'), other, { tokenizerFile: w.vocab, stage: 'sft', seed: 2 });
  assert.throws(() => loadRewardModel(path.join(w.dir, 'rm'), { reference: loadModel(path.join(w.dir, 'sft2'), { trainable: false }) }), /was trained against the reference with weights [0-9a-f]{12}…, but .*sft2 has/);
  // A checkpoint that is not a reward model says so.
  assert.throws(() => loadRewardModel(path.join(w.dir, 'sft')), /not a reward model/);
  assert.throws(() => rewardModelMeta(rm), /must name its reference/);
  w.done();
});

test("loadRewardModel: a 'lastTokenHead' reward model keeps its normalised head", () => {
  const w = workspace();
  const m = new GPT(tiny, { seed: 3 });
  m.addHead(REWARD_HEAD, { seed: 3 });
  const rm = headRewardModel(m);
  applyRewardNormalization(rm, { gain: 2, bias: -1 });
  const rows = [[1, 2, 3], [4, 5]];
  const before = rewardScores(rm, rows, { padId: PAD });
  saveModel(path.join(w.dir, 'rm'), m, { tokenizerFile: w.vocab, stage: 'rm', seed: 3, metrics: { reward: rewardModelMeta(rm) } });
  const loaded = loadRewardModel(path.join(w.dir, 'rm'));
  assert.equal(loaded.reward.form, 'lastTokenHead');
  assert.deepEqual(rewardScores(loaded.reward, rows, { padId: PAD }).map((x) => x.toFixed(5)), before.map((x) => x.toFixed(5)));
  w.done();
});

test("loadRewardModel: a 'logLikelihood' reward model keeps its scale and shift and needs no reference", () => {
  const w = workspace();
  const m = new GPT(tiny, { seed: 4 });
  const rm = logLikelihoodRewardModel(m, 0.1);
  applyRewardNormalization(rm, { gain: 3, bias: 0.5 });
  const rows = [[1, 2, 3, 4], [5, 6, 7]];
  const before = rewardScores(rm, rows, { padId: PAD, replyStarts: [2, 1] });
  saveModel(path.join(w.dir, 'rm'), m, { tokenizerFile: w.vocab, stage: 'rm', seed: 4, metrics: { reward: rewardModelMeta(rm) } });
  const loaded = loadRewardModel(path.join(w.dir, 'rm'));
  assert.equal(loaded.reward.form, 'logLikelihood');
  assert.equal(loaded.reward.reference, null);
  const after = rewardScores(loaded.reward, rows, { padId: PAD, replyStarts: [2, 1] });
  after.forEach((a, i) => assert.ok(Math.abs(a - before[i]) < 1e-5, `${a} vs ${before[i]}`));
  w.done();
});

test("loadRewardModel: a 'weightedLogLikelihood' reward model keeps its token heads, scale and shift", () => {
  const w = workspace();
  const m = new GPT(tiny, { seed: 5 });
  const rm = weightedLogLikelihoodRewardModel(m, 0.1);
  tf.tidy(() => { for (const h of [TOKEN_WEIGHT_HEAD, TOKEN_BONUS_HEAD]) m.param(`heads.${h}.weight`).assign(tf.randomNormal([tiny.dModel, 1], 0, 0.05, 'float32', 5)); });
  applyRewardNormalization(rm, { gain: 3, bias: 0.5 });
  const rows = [[1, 2, 3, 4], [5, 6, 7]];
  const before = rewardScores(rm, rows, { padId: PAD, replyStarts: [2, 1] });
  saveModel(path.join(w.dir, 'rm'), m, { tokenizerFile: w.vocab, stage: 'rm', seed: 5, metrics: { reward: rewardModelMeta(rm) } });
  const loaded = loadRewardModel(path.join(w.dir, 'rm'));
  assert.equal(loaded.reward.form, 'weightedLogLikelihood');
  const after = rewardScores(loaded.reward, rows, { padId: PAD, replyStarts: [2, 1] });
  after.forEach((a, i) => assert.ok(Math.abs(a - before[i]) < 1e-5, `${a} vs ${before[i]}`));
  // The same weights saved as a plain model, with the form claimed in metrics: the heads are missing, and named.
  const plain = new GPT(tiny, { seed: 5 });
  saveModel(path.join(w.dir, 'bad'), plain, { tokenizerFile: w.vocab, stage: 'rm', seed: 5, metrics: { reward: { form: 'weightedLogLikelihood', scale: 1, shift: 0 } } });
  assert.throws(() => loadRewardModel(path.join(w.dir, 'bad')), /must carry the heads tokenWeight and tokenBonus; its checkpoint has none/);
  w.done();
});

test('hasStage and requireStage agree: a stage exists once its folder in the run folder holds the file', () => {
  const w = workspace();
  const saved = process.env.RLHF_RUN_DIR;
  process.env.RLHF_RUN_DIR = w.dir;
  try {
    assert.equal(hasStage('ppo'), false);
    assert.throws(() => requireStage('ppo'), /stage "ppo" has not been run yet .*run notebooks\/04_ppo\.ipynb first/);
    saveModel(path.join(w.dir, 'ppo'), new GPT(tiny, { seed: 1 }), { tokenizerFile: w.vocab, stage: 'ppo', seed: 1 });
    assert.equal(hasStage('ppo'), true);
    assert.equal(requireStage('ppo'), path.join(w.dir, 'ppo'));
    assert.equal(hasStage('ppo', 'log.jsonl'), false);
  } finally {
    if (saved === undefined) delete process.env.RLHF_RUN_DIR; else process.env.RLHF_RUN_DIR = saved;
    w.done();
  }
});
