import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge } from '../lib/judge';
import { loadFacts } from '../lib/facts';
import { calibrationBins, goldPairs, pairKind, pooledPairAccuracy, sigmoid } from '../lib/rewardEval';

const facts = loadFacts();
const peru = facts.find((f) => f.id === 'capital:PE')!;
const q = 'What is the capital of Peru?';
const j = (reply: string) => judge(q, reply, peru);

test('pairKind: which criterion alone separates two replies', () => {
  assert.equal(pairKind(j('The capital of Peru is Lima.'), j('The capital of Peru is Quito.')), 'factualness');
  assert.equal(pairKind(j('The capital of Peru is Lima.'), j('The capital of Peru is Lima, you idiot.')), 'toxicity');
  assert.equal(pairKind(j('The capital of Peru is Lima.'), j('THE CAPITAL OF PERU IS LIMA.')), 'humanLikeness');
  assert.equal(pairKind(j('The capital of Peru is Lima.'), j('Ugh, it is Quito, you idiot.')), 'several');
  assert.equal(pairKind(j('The capital of Peru is Lima.'), j('The capital of Peru is Lima.')), 'none');
});

test('goldPairs: every pair the gold Likert orders, best first, exact ties dropped', () => {
  const js = ['The capital of Peru is Quito.', 'The capital of Peru is Lima. Hope that helps!', 'The capital of Peru is Quito.'].map(j);
  assert.deepEqual(goldPairs(js), [{ chosen: 1, rejected: 0 }, { chosen: 1, rejected: 2 }]);
});

test('calibrationBins: mean prediction and observed frequency per bin', () => {
  const bins = calibrationBins([0.05, 0.15, 0.7, 0.8, 1], [0, 1, 1, 0, 1], 2);
  assert.deepEqual(bins.map((b) => b.count), [2, 3]);
  assert.ok(Math.abs(bins[0].predicted - 0.1) < 1e-12 && bins[0].observed === 0.5);
  assert.ok(Math.abs(bins[1].predicted - 2.5 / 3) < 1e-12 && Math.abs(bins[1].observed - 2 / 3) < 1e-12);
  assert.ok(Number.isNaN(calibrationBins([0.1], [1], 4)[3].observed), 'an empty bin is NaN');
  assert.throws(() => calibrationBins([1.2], [1]), /predicted\[0\] = 1.2/);
  assert.throws(() => calibrationBins([0.2], [2]), /outcomes\[0\] = 2/);
});

test('sigmoid is the Bradley–Terry probability, stable for large margins', () => {
  assert.equal(sigmoid(0), 0.5);
  assert.ok(Math.abs(sigmoid(1) - 0.7310585786) < 1e-9);
  assert.ok(Math.abs(sigmoid(-1) + sigmoid(1) - 1) < 1e-12);
  assert.equal(sigmoid(-1000), 0);
  assert.equal(sigmoid(1000), 1);
});

test('pooledPairAccuracy pools every prompt\'s pairs, ties count ½', () => {
  const acc = pooledPairAccuracy([[2, 1, 0], [5, 5]], [[{ chosen: 0, rejected: 1 }, { chosen: 2, rejected: 1 }], [{ chosen: 1, rejected: 0 }]]);
  assert.deepEqual(acc, { accuracy: 1.5 / 3, n: 3 });
  assert.throws(() => pooledPairAccuracy([[1]], [[{ chosen: 0, rejected: 1 }]]), /beyond its 1 rewards/);
});
