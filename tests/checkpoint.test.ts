import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { CONFIG_FILE, WEIGHTS_FILE, loadCheckpoint, loadInto, readCheckpointInfo, saveCheckpoint } from '../lib/io/checkpoint';
import { GPT, GPTConfig } from '../lib/model/gpt';
import { decodeSafetensors, encodeSafetensors, readSafetensorsHeader } from '../lib/io/safetensors';
import { makeVocab } from '../lib/model/tokenizer';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));

/** A tiny vocabulary file (256 bytes + EOS + PAD = 258 ids). */
function vocabFile(dir: string): string {
  const f = path.join(dir, 'src-vocab.json');
  fs.writeFileSync(f, JSON.stringify(makeVocab([])));
  return f;
}

const tiny: GPTConfig = { vocabSize: 258, contextLength: 8, dModel: 8, nLayers: 2, nHeads: 2, dropout: 0 };

/** Bit patterns of a float32 array (so NaN and -0 compare exactly). */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Replaces the weights file and updates config.json's size and checksum, as an external tool would. */
function rewriteWeights(dir: string, bytes: Uint8Array): void {
  fs.writeFileSync(path.join(dir, WEIGHTS_FILE), bytes);
  const cfgFile = path.join(dir, CONFIG_FILE);
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  cfg.rlhf.weights.bytes = bytes.length;
  cfg.rlhf.weights.sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  fs.writeFileSync(cfgFile, JSON.stringify(cfg));
}

test('the file layout is the standard one: LE u64 header length, padded JSON header, raw LE float32', () => {
  const bytes = Buffer.from(encodeSafetensors([['a', { shape: [2], data: new Float32Array([1, 2]) }]], { format: 'pt' }));
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  const header = bytes.subarray(8, 8 + n).toString('utf8');
  assert.equal(header.trimEnd(), '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}');
  assert.deepEqual([...bytes.subarray(8 + n)], [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40]); // 1.0f, 2.0f
  assert.equal(bytes.length, 8 + n + 8);
});

test('safetensors round trip is bit-exact and keeps the order (NaN, -0, Infinity, subnormals)', () => {
  const special = new Float32Array([NaN, -0, 0, Infinity, -Infinity, 1e-45, -3.4028234663852886e38, 0.1]);
  const rand = new Float32Array(1000).map((_, i) => Math.sin(i * 12.9898) * 43758.5453);
  const scalar = new Float32Array([3.5]);
  const input: [string, { shape: number[]; data: Float32Array }][] = [
    ['z.last', { shape: [2, 4], data: special }],
    ['a.first', { shape: [10, 100], data: rand }],
    ['scalar', { shape: [], data: scalar }],
    ['empty', { shape: [0, 3], data: new Float32Array(0) }],
  ];
  const out = decodeSafetensors(encodeSafetensors(input, { format: 'pt', note: 'héllo' }));
  assert.deepEqual([...out.tensors.keys()], ['z.last', 'a.first', 'scalar', 'empty']);
  assert.deepEqual(out.metadata, { format: 'pt', note: 'héllo' });
  for (const [name, t] of input) {
    assert.deepEqual(out.tensors.get(name)!.shape, t.shape);
    assert.deepEqual(bits(out.tensors.get(name)!.data), bits(t.data), name);
  }
});

