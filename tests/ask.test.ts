import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { GPT, GPTConfig } from '../lib/model/gpt';
import { makeVocab, Tokenizer } from '../lib/model/tokenizer';
import { loadModel, saveModel } from '../lib/io/artifacts';
import { applyRewardNormalization, headRewardModel, REWARD_HEAD, rewardModelMeta, rewardScores } from '../lib/reward';
import { ask, askModels, factForQuestion } from '../lib/io/ask';
import { loadFacts } from '../lib/world/facts';
import { chatPrompt } from '../lib/model/chat';
import { generate } from '../lib/model/sampling';
import { replyText } from '../lib/eval/evaluate';
import { judge } from '../lib/world/judge';

const facts = loadFacts();
const idOf = (q: string) => factForQuestion(q, facts)?.id ?? null;

test('factForQuestion: the subject named in the question, of the kind it asks for, longest name first', () => {
  assert.equal(idOf('What is the capital of Peru?'), 'capital:PE');
  assert.equal(idOf("What's Peru's capital?"), 'capital:PE');
  assert.equal(idOf('what is the CAPITAL of peru'), 'capital:PE');
  assert.equal(idOf('What is the chemical symbol for iron?'), 'symbol:Fe');
  assert.equal(idOf('Which element symbol belongs to Iron?'), 'symbol:Fe');
  assert.equal(idOf('What is the capital of Niger?'), 'capital:NE');
  assert.equal(idOf('What is the capital of Nigeria?'), 'capital:NG');
  assert.equal(idOf('What is the capital of Papua New Guinea?'), 'capital:PG');
  assert.equal(idOf('What is the capital of Guinea?'), 'capital:GN');
  assert.equal(idOf('What is the capital of the United States?'), 'capital:US');
  // No kind asked, or no subject of that kind: no fact.
  assert.equal(idOf('Where is Peru?'), null);
  assert.equal(idOf('Tell me a joke.'), null);
  assert.equal(idOf('What is the chemical symbol for Peru?'), null);
  assert.equal(idOf('What is the capital of iron?'), null);
});

// A tiny run folder: base (its own pre-training), SFT, PPO and a reward model; no DPO.
const tiny: GPTConfig = { vocabSize: 258, contextLength: 64, dModel: 16, nLayers: 1, nHeads: 2, dropout: 0 };
const question = 'What is the capital of Peru?';
let dir = '';
let savedEnv: string | undefined;
let sft: GPT;
let rmModel: GPT;
let tokenizer: Tokenizer;

/** A copy of `m` with every weight moved by noise of `std` (seeded). */
function perturbed(m: GPT, std: number, seed: number): GPT {
  const c = m.copy();
  tf.tidy(() => { for (const v of c.params().values()) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, std, 'float32', seed))); });
  return c;
}

