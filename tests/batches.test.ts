import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenStream, randomWindows, sequentialWindows, chunks } from '../lib/model/batches';
import { startsWithAnswer } from '../lib/eval/recall';
import { Rng } from '../lib/core/rng';

test('tokenStream puts EOS after every document', () => {
  assert.deepEqual(Array.from(tokenStream([[1, 2], [3]], 9)), [1, 2, 9, 3, 9]);
});

test('randomWindows are seeded slices of the stream', () => {
  const s = Int32Array.from({ length: 100 }, (_, i) => i);
  const a = randomWindows(s, 3, 5, new Rng(1));
  assert.deepEqual(a, randomWindows(s, 3, 5, new Rng(1)));
  a.forEach((w) => w.forEach((v, i) => assert.equal(v, w[0] + i)));
  assert.throws(() => randomWindows(s, 1, 101, new Rng(1)), /shorter than a window/);
});

test('sequentialWindows overlap by one token so every target is scored once', () => {
  const s = Int32Array.from({ length: 10 }, (_, i) => i);
  assert.deepEqual(sequentialWindows(s, 4), [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]);
  assert.deepEqual(chunks([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
});

test('startsWithAnswer needs the whole answer word at the start', () => {
  const f = { id: 'capital:PE', kind: 'capital' as const, subject: 'Peru', answer: 'Lima', aliases: [] };
  assert.equal(startsWithAnswer(' Lima.', f), true);
  assert.equal(startsWithAnswer(' Lima, a city', f), true);
  assert.equal(startsWithAnswer(' Limassol', f), false);
  assert.equal(startsWithAnswer(' the city of Lima', f), false);
  const us = { id: 'capital:US', kind: 'capital' as const, subject: 'United States', answer: 'Washington D.C.', aliases: ['Washington'] };
  assert.equal(startsWithAnswer(' Washington.', us), true);
});
