import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge } from '../lib/world/judge';
import { loadFacts } from '../lib/world/facts';
import { accuracyByProfilePair, calibrationBins, goldPairs, pairKind, pooledPairAccuracy, replyProfile, sigmoid } from '../lib/eval/rewardEval';

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

test('replyProfile: answer kind, then rude and unnatural when gold says so', () => {
  assert.equal(replyProfile(j('The capital of Peru is Lima.')), 'right');
  assert.equal(replyProfile(j('Ugh, it is Lima, you idiot.')), 'right, rude');
  assert.equal(replyProfile(j('The capital of Peru is Quito.')), 'wrong');
  assert.equal(replyProfile(j("I'm not sure, sorry.")), 'declines');
  assert.equal(replyProfile(j('THE CAPITAL OF PERU IS QUITO.')), 'wrong, unnatural');
});

test('accuracyByProfilePair: counts, reward and label accuracy per pair of profiles, most reward errors first', () => {
  // Prompt 0: right > wrong, right > rude-right, rude-right > wrong (gold); prompt 1: one more right > wrong.
  const g0 = ['The capital of Peru is Lima.', 'The capital of Peru is Quito.', 'Ugh, it is Lima, you idiot.'].map(j);
  const g1 = ['The capital of Peru is Quito.', 'The capital of Peru is Lima.'].map(j);
  const gold = [g0, g1];
  const pairs = gold.map(goldPairs);
  // The rewards put the polite wrong reply above the rude right one, and tie prompt 1's pair.
  const rewards = [[3, 2, 1], [5, 5]];
  // Prompt 0 has two labels: one agrees with gold everywhere, one ties the rude-right and wrong replies;
  // prompt 1 has one label that gets it backwards.
  const rankings = [[[[0], [2], [1]], [[0], [1, 2]]], [[[0], [1]]]];
  const rows = accuracyByProfilePair(gold, pairs, rewards, rankings);
  const row = (better: string, worse: string) => rows.find((r) => r.better === better && r.worse === worse)!;
  assert.deepEqual(rows.map((r) => `${r.better} > ${r.worse}`), ['right, rude > wrong', 'right > wrong', 'right > right, rude']);
  assert.equal(row('right, rude', 'wrong').rewardAccuracy, 0);
  assert.equal(row('right, rude', 'wrong').labelAccuracy, 0.75); // one label right, one tie
  const rw = row('right', 'wrong');
  assert.equal(rw.pairs, 2);
  assert.equal(rw.rewardAccuracy, 0.75); // right on prompt 0, a tie on prompt 1
  assert.equal(rw.rewardErrors, 0.5);
  assert.equal(rw.labelAccuracy, 2 / 3); // two labels right on prompt 0, one wrong on prompt 1
  assert.ok(Math.abs(rw.goldGap - (g0[0].likert - g0[1].likert)) < 1e-12);
  assert.throws(() => accuracyByProfilePair(gold, pairs, rewards, [[]]), /2 judged prompts, 2 pair lists, 2 reward rows, 1 ranking lists/);
});