before(async () => {
  await initEngine({ quiet: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ask-'));
  savedEnv = process.env.RLHF_RUN_DIR;
  process.env.RLHF_RUN_DIR = dir;
  const vocab = path.join(dir, 'vocab-src.json');
  fs.writeFileSync(vocab, JSON.stringify(makeVocab([])));
  tokenizer = Tokenizer.load(vocab);
  const base = new GPT(tiny, { seed: 1 });
  saveModel(path.join(dir, 'pretrain'), base, { tokenizerFile: vocab, stage: 'pretrain', seed: 1 });
  sft = perturbed(base, 0.3, 2);
  saveModel(path.join(dir, 'sft'), sft, { tokenizerFile: vocab, stage: 'sft', seed: 1 });
  const ppo = perturbed(sft, 0.3, 3);
  ppo.addHead('value', { seed: 3 });
  saveModel(path.join(dir, 'ppo'), ppo, { tokenizerFile: vocab, stage: 'ppo', seed: 1 });
  rmModel = sft.copy();
  rmModel.addHead(REWARD_HEAD, { seed: 4 });
  const rm = headRewardModel(rmModel);
  applyRewardNormalization(rm, { gain: 2, bias: -1 });
  saveModel(path.join(dir, 'rm'), rmModel, { tokenizerFile: vocab, stage: 'rm', seed: 1, metrics: { reward: rewardModelMeta(rm) } });
  base.dispose();
  ppo.dispose();
});

after(() => {
  if (savedEnv === undefined) delete process.env.RLHF_RUN_DIR;
  else process.env.RLHF_RUN_DIR = savedEnv;
  sft.dispose();
  rmModel.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('askModels: every model of the run folder, its samples and greedy reply, each with gold, RM score and KL to SFT', () => {
  const before = tf.memory().numTensors;
  const r = askModels(question, { samples: 2, maxNewTokens: 6 });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks: every loaded model is disposed');
  assert.equal(r.fact?.id, 'capital:PE');
  assert.deepEqual(r.rows.map((x) => `${x.model}/${x.draw}`), [
    'base/sample 1', 'base/sample 2', 'base/greedy', 'SFT/sample 1', 'SFT/sample 2', 'SFT/greedy', 'PPO/sample 1', 'PPO/sample 2', 'PPO/greedy',
  ], 'base, SFT and PPO in pipeline order; DPO is not in the run folder');

  // SFT's greedy reply is the greedy reply of the SFT model saved.
  const prompt = tokenizer.encode(chatPrompt(question));
  const greedy = generate(sft, [prompt], tokenizer.eosId, { greedy: true, maxNewTokens: 6 });
  const sftGreedy = r.rows.find((x) => x.model === 'SFT' && x.draw === 'greedy')!;
  assert.equal(sftGreedy.reply, replyText(tokenizer, greedy.responses[0]));
  // Its RM score is the saved reward model's score of those tokens (the normalisation is folded into rmModel's head).
  const rm = headRewardModel(rmModel);
  const [score] = rewardScores(rm, [prompt.concat(greedy.responses[0])], { padId: tokenizer.padId, replyStarts: [prompt.length] });
  assert.ok(Math.abs(sftGreedy.rmScore! - score) < 1e-5, `${sftGreedy.rmScore} vs ${score}`);

  for (const row of r.rows) {
    assert.equal(row.goldLikert, judge(question, row.reply, r.fact!).likert, 'gold judges the reply against the capital of Peru');
    assert.ok(row.goldLikert! >= 1 && row.goldLikert! <= 7);
    assert.ok(Number.isFinite(row.rmScore!));
    assert.ok(Number.isFinite(row.klToSft!));
    // SFT against itself: log π − log π_SFT is exactly 0; PPO's and base's weights differ, so their replies' log-ratios do not vanish.
    if (row.model === 'SFT') assert.equal(row.klToSft, 0);
    else assert.notEqual(row.klToSft, 0);
  }
  assert.deepEqual(r.notes, []);

  // Seeded: the same seed gives the same replies; another seed other samples but the same greedy replies.
  const again = askModels(question, { samples: 2, maxNewTokens: 6 });
  assert.deepEqual(again.rows, r.rows);
  const other = askModels(question, { samples: 2, maxNewTokens: 6, seed: 5 });
  assert.notDeepEqual(other.rows.filter((x) => x.draw !== 'greedy').map((x) => x.reply), r.rows.filter((x) => x.draw !== 'greedy').map((x) => x.reply));
  assert.deepEqual(other.rows.filter((x) => x.draw === 'greedy'), r.rows.filter((x) => x.draw === 'greedy'));
});

test('ask, askModels: no gold for a question outside the quiz, no RM score without a reward model, and says why', () => {
  const r = askModels('Tell me a joke.', { samples: 1, maxNewTokens: 4 });
  assert.equal(r.fact, null);
  assert.ok(r.rows.length === 6 && r.rows.every((x) => x.goldLikert === null && x.rmScore !== null));
  assert.match(r.notes.join('\n'), /no gold: not a quiz question/);

  fs.renameSync(path.join(dir, 'rm'), path.join(dir, 'rm-away'));
  try {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
    let noRm;
    try {
      const shown = ask(question, { samples: 1, maxNewTokens: 4 });
      lines.push(shown.caption);
      noRm = askModels(question, { samples: 1, maxNewTokens: 4 });
    } finally {
      console.log = log;
    }
    assert.ok(noRm.rows.every((x) => x.rmScore === null && x.goldLikert !== null));
    // Without a reward model of its own, the run folder falls back to the one shipped in data/rm, which was made from
    // another SFT model than this folder's: it is refused, and the note says why (without data/rm: "has no reward model").
    assert.match(lines.join('\n'), /no RM score: (the run folder has no reward model \(notebook 03\)|data\/rm was made from a different sft model)/);
    assert.match(lines.join('\n'), /What is the capital of Peru\? \(gold judges against: the capital of Peru is Lima\)/, 'the table is shown with its caption');
  } finally {
    fs.renameSync(path.join(dir, 'rm-away'), path.join(dir, 'rm'));
  }
  assert.throws(() => askModels('  '), /question is empty/);
  assert.throws(() => ask(question, { samples: -1 }), /samples must be an integer/);
});

test('askModels: a model made from an input that has been replaced since is not asked, with a note; the others are', () => {
  const ppoDir = path.join(dir, 'ppo');
  const savedPpo = path.join(dir, 'ppo-saved');
  fs.cpSync(ppoDir, savedPpo, { recursive: true });
  try {
    const ppo = loadModel('ppo', { trainable: false }); // DPO below records this ppo as its input
    const dpo = perturbed(sft, 0.3, 6);
    saveModel(path.join(dir, 'dpo'), dpo, { tokenizerFile: path.join(dir, 'vocab-src.json'), stage: 'dpo', seed: 1 });
    dpo.dispose();
    ppo.model.dispose();
    const other = perturbed(sft, 0.3, 7); // ppo/ replaced, as a named run's own PPO stands beside the upstream's DPO
    other.addHead('value', { seed: 7 });
    saveModel(ppoDir, other, { tokenizerFile: path.join(dir, 'vocab-src.json'), stage: 'ppo', seed: 1 });
    other.dispose();
    const r = askModels(question, { samples: 1, maxNewTokens: 4 });
    assert.ok(r.rows.some((x) => x.model === 'PPO'), 'the new PPO is asked');
    assert.ok(!r.rows.some((x) => x.model === 'DPO'), 'the DPO made from the old PPO is not');
    assert.match(r.notes.join('\n'), /DPO not asked: .*made from a different ppo model/);
  } finally {
    fs.rmSync(path.join(dir, 'dpo'), { recursive: true, force: true });
    fs.rmSync(ppoDir, { recursive: true, force: true });
    fs.renameSync(savedPpo, ppoDir);
  }
});
