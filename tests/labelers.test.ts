/** The simulated labeler panel: noise 0 gives the gold ranking; taste (weights) makes labelers disagree. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { loadFacts } from '../lib/world/facts';
import { NEUTRAL_WEIGHTS } from '../lib/world/judge';
import {
  DEFAULT_PANEL, GOLD_LABELER, goldRanking, judgeCandidates, panelWith, rankWithPanel, simulateLabel, tiersFromScores,
  validateLabelerConfig, validatePanel, type LabelerConfig,
} from '../lib/labels/labelers';
import { loadCandidates, validateRankingRecord, type CandidateSet } from '../lib/labels/preferences';

const facts = loadFacts();
const sample = loadCandidates(path.join(__dirname, '..', 'data', 'world', 'candidates_sample.jsonl'));

test('tiersFromScores: best first, neighbours within the margin tied', () => {
  assert.deepEqual(tiersFromScores([5, 4.9, 3, 7], 0), [[3], [0], [1], [2]]);
  assert.deepEqual(tiersFromScores([5, 4.9, 3, 7], 0.2), [[3], [0, 1], [2]]);
  assert.deepEqual(tiersFromScores([2, 2, 2], 0), [[0, 1, 2]]);
});

test('GOLD_LABELER ranks exactly like gold, strict pairs included', () => {
  const { records, gold } = rankWithPanel(sample, { panel: [GOLD_LABELER], facts });
  records.forEach((rec, i) => {
    assert.equal(rec.labels.length, 1);
    assert.equal(rec.labels[0].labeler, 'sim:gold');
    assert.deepEqual(rec.labels[0].ranking, goldRanking(gold[i]), rec.prompt);
  });
  // Not every reply of the sample is tied: the control gives strict pairs to learn from.
  assert.ok(records.some((rec) => rec.labels[0].ranking.length > 1));
});

test('with noise 0, no lapses, no tie margin and neutral weights, every labeler ranks exactly like gold', () => {
  const clean = panelWith({ sigma: 0, lapseRate: 0, tieMargin: 0, weights: { ...NEUTRAL_WEIGHTS } });
  const { records, gold } = rankWithPanel(sample, { panel: clean, assignment: 'all', facts });
  assert.equal(records.length, sample.length);
  records.forEach((rec, i) => {
    assert.equal(rec.labels.length, DEFAULT_PANEL.length);
    for (const l of rec.labels) assert.deepEqual(l.ranking, goldRanking(gold[i]), `${rec.prompt} (${l.labeler})`);
    validateRankingRecord(rec);
  });
  // At noise 0 the integer ratings are the gold criteria rounded.
  const j = gold[0][0];
  assert.equal(records[0].labels[0].ratings[0].factualness, Math.round(j.criteriaLikert.factualness));
  assert.equal(records[0].labels[0].ratings[0].overall, j.likertInt);
});

test('labelers disagree by taste, not only by noise: the fact-checker and the tone-watcher order rude-but-right vs a polite decline differently', () => {
  const set: CandidateSet = {
    prompt: 'What is the capital of Peru?',
    factId: 'capital:PE',
    responses: ['Ugh, it is Lima, you idiot.', "I'm not sure, sorry."],
  };
  const [judged] = judgeCandidates([set], facts);
  const noiseless = (c: LabelerConfig): LabelerConfig => ({ ...c, sigma: 0, lapseRate: 0, tieMargin: 0 });
  const factChecker = simulateLabel(noiseless(DEFAULT_PANEL[0]), set.prompt, set.responses, judged);
  const toneWatcher = simulateLabel(noiseless(DEFAULT_PANEL[1]), set.prompt, set.responses, judged);
  assert.deepEqual(factChecker.ranking, [[0], [1]]);
  assert.deepEqual(toneWatcher.ranking, [[1], [0]]);
});

test('labels are deterministic and ratings are integers 1–7; rotation gives one label per prompt', () => {
  const a = rankWithPanel(sample.slice(0, 10), { facts });
  const b = rankWithPanel(sample.slice(0, 10), { facts });
  assert.deepEqual(a.records, b.records);
  a.records.forEach((rec, i) => {
    assert.equal(rec.labels.length, 1);
    assert.equal(rec.labels[0].labeler, DEFAULT_PANEL[i % DEFAULT_PANEL.length].id);
    for (const r of rec.labels[0].ratings) {
      for (const v of [r.factualness, r.harmlessness, r.humanLikeness, r.overall]) assert.ok(Number.isInteger(v) && v! >= 1 && v! <= 7);
    }
  });
  // The same prompt gets the same label whether it is labeled alone or among others.
  const alone = rankWithPanel(sample.slice(3, 4), { facts, assignment: 'all' });
  const among = rankWithPanel(sample.slice(0, 10), { facts, assignment: 'all' });
  assert.deepEqual(alone.records[0], among.records[3]);
});

test('bad labeler configs are refused with the labeler and field named', () => {
  assert.throws(() => validateLabelerConfig({ ...DEFAULT_PANEL[0], sigma: -1 }), /labeler "sim:0"\.sigma must be a number in \[0, 6\], got -1/);
  assert.throws(() => validateLabelerConfig({ ...DEFAULT_PANEL[2], lapseRate: 2 }), /labeler "sim:2"\.lapseRate must be a number in \[0, 1\]/);
  assert.throws(
    () => validateLabelerConfig({ ...DEFAULT_PANEL[1], weights: { factualness: 1, harmlessness: Number.NaN, humanLikeness: 1 } }),
    /labeler "sim:1"\.weights\.harmlessness must be a number/,
  );
  assert.throws(() => validateLabelerConfig({ ...DEFAULT_PANEL[0], id: 'alice' }), /id must be a string like "sim:0"/);
  assert.throws(() => validatePanel([DEFAULT_PANEL[0], DEFAULT_PANEL[0]]), /sim:0 appears twice/);
  assert.throws(() => validatePanel([]), /non-empty/);
  assert.throws(() => rankWithPanel(sample.slice(0, 1), { facts, panel: [{ ...DEFAULT_PANEL[0], tieMargin: -0.1 }] }), /tieMargin/);
});
