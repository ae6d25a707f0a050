import type { Fact } from './facts';
import { normWords, type Token } from '../core/textNormalize';

/**
 * Finding answers in a reply: which capitals (or chemical symbols) does it name, is one of them the right
 * answer to the prompt's fact, and does the reply assert it, deny it ("Lima is not the capital of Peru"), ask it
 * back ("Is it Lima?"), quote it, or merely mention it ("Lima is a lovely city")?
 *
 * Capitals are matched on normalised words (accents, apostrophes, punctuation and case folded), longest name
 * first; the prompt's own subject ("Guatemala" in "the capital of Guatemala is Guatemala City") is masked so it
 * does not count as an answer. A name that is also an English word ("Male", "Victoria") counts in lower case only
 * where case says nothing (a reply with no capital letter at all) or where the sentence asks for it (it ends a
 * clause of a sentence that names the capital, the symbol, the answer or the subject). Symbols are matched as
 * written ("Fe"; in an all-capitals reply "FE"), because "I", "He", "In", "As"... are also English words: those
 * count only when no word follows them in the clause. A symbol in another case ("na", "FE") counts where the
 * sentence asks for it, as above.
 */

/** One answer named in a reply. */
export interface Mention {
  /** The fact whose answer this is (the first such fact if several share the name). */
  factId: string;
  /** True if the name is an accepted answer of the prompt's fact. */
  right: boolean;
  /** True if denied: "not X", "I don't think it's X", "X is not ..." within the clause. */
  negated: boolean;
  /** True if asked rather than said: the sentence ends with "?" ("Is it Lima?", "Lima, right?"). */
  asked: boolean;
  /** True if inside a quotation of three words or more ('You asked "is it Lima or Quito".'). */
  quoted: boolean;
  /**
   * True if the sentence offers it as the answer: it names the capital, the symbol, the answer or the subject
   * ("Lima is the capital of Peru"), points at it within four words ("It's Lima", "That would be Lima"), or the
   * clause has at most two other words ("Lima.", "Definitely Lima!"), or another name in the sentence is
   * offered ("It is Quito or Lima"). "Lima is a lovely city." merely mentions Lima.
   */
  answerLike: boolean;
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

/** "don't", "doesn't"... deny only an opinion: "I don't think it's Lima", not "Don't worry it's Lima". */
const OPINION_NEGATIONS = new Set(['dont', 'doesnt', 'didnt', 'wouldnt', 'cant', 'cannot']);
const OPINION_VERBS = new Set(['think', 'believe', 'say', 'guess', 'reckon', 'suppose', 'seem', 'look', 'sound', 'feel', 'imagine']);

/** True if token k denies: a negation not followed by "only" / "just" ("not only Lima but..."), or "don't think". */
function deniesAt(tokens: Token[], k: number): boolean {
  const next = tokens[k + 1]?.norm;
  if (NEGATIONS.has(tokens[k].norm)) return next !== 'only' && next !== 'just';
  return OPINION_NEGATIONS.has(tokens[k].norm) && next !== undefined && OPINION_VERBS.has(next);
}

/** Words that deny a name they follow closely ("Lima is wrong", "Lima would be incorrect"). */
const FALSE_WORDS = new Set(['wrong', 'incorrect', 'false', 'mistaken']);

/** Words after which a denial no longer holds ("not Quito but Lima", "not Quito, rather Lima"). */
const NEGATION_STOPS = new Set(['but', 'rather', 'instead', 'actually', 'though', 'however']);

/** Words that tie a sentence to the question: a sentence naming one of them offers its names as answers. */
const QUESTION_WORDS = new Set(['capital', 'capitals', 'symbol', 'symbols', 'answer', 'answers']);

/** Words that point at the answer when they come shortly before a name ("It's Lima", "That would be Lima"). */
const POINTERS = new Set(['it', 'its', 'that', 'thats', 'this', 'thiss']);

interface NameEntry {
  words: string[];
  factIds: string[];
  /** The name is also an English word ("Male", "The Valley"): lower case counts only where the sentence asks for it. */
  needsCapital: boolean;
}

export interface SubjectEntry {
  words: string[];
  factId: string;
}

/** Everything findMentions needs, built once per fact table. */
export interface AnswerIndex {
  facts: Map<string, Fact>;
  /** Capital names by their first normalised word. */
  capitalsByFirstWord: Map<string, NameEntry[]>;
  /** Symbol (as written) → fact id. */
  symbols: Map<string, string>;
  /** Symbol in lower case → symbol as written. */
  symbolsLower: Map<string, string>;
  /** Every fact's subject (country or element name) by its first normalised word. */
  subjectsByFirstWord: Map<string, SubjectEntry[]>;
}

/** Builds the index of every capital and symbol; `isEnglishWord` decides which names need a capital letter. */
export function buildAnswerIndex(facts: readonly Fact[], isEnglishWord: (w: string) => boolean = () => false): AnswerIndex {
  const byKey = new Map<string, NameEntry>();
  const symbols = new Map<string, string>();
  const subjectsByFirstWord = new Map<string, SubjectEntry[]>();
  for (const f of facts) {
    const subject = normWords(f.subject);
    if (subject.length > 0) pushTo(subjectsByFirstWord, subject[0], { words: subject, factId: f.id });
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
  for (const e of byKey.values()) pushTo(capitalsByFirstWord, e.words[0], e);
  const symbolsLower = new Map([...symbols.keys()].map((s) => [s.toLowerCase(), s]));
  return { facts: new Map(facts.map((f) => [f.id, f])), capitalsByFirstWord, symbols, symbolsLower, subjectsByFirstWord };
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** True if the reply has letters and none of them is lower case ("THE ANSWER IS LIMA!!!"). */
export function isAllCaps(text: string): boolean {
  return /[A-Za-z]/.test(text) && !/[a-z]/.test(text);
}

/** What the span finders need to know about the reply as a whole. */
interface ReplyView {
  tokens: Token[];
  fact: Fact;
  index: AnswerIndex;
  allCaps: boolean;
  /** No capital letter anywhere: case carries no information. */
  noCapitals: boolean;
  /** Sentences that name the capital, the symbol, the answer or the prompt's subject. */
  cueSentences: Set<number>;
}

/**
 * The answers named in `tokens`, in order (those of the fact's kind, plus a capital offered as the answer to a
 * symbol question or a symbol offered as the answer to a capital question), and every named span of the fact's
 * kind (answers and the masked subject) for the human-likeness checks and reply shapes.
 */
export function findMentions(tokens: Token[], fact: Fact, index: AnswerIndex, allCaps: boolean): { mentions: Mention[]; spans: NamedSpan[] } {
  const view: ReplyView = {
    tokens, fact, index, allCaps,
    noCapitals: !tokens.some((t) => /[A-Z]/.test(t.raw)),
    cueSentences: cueSentences(tokens, fact),
  };
  const spans = fact.kind === 'capital' ? capitalSpans(view) : symbolSpans(view);
  const other = fact.kind === 'capital' ? symbolSpans(view).filter((s) => s.kind === 'answer') : capitalSpans(view).filter((s) => s.kind === 'answer');
  const answers = [
    ...spans.filter((s) => s.kind === 'answer'),
    // Another kind's answer counts only where offered as the answer: at the end of a clause of a cue sentence.
    ...other.filter((s) => view.cueSentences.has(tokens[s.start].sentence) && !tokens[s.end - 1].followedByWord && !overlaps(s, spans)),
  ].sort((a, b) => a.start - b.start);
  // Offering cues come from the spans: "Andorra" inside "Andorra la Vella" names the answer, not the subject.
  view.cueSentences = new Set(tokens.filter((t) => QUESTION_WORDS.has(t.norm)).map((t) => t.sentence));
  for (const s of spans) if (s.kind === 'subject') view.cueSentences.add(tokens[s.start].sentence);
  const quoteLengths = quotedRunLengths(tokens);
  // A name listed beside one that is offered as the answer is offered too ("It is Quito or Lima.").
  const offeredSentences = new Set(answers.filter((s) => isAnswerLike(view, spans, s)).map((s) => tokens[s.start].sentence));
  const mentions = answers.map((s): Mention => ({
    factId: s.key,
    right: s.key === fact.id,
    negated: isNegated(tokens, s.start, s.end),
    asked: tokens[s.start].question,
    quoted: quoteLengths[s.start] >= 3,
    answerLike: offeredSentences.has(tokens[s.start].sentence),
    start: s.start,
    end: s.end,
  }));
  return { mentions, spans };
}

function overlaps(s: NamedSpan, spans: readonly NamedSpan[]): boolean {
  return spans.some((o) => o.start < s.end && s.start < o.end);
}

function cueSentences(tokens: Token[], fact: Fact): Set<number> {
  const subject = normWords(fact.subject);
  const out = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    if (QUESTION_WORDS.has(tokens[i].norm) || matchesAt(tokens, i, subject)) out.add(tokens[i].sentence);
  }
  return out;
}

/** For each token, the number of words in the double-quoted run it stands in (0 outside quotes). */
function quotedRunLengths(tokens: Token[]): number[] {
  const out = new Array<number>(tokens.length).fill(0);
  for (let i = 0; i < tokens.length; ) {
    if (!tokens[i].quoted) {
      i++;
      continue;
    }
    let j = i;
    while (j < tokens.length && tokens[j].quoted) j++;
    for (let k = i; k < j; k++) out[k] = j - i;
    i = j;
  }
  return out;
}

function isAnswerLike(view: ReplyView, spans: readonly NamedSpan[], s: NamedSpan): boolean {
  const { tokens } = view;
  const sentence = tokens[s.start].sentence;
  if (view.cueSentences.has(sentence)) return true;
  for (let k = s.start - 1; k >= Math.max(0, s.start - 4) && tokens[k].sentence === sentence; k--) {
    if (POINTERS.has(tokens[k].norm)) return true;
  }
  const clause = tokens[s.start].clause;
  let others = 0;
  for (let k = 0; k < tokens.length; k++) {
    if (tokens[k].clause === clause && (k < s.start || k >= s.end) && !spans.some((o) => k >= o.start && k < o.end)) others++;
  }
  return others <= 2;
}

/** True if a lower-case (or otherwise re-cased) form counts here: the reply has no capitals, or the word ends a clause of a cue sentence. */
function recasedCounts(view: ReplyView, last: number): boolean {
  return view.noCapitals || (view.cueSentences.has(view.tokens[last].sentence) && !view.tokens[last].followedByWord);
}

function capitalSpans(view: ReplyView): NamedSpan[] {
  const { tokens, fact, index } = view;
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
      const last = i + e.words.length - 1;
      if (e.needsCapital && !/^[A-Z]/.test(tokens[last].raw) && !recasedCounts(view, last)) continue;
      const key = e.words.join(' ');
      const isRight = fact.kind === 'capital' && accepted.has(key);
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

function symbolSpans(view: ReplyView): NamedSpan[] {
  const { tokens, fact, index, allCaps } = view;
  const spans: NamedSpan[] = [];
  const subject = fact.kind === 'symbol' ? normWords(fact.subject) : [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (matchesAt(tokens, i, subject)) {
      spans.push({ start: i, end: i + subject.length, kind: 'subject', key: `subject:${fact.id}` });
      i += subject.length - 1;
      continue;
    }
    if (t.raw.includes("'")) continue;
    const symbol = index.symbolsLower.get(t.raw.toLowerCase());
    if (symbol === undefined) continue;
    const asWritten = t.raw === symbol || (allCaps && t.raw === symbol.toUpperCase());
    if (!asWritten && !recasedCounts(view, i)) continue;
    if (AMBIGUOUS_SYMBOLS.has(symbol) && t.followedByWord) continue;
    // In a capital question only a two-letter symbol as written could be an answer ("Fe"), never "I" or "He".
    if (fact.kind === 'capital' && (!asWritten || symbol.length < 2 || AMBIGUOUS_SYMBOLS.has(symbol))) continue;
    spans.push({ start: i, end: i + 1, kind: 'answer', key: index.symbols.get(symbol) ?? symbol });
  }
  return spans;
}

export function matchesAt(tokens: Token[], i: number, words: string[]): boolean {
  if (words.length === 0 || i + words.length > tokens.length) return false;
  for (let k = 0; k < words.length; k++) if (tokens[i + k].norm !== words[k]) return false;
  return true;
}

/**
 * Denied: a negation up to four words before the name in its clause ("not Lima", "I don't think it's Lima"),
 * unless "but", "rather"... comes between ("not Quito but Lima"); or up to three words after it ("Lima is
 * not...", "Lima is certainly not...", "Lima is wrong"). "not only" denies nothing.
 */
function isNegated(tokens: Token[], start: number, end: number): boolean {
  const clause = tokens[start].clause;
  for (let k = start - 1; k >= Math.max(0, start - 4); k--) {
    if (tokens[k].clause !== clause || NEGATION_STOPS.has(tokens[k].norm)) break;
    if (deniesAt(tokens, k)) return true;
  }
  for (let k = end; k < Math.min(tokens.length, end + 3); k++) {
    if (tokens[k].clause !== tokens[end - 1].clause || NEGATION_STOPS.has(tokens[k].norm)) break;
    if ((NEGATIONS.has(tokens[k].norm) && deniesAt(tokens, k)) || FALSE_WORDS.has(tokens[k].norm)) return true;
  }
  return false;
}
