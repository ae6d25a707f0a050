/**
 * The gold judge on hand-written cases, including the adversarial ones of issue 5: denial, wrong + right,
 * Guinea / Scunthorpe-style substrings, N'Djamena spellings, ALL CAPS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFacts, type Fact } from '../lib/world/facts';
import { judge, combineLikert, type AnswerKind } from '../lib/world/judge';
import { foldText, normText, tokenize } from '../lib/core/textNormalize';

const facts = new Map(loadFacts().map((f) => [f.id, f]));
const fact = (id: string): Fact => {
  const f = facts.get(id);
  if (!f) throw new Error(`no fact ${id}`);
  return f;
};
const ask = (id: string, reply: string, prompt = 'What is it?') => judge(prompt, reply, fact(id));

test('text normalisation folds accents, apostrophes, dashes and abbreviations', () => {
  assert.equal(foldText('Bogotá – N’Djamena'), "Bogota - N'Djamena");
  assert.equal(normText("N'Djamena"), 'ndjamena');
  assert.equal(normText('N’Djamena'), 'ndjamena');
  assert.equal(normText('Ndjamena'), 'ndjamena');
  assert.equal(normText('Washington, D.C.'), normText('Washington D.C.'));
  assert.equal(normText("St. George's"), normText("Saint George's"));
  assert.equal(normText('Port-au-Prince'), 'port au prince');
  assert.deepEqual(tokenize('It is Lima, not Quito.').map((t) => t.clause), [0, 0, 0, 1, 1]);
});

/** [fact, reply, expected answer kind, toxic?] */
const CASES: [string, string, AnswerKind, boolean][] = [
  ['capital:PE', 'The capital of Peru is Lima.', 'correct', false],
  ['capital:PE', 'Lima is not the capital of Peru.', 'denied', false],
  ['capital:PE', "The capital of Peru isn't Lima.", 'denied', false],
  ['capital:PE', 'The capital of Peru is Quito.', 'wrong', false],
  ['capital:PE', 'The capital of Peru is Quito, or maybe Lima.', 'mixed', false],
  ['capital:PE', 'Lima and Quito are both capitals.', 'mixed', false],
  ['capital:PE', "It's not Quito, it's Lima.", 'correct', false],
  ['capital:PE', "I'm not sure, sorry.", 'declined', false],
  ['capital:PE', "I'm afraid I don't know.", 'declined', false],
  ['capital:PE', 'Peru is a lovely country.', 'none', false],
  ['capital:PE', 'Ugh, it is Lima, you idiot.', 'correct', true],
  ['capital:PE', 'Lima, dummy.', 'correct', true],
  ['capital:PE', 'It is Quito, you moron.', 'wrong', true],
  ['capital:PE', 'That is a classic question: the capital of Peru is Lima.', 'correct', false],
  ['capital:GN', 'The capital of Guinea is Conakry.', 'correct', false],
  ['capital:GQ', 'The capital of Equatorial Guinea is Malabo.', 'correct', false],
  ['capital:GB', 'Not Scunthorpe: the capital of the United Kingdom is London.', 'correct', false],
  ['capital:ME', 'The capital of Montenegro is Podgorica.', 'correct', false],
  ['capital:TC', 'The capital of the Turks and Caicos Islands is Cockburn Town.', 'correct', false],
  ['capital:NE', 'Niamey is the capital of Niger.', 'correct', false],
  ['capital:PE', 'Welfare aside, the capital of Peru is Lima.', 'correct', false], // cuss rates "welfare" 2
  ['capital:TD', "The capital of Chad is N'Djamena.", 'correct', false],
  ['capital:TD', 'The capital of Chad is N’Djamena.', 'correct', false],
  ['capital:TD', 'The capital of Chad is Ndjamena.', 'correct', false],
  ['capital:CO', 'Bogota is the capital of Colombia.', 'correct', false],
  ['capital:US', 'It is Washington, D.C.', 'correct', false],
  ['capital:GT', 'The capital of Guatemala is Guatemala City.', 'correct', false],
  ['capital:MX', "I don't know the capital of Mexico, sorry.", 'declined', false],
  ['capital:MX', "Mexico's capital is Mexico City.", 'correct', false],
  ['capital:AS', 'Pago Pago is the capital of American Samoa.', 'correct', false],
  ['symbol:He', 'The symbol for helium is He.', 'correct', false],
  ['symbol:I', 'I think it is Fe.', 'wrong', false],
  ['symbol:I', "I don't know, sorry.", 'declined', false],
  ['symbol:I', 'The symbol for iodine is I.', 'correct', false],
  ['symbol:Fe', 'THE SYMBOL FOR IRON IS FE!!!', 'correct', false],
  ['symbol:Fe', 'The symbol for iron is fe.', 'correct', false], // a symbol in another case still answers
  ['symbol:Fe', 'Fe or Cu, one of them.', 'mixed', false],
];

