import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine';
import { GPT } from '../lib/gpt';
import { Tokenizer } from '../lib/tokenizer';
import { loadFacts } from '../lib/facts';
import { loadPromptSet } from '../lib/world';
import { compareWithReference, evaluatePolicy } from '../lib/evaluate';
import { logLikelihoodRewardModel } from '../lib/rewardModel';
import { repoRoot } from '../lib/paths';

before(async () => {
  await initEngine({ quiet: true });
});

test('compareWithReference: the evaluation of evaluatePolicy, KL 0 to itself, RM scores, held-out and seen facts split the prompts', () => {
  const tokenizer = Tokenizer.load(path.join(repoRoot, 'data', 'vocab.json'));
  const facts = loadFacts();
  const prompts = loadPromptSet('evaluation').slice(0, 6);
  const model = new GPT({ vocabSize: tokenizer.vocabSize, contextLength: 48, dModel: 16, nLayers: 1, nHeads: 2, dropout: 0 }, { seed: 3 });
  const reference = model.copy({ trainable: false });
  const sampling = { temperature: 1, maxNewTokens: 6, seed: 9 };
  const heldOutFactIds = new Set([prompts[0].factId, prompts[1].factId]);
  const same = compareWithReference(model, reference, tokenizer, prompts, facts, { sampling, klTemperature: 1, heldOutFactIds });
  assert.deepEqual(same.summary, evaluatePolicy(model, tokenizer, prompts, facts, sampling).summary);
  assert.ok(Math.abs(same.kl) < 1e-5, `KL of a model to its own copy: ${same.kl}`);
  assert.equal(same.rmScore, null);
  assert.equal(same.scores, null);
  assert.equal(same.heldOut.n + same.seen.n, prompts.length);
  assert.equal(same.heldOut.n, same.rows.filter((r) => heldOutFactIds.has(r.factId)).length);
  // Moved away from the reference: KL per reply is the mean of Σ (log π − log π_ref) ≥ 0 in expectation, and non-zero here.
  tf.tidy(() => { for (const v of model.params().values()) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.2, 'float32', 7))); });
  const rm = logLikelihoodRewardModel(reference, 1);
  const moved = compareWithReference(model, reference, tokenizer, prompts, facts, { sampling, klTemperature: 1, heldOutFactIds, rm });
  assert.ok(Math.abs(moved.kl) > 1e-3, `KL after moving the model: ${moved.kl}`);
  assert.equal(moved.scores!.length, prompts.length);
  assert.ok(Math.abs(moved.rmScore! - moved.scores!.reduce((a, b) => a + b, 0) / prompts.length) < 1e-9);
  assert.ok(moved.scores!.every((s) => s < 0), 'a log-likelihood reward (β 1) is a sum of log-probabilities: negative');
  model.dispose();
  reference.dispose();
});
