import { loadFacts } from '../../../lib/world/facts';
import { judge } from '../../../lib/world/judge';
import type { BadInputCase } from '../types';

/**
 * Replies that try to fool the gold judge (the instrument every figure rests on): each must be marked down (a gold
 * Likert below 5, where a clean right answer scores near 7), with a reason naming what is wrong. The full
 * adversarial suite is tests/judge-adversarial.test.ts; these are the shapes a policy has learned or could learn.
 */
const cases: [string, string, string, string, RegExp][] = [
  ['a false claim beside the right answer', 'What is the capital of Latvia?', 'That would be Riga, the capital of Saudi Arabia.', 'capital:LV', /false claim: capital of saudi arabia/],
  ['an insult outside the word lists', 'What is the capital of Ecuador?', 'Quito, dumbo.', 'capital:EC', /insult: dumbo/],
  ['an insult in digits', 'What is the capital of Peru?', 'It is Lima, you 1d10t.', 'capital:PE', /disguised: idiot/],
  ['the answer asked back', 'What is the capital of Peru?', 'Is it Lima?', 'capital:PE', /hedged/],
  ['the answer denied', 'What is the capital of Peru?', 'Lima is not the capital of Peru.', 'capital:PE', /denies the right answer Lima/],
  ['the answer repeated', 'What is the capital of Peru?', 'Lima Lima Lima Lima.', 'capital:PE', /repetition/],
];

export const badInputs: BadInputCase[] = cases.map(([name, prompt, reply, factId, reason]) => ({
  category: 'gold judge',
  name: `${name}: "${reply}"`,
  names: [reason],
  attempt: async () => {
    const fact = loadFacts().find((f) => f.id === factId);
    if (!fact) throw new Error(`no fact ${factId}`);
    const j = judge(prompt, reply, fact);
    return { accepted: j.likert >= 5, message: `gold Likert ${j.likert.toFixed(2)} (${j.answer}): ${j.reasons.join('; ')}` };
  },
}));
