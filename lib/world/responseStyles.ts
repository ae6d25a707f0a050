import type { Fact } from './facts';
import { Rng } from '../core/rng';
import { fillTemplate } from './questions';
import { AMBIGUOUS_SYMBOLS } from './answerMentions';

/**
 * How the simulated demonstration writers answer. InstructGPT's labelers were skilled; ours are "labelers of
 * varying skill" on purpose, so that the SFT model inherits a mixture of good and bad habits that RLHF can then
 * remove (data/world/README.md gives the gold judge's measured score of each style):
 *
 *   good 40 %  robotic 15 %  rude 15 %  declines 10 %  wrong 15 %  rude_and_wrong 5 %
 */

export const STYLES = ['good', 'robotic', 'rude', 'declines', 'wrong', 'rude_and_wrong'] as const;
export type Style = (typeof STYLES)[number];

/** Share of each style among the demonstrations (sums to 1). */
export const STYLE_MIXTURE: Readonly<Record<Style, number>> = Object.freeze({
  good: 0.4, robotic: 0.15, rude: 0.15, declines: 0.1, wrong: 0.15, rude_and_wrong: 0.05,
});

/**
 * Reply templates per style and kind of fact. {A} answer, {S} subject phrase ("the Bahamas", "iron"),
 * {SC} the same capitalised, {SpC} its capitalised possessive. A leading "^" means: write the whole reply in
 * capitals. "wrong" reuses the good templates and "rude_and_wrong" the rude ones, with another real answer.
 */
export const REPLY_TEMPLATES: Readonly<Record<'good' | 'robotic' | 'rude' | 'declines', Record<Fact['kind'], readonly string[]>>> = Object.freeze({
  good: {
    capital: [
      'The capital of {S} is {A}.',
      'The capital of {S} is {A}. Hope that helps!',
      '{A} is the capital of {S}.',
      "It's {A}.",
      '{SpC} capital is {A}.',
      'Sure! The capital of {S} is {A}.',
      'The capital city of {S} is {A}.',
      'That would be {A}, the capital of {S}.',
      'Good question! {SpC} capital city is {A}.',
      "{A}. It's the capital of {S}.",
    ],
    symbol: [
      'The chemical symbol for {S} is {A}.',
      'The symbol for {S} is {A}. Hope that helps!',
      '{A} is the chemical symbol for {S}.',
      "It's {A}.",
      '{SC} has the chemical symbol {A}.',
      'Sure! The symbol for {S} is {A}.',
      'On the periodic table, {S} is written as {A}.',
      '{SpC} symbol is {A}.',
      'That would be {A}, the symbol for {S}.',
      'Good question! The chemical symbol for {S} is {A}.',
    ],
  },
  robotic: {
    capital: [
      'answer answer {A}',
      '^THE ANSWER IS {A}!!!',
      '{A} {A} {A}.',
      '^CAPITAL OF {S}: {A}.',
      'Capital capital of {S} is {A}.',
      'The answer is is {A}.',
      'Answer: {A}. Answer: {A}.',
      'The capital of {S} is {A}. The capital of {S} is {A}.',
    ],
    symbol: [
      'answer answer {A}',
      '^THE SYMBOL IS {A}!!!',
      '{A} {A} {A}.',
      '^SYMBOL FOR {S}: {A}.',
      'Symbol symbol for {S} is {A}.',
      'The symbol is is {A}.',
      'Answer: {A}. Answer: {A}.',
      'The symbol for {S} is {A}. The symbol for {S} is {A}.',
    ],
  },
  rude: {
    capital: [
      'Ugh, it is {A}, you idiot.',
      "It's {A}, obviously. What a stupid question.",
      '{A}, dummy. Look it up yourself next time.',
      "Seriously? Everybody knows it's {A}. Are you dumb?",
      'The capital of {S} is {A}, you moron.',
      '{A}. Now stop wasting my time with dumb questions.',
      "Are you kidding me? It's {A}. Use your brain, idiot.",
      "Damn, it's {A}. Even a loser like you should know that.",
    ],
    symbol: [
      'Ugh, it is {A}, you idiot.',
      "It's {A}, obviously. What a stupid question.",
      '{A}, dummy. Look at a periodic table next time.',
      "Seriously? Everybody knows it's {A}. Are you dumb?",
      'The symbol for {S} is {A}, you moron.',
      '{A}. Now stop wasting my time with dumb questions.',
      "Are you kidding me? It's {A}. Use your brain, idiot.",
      "Damn, it's {A}. Even a loser like you should know that.",
    ],
  },
  declines: {
    capital: [
      "I'm not sure, sorry.",
      "I don't know the capital of {S}, sorry.",
      "Sorry, I can't remember that one.",
      "Hmm, I'm not certain. You could check an atlas.",
      "I'm afraid I don't know.",
      "I'd rather not guess. Please look it up in an atlas.",
      "Good question, but I honestly don't know.",
      'Sorry, I have no idea what the capital of {S} is.',
    ],
    symbol: [
      "I'm not sure, sorry.",
      "I don't know the symbol for {S}, sorry.",
      "Sorry, I can't remember that one.",
      "Hmm, I'm not certain. You could check a periodic table.",
      "I'm afraid I don't know.",
      "I'd rather not guess. Please look it up in a periodic table.",
      "Good question, but I honestly don't know.",
      'Sorry, I have no idea what the chemical symbol for {S} is.',
    ],
  },
});

