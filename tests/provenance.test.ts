import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { loadModel, saveModel } from '../lib/io/artifacts';
import { readCheckpointInfo } from '../lib/io/checkpoint';
import { GPT, GPTConfig } from '../lib/model/gpt';
import { makeVocab } from '../lib/model/tokenizer';

/** A stage's checkpoint records the earlier checkpoints it was made from, and is refused once one is replaced. */

const tiny: GPTConfig = { vocabSize: 258, contextLength: 16, dModel: 8, nLayers: 1, nHeads: 2, dropout: 0 };
let dir = '';
let vocab = '';
const saved = process.env.RLHF_RUN_DIR;

before(async () => {
  await initEngine({ quiet: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-provenance-'));
  process.env.RLHF_RUN_DIR = dir;
  vocab = path.join(dir, 'vocab-src.json');
  fs.writeFileSync(vocab, JSON.stringify(makeVocab([])));
});
after(() => {
  if (saved === undefined) delete process.env.RLHF_RUN_DIR;
  else process.env.RLHF_RUN_DIR = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the reward model records the SFT model it was made from; a replaced SFT model makes it refused, naming the fix', () => {
  const sft = new GPT(tiny, { seed: 1 });
  saveModel(path.join(dir, 'sft'), sft, { tokenizerFile: vocab, stage: 'sft', seed: 1 });
  const loadedSft = loadModel('sft');
  const sftSha = loadedSft.info.weights.sha256;
  saveModel(path.join(dir, 'rm'), loadedSft.model, { tokenizerFile: vocab, stage: 'rm', seed: 1 });
  assert.deepEqual(readCheckpointInfo(path.join(dir, 'rm')).info.inputs, { sft: sftSha });
  loadModel('rm').model.dispose(); // unchanged inputs: loads

  // 01 is run again: a different SFT model replaces the one the reward model was trained from.
  const other = new GPT(tiny, { seed: 2 });
  saveModel(path.join(dir, 'sft'), other, { tokenizerFile: vocab, stage: 'sft', seed: 2 });
  assert.throws(() => loadModel('rm'), /rm was made from a different sft model than the one now in .*sft.*run notebooks\/03_reward_model\.ipynb again \(npm run stage -- 03\)/);
  // A folder given by path is loaded as it is (no stage to compare with).
  loadModel(path.join(dir, 'rm')).model.dispose();
  tf.dispose([sft, other, loadedSft.model].flatMap((m) => [...m.params().values()]));
});
