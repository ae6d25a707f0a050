/**
 * Text normalisation for the gold judge. Names such as "N'Djamena", "N’Djamena" and "Ndjamena", "Bogotá" and
 * "Bogota", "Washington, D.C." and "Washington D.C." must compare equal, so every comparison goes through the
 * same steps: Unicode decomposition with accents dropped, one kind of apostrophe and dash, then words.
 */

/** Zero-width characters, joiners, soft hyphens and byte-order marks: invisible, so dropped. */
const INVISIBLE = /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;

/**
 * Cyrillic and Greek letters that look like Latin ones ("Lіma" with a Cyrillic і reads as "Lima" to a person,
 * so it does to the judge). Full-width and mathematical letters need no table: NFKD folds them.
 */
const CONFUSABLES: Readonly<Record<string, string>> = Object.freeze({
  а: 'a', в: 'B', е: 'e', к: 'k', м: 'M', н: 'H', о: 'o', р: 'p', с: 'c', т: 'T', у: 'y', х: 'x', і: 'i', ј: 'j',
  ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ӏ: 'l', А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C',
  Т: 'T', У: 'Y', Х: 'X', І: 'I', Ј: 'J', Ѕ: 'S', α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't',
  υ: 'u', χ: 'x', Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T',
  Υ: 'Y', Χ: 'X',
});
const CONFUSABLE_RE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'g');

/** Accents off ("Bogotá" → "Bogota"), curly quotes and apostrophes straightened, dashes made "-". */
export function foldText(text: string): string {
  return text
    .replace(INVISIBLE, '')
    .replace(CONFUSABLE_RE, (c) => CONFUSABLES[c] ?? c)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2018\u2019\u201b\u02bc\u02bb\u0060\u00b4\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201e\u2033]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-');
}

/** One word of a text, with where it came from. */
export interface Token {
  /** The word as written (accents folded, apostrophes straightened), e.g. "Peru's", "N'Djamena", "Fe". */
  raw: string;
  /** Lower case, possessive "'s" dropped, apostrophes removed, "st" → "saint": "perus"→"peru", "ndjamena". */
  norm: string;
  /** Index of the clause (text between , ; : . ! ? and similar marks); negation does not cross clauses. */
  clause: number;
  /** Index of the sentence (text between . ! ? and line breaks). */
  sentence: number;
  /** True if the word's sentence ends with a question mark ("Is it Lima?", "Lima, right?"). */
  question: boolean;
  /** True if the word stands inside double quotes. */
  quoted: boolean;
  /** True if the first character after the word (skipping spaces) is a letter or digit, i.e. more words follow in the clause. */
  followedByWord: boolean;
  /** Character offsets in the folded text. */
  start: number;
  end: number;
}