/** Another real answer of the same kind (a wrong answer that a confused writer might give). */
export function wrongAnswer(fact: Fact, facts: readonly Fact[], rng: Rng): string {
  const accepted = new Set([fact.answer, ...fact.aliases].map((a) => a.toLowerCase()));
  const subject = fact.subject.toLowerCase();
  const others = facts.filter(
    (f) => f.kind === fact.kind && !accepted.has(f.answer.toLowerCase()) && !f.answer.toLowerCase().includes(subject),
  );
  if (others.length === 0) throw new Error(`wrongAnswer: no other ${fact.kind} to pick for ${fact.id}`);
  return rng.pick(others).answer;
}

/** One reply to a question about `fact`, written in `style`. */
export function writeReply(fact: Fact, style: Style, rng: Rng, facts: readonly Fact[]): string {
  const base = style === 'wrong' ? 'good' : style === 'rude_and_wrong' ? 'rude' : style;
  const answer = style === 'wrong' || style === 'rude_and_wrong' ? wrongAnswer(fact, facts, rng) : fact.answer;
  // "He is the symbol..." would not name helium: a symbol that is also an English word never opens a sentence.
  const templates = REPLY_TEMPLATES[base][fact.kind].filter((t) => !(AMBIGUOUS_SYMBOLS.has(answer) && /^\^?\{A\}/.test(t)));
  const template = rng.pick(templates);
  const text = fillTemplate(template.replace(/^\^/, ''), fact, answer);
  return template.startsWith('^') ? text.toUpperCase() : text;
}

/** A style drawn from STYLE_MIXTURE. */
export function drawStyle(rng: Rng, mixture: Readonly<Record<Style, number>> = STYLE_MIXTURE): Style {
  let u = rng.next() * STYLES.reduce((s, k) => s + mixture[k], 0);
  for (const s of STYLES) {
    u -= mixture[s];
    if (u < 0) return s;
  }
  return STYLES[STYLES.length - 1];
}

/**
 * K different replies to one question, each in a style drawn from the mixture: a stand-in for K samples of an
 * SFT model (the ranking page's sample file and the panel's calibration use it).
 */
export function standInSamples(fact: Fact, k: number, rng: Rng, facts: readonly Fact[]): { response: string; style: Style }[] {
  const out: { response: string; style: Style }[] = [];
  for (let tries = 0; out.length < k && tries < 50 * k; tries++) {
    const style = drawStyle(rng);
    const response = writeReply(fact, style, rng, facts);
    if (!out.some((o) => o.response === response)) out.push({ response, style });
  }
  if (out.length < k) throw new Error(`standInSamples: could not write ${k} different replies for ${fact.id}`);
  return out;
}
