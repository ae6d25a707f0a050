import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { GPT, GPTConfig } from '../lib/model/gpt';
import { generate, pickToken, defaultSamplingConfig } from '../lib/model/sampling';
import { Rng } from '../lib/core/rng';

const tiny: GPTConfig = { vocabSize: 40, contextLength: 24, dModel: 16, nLayers: 2, nHeads: 2, dropout: 0 };
const EOS = 39;

before(async () => {
  await initEngine({ quiet: true });
});

test('greedy output is identical with and without the KV cache (left-padded batch)', () => {
  const m = new GPT(tiny, { seed: 11 });
  const prompts = [[1, 2, 3, 4, 5], [6, 7], [8, 9, 10]];
  const a = generate(m, prompts, EOS, { greedy: true, maxNewTokens: 12, useCache: true });
  const b = generate(m, prompts, EOS, { greedy: true, maxNewTokens: 12, useCache: false });
  assert.deepEqual(a.responses, b.responses);
  a.logprobs.forEach((row, i) => row.forEach((v, t) => assert.ok(Math.abs(v - b.logprobs[i][t]) < 1e-4)));
  m.dispose();
});

test('a prompt decodes the same alone and inside a padded batch', () => {
  const m = new GPT(tiny, { seed: 12 });
  const alone = generate(m, [[6, 7]], EOS, { greedy: true, maxNewTokens: 8 });
  const batch = generate(m, [[1, 2, 3, 4, 5], [6, 7]], EOS, { greedy: true, maxNewTokens: 8 });
  assert.deepEqual(alone.responses[0], batch.responses[1]);
  m.dispose();
});

test('generation leaves the prompt unchanged and is reproducible from its seed', () => {
  const m = new GPT(tiny, { seed: 13 });
  const prompts = [[1, 2, 3]];
  const a = generate(m, prompts, EOS, { seed: 5, maxNewTokens: 10 });
  const b = generate(m, prompts, EOS, { seed: 5, maxNewTokens: 10 });
  const c = generate(m, prompts, EOS, { seed: 6, maxNewTokens: 10 });
  assert.deepEqual(prompts, [[1, 2, 3]]);
  assert.deepEqual(a.prompts, [[1, 2, 3]]);
  assert.deepEqual(a.responses, b.responses);
  assert.notDeepEqual(a.responses, c.responses);
  m.dispose();
});

test('sampled log-probs equal the model scoring the same tokens at the same temperature', () => {
  const m = new GPT(tiny, { seed: 14 });
  const g = generate(m, [[4, 5, 6]], EOS, { seed: 1, maxNewTokens: 6, temperature: 0.8 });
  const seq = [4, 5, 6, ...g.responses[0]];
  const lp = m.tokenLogprobs(tf.tensor2d([seq], undefined, 'int32'), { temperature: 0.8 }).arraySync()[0];
  g.logprobs[0].forEach((v, t) => assert.ok(Math.abs(v - lp[2 + t]) < 1e-4, `token ${t}: ${v} vs ${lp[2 + t]}`));
  m.dispose();
});

test('rows stop at EOS; maxNewTokens bounds the rest; no tensors leak', () => {
  const m = new GPT(tiny, { seed: 15 });
  const before = tf.memory().numTensors;
  const g = generate(m, [[1], [2], [3], [4]], EOS, { seed: 2, maxNewTokens: 20, temperature: 3 });
  assert.equal(tf.memory().numTensors, before);
  g.responses.forEach((r, i) => {
    assert.ok(r.length <= 20);
    const eosAt = r.indexOf(EOS);
    if (g.finished[i]) assert.equal(eosAt, r.length - 1);
    else assert.equal(eosAt, -1);
  });
  m.dispose();
});

test('pickToken: greedy takes the argmax; top-k 1 is greedy; top-p keeps the smallest sufficient set', () => {
  const logits = Float32Array.from([0, 2, 1, -1]);
  const rng = new Rng(0);
  const cfg = { ...defaultSamplingConfig };
  assert.equal(pickToken(logits, { ...cfg, greedy: true }, rng).token, 1);
  for (let i = 0; i < 20; i++) assert.equal(pickToken(logits, { ...cfg, topK: 1 }, rng).token, 1);
  // probabilities ≈ [0.087, 0.644, 0.237, 0.032]: top-p 0.8 keeps tokens 1 and 2 only
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(pickToken(logits, { ...cfg, topP: 0.8 }, rng).token);
  assert.deepEqual([...seen].sort(), [1, 2]);
  // the log-prob is of the full distribution at the temperature, not of the truncated one
  const { logprob } = pickToken(logits, { ...cfg, greedy: true }, rng);
  const z = [0, 2, 1, -1].reduce((s, v) => s + Math.exp(v), 0);
  assert.ok(Math.abs(logprob - (2 - Math.log(z))) < 1e-6);
});

test('bad sampling settings are refused', () => {
  const m = new GPT(tiny, { seed: 16 });
  assert.throws(() => generate(m, [[1]], EOS, { temperature: 0 }), /SamplingConfig\.temperature must be a number in \(0, ∞\), got 0/);
  assert.throws(() => generate(m, [[1]], EOS, { topP: 0 }), /SamplingConfig\.topP must be a number in \(0, 1\]/);
  assert.throws(() => generate(m, [[]], EOS, {}), /prompt 0 is empty/);
  assert.throws(() => generate(m, [new Array(24).fill(1)], EOS, {}), /no room in the context/);
  m.dispose();
});