const WORD = /[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*/g;

/** Normalises one word (see Token.norm). */
export function normWord(raw: string): string {
  let w = raw.toLowerCase();
  w = w.replace(/'s$/, '');
  w = w.replace(/'/g, '');
  if (w === 'st') w = 'saint';
  return w;
}

/** Splits a text into words (see Token). Hyphens separate words ("Port-au-Prince" → Port, au, Prince). */
export function tokenize(text: string): Token[] {
  const folded = foldText(text);
  const tokens: Token[] = [];
  let clause = 0;
  let sentence = 0;
  let sentenceStart = 0;
  let quoted = false;
  let last = 0;
  const endSentence = (between: string): void => {
    if (between.includes('?')) for (let k = sentenceStart; k < tokens.length; k++) tokens[k].question = true;
    sentenceStart = tokens.length;
    sentence++;
  };
  for (const m of folded.matchAll(WORD)) {
    const start = m.index ?? 0;
    const between = folded.slice(last, start);
    // An abbreviation dot ("St.", "D.C.") ends neither a clause nor a sentence; other marks do.
    const dot = /\./.test(between) && !isAbbreviationDot(tokens, between);
    if (/[,;:!?()"]/.test(between) || dot) clause++;
    if (tokens.length > 0 && (/[!?\n]/.test(between) || dot)) endSentence(between);
    if ((between.match(/"/g)?.length ?? 0) % 2 === 1) quoted = !quoted;
    const raw = m[0];
    const end = start + raw.length;
    const after = folded.slice(end).match(/^\s*(.)/);
    tokens.push({
      raw, norm: normWord(raw), clause, sentence, question: false, quoted,
      followedByWord: after !== null && /[A-Za-z0-9]/.test(after[1]), start, end,
    });
    last = end;
  }
  if (tokens.length > 0) endSentence(folded.slice(last));
  return tokens;
}

/** "St. ", "Dr. ", and the dots of initials "D.C." / "D.C. is" (a lone letter's ". " ends its sentence: "S. Now stop."). */
function isAbbreviationDot(tokens: Token[], between: string): boolean {
  const prev = tokens[tokens.length - 1];
  if (!prev) return false;
  if (/^[A-Z]$/.test(prev.raw)) return between === '.' || (/^\.\s*$/.test(between) && /^[A-Z]$/.test(tokens[tokens.length - 2]?.raw ?? ''));
  return /^\.\s*$/.test(between) && /^(St|Mt|Dr|Mr|Mrs|Ms)$/.test(prev.raw);
}

/** The normalised words of a name or phrase, e.g. "Washington, D.C." → ["washington", "d", "c"]. */
export function normWords(text: string): string[] {
  return tokenize(text).map((t) => t.norm);
}

/** A whole text normalised to single-spaced words: "N’Djamena!" → "ndjamena". */
export function normText(text: string): string {
  return normWords(text).join(' ');
}

/** Upper-cases the first letter ("iron" → "Iron"). */
export function capitalize(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}

/** Digits and signs written for letters ("1d10t", "$tupid", "@ss", "sh!t"). */
const LEET: Readonly<Record<string, string>> = Object.freeze({
  '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', $: 's', '!': 'i', '|': 'l', '+': 't',
});

/** Words that may hide letters behind digits or signs: letters, digits and @ $ ! | + * run together. */
const OBFUSCATED = /[A-Za-z0-9@$!|+*]+/g;

/**
 * The words of a text written with digits or signs for letters, decoded: "you 1d10t, $tupid" → ["idiot",
 * "stupid"]. Only runs that mix letters with such characters, or start with @ or $, are decoded; a "*" stays
 * (a masked letter, "f*ck"). A sign at either end of a word is punctuation ("Lima!", "Quito*"), not a letter.
 */
export function decodeObfuscated(text: string): string[] {
  const out: string[] = [];
  for (const m of foldText(text).matchAll(OBFUSCATED)) {
    const w = m[0].replace(/[!|+*]+$/, '').replace(/^[!|+*]+/, '');
    if (!/[A-Za-z]/.test(w) || /^[A-Za-z']+$/.test(w)) continue;
    if (/^[0-9]+[A-Za-z]{1,2}$/.test(w)) continue; // "1st", "20th", "3d"
    out.push([...w.toLowerCase()].map((c) => LEET[c] ?? c).join(''));
  }
  return out;
}

/** A word with drawn-out letters squeezed: "stuuupid" → ["stuupid", "stupid"] (runs of 3+ made 2, then every run 1). */
export function squeezeForms(word: string): string[] {
  const two = word.replace(/(.)\1{2,}/g, '$1$1');
  const one = word.replace(/(.)\1+/g, '$1');
  return [two, one].filter((w, i, all) => w !== word && all.indexOf(w) === i);
}

/**
 * Words written one letter at a time ("i d i o t", "s.t.u.p.i.d", "i-d-i-o-t"), joined: runs of 3 or more
 * one-character words of `text` (tokenized as `tokens`) kept apart by at most two spaces, dots, dashes, stars or
 * underscores, and not all one letter.
 */
export function spelledOutWords(tokens: readonly Token[], text: string): string[] {
  if (tokens.filter((t) => t.norm.length === 1).length < 3) return [];
  const folded = foldText(text);
  const out: string[] = [];
  let run = '';
  const flush = (): void => {
    if (run.length >= 3 && !/^(.)\1*$/.test(run)) out.push(run); // "K K K." for potassium is a stutter, not a word
    run = '';
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.norm.length !== 1) {
      flush();
      continue;
    }
    if (run !== '' && !/^[\s.\-_*/]{1,2}$/.test(folded.slice(tokens[i - 1].end, t.start))) flush();
    run += LEET[t.norm] ?? t.norm;
  }
  flush();
  return out;
}