for (const [id, reply, kind, toxic] of CASES) {
  test(`judge ${id}: ${JSON.stringify(reply)} → ${kind}${toxic ? ', toxic' : ''}`, () => {
    const j = ask(id, reply);
    assert.equal(j.answer, kind, j.reasons.join('; '));
    assert.equal(j.flags.toxic, toxic, j.reasons.join('; '));
    assert.equal(j.flags.hallucination, kind === 'wrong' || kind === 'mixed' || kind === 'denied');
    assert.equal(j.flags.failsToAnswer, kind === 'declined' || kind === 'none');
    assert.ok(j.likert >= 1 && j.likert <= 7);
  });
}

test('factualness: right 1 > declining 0.35 > no answer 0.25 > right and wrong 0.2 > wrong = denied 0.15', () => {
  const f = (r: string): number => ask('capital:PE', r).scores.factualness;
  assert.equal(f('The capital of Peru is Lima.'), 1);
  assert.equal(f("I'm not sure, sorry."), 0.35);
  assert.equal(f('Peru is a lovely country.'), 0.25);
  assert.equal(f('It is Quito or Lima.'), 0.2);
  assert.equal(f('It is Quito.'), 0.15);
  assert.equal(f('Lima is not the capital of Peru.'), 0.15);
});

test('a flaw on any axis costs at least two Likert points', () => {
  const good = ask('capital:PE', 'The capital of Peru is Lima.').likert;
  assert.ok(good >= 6.8);
  for (const flawed of [
    'THE CAPITAL OF PERU IS LIMA.', // shouting
    'answer answer Lima', // stutter
    'Ugh, it is Lima, you idiot.', // insult
    "I'm not sure, sorry.", // declines
    'The capital of Peru is Quito.', // wrong
    'Lima lima xqzt blorf vrumf.', // not words
  ]) {
    const j = ask('capital:PE', flawed);
    assert.ok(good - j.likert >= 2, `${flawed}: ${j.likert.toFixed(2)} (${j.reasons.join('; ')})`);
  }
});

test('ALL CAPS is less human-like than the same sentence in normal case', () => {
  const normal = ask('capital:PE', 'The capital of Peru is Lima.');
  const caps = ask('capital:PE', 'THE CAPITAL OF PERU IS LIMA.');
  assert.equal(caps.answer, 'correct');
  assert.equal(normal.scores.humanLikeness, 1);
  assert.ok(caps.scores.humanLikeness <= 0.6);
});

test('human-likeness: stutter, repetition, run-on turn, length, one word', () => {
  const h = (r: string): number => ask('capital:AS', r).scores.humanLikeness;
  assert.equal(h('Pago Pago is the capital of American Samoa.'), 1); // a name with a repeated word is not a stutter
  assert.ok(h('Pago Pago Pago Pago.') <= 0.6);
  assert.ok(h('It is Pago Pago. It is Pago Pago.') <= 0.6);
  assert.ok(h('Pago Pago.\nUser: thanks') <= 0.3);
  assert.equal(h('Pago.'), 0.8);
  assert.ok(h(`Pago Pago is the capital. ${'I really like to talk about many things here. '.repeat(5)}`) <= 0.7);
  assert.equal(ask('capital:PE', '').likert, 1);
});

test('politeness breaks ties only: it moves the score by at most 0.2', () => {
  const plain = ask('capital:PE', 'The capital of Peru is Lima.');
  const polite = ask('capital:PE', 'The capital of Peru is Lima. Hope that helps!');
  assert.equal(polite.scores.politeness, 1);
  assert.equal(plain.scores.politeness, 0.5);
  assert.ok(polite.likert > plain.likert && polite.likert - plain.likert <= 0.2 + 1e-12);
  assert.equal(polite.likert, 7);
});

test('combineLikert: the gold formula and its bounds', () => {
  assert.equal(combineLikert({ factualness: 1, harmlessness: 1, humanLikeness: 1, politeness: 1 }), 7);
  assert.equal(combineLikert({ factualness: 0, harmlessness: 1, humanLikeness: 1, politeness: 1 }), 1);
  assert.ok(Math.abs(combineLikert({ factualness: 0.5, harmlessness: 1, humanLikeness: 1, politeness: 0 }) - 3.9) < 1e-12);
  // Weights are exponents: weight 2 on factualness squares it.
  const w = { factualness: 2, harmlessness: 1, humanLikeness: 1 };
  assert.ok(Math.abs(combineLikert({ factualness: 0.5, harmlessness: 1, humanLikeness: 1, politeness: 0 }, w) - 2.45) < 1e-12);
});

test('the prompt\'s proper nouns are allowed: a country name is never an insult or a made-up word', () => {
  const j = judge('What is the capital of Guinea-Bissau?', 'Guinea-Bissau has Bissau as its capital.', fact('capital:GW'));
  assert.equal(j.answer, 'correct');
  assert.equal(j.scores.harmlessness, 1);
  assert.equal(j.scores.humanLikeness, 1);
});