test('a GPT checkpoint round-trips: same weights bit for bit, same logits, config and vocabulary saved', () => {
  const dir = tmp();
  const a = new GPT(tiny, { seed: 1 });
  a.addHead('reward', { seed: 3 });
  const info = saveCheckpoint(path.join(dir, 'ckpt'), { tensors: a.params(), model: a.config, stage: 'test', seed: 1, metrics: { loss: 1.5 }, vocabFile: vocabFile(dir) });
  assert.deepEqual(fs.readdirSync(path.join(dir, 'ckpt')).sort(), ['config.json', 'model.safetensors', 'vocab.json'], 'no temp files left');
  assert.deepEqual(info.weights.tensors, [...a.params().keys()]);
  assert.equal(info.weights.tensors[0], 'wte.weight');

  const b = new GPT(tiny, { seed: 2 });
  b.addHead('reward', { seed: 4 });
  const back = loadInto(path.join(dir, 'ckpt'), b.params());
  assert.deepEqual(back.model, tiny);
  assert.deepEqual(back.metrics, { loss: 1.5 });
  for (const [name, v] of a.params()) {
    assert.deepEqual(bits(b.param(name).dataSync() as Float32Array), bits(v.dataSync() as Float32Array), name);
  }
  const tokens = tf.tensor2d([[1, 2, 3, 250]], [1, 4], 'int32');
  const la = a.logits(a.hidden(tokens));
  const lb = b.logits(b.hidden(tokens));
  assert.deepEqual(bits(la.dataSync() as Float32Array), bits(lb.dataSync() as Float32Array));

  const { config } = readCheckpointInfo(path.join(dir, 'ckpt'));
  assert.equal(config.model_type, 'gpt2');
  assert.deepEqual(config.architectures, ['GPT2LMHeadModel']);
  assert.equal(config.n_embd, 8);
  assert.equal(config.n_layer, 2);
  assert.equal(config.n_positions, 8);
  assert.equal(config.vocab_size, 258);
  assert.equal(config.activation_function, 'gelu_new');
  assert.equal(config.eos_token_id, 256);
  assert.equal(config.pad_token_id, 257);
  assert.equal(fs.readFileSync(path.join(dir, 'ckpt', 'vocab.json'), 'utf8'), fs.readFileSync(path.join(dir, 'src-vocab.json'), 'utf8'));
  tf.dispose([tokens, la, lb]);
  a.dispose();
  b.dispose();
  fs.rmSync(dir, { recursive: true });
});

/** A saved two-tensor checkpoint and variables that match it. */
function simpleCheckpoint() {
  const dir = tmp();
  const ckpt = path.join(dir, 'ckpt');
  const w = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const b = tf.tensor1d([7, 8, 9]);
  const model = { ...tiny, vocabSize: 258 };
  saveCheckpoint(ckpt, { tensors: { 'x.weight': w, 'x.bias': b }, model, stage: 'test', seed: 0, vocabFile: vocabFile(dir) });
  const vars = () => new Map<string, tf.Variable>([['x.weight', tf.variable(tf.zeros([2, 3]))], ['x.bias', tf.variable(tf.zeros([3]))]]);
  return { dir, ckpt, vars, done: () => { tf.dispose([w, b]); fs.rmSync(dir, { recursive: true }); } };
}

test('loadInto: missing, extra and wrongly shaped tensors are named, and nothing is assigned', () => {
  const c = simpleCheckpoint();
  const ok = c.vars();
  loadInto(c.ckpt, ok);
  assert.deepEqual(Array.from(ok.get('x.bias')!.dataSync()), [7, 8, 9]);

  const missing = c.vars();
  missing.set('y.weight', tf.variable(tf.zeros([1])));
  assert.throws(() => loadInto(c.ckpt, missing), /tensor y\.weight is missing/);
  assert.deepEqual(Array.from(missing.get('x.bias')!.dataSync()), [0, 0, 0], 'no partial load');

  const extra = c.vars();
  extra.delete('x.bias');
  assert.throws(() => loadInto(c.ckpt, extra), /tensor x\.bias is in the file but not in the model/);

  const shape = c.vars();
  shape.set('x.weight', tf.variable(tf.zeros([3, 2])));
  assert.throws(() => loadInto(c.ckpt, shape), /tensor x\.weight has shape \[2,3\] in the file, the model expects \[3,2\]/);
  assert.deepEqual(Array.from(shape.get('x.bias')!.dataSync()), [0, 0, 0], 'no partial load');
  c.done();
});

test('a tensor of another dtype is rejected by name', () => {
  const c = simpleCheckpoint();
  // x.weight declared F16 (2 bytes per value): 6 values = 12 bytes.
  const header = JSON.stringify({ 'x.weight': { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] }, 'x.bias': { dtype: 'F32', shape: [3], data_offsets: [12, 24] } });
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  rewriteWeights(c.ckpt, Buffer.concat([len, Buffer.from(header), Buffer.alloc(24)]));
  assert.throws(() => loadInto(c.ckpt, c.vars()), /tensor x\.weight has dtype F16, expected F32/);
  const t = tf.tensor1d([1, 2], 'int32');
  assert.throws(() => saveCheckpoint(path.join(c.dir, 'other'), { tensors: { ids: t }, model: tiny, stage: 's', seed: 0, vocabFile: path.join(c.ckpt, 'vocab.json') }), /tensor ids has dtype int32, expected float32/);
  t.dispose();
  c.done();
});

