import type { Fact } from './facts';
import { capitalize } from '../core/textNormalize';

/**
 * How users ask the quiz questions: paraphrase templates per kind of fact, and the small grammar they need
 * ("the United States", "Peru's", "iron" → "Iron" at the start of a sentence).
 */

/** Country names that take "the" ("the Bahamas", "the United States", "the Cook Islands"). */
export function needsThe(country: string): boolean {
  return (
    /^(United|Democratic Republic|Republic of|Central African|Czech|Dominican|Isle of|British|French Southern|South Georgia|U\.S\.)/.test(country) ||
    /(Islands|Republic|Territories|Territory)$/.test(country) ||
    ['Bahamas', 'Gambia', 'Comoros', 'Maldives', 'Netherlands', 'Philippines', 'Seychelles'].includes(country)
  );
}

/** The subject as used inside a sentence: "the United States", "Peru", "iron". */
export function subjectPhrase(fact: Fact): string {
  return fact.kind === 'capital' && needsThe(fact.subject) ? `the ${fact.subject}` : fact.subject;
}

/** Possessive: "Peru's", "the United States'", "iron's". */
export function possessive(phrase: string): string {
  return /s$/.test(phrase) ? `${phrase}'` : `${phrase}'s`;
}

/** Question templates; {S} is the subject phrase, {Sp} its possessive. */
export const QUESTION_TEMPLATES: Readonly<Record<Fact['kind'], readonly string[]>> = Object.freeze({
  capital: [
    'What is the capital of {S}?',
    'Which city is the capital of {S}?',
    "What's the capital of {S}?",
    'What is the capital city of {S}?',
    'Name the capital of {S}.',
    'Can you tell me the capital of {S}?',
    'Do you know the capital of {S}?',
    'Tell me the capital of {S}.',
    'What city is the capital of {S}?',
    'Which city serves as the capital of {S}?',
    'What is {Sp} capital?',
    "What's the capital city of {S}?",
    'I need the capital of {S}, please.',
    'Quick question: what is the capital of {S}?',
    'What city is {Sp} capital?',
    'Could you name the capital of {S}?',
  ],
  symbol: [
    'What is the chemical symbol for {S}?',
    'Which symbol stands for {S}?',
    "What's the chemical symbol of {S}?",
    'What is the symbol for {S}?',
    'What is the symbol of the element {S}?',
    'Which chemical symbol does {S} have?',
    'Tell me the chemical symbol for {S}.',
    'Can you tell me the symbol for {S}?',
    'Do you know the chemical symbol for {S}?',
    'Name the chemical symbol of {S}.',
    'What letters stand for {S} on the periodic table?',
    'How is {S} written as a chemical symbol?',
    "What's {Sp} chemical symbol?",
    'Quick question: what is the symbol for {S}?',
    'Which element symbol belongs to {S}?',
    'Could you give me the chemical symbol for {S}?',
  ],
});

/** Fills a template's {S}, {Sp} (and, for replies, {A}, {SC}, {SpC}: sentence-initial forms) for `fact`. */
export function fillTemplate(template: string, fact: Fact, answer = fact.answer): string {
  const s = subjectPhrase(fact);
  return template
    .replace(/\{SpC\}/g, capitalize(possessive(s)))
    .replace(/\{SC\}/g, capitalize(s))
    .replace(/\{Sp\}/g, possessive(s))
    .replace(/\{S\}/g, s)
    .replace(/\{A\}/g, answer);
}

/** Every phrasing of the question about `fact` (16 per fact, all different). */
export function questionsFor(fact: Fact): string[] {
  return QUESTION_TEMPLATES[fact.kind].map((t) => fillTemplate(t, fact));
}
