import type { Fact } from './facts';
import { normWords, type Token } from '../core/textNormalize';

/**
 * Finding answers in a reply: which capitals (or chemical symbols) does it name, is one of them the right
 * answer to the prompt's fact, and is it asserted or denied ("Lima is not the capital of Peru")?
 *
 * Capitals are matched on normalised words (accents, apostrophes, punctuation and case folded), longest name
 * first; the prompt's own subject ("Guatemala" in "the capital of Guatemala is Guatemala City") is masked so it
 * does not count as an answer. Symbols are matched on the words as written, case-sensitively ("Fe", not "fe";
 * in an all-capitals reply "FE"), because "I", "He", "In", "As"... are also English words: those count only
 * when no word follows them in the clause ("The symbol for helium is He." but not "He is...", "I think...").
 */

/** One answer named in a reply. */
export interface Mention {
  /** The fact whose answer this is (the first such fact if several share the name). */
  factId: string;
  /** True if the name is an accepted answer of the prompt's fact. */
  right: boolean;
  /** True if denied: "not X", "isn't X", "X is not ..." within the clause. */
  negated: boolean;
  /** Token range [start, end) in tokenize(reply). */
  start: number;
  end: number;
}

/** A span of the reply that names something (an answer or the prompt's own subject). */
export interface NamedSpan {
  start: number;
  end: number;
  /** 'answer' for a capital or symbol, 'subject' for the prompt's own subject. */
  kind: 'answer' | 'subject';
  /** The answer's fact id, or "subject:<fact id>"; the same name gets the same key ("Pago Pago Pago Pago" is one name said twice). */
  key: string;
}

/** Symbols that are also common capitalised English words; they count only at the end of a clause. */
export const AMBIGUOUS_SYMBOLS = new Set(['I', 'As', 'At', 'Be', 'He', 'In', 'Am']);

/** Words after which a country name is the subject, not an answer ("capital of Mexico"). */
const SUBJECT_CUES = new Set(['of', 'about', 'for', 'in']);

/** Words that deny what follows or precedes them. */
const NEGATIONS = new Set(['not', 'isnt', 'arent', 'wasnt', 'werent', 'never', 'aint', 'nor', 'neither']);

interface NameEntry {
  words: string[];
  factIds: string[];
  /** The name is also an English word ("Male", "The Valley"): only a capitalised use counts. */
  needsCapital: boolean;
}

/** Everything findMentions needs, built once per fact table. */
export interface AnswerIndex {
  facts: Map<string, Fact>;
  /** Capital names by their first normalised word. */
  capitalsByFirstWord: Map<string, NameEntry[]>;
  /** Symbol (as written) → fact id. */
  symbols: Map<string, string>;
}

/** Builds the index of every capital and symbol; `isEnglishWord` decides which names need a capital letter. */
export function buildAnswerIndex(facts: readonly Fact[], isEnglishWord: (w: string) => boolean = () => false): AnswerIndex {
  const byKey = new Map<string, NameEntry>();
  const symbols = new Map<string, string>();
  for (const f of facts) {
    if (f.kind === 'symbol') {
      symbols.set(f.answer, f.id);
      continue;
    }
    for (const name of [f.answer, ...f.aliases]) {
      const words = normWords(name);
      if (words.length === 0) continue;
      const key = words.join(' ');
      const entry = byKey.get(key);
      if (entry) {
        if (!entry.factIds.includes(f.id)) entry.factIds.push(f.id);
      } else {
        const content = words.filter((w) => !['the', 'of', 'city'].includes(w));
        byKey.set(key, { words, factIds: [f.id], needsCapital: content.length > 0 && content.every(isEnglishWord) });
      }
    }
  }
  const capitalsByFirstWord = new Map<string, NameEntry[]>();
  for (const e of byKey.values()) {
    const list = capitalsByFirstWord.get(e.words[0]) ?? [];
    list.push(e);
    capitalsByFirstWord.set(e.words[0], list);
  }
  return { facts: new Map(facts.map((f) => [f.id, f])), capitalsByFirstWord, symbols };
}

/** True if the reply has letters and none of them is lower case ("THE ANSWER IS LIMA!!!"). */
export function isAllCaps(text: string): boolean {
  return /[A-Za-z]/.test(text) && !/[a-z]/.test(text);
}

/**
 * The answers (of the fact's kind) named in `tokens`, in order, plus every named span (answers and the
 * masked subject) for the human-likeness checks.
 */