test('a truncated weights file gives a clear error naming the cut tensor', () => {
  const c = simpleCheckpoint();
  const file = path.join(c.ckpt, WEIGHTS_FILE);
  const full = fs.readFileSync(file);
  fs.writeFileSync(file, full.subarray(0, full.length - 4));
  assert.throws(() => loadInto(c.ckpt, c.vars()), /truncated: tensor x\.bias needs data bytes \[24, 36\)/);
  fs.writeFileSync(file, full.subarray(0, 20));
  assert.throws(() => loadCheckpoint(c.ckpt), /truncated: the header needs/);
  fs.writeFileSync(file, full.subarray(0, 5));
  assert.throws(() => loadCheckpoint(c.ckpt), /truncated: 5 bytes/);
  c.done();
});

test('a corrupted header or corrupted data is reported, never loaded', () => {
  const c = simpleCheckpoint();
  const file = path.join(c.ckpt, WEIGHTS_FILE);
  const full = Buffer.from(fs.readFileSync(file));

  const garbled = Buffer.from(full);
  garbled[8] = 0x5b; // '{' → '[': still readable bytes, no longer the header object
  garbled[9] = 0x7b;
  loadCheckpoint(c.ckpt); // the intact file loads
  fs.writeFileSync(file, garbled);
  assert.throws(() => loadCheckpoint(c.ckpt), /corrupted header: not valid UTF-8 JSON/);

  const huge = Buffer.from(full);
  huge.writeBigUInt64LE(1n << 40n, 0);
  fs.writeFileSync(file, huge);
  assert.throws(() => loadCheckpoint(c.ckpt), /corrupted header: header length \d+ is implausible/);

  const flipped = Buffer.from(full);
  flipped[flipped.length - 1] ^= 0x01; // one bit of x.bias's data
  fs.writeFileSync(file, flipped);
  assert.throws(() => loadCheckpoint(c.ckpt), /does not match config\.json \(size or SHA-256 differs\)/);

  const overlap = JSON.stringify({ 'x.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] }, 'x.bias': { dtype: 'F32', shape: [3], data_offsets: [8, 20] } });
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(overlap.length));
  assert.throws(() => readSafetensorsHeader(Buffer.concat([len, Buffer.from(overlap), Buffer.alloc(24)]), 'f'), /f: corrupted header: tensor x\.bias starts at byte 8 of the data, expected 24/);
  assert.throws(() => readSafetensorsHeader(Buffer.concat([full, Buffer.alloc(4)]), 'f'), /4 unexpected bytes after the last tensor/);

  fs.writeFileSync(file, full);
  fs.writeFileSync(path.join(c.ckpt, 'vocab.json'), '{}');
  assert.throws(() => loadCheckpoint(c.ckpt), /vocab\.json: does not match config\.json/);
  fs.rmSync(path.join(c.ckpt, CONFIG_FILE));
  assert.throws(() => loadCheckpoint(c.ckpt), /not a checkpoint \(no config\.json/);
  c.done();
});

test('saveCheckpoint refuses a vocabulary of the wrong size, and overwriting a checkpoint works', () => {
  const c = simpleCheckpoint();
  const w = tf.tensor1d([1]);
  assert.throws(
    () => saveCheckpoint(c.ckpt, { tensors: { w }, model: { ...tiny, vocabSize: 300 }, stage: 's', seed: 0, vocabFile: path.join(c.ckpt, 'vocab.json') }),
    /has 258 ids but the model config says vocabSize 300/,
  );
  saveCheckpoint(c.ckpt, { tensors: { w }, model: tiny, stage: 'again', seed: 5, vocabFile: path.join(c.ckpt, 'vocab.json') });
  const back = loadCheckpoint(c.ckpt);
  assert.equal(back.info.stage, 'again');
  assert.deepEqual([...back.tensors.keys()], ['w']);
  w.dispose();
  c.done();
});
