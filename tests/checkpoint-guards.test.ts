/**
 * A checkpoint's config.json is not trusted: Hugging Face fields contradicting the model config, a weights or
 * vocabulary file outside the folder, heads no stage makes, and NaN/Inf weights are refused with errors naming
 * the field, file, head or tensor.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { CONFIG_FILE, WEIGHTS_FILE, firstNonFinite, loadCheckpoint, loadInto, readCheckpointInfo, saveCheckpoint } from '../lib/io/checkpoint';
import { GPT, type GPTConfig } from '../lib/model/gpt';
import { encodeSafetensors, type RawTensor } from '../lib/io/safetensors';
import { makeVocab } from '../lib/model/tokenizer';
import { loadModel, saveModel } from '../lib/io/artifacts';

before(async () => {
  await initEngine({ quiet: true });
});

const tiny: GPTConfig = { vocabSize: 258, contextLength: 8, dModel: 8, nLayers: 1, nHeads: 2, dropout: 0 };

/** The parts of config.json the tests edit. */
interface ConfigJson {
  [key: string]: unknown;
  rlhf: { weights: { file: string; tensors: string[] }; tokenizer: { vocabFile: string } };
}

/** A temp folder holding a tiny vocabulary file and a saved checkpoint `ckpt` of a tiny GPT with `heads`. */
function saved(heads: string[] = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-guards-'));
  const vocab = path.join(dir, 'vocab-src.json');
  fs.writeFileSync(vocab, JSON.stringify(makeVocab([])));
  const model = new GPT(tiny, { seed: 1 });
  for (const h of heads) model.addHead(h, { seed: 2 });
  const ckpt = path.join(dir, 'ckpt');
  saveModel(ckpt, model, { tokenizerFile: vocab, stage: 'test', seed: 1 });
  model.dispose();
  const cfgFile = path.join(ckpt, CONFIG_FILE);
  const edit = (change: (cfg: ConfigJson) => void): void => {
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as ConfigJson;
    change(cfg);
    fs.writeFileSync(cfgFile, JSON.stringify(cfg));
  };
  return { dir, ckpt, vocab, cfgFile, edit, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('the Hugging Face fields are derived from the model config, and a contradiction names both fields and values', () => {
  const c = saved();
  const cfg = JSON.parse(fs.readFileSync(c.cfgFile, 'utf8'));
  assert.deepEqual([cfg.vocab_size, cfg.n_positions, cfg.n_embd, cfg.n_layer, cfg.n_head], [258, 8, 8, 1, 2]);
  const ok = loadModel(c.ckpt);
  assert.equal(ok.model.config.dModel, 8);
  ok.model.dispose();

  const cases: [string, unknown, RegExp][] = [
    ['n_embd', 16, /config\.json: n_embd is 16 but rlhf\.model\.dModel is 8 \(the Hugging Face fields must describe/],
    ['n_layer', 4, /n_layer is 4 but rlhf\.model\.nLayers is 1/],
    ['vocab_size', 50257, /vocab_size is 50257 but rlhf\.model\.vocabSize is 258/],
    ['n_head', 4, /n_head is 4 but rlhf\.model\.nHeads is 2/],
    ['n_positions', 1024, /n_positions is 1024 but rlhf\.model\.contextLength is 8/],
    ['eos_token_id', 0, /eos_token_id is 0 but rlhf\.tokenizer\.eosId is 256/],
    ['n_embd', undefined, /n_embd is missing but rlhf\.model\.dModel is 8/],
    ['activation_function', 'relu', /activation_function is "relu" but a GPT-2 checkpoint of this workbook has "gelu_new"/],
  ];
  const original = fs.readFileSync(c.cfgFile, 'utf8');
  for (const [key, value, message] of cases) {
    c.edit((cfg) => { cfg[key] = value; });
    assert.throws(() => readCheckpointInfo(c.ckpt), message, key);
    assert.throws(() => loadModel(c.ckpt), message, key);
    fs.writeFileSync(c.cfgFile, original);
  }
  c.done();
});

test('the weights and vocabulary files must lie inside the checkpoint folder (no absolute path, "..", or symlink out)', () => {
  const c = saved();
  const outside = path.join(c.dir, 'elsewhere.safetensors');
  fs.copyFileSync(path.join(c.ckpt, WEIGHTS_FILE), outside);
  const original = fs.readFileSync(c.cfgFile, 'utf8');
  const refuse = (field: 'weights' | 'tokenizer', value: string, why: RegExp): void => {
    c.edit((cfg) => {
      if (field === 'weights') cfg.rlhf.weights.file = value;
      else cfg.rlhf.tokenizer.vocabFile = value;
    });
    const name = field === 'weights' ? 'rlhf\\.weights\\.file' : 'rlhf\\.tokenizer\\.vocabFile';
    const full = new RegExp(`config\\.json: ${name} .* ${why.source}; it must name a file inside the checkpoint folder`);
    assert.throws(() => loadCheckpoint(c.ckpt), full, value);
    assert.throws(() => loadModel(c.ckpt), full, value);
    fs.writeFileSync(c.cfgFile, original);
  };
  refuse('weights', outside, /is an absolute path/);
  refuse('weights', '../elsewhere.safetensors', /leads out of the folder/);
  refuse('weights', 'sub/../../elsewhere.safetensors', /leads out of the folder/);
  refuse('tokenizer', '/etc/passwd', /is an absolute path/);
  refuse('tokenizer', '../vocab-src.json', /leads out of the folder/);
  fs.symlinkSync(outside, path.join(c.ckpt, 'link.safetensors'));
  refuse('weights', 'link.safetensors', /is a link to .*elsewhere\.safetensors, outside the folder/);
  // A symlink that stays inside the folder is fine.
  fs.symlinkSync(path.join(c.ckpt, WEIGHTS_FILE), path.join(c.ckpt, 'inside.safetensors'));
  c.edit((cfg) => { cfg.rlhf.weights.file = 'inside.safetensors'; });
  assert.equal(loadCheckpoint(c.ckpt).tensors.size > 0, true);
  c.done();
});

test('a head no stage makes is refused unless the caller asks for it; the known heads load', () => {
  const known = saved(['value', 'reward']);
  const both = loadModel(known.ckpt);
  assert.deepEqual(both.model.headNames().sort(), ['reward', 'value']);
  both.model.dispose();
  known.done();

  const c = saved(['value', 'sentiment']);
  assert.throws(() => loadModel(c.ckpt), /ckpt: the checkpoint carries the head sentiment, which no stage of this workbook makes \(known: reward, value, tokenWeight, tokenBonus\); to load it anyway pass \{ extraHeads: \["sentiment"\] \}/);
  const loaded = loadModel(c.ckpt, { extraHeads: ['sentiment'] });
  assert.deepEqual(loaded.model.headNames().sort(), ['sentiment', 'value']);
  loaded.model.dispose();
  c.done();
});

test('the tensor list of config.json must be the weights file\'s', () => {
  const c = saved();
  c.edit((cfg) => { cfg.rlhf.weights.tensors = [...cfg.rlhf.weights.tensors, 'heads.value.weight']; });
  assert.throws(() => loadCheckpoint(c.ckpt), /config\.json: rlhf\.weights\.tensors lists \[.*heads\.value\.weight\] but .*model\.safetensors holds \[/);
  c.done();
});

test('firstNonFinite finds the first NaN or Infinity with its index per dimension', () => {
  const t = (data: number[], shape: number[]): RawTensor => ({ shape, data: Float32Array.from(data) });
  assert.equal(firstNonFinite(t([1, 2, 3, 4], [2, 2])), undefined);
  assert.deepEqual(firstNonFinite(t([1, 2, 3, NaN, Infinity, 6], [2, 3])), { index: 3, at: [1, 0], value: NaN });
  assert.deepEqual(firstNonFinite(t([-Infinity], [1])), { index: 0, at: [0], value: -Infinity });
});

test('NaN or infinite weights are refused on save and on load, naming the tensor and the first bad index', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-nan-'));
  const vocab = path.join(dir, 'vocab-src.json');
  fs.writeFileSync(vocab, JSON.stringify(makeVocab([])));
  const model = { ...tiny };
  const w = tf.tensor2d([[1, 2, 3], [4, NaN, Infinity]]);
  const b = tf.tensor1d([0, 0, 0]);
  const ckpt = path.join(dir, 'ckpt');
  assert.throws(
    () => saveCheckpoint(ckpt, { tensors: { 'x.bias': b, 'x.weight': w }, model, stage: 'test', seed: 0, vocabFile: vocab }),
    /^Error: saveCheckpoint: tensor x\.weight holds NaN at index 4 \(\[1, 1\] of shape \[2, 3\]\); non-finite values: 2 of 6$/,
  );
  assert.equal(fs.existsSync(path.join(ckpt, CONFIG_FILE)), false, 'nothing saved');

  // A file written elsewhere with an infinite weight (and a matching checksum) is refused on load.
  const good = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  saveCheckpoint(ckpt, { tensors: { 'x.bias': b, 'x.weight': good }, model, stage: 'test', seed: 0, vocabFile: vocab });
  const raw: [string, RawTensor][] = [['x.bias', { shape: [3], data: new Float32Array(3) }], ['x.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -Infinity]) }]];
  const bytes = encodeSafetensors(raw, { format: 'pt' });
  fs.writeFileSync(path.join(ckpt, WEIGHTS_FILE), bytes);
  const cfgFile = path.join(ckpt, CONFIG_FILE);
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  cfg.rlhf.weights.bytes = bytes.length;
  cfg.rlhf.weights.sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  fs.writeFileSync(cfgFile, JSON.stringify(cfg));
  const vars = new Map<string, tf.Variable>([['x.bias', tf.variable(tf.zeros([3]))], ['x.weight', tf.variable(tf.zeros([2, 3]))]]);
  assert.throws(() => loadInto(ckpt, vars), /model\.safetensors: tensor x\.weight holds -Infinity at index 5 \(\[1, 2\] of shape \[2, 3\]\); non-finite values: 1 of 6$/);
  assert.deepEqual(Array.from(vars.get('x.weight')!.dataSync()), [0, 0, 0, 0, 0, 0], 'nothing assigned');
  tf.dispose([w, b, good, ...vars.values()]);
  fs.rmSync(dir, { recursive: true, force: true });
});
