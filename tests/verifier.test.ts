import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Fact } from '../lib/world/facts';
import { createVerifier } from '../lib/world/verifier';

const facts: Fact[] = [
  { id: 'capital:PE', kind: 'capital', subject: 'Peru', answer: 'Lima', aliases: [] },
  { id: 'capital:EC', kind: 'capital', subject: 'Ecuador', answer: 'Quito', aliases: [] },
  { id: 'symbol:Fe', kind: 'symbol', subject: 'iron', answer: 'Fe', aliases: [] },
  { id: 'symbol:Na', kind: 'symbol', subject: 'sodium', answer: 'Na', aliases: [] },
];
const verify = createVerifier(facts);
const [peru, , iron] = facts;

test('the verifier pays 1 for the right answer alone, whatever the tone', () => {
  assert.equal(verify('The capital of Peru is Lima.', peru), 1);
  assert.equal(verify('Ugh, it is Lima, obviously.', peru), 1, 'rudeness is not its business');
  assert.equal(verify('The symbol for iron is Fe.', iron), 1);
});

test('a wrong answer, a second candidate, a denial or no answer pays 0', () => {
  assert.equal(verify('The capital of Peru is Quito.', peru), 0);
  assert.equal(verify('It is Lima or Quito.', peru), 0);
  assert.equal(verify('It is not Lima.', peru), 0);
  assert.equal(verify("I'm not sure, sorry.", peru), 0);
  assert.equal(verify('The symbol for iron is Na.', iron), 0);
});
