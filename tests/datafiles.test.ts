/**
 * The data readers under bad files: empty files, the three line-ending conventions (with line numbers that stay
 * right), unknown fact ids, chosen = rejected, and labelers who contradict themselves.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseJsonl, readJsonl, splitLines } from '../lib/core/jsonl';
import {
  loadCandidates, loadPairGroups, loadPreferences, loadRankings, preferenceContradictions, toPreferenceRows,
  validateCandidateSet, type Label, type PairGroup, type RankingRecord,
} from '../lib/labels/preferences';
import { loadDemonstrations, loadPromptSet } from '../lib/world/datasets';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datafiles-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes `text` to a new file of the temp folder and returns its path. */
function file(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

const lines = (values: unknown[], eol = '\n'): string => values.map((v) => JSON.stringify(v) + eol).join('');
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const PERU = 'What is the capital of Peru?';
const set = { prompt: PERU, factId: 'capital:PE', responses: ['Lima.', 'Quito.', 'It is Lima.'] };
const r4 = { factualness: 4, harmlessness: 4, humanLikeness: 4 };
const label = (labeler: string, ranking: number[][]): Label => ({ labeler, ratings: [r4, r4, r4], ranking });
const record = (...labels: Label[]): RankingRecord => ({ ...set, labels });
const group = (labeler: string, pairs: [number, number][]): PairGroup => ({ ...set, labeler, pairs: pairs.map(([chosen, rejected]) => ({ chosen, rejected })) });

test('an empty or blank file where records are required is an error naming the file', () => {
  for (const [name, text] of [['empty.jsonl', ''], ['blank.jsonl', '\n \r\n\r']]) {
    const f = file(name, text);
    const message = new RegExp(`^Error: ${esc(f)}: no records \\(the file is (empty|blank)\\); it must hold at least one JSON line$`);
    assert.throws(() => loadCandidates(f), message);
    assert.throws(() => loadRankings(f), message);
    assert.throws(() => loadPairGroups(f), message);
    assert.throws(() => loadPreferences(f), message);
    assert.throws(() => loadDemonstrations(f), message);
    assert.throws(() => loadPromptSet('ranking', f), message);
    assert.deepEqual(readJsonl(f, validateCandidateSet, { allowEmpty: true }), []);
  }
});

test('LF, CRLF and lone-CR files read the same records, and a bad line is named with its editor line number', () => {
  assert.deepEqual(splitLines('a\r\nb\rc\nd'), ['a', 'b', 'c', 'd']);
  const records = [set, { ...set, prompt: 'Name the capital of Peru.' }, { ...set, prompt: 'Capital of Peru?' }];
  for (const [name, eol] of [['lf', '\n'], ['crlf', '\r\n'], ['cr', '\r']]) {
    const good = file(`good-${name}.jsonl`, lines(records, eol));
    assert.deepEqual(loadCandidates(good), records, name);
    // Line 1 blank, 2 and 3 good, 4 broken: the error says line 4 under every convention.
    const bad = file(`bad-${name}.jsonl`, eol + lines(records.slice(0, 2), eol) + '{"prompt": "x",' + eol + lines(records.slice(2), eol));
    assert.throws(() => loadCandidates(bad), new RegExp(`^JsonlError: ${esc(bad)}:4: not valid JSON`), name);
    // A record the validator refuses, on line 3.
    const invalid = file(`invalid-${name}.jsonl`, lines([set, set, { ...set, responses: ['one'] }], eol));
    assert.throws(() => loadCandidates(invalid), new RegExp(`^JsonlError: ${esc(invalid)}:3: field "responses" must be an array of at least 2 strings`), name);
  }
  // A byte-order mark does not break the first line.
  assert.equal(parseJsonl('\uFEFF{"a":1}\r\n', (v) => v).length, 1);
});

test('a fact id the world does not have is an error naming file, line and id', () => {
  const unknown = { ...set, factId: 'capital:XX' };
  const message = (f: string, line: number) => new RegExp(`^JsonlError: ${esc(f)}:${line}: unknown fact id "capital:XX": not a fact of the world \\(data/facts\\.json\\)$`);
  let f = file('facts-candidates.jsonl', lines([set, unknown]));
  assert.throws(() => loadCandidates(f), message(f, 2));
  f = file('facts-rankings.jsonl', lines([{ ...unknown, labels: [label('sim:0', [[0], [1], [2]])] }]));
  assert.throws(() => loadRankings(f), message(f, 1));
  f = file('facts-pairs.jsonl', lines([group('sim:0', [[0, 1]]), { ...group('sim:1', [[0, 1]]), factId: 'capital:XX' }]));
  assert.throws(() => loadPairGroups(f), message(f, 2));
  f = file('facts-prompts.jsonl', lines([{ prompt: PERU, factId: 'capital:PE' }, { prompt: 'What is the capital of Atlantis?', factId: 'capital:XX' }]));
  assert.throws(() => loadPromptSet('ranking', f), message(f, 2));
  f = file('facts-demos.jsonl', lines([{ prompt: PERU, completion: 'Lima.', style: 'good', factId: 'capital:XX' }]));
  assert.throws(() => loadDemonstrations(f), message(f, 1));
  // Another world's ids can be given.
  f = file('facts-other.jsonl', lines([unknown]));
  assert.deepEqual(loadCandidates(f, { factIds: new Set(['capital:XX']) }), [unknown]);
});

test('chosen = rejected is an error naming file and line (pairs: the same index; preferences: the same text)', () => {
  let f = file('same-pairs.jsonl', lines([group('sim:0', [[0, 1]]), group('sim:1', [[0, 2], [1, 1]])]));
  assert.throws(() => loadPairGroups(f), new RegExp(`^JsonlError: ${esc(f)}:2: pairs\\[1\\]: chosen and rejected are the same response 1$`));
  f = file('same-prefs.jsonl', lines([{ prompt: PERU, chosen: 'Lima.', rejected: 'Quito.' }, { prompt: PERU, chosen: 'Lima.', rejected: 'Lima.' }]));
  assert.throws(() => loadPreferences(f), new RegExp(`^JsonlError: ${esc(f)}:2: "chosen" and "rejected" are the same reply "Lima\\."$`));
  // Two samples with the same text at different indices: the export leaves their pair out.
  const twins: PairGroup = { ...set, responses: ['Lima.', 'Quito.', 'Lima.'], labeler: 'sim:0', pairs: [{ chosen: 0, rejected: 1 }, { chosen: 0, rejected: 2 }, { chosen: 1, rejected: 2 }] };
  assert.deepEqual(toPreferenceRows([twins]), [{ prompt: PERU, chosen: 'Lima.', rejected: 'Quito.' }, { prompt: PERU, chosen: 'Quito.', rejected: 'Lima.' }]);
});

test('pairs: one labeler ordering the same two responses both ways is an error naming both lines; two labelers may disagree', () => {
  // sim:0 says 0 > 1 on line 1 and 1 > 0 on line 3; sim:1's opposite view on line 2 is no error.
  let f = file('contra-pairs.jsonl', lines([group('sim:0', [[0, 1], [0, 2]]), group('sim:1', [[1, 0]]), group('sim:0', [[2, 1], [1, 0]])]));
  assert.throws(() => loadPairGroups(f), new RegExp(`^JsonlError: ${esc(f)}:3: sim:0 puts response 1 above 0 for "What is the capital of Peru\\?", but on line 1 the other way round \\(one labeler must not contradict themself; remove one of the two\\)$`));
  f = file('disagree-pairs.jsonl', lines([group('sim:0', [[0, 1]]), group('sim:1', [[1, 0]]), group('human:ada', [[1, 0]])]));
  assert.equal(loadPairGroups(f).length, 3);
  // Within one line.
  f = file('contra-line.jsonl', lines([group('sim:0', [[0, 2], [2, 0]])]));
  assert.throws(() => loadPairGroups(f), new RegExp(`${esc(f)}:1: sim:0 puts response 2 above 0 .* but on this same line the other way round`));
  // The same labeler on another prompt (or other responses) is not a contradiction.
  f = file('other-prompt.jsonl', lines([group('sim:0', [[0, 1]]), { ...group('sim:0', [[1, 0]]), responses: ['Lima.', 'Quito.', 'Lima!'] }]));
  assert.equal(loadPairGroups(f).length, 2);
});

test('rankings: a labeler contradicting themself across lines or within a record is an error; labelers disagreeing is not', () => {
  let f = file('contra-rankings.jsonl', lines([record(label('sim:0', [[0], [1], [2]]), label('sim:1', [[2], [1], [0]])), record(label('human:ada', [[1], [0, 2]])), record(label('sim:0', [[0], [2], [1]]))]));
  assert.throws(() => loadRankings(f), new RegExp(`^JsonlError: ${esc(f)}:3: sim:0 puts response 2 above 1 for "What is the capital of Peru\\?", but on line 1 the other way round`));
  f = file('contra-record.jsonl', lines([record(label('human:ada', [[0], [1, 2]]), label('human:ada', [[1], [0], [2]]))]));
  assert.throws(() => loadRankings(f), new RegExp(`${esc(f)}:1: human:ada puts response 1 above 0 .* on this same line`));
  // Ties contradict nothing; consistent repeats are allowed; other labelers may disagree.
  f = file('fine-rankings.jsonl', lines([record(label('sim:0', [[0], [1], [2]]), label('sim:1', [[2], [1], [0]])), record(label('sim:0', [[0, 1], [2]]))]));
  assert.equal(loadRankings(f).length, 2);
});

test('preferences: rows ordering two replies both ways are reported with their lines, not refused', () => {
  const f = file('contra-prefs.jsonl', lines([
    { prompt: PERU, chosen: 'Lima.', rejected: 'Quito.' },
    { prompt: PERU, chosen: 'Lima.', rejected: 'It is Lima.' },
    { prompt: 'Capital of Peru?', chosen: 'Quito.', rejected: 'Lima.' },
    { prompt: PERU, chosen: 'Quito.', rejected: 'Lima.' },
  ]));
  assert.equal(loadPreferences(f).length, 4);
  const found = preferenceContradictions(f);
  assert.equal(found.length, 1);
  assert.deepEqual(found[0].lines, [1, 4]);
  assert.equal(found[0].message, `${f}:1 and ${f}:4: "What is the capital of Peru?" prefers "Lima." on the first and "Quito." on the second`);
});
