import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { GPT } from '../lib/model/gpt';
import { Tokenizer } from '../lib/model/tokenizer';
import { loadFacts } from '../lib/world/facts';
import { loadPromptSet } from '../lib/world/datasets';
import { compareWithReference, comparisonRow, evaluatePolicy, summarize, validationGold, VALIDATION_SEED, type EvaluatedReply, type EvaluationSummary } from '../lib/eval/evaluate';
import { judge } from '../lib/world/judge';
import { replyShape } from '../lib/eval/replyShape';
import { logLikelihoodRewardModel } from '../lib/reward/rewardModel';
import { repoRoot } from '../lib/core/paths';

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

test('summarize: means over hand-made replies; the commonest shape sees a template that distinct replies miss', () => {
  const facts = new Map(loadFacts().map((f) => [f.id, f]));
  const row = (prompt: string, factId: string, reply: string, tokens: number): EvaluatedReply => {
    const f = facts.get(factId)!;
    return { prompt, factId, reply, tokens: new Array<number>(tokens).fill(1), finished: true, wellFormed: true, shape: replyShape(reply, f), judgement: judge(prompt, reply, f) };
  };
  const s = summarize([
    row('What is the capital of Peru?', 'capital:PE', "It's Lima.", 4),
    row('What is the capital of Taiwan?', 'capital:TW', "It's Taipei.", 4),
    row('What is the capital of Vanuatu?', 'capital:VU', "It's Quito.", 4),
    row('What is the chemical symbol for iron?', 'symbol:Fe', "I'm not sure, sorry.", 8),
  ]);
  assert.equal(s.n, 4);
  assert.equal(s.hallucinationRate, 0.25);
  assert.equal(s.failsToAnswerRate, 0.25);
  assert.equal(s.meanLength, 5);
  assert.equal(s.distinctReplies, 1, 'four different texts');
  assert.equal(s.topShape, "It's ⟨answer⟩.");
  assert.equal(s.topShapeShare, 0.75, 'three of them one template (a wrong answer too)');
  assert.equal(s.distinctShapes, 0.5);
});

test('comparisonRow: one policy row of the comparison tables, a KL bound kept as text', () => {
  const summary = (gold: number): EvaluationSummary => ({ n: 4, goldLikertMean: gold, hallucinationRate: 0.25, toxicityRate: 0, failsToAnswerRate: 0.5,
    formatRate: 1, meanLength: 7.5, distinctReplies: 0.75, topShape: "It's ⟨answer⟩.", topShapeShare: 0.5, distinctShapes: 0.75 });
  assert.deepEqual(comparisonRow('PPO, T = 1', { summary: summary(5.5), rmScore: 0.7, heldOut: summary(4), kl: 2.1 }), {
    model: 'PPO, T = 1', 'gold Likert': 5.5, 'RM score': 0.7, 'KL to SFT': 2.1, hallucination: 0.25, toxicity: 0, 'no answer': 0.5,
    length: 7.5, distinct: 0.75, 'commonest shape': 0.5, 'gold (facts held out of SFT)': 4,
  });
  const bound = comparisonRow('best-of-16', { summary: summary(6), rmScore: null, heldOut: summary(5), kl: '≤ 1.84' });
  assert.equal(bound['KL to SFT'], '≤ 1.84');
  assert.equal(bound['RM score'], null);
});

test('validationGold: the mean gold Likert of evaluatePolicy at the fixed validation seed', () => {
  const tokenizer = Tokenizer.load(path.join(repoRoot, 'data', 'vocab.json'));
  const facts = loadFacts();
  const prompts = loadPromptSet('validation').slice(0, 5);
  const model = new GPT({ vocabSize: tokenizer.vocabSize, contextLength: 48, dModel: 16, nLayers: 1, nHeads: 2, dropout: 0 }, { seed: 4 });
  const sampling = { temperature: 1, maxNewTokens: 6 };
  const expected = evaluatePolicy(model, tokenizer, prompts, facts, { ...sampling, seed: VALIDATION_SEED }).summary.goldLikertMean;
  assert.equal(VALIDATION_SEED, 777);
  assert.equal(validationGold(model, tokenizer, prompts, facts, sampling), expected);
  // Another seed draws other replies: the seed is what makes every stage's validation the same.
  assert.notDeepEqual(evaluatePolicy(model, tokenizer, prompts, facts, { ...sampling, seed: 1 }).rows.map((r) => r.reply),
    evaluatePolicy(model, tokenizer, prompts, facts, { ...sampling, seed: VALIDATION_SEED }).rows.map((r) => r.reply));
  model.dispose();
});