export function findMentions(tokens: Token[], fact: Fact, index: AnswerIndex, allCaps: boolean): { mentions: Mention[]; spans: NamedSpan[] } {
  const spans = fact.kind === 'capital' ? capitalSpans(tokens, fact, index) : symbolSpans(tokens, fact, index, allCaps);
  const mentions: Mention[] = [];
  for (const s of spans) {
    if (s.kind !== 'answer') continue;
    mentions.push({ factId: s.key, right: s.key === fact.id, negated: isNegated(tokens, s.start, s.end), start: s.start, end: s.end });
  }
  return { mentions, spans };
}

function capitalSpans(tokens: Token[], fact: Fact, index: AnswerIndex): NamedSpan[] {
  const subject = normWords(fact.subject);
  const accepted = new Set([fact.answer, ...fact.aliases].map((n) => normWords(n).join(' ')));
  const spans: NamedSpan[] = [];
  let i = 0;
  while (i < tokens.length) {
    let best: { len: number; rank: number; span: NamedSpan } | undefined;
    const consider = (len: number, rank: number, span: NamedSpan): void => {
      if (!best || len > best.len || (len === best.len && rank > best.rank)) best = { len, rank, span };
    };
    if (matchesAt(tokens, i, subject)) {
      // "Mexico" is both the subject and an accepted answer for Mexico City: after "of"/"about" or as "Mexico's"
      // it is the subject ("the capital of Mexico is Mexico City"), elsewhere the answer ("... is Mexico.").
      const last = tokens[i + subject.length - 1].raw;
      const asSubject = (i > 0 && SUBJECT_CUES.has(tokens[i - 1].norm)) || /'s?$/.test(last);
      consider(subject.length, asSubject ? 3 : 1, { start: i, end: i + subject.length, kind: 'subject', key: `subject:${fact.id}` });
    }
    for (const e of index.capitalsByFirstWord.get(tokens[i].norm) ?? []) {
      if (!matchesAt(tokens, i, e.words)) continue;
      if (e.needsCapital && !/^[A-Z]/.test(tokens[i + e.words.length - 1].raw)) continue;
      const key = e.words.join(' ');
      const isRight = accepted.has(key);
      const factId = isRight ? fact.id : e.factIds[0];
      consider(e.words.length, isRight ? 2 : 0, { start: i, end: i + e.words.length, kind: 'answer', key: factId });
    }
    if (best) {
      spans.push(best.span);
      i += best.len;
    } else {
      i++;
    }
  }
  return spans;
}

function symbolSpans(tokens: Token[], fact: Fact, index: AnswerIndex, allCaps: boolean): NamedSpan[] {
  const spans: NamedSpan[] = [];
  const subject = normWords(fact.subject);
  const upper = allCaps ? new Map([...index.symbols].map(([s, id]) => [s.toUpperCase(), { s, id }])) : undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (matchesAt(tokens, i, subject)) {
      spans.push({ start: i, end: i + subject.length, kind: 'subject', key: `subject:${fact.id}` });
      i += subject.length - 1;
      continue;
    }
    if (t.raw.includes("'")) continue;
    let symbol: string | undefined;
    let id: string | undefined;
    if (upper) {
      const hit = upper.get(t.raw);
      if (hit) ({ s: symbol, id } = hit);
    } else if (index.symbols.has(t.raw)) {
      symbol = t.raw;
      id = index.symbols.get(t.raw);
    }
    if (symbol === undefined || id === undefined) continue;
    if (AMBIGUOUS_SYMBOLS.has(symbol) && t.followedByWord) continue;
    spans.push({ start: i, end: i + 1, kind: 'answer', key: id });
  }
  return spans;
}

function matchesAt(tokens: Token[], i: number, words: string[]): boolean {
  if (words.length === 0 || i + words.length > tokens.length) return false;
  for (let k = 0; k < words.length; k++) if (tokens[i + k].norm !== words[k]) return false;
  return true;
}

/** "not X", "isn't X" (negation up to two words before, same clause) or "X is not", "X isn't" (right after). */
function isNegated(tokens: Token[], start: number, end: number): boolean {
  const clause = tokens[start].clause;
  for (let k = start - 1; k >= Math.max(0, start - 2); k--) {
    if (tokens[k].clause !== clause) break;
    if (NEGATIONS.has(tokens[k].norm)) return true;
  }
  const next = tokens[end];
  const next2 = tokens[end + 1];
  if (next && next.clause === tokens[end - 1].clause) {
    if (NEGATIONS.has(next.norm)) return true;
    if ((next.norm === 'is' || next.norm === 'was') && next2 && next2.clause === next.clause && NEGATIONS.has(next2.norm)) return true;
  }
  return false;
}
