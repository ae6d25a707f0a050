import { test } from 'node:test';
import assert from 'node:assert/strict';
import { truncate } from '../lib/model/sampling';

/**
 * Top-k then top-p, as Hugging Face applies them: the nucleus is taken over the top-k survivors renormalised.
 * p = [0.1, 0.4, 0.2, 0.3] (ids 0..3): top-2 keeps ids 1 (0.4) and 3 (0.3); renormalised 4/7 ≈ 0.571 and 3/7.
 */
const probs = Float64Array.from([1, 4, 2, 3]); // unnormalised, z = 10
const z = 10;

test('top-k 2 + top-p 0.5: 4/7 ≥ 0.5 keeps id 1 alone (the nucleus over the whole vocabulary would keep 1 and 3)', () => {
  assert.deepEqual(truncate(probs, z, 2, 0.5), [1]);
});

test('top-k 2 + top-p 0.6: 4/7 < 0.6 ≤ 1 keeps both survivors, most likely first', () => {
  assert.deepEqual(truncate(probs, z, 2, 0.6), [1, 3]);
});

test('top-p alone is over the whole vocabulary: 0.4 < 0.5 ≤ 0.7 keeps ids 1 and 3; top-k alone keeps k ids', () => {
  assert.deepEqual(truncate(probs, z, 0, 0.5), [1, 3]);
  assert.deepEqual(truncate(probs, z, 0, 0.75), [1, 3, 2]);
  assert.deepEqual(truncate(probs, z, 3, 1), [1, 3, 2]);
  assert.deepEqual(truncate(probs, z, 0, 1), [0, 1, 2, 3]);
});

test('top-k at least the vocabulary size leaves the nucleus over the whole vocabulary', () => {
  assert.deepEqual(truncate(probs, z, 4, 0.5), [1, 3]);
  assert.deepEqual(truncate(probs, z, 9, 0.5), [1, 3]);
});
