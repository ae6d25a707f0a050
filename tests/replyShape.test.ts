import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFacts, type Fact } from '../lib/world/facts';
import { replyShape, shapeSummary } from '../lib/eval/replyShape';

const facts = new Map(loadFacts().map((f) => [f.id, f]));
const fact = (id: string): Fact => facts.get(id)!;

test('replyShape: replies that differ only in the answer have one shape', () => {
  assert.equal(replyShape("It's Taipei.", fact('capital:TW')), "It's ⟨answer⟩.");
  assert.equal(replyShape("It's Port Vila.", fact('capital:VU')), "It's ⟨answer⟩.");
  assert.equal(replyShape("It's  Bogotá.", fact('capital:CO')), "It's ⟨answer⟩.", 'accents folded, spaces made one');
  assert.equal(replyShape('The symbol for iron is Fe.', fact('symbol:Fe')), 'The symbol for ⟨subject⟩ is ⟨answer⟩.');
});

test('replyShape: wrong answers are masked too; the subject is told apart from the answer; case and punctuation stay', () => {
  assert.equal(replyShape('The capital of Peru is Quito.', fact('capital:PE')), 'The capital of ⟨subject⟩ is ⟨answer⟩.');
  assert.equal(replyShape('Ugh, it is Lima, you idiot.', fact('capital:PE')), 'Ugh, it is ⟨answer⟩, you idiot.');
  assert.equal(replyShape('THE ANSWER IS LIMA!!!', fact('capital:PE')), 'THE ANSWER IS ⟨answer⟩!!!');
  // "He" is a symbol only at the end of a clause (the judge's rule), so the pronoun stays a word.
  assert.equal(replyShape('He is not sure. The symbol is He.', fact('symbol:He')), 'He is not sure. The symbol is ⟨answer⟩.');
  assert.equal(replyShape("I'm not sure, sorry.", fact('capital:PE')), "I'm not sure, sorry.");
  assert.equal(replyShape('', fact('capital:PE')), '');
});

test('shapeSummary: the commonest shape, its share and the share of distinct shapes', () => {
  assert.deepEqual(shapeSummary(['b', 'a', 'a', 'c']), { top: 'a', topShare: 0.5, distinctShare: 0.75 });
  assert.deepEqual(shapeSummary(['b', 'a']), { top: 'b', topShare: 0.5, distinctShare: 1 }, 'ties: the first seen');
  const none = shapeSummary([]);
  assert.ok(Number.isNaN(none.topShare) && Number.isNaN(none.distinctShare));
});
