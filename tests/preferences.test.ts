/** Rankings → pairs → preference rows, the rankings schema and its loader, and the agreement statistics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  loadRankings, mergeRankings, rankingToPairs, recordsToPairGroups,
  toPreferenceRows, validateRanking, writePreferences, writeRankings, type Label, type RankingRecord,
} from '../lib/labels/preferences';
import { goldAgreement, labelerAgreement, pairOrder } from '../lib/labels/agreement';

const r = (n: number) => ({ factualness: n, harmlessness: n, humanLikeness: n, overall: n });
const label = (labeler: string, ranking: number[][]): Label => ({ labeler, ratings: ranking.flat().map(() => r(4)), ranking });
const record = (labels: Label[], k = labels[0]?.ranking.flat().length ?? 3): RankingRecord => ({
  prompt: 'What is the capital of Peru?',
  factId: 'capital:PE',
  responses: Array.from({ length: k }, (_, i) => `reply ${i}`),
  labels,
});

test('rankingToPairs: a ranking with a tie gives exactly the untied pairs, better tier first', () => {
  // C best, then A and D tied, then B.
  assert.deepEqual(rankingToPairs([[2], [0, 3], [1]]), [
    { chosen: 2, rejected: 0 },
    { chosen: 2, rejected: 3 },
    { chosen: 2, rejected: 1 },
    { chosen: 0, rejected: 1 },
    { chosen: 3, rejected: 1 },
  ]);
  assert.equal(rankingToPairs([[0], [1], [2], [3]]).length, 6); // C(4, 2)
  assert.equal(rankingToPairs([[0], [1], [2], [3], [4], [5], [6], [7], [8]]).length, 36); // C(9, 2)
  assert.deepEqual(rankingToPairs([[0, 1, 2, 3]]), []);
});

test('pairOrder: +1 above, −1 below, 0 tied', () => {
  const ranking = [[2], [0, 3], [1]];
  assert.equal(pairOrder(ranking, 2, 1), 1);
  assert.equal(pairOrder(ranking, 1, 0), -1);
  assert.equal(pairOrder(ranking, 0, 3), 0);
});

test('validateRanking refuses duplicates, gaps, out-of-range indices and empty tiers', () => {
  assert.deepEqual(validateRanking([[1], [0, 2]], 3), [[1], [0, 2]]);
  assert.throws(() => validateRanking([[0, 1], [1], [2]], 3), /response 1 appears twice/);
  assert.throws(() => validateRanking([[0], [2]], 3), /responses 1 are not ranked/);
  assert.throws(() => validateRanking([[0], [1], [3]], 3), /not a response index 0\.\.2/);
  assert.throws(() => validateRanking([[0], [], [1, 2]], 3), /ranking\[1\] must be a non-empty array/);
});

test('pair groups keep one labeler\'s pairs of one prompt together; export is {"prompt","chosen","rejected"}', () => {
  const rec = record([label('sim:0', [[1], [0], [2]]), label('human:ada', [[0, 1, 2]])]);
  const groups = recordsToPairGroups([rec]);
  assert.equal(groups.length, 1); // the all-tied label gives no pairs, so no group
  assert.equal(groups[0].labeler, 'sim:0');
  assert.deepEqual(groups[0].pairs, [{ chosen: 1, rejected: 0 }, { chosen: 1, rejected: 2 }, { chosen: 0, rejected: 2 }]);
  const rows = toPreferenceRows(groups);
  assert.deepEqual(rows[0], { prompt: 'What is the capital of Peru?', chosen: 'reply 1', rejected: 'reply 0' });
  assert.deepEqual(Object.keys(rows[0]), ['prompt', 'chosen', 'rejected']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prefs-'));
  const file = path.join(dir, 'prefs.jsonl');
  assert.equal(writePreferences(file, groups), 3);
  assert.equal(fs.readFileSync(file, 'utf8').split('\n')[2], JSON.stringify({ prompt: 'What is the capital of Peru?', chosen: 'reply 0', rejected: 'reply 2' }));
  fs.rmSync(dir, { recursive: true });
});

test('the rankings loader reports the file and line of a bad record; good files round-trip', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rankings-'));
  const file = path.join(dir, 'rankings.jsonl');
  const good = record([label('sim:0', [[0], [1], [2]])]);
  writeRankings(file, [good, good]);
  assert.deepEqual(loadRankings(file), [good, good]);
  const bad = { ...good, labels: [{ ...good.labels[0], ratings: [r(4), { ...r(4), harmlessness: 8 }, r(4)] }] };
  fs.appendFileSync(file, JSON.stringify(bad) + '\n');
  assert.throws(() => loadRankings(file), (err: Error) => {
    assert.equal(err.message, `${file}:3: labels[0].ratings[1].harmlessness must be an integer from 1 to 7, got 8`);
    return true;
  });
  fs.writeFileSync(file, JSON.stringify({ ...good, labels: [{ ...good.labels[0], labeler: 'bob' }] }) + '\n');
  assert.throws(() => loadRankings(file), /rankings\.jsonl:1: labels\[0\]\.labeler must look like "sim:0" or "human:ada"/);
  fs.writeFileSync(file, '{"prompt": "x",\n');
  assert.throws(() => loadRankings(file), /rankings\.jsonl:1: not valid JSON/);
  fs.rmSync(dir, { recursive: true });
});

test('mergeRankings joins the labels of the same prompt and responses', () => {
  const a = record([label('sim:0', [[0], [1], [2]])]);
  const b = record([label('human:ada', [[2], [1], [0]])]);
  const merged = mergeRankings([a, b]);
  assert.equal(merged.length, 1);
  assert.deepEqual(merged[0].labels.map((l) => l.labeler), ['sim:0', 'human:ada']);
  assert.equal(a.labels.length, 1); // inputs untouched
});

test('labelerAgreement counts pairs both labelers order strictly', () => {
  // Pairs (0,1): disagree; (0,2): agree; (1,2): agree.
  const rec = record([label('sim:0', [[0], [1], [2]]), label('sim:1', [[1], [0], [2]])]);
  const a = labelerAgreement([rec]);
  assert.equal(a.compared, 3);
  assert.equal(a.agreed, 2);
  assert.ok(Math.abs(a.agreement - 2 / 3) < 1e-12);
  assert.deepEqual(a.byPair['sim:0|sim:1'], { agreement: 2 / 3, agreed: 2, compared: 3 });
  // A tie on either side leaves the pair out.
  const tied = record([label('sim:0', [[0, 1], [2]]), label('sim:1', [[1], [0], [2]])]);
  assert.deepEqual(
    (({ agreement, agreed, compared }) => ({ agreement, agreed, compared }))(labelerAgreement([tied])),
    { agreement: 1, agreed: 2, compared: 2 },
  );
});

test('goldAgreement (the noise ceiling) compares labels with gold scores, ties on either side left out', () => {
  const rec = record([label('sim:0', [[0], [1], [2]]), label('sim:1', [[2], [1, 0]])]);
  // Gold: 0 > 1 = 2 (a gold tie between 1 and 2).
  const g = goldAgreement([rec], [[6, 3, 3]]);
  // sim:0: (0,1) agree, (0,2) agree; sim:1: (0,1) tied → out, (0,2) disagree.
  assert.equal(g.compared, 3);
  assert.equal(g.agreed, 2);
  assert.deepEqual(g.byLabeler['sim:0'], { agreement: 1, agreed: 2, compared: 2 });
  assert.deepEqual(g.byLabeler['sim:1'], { agreement: 0, agreed: 0, compared: 1 });
  assert.throws(() => goldAgreement([rec], []), /1 records/);
});
