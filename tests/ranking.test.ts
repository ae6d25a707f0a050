/** Stage 2 helpers: the next-token distribution, diversity of K samples, candidate sets, ranking files round trip. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initEngine } from '../lib/engine/engine';
import { GPT } from '../lib/model/gpt';
import { generate, pickToken, defaultSamplingConfig } from '../lib/model/sampling';
import { Rng } from '../lib/core/rng';
import { nextTokenLogits, samplingDistribution, topTokens } from '../lib/model/nextToken';
import { distinctN, distinctReplies, diversityOf, wordNgrams } from '../lib/eval/diversity';
import {
  defaultRankingConfig, groupIntoSets, labelTieShare, meanStd, repeatEach, scoreSpreads, validateRankingConfig,
} from '../lib/labels/ranking';
import { rankWithPanel } from '../lib/labels/labelers';
import {
  loadCandidates, loadPairGroups, loadPreferences, loadRankings, recordsToPairGroups, writePairGroups, writePreferences,
  writeRankings, type RankingRecord,
} from '../lib/labels/preferences';
import { writeJsonl } from '../lib/core/jsonl';

before(async () => {
  await initEngine({ quiet: true });
});

const close = (a: ArrayLike<number>, b: number[], tol = 1e-9) => {
  assert.equal(a.length, b.length);
  b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < tol, `index ${i}: ${a[i]} vs ${v}`));
};
const LOGITS = [4, 3, 2, 1].map(Math.log); // softmax → 0.4, 0.3, 0.2, 0.1

test('samplingDistribution: temperature, top-k and top-p by hand', () => {
  close(samplingDistribution(LOGITS), [0.4, 0.3, 0.2, 0.1]);
  // T = 2 takes square roots of the probabilities before renormalising.
  const s = [2, Math.sqrt(3), Math.sqrt(2), 1];
  const z = s.reduce((a, b) => a + b, 0);
  close(samplingDistribution(LOGITS, { temperature: 2 }), s.map((x) => x / z));
  close(samplingDistribution(LOGITS, { topK: 2 }), [4 / 7, 3 / 7, 0, 0]);
  close(samplingDistribution(LOGITS, { topP: 0.6 }), [4 / 7, 3 / 7, 0, 0]); // 0.4 < 0.6 ≤ 0.7
  close(samplingDistribution(LOGITS, { topP: 0.75 }), [4 / 9, 3 / 9, 2 / 9, 0]); // 0.7 < 0.75 ≤ 0.9
  close(samplingDistribution(LOGITS, { topK: 3, topP: 0.95 }), [4 / 9, 3 / 9, 2 / 9, 0]); // top-k first, then top-p
  close(samplingDistribution([0, 0, 0, 0], { topK: 2 }), [0.5, 0.5, 0, 0]); // ties go to the lower id
  assert.throws(() => samplingDistribution(LOGITS, { temperature: 0 }), /temperature must be a number in \(0, ∞\)/);
  assert.throws(() => samplingDistribution(LOGITS, { topP: 1.5 }), /topP must be a number in \(0, 1\]/);
});

test('samplingDistribution is what pickToken draws from (support and frequencies)', () => {
  const logits = new Float32Array([1.2, 0.3, -0.5, 2.0, 0.9, -1.5]);
  for (const settings of [{ temperature: 1, topK: 0, topP: 1 }, { temperature: 0.7, topK: 3, topP: 1 }, { temperature: 1.3, topK: 0, topP: 0.8 }]) {
    const p = samplingDistribution(logits, settings);
    const counts = new Array(6).fill(0);
    const rng = new Rng(7);
    const n = 20000;
    for (let i = 0; i < n; i++) counts[pickToken(logits, { ...defaultSamplingConfig, ...settings }, rng).token]++;
    counts.forEach((c, i) => {
      if (p[i] === 0) assert.equal(c, 0, `token ${i} outside the support was drawn (${JSON.stringify(settings)})`);
      else assert.ok(Math.abs(c / n - p[i]) < 0.015, `token ${i}: drawn ${c / n}, distribution ${p[i]} (${JSON.stringify(settings)})`);
    });
  }
});

test('topTokens: most likely first, ties by id, zero-probability tokens left out', () => {
  const top = topTokens([0.1, 0.4, 0, 0.4, 0.1], 3, ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(top, [{ id: 1, token: 'b', probability: 0.4 }, { id: 3, token: 'd', probability: 0.4 }, { id: 0, token: 'a', probability: 0.1 }]);
  assert.deepEqual(topTokens([0, 1], 5).map((t) => t.token), ['1']);
});

test('nextTokenLogits: its argmax is the first token greedy generation picks', () => {
  const m = new GPT({ vocabSize: 40, contextLength: 24, dModel: 16, nLayers: 2, nHeads: 2, dropout: 0 }, { seed: 5 });
  for (const prompt of [[1, 2, 3], [7], [10, 11, 12, 13, 14]]) {
    const best = topTokens(samplingDistribution(nextTokenLogits(m, prompt)), 1)[0].id;
    assert.equal(generate(m, [prompt], 39, { greedy: true, maxNewTokens: 1 }).responses[0][0], best);
  }
  assert.throws(() => nextTokenLogits(m, []), /empty prompt/);
  m.dispose();
});

test('diversity: distinct replies after normalisation, distinct-n by hand', () => {
  assert.equal(distinctReplies(['Lima.', 'lima', 'The capital is Lima.', '']), 3);
  assert.deepEqual(wordNgrams('The capital is Lima.', 2), ['the capital', 'capital is', 'is lima']);
  assert.equal(distinctN(['a b', 'a b'], 1), 0.5); // {a, b} of 4 unigrams
  assert.equal(distinctN(['a b c', 'a b d'], 2), 0.75); // {a b, b c, b d} of 4 bigrams
  assert.ok(Number.isNaN(distinctN(['Lima', 'Quito'], 2))); // one-word replies have no bigram
  const d = diversityOf([['Lima', 'Lima', 'Lima', 'Lima'], ['Lima', 'Quito', 'It is Lima', 'It is Lima']]);
  assert.equal(d.sets, 2);
  assert.equal(d.distinctMean, (1 + 3) / 2);
  assert.equal(d.allSameShare, 0.5);
  assert.equal(d.distinct1, (1 / 4 + 4 / 8) / 2); // {lima}/4 ; {lima, quito, it, is}/8
  assert.equal(d.distinct2, 2 / 4); // only the second set has bigrams: {it is, is lima}/4
});

test('candidate sets: repeatEach and groupIntoSets are inverse in order', () => {
  const prompts = [{ prompt: 'p0', factId: 'capital:PE' }, { prompt: 'p1', factId: 'symbol:Fe' }];
  const rows = repeatEach(prompts, 3);
  assert.deepEqual(rows.map((r) => r.prompt), ['p0', 'p0', 'p0', 'p1', 'p1', 'p1']);
  const sets = groupIntoSets(prompts, rows.map((r, i) => `${r.prompt} reply ${i}`), 3);
  assert.deepEqual(sets[1], { prompt: 'p1', factId: 'symbol:Fe', responses: ['p1 reply 3', 'p1 reply 4', 'p1 reply 5'] });
  assert.throws(() => groupIntoSets(prompts, ['a', 'b'], 3), /2 replies for 2 prompts × K = 3 \(expected 6\)/);
});

test('RankingConfig: defaults are valid; bad fields are named', () => {
  assert.equal(validateRankingConfig({ ...defaultRankingConfig }).k, 4);
  assert.throws(() => validateRankingConfig({ ...defaultRankingConfig, k: 3 }), /RankingConfig\.k must be an integer from 4 to 9/);
  assert.throws(() => validateRankingConfig({ ...defaultRankingConfig, k: 10 }), /RankingConfig\.k/);
  assert.throws(() => validateRankingConfig({ ...defaultRankingConfig, topP: 0 }), /RankingConfig\.topP must be a number in \(0, 1\]/);
  assert.throws(() => validateRankingConfig({ ...defaultRankingConfig, prompts: 0 }), /RankingConfig\.prompts/);
  assert.throws(() => validateRankingConfig({ ...defaultRankingConfig, batchSize: 1.5 }), /RankingConfig\.batchSize/);
  assert.throws(() => validateRankingConfig({ ...defaultRankingConfig, assignment: 'some' as 'all' }), /RankingConfig\.assignment must be one of .all., .rotation., got "some"/);
  assert.throws(() => validateRankingConfig({ ...defaultRankingConfig, panel: { sigma: -1 } }), /RankingConfig\.panel: labeler "sim:0"\.sigma must be a number in \[0, 6\]/);
});

test('label statistics: tie share, score spreads, mean and std by hand', () => {
  const rec = (ranking: number[][]): RankingRecord => ({
    prompt: 'q', factId: 'capital:PE', responses: ['a', 'b', 'c'],
    labels: [{ labeler: 'sim:0', ratings: [0, 1, 2].map(() => ({ factualness: 4, harmlessness: 4, humanLikeness: 4 })), ranking }],
  });
  assert.equal(labelTieShare([rec([[0, 1], [2]]), rec([[0], [1], [2]])]), 1 / 6); // one tied pair of six
  assert.deepEqual(scoreSpreads([[1, 5, 3], [2, 2]]), [4, 0]);
  assert.deepEqual(meanStd([1, 3]), { mean: 2, std: 1 });
});

test('the files stage 2 writes validate and round-trip through their loaders', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranking-'));
  const prompts = [{ prompt: 'What is the capital of Peru?', factId: 'capital:PE' }, { prompt: 'Which symbol stands for iron?', factId: 'symbol:Fe' }];
  const replies = ['The capital of Peru is Lima.', 'Quito.', 'Ugh, Lima, you idiot.', "I'm not sure.",
    'The symbol for iron is Fe.', 'Fe', 'It is Au.', 'FE FE FE'];
  const candidates = groupIntoSets(prompts, replies, 4);
  writeJsonl(path.join(dir, 'candidates.jsonl'), candidates);
  assert.deepEqual(loadCandidates(path.join(dir, 'candidates.jsonl')), candidates);
  const { records } = rankWithPanel(candidates, { assignment: 'all' });
  writeRankings(path.join(dir, 'rankings.jsonl'), records);
  assert.deepEqual(loadRankings(path.join(dir, 'rankings.jsonl')), records);
  const groups = recordsToPairGroups(records);
  writePairGroups(path.join(dir, 'pairs.jsonl'), groups);
  assert.deepEqual(loadPairGroups(path.join(dir, 'pairs.jsonl')), groups);
  const n = writePreferences(path.join(dir, 'preferences.jsonl'), groups);
  const rows = loadPreferences(path.join(dir, 'preferences.jsonl'));
  assert.equal(rows.length, n);
  assert.equal(n, groups.reduce((s, g) => s + g.pairs.length, 0));
  // A bad pair names file and line.
  fs.appendFileSync(path.join(dir, 'pairs.jsonl'), JSON.stringify({ ...groups[0], pairs: [{ chosen: 0, rejected: 4 }] }) + '\n');
  assert.throws(() => loadPairGroups(path.join(dir, 'pairs.jsonl')), new RegExp(`pairs\\.jsonl:${groups.length + 1}: pairs\\[0\\]\\.rejected must be a response index 0\\.\\.3, got 4`));
  fs.writeFileSync(path.join(dir, 'preferences.jsonl'), '{"prompt":"q","chosen":"a"}\n');
  assert.throws(() => loadPreferences(path.join(dir, 'preferences.jsonl')), /preferences\.jsonl:1: .*rejected/);
  fs.rmSync(dir, { recursive: true });
});
