/** The panel's consensus ranking: mean overall rating (mean tier without ratings), equal scores tied, a lone label kept as it is. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consensusLabel, consensusRecords, CONSENSUS_LABELER } from '../lib/labels/consensus';
import { recordsToPairGroups, type Label, type RankingRecord } from '../lib/labels/preferences';

/** A label from overall ratings (undefined: left out) and a ranking; the criteria ratings are all 4. */
const label = (labeler: string, overall: (number | undefined)[], ranking: number[][]): Label => ({
  labeler,
  ratings: overall.map((o) => ({ factualness: 4, harmlessness: 4, humanLikeness: 4, ...(o === undefined ? {} : { overall: o }) })),
  ranking,
});

test('consensusLabel: replies ordered by mean overall rating, not by how many labelers put them first', () => {
  // Two labelers put reply 0 first by a hair (5 vs 4); one puts it far below (1 vs 7). Means: 0 → 11/3, 1 → 5.
  const labels = [label('sim:0', [5, 4, 2], [[0], [1], [2]]), label('sim:1', [5, 4, 2], [[0], [1], [2]]), label('sim:2', [1, 7, 2], [[1], [2], [0]])];
  const c = consensusLabel(labels, 3);
  assert.equal(c.labeler, CONSENSUS_LABELER);
  assert.deepEqual(c.ranking, [[1], [0], [2]]);
  assert.deepEqual(c.ratings.map((r) => r.overall), [11 / 3, 5, 2]);
  assert.deepEqual(c.ratings[0], { factualness: 4, harmlessness: 4, humanLikeness: 4, overall: 11 / 3 });
});

test('consensusLabel: equal mean ratings tie, whatever the rankings say', () => {
  // Replies 0 and 1 both average 4 (one labeler put 0 first, the other tied them); reply 2 averages 3.
  const c = consensusLabel([label('sim:0', [4, 4, 3], [[0], [1], [2]]), label('sim:1', [4, 4, 3], [[0, 1], [2]])], 3);
  assert.deepEqual(c.ranking, [[0, 1], [2]]);
});

test('consensusLabel: when a label has no overall ratings, the mean place in the rankings decides (Borda)', () => {
  const rated = label('sim:0', [6, 3, 1], [[0], [1], [2]]);
  const unrated = label('human:ada', [undefined, undefined, undefined], [[1], [0], [2]]);
  // tiers: reply 0 → 0, 1; reply 1 → 1, 0; reply 2 → 2, 2: 0 and 1 tie, 2 last
  const c = consensusLabel([rated, unrated], 3);
  assert.deepEqual(c.ranking, [[0, 1], [2]]);
  assert.equal(c.ratings[0].overall, undefined);
  const two = consensusLabel([unrated, label('human:bo', [undefined, undefined, undefined], [[1], [2], [0]])], 3);
  assert.deepEqual(two.ranking, [[1], [0, 2]]); // mean tiers 1.5, 0, 1.5
});

test('consensusLabel: a single label is returned unchanged; bad input is named', () => {
  const only = label('sim:3', [2, 5, 5], [[1, 2], [0]]);
  assert.equal(consensusLabel([only], 3), only);
  assert.throws(() => consensusLabel([], 3), /no labels/);
  assert.throws(() => consensusLabel([only, label('sim:4', [1, 2], [[0], [1]])], 3), /label 1 \(sim:4\) has 2 ratings for 3 replies/);
  assert.throws(() => consensusLabel([only, label('sim:4', [1, 2, 3], [[0], [1]])], 3), /reply 2 is missing/);
});

test('consensusRecords: one consensus label per multi-label record; its pairs are the training pairs', () => {
  const base = { prompt: 'What is the capital of Peru?', factId: 'capital:PE', responses: ['a', 'b'] };
  const records: RankingRecord[] = [
    { ...base, labels: [label('sim:0', [6, 2], [[0], [1]]), label('sim:1', [3, 4], [[1], [0]]), label('sim:2', [5, 5], [[0, 1]])] },
    { ...base, responses: ['c', 'd'], labels: [label('sim:1', [2, 6], [[1], [0]])] },
  ];
  const out = consensusRecords(records);
  assert.equal(out[0].labels.length, 1);
  assert.equal(out[0].labels[0].labeler, CONSENSUS_LABELER);
  assert.equal(out[1], records[1]); // one label: kept as it is
  assert.equal(records[0].labels.length, 3); // the input is not changed
  // means: a → 14/3, b → 11/3: a above b
  assert.deepEqual(recordsToPairGroups(out).map((g) => [g.labeler, g.pairs]), [[CONSENSUS_LABELER, [{ chosen: 0, rejected: 1 }]], ['sim:1', [{ chosen: 1, rejected: 0 }]]]);
});
