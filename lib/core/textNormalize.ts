/**
 * Text normalisation for the gold judge. Names such as "N'Djamena", "N’Djamena" and "Ndjamena", "Bogotá" and
 * "Bogota", "Washington, D.C." and "Washington D.C." must compare equal, so every comparison goes through the
 * same steps: Unicode decomposition with accents dropped, one kind of apostrophe and dash, then words.
 */

/** Accents off ("Bogotá" → "Bogota"), curly quotes and apostrophes straightened, dashes made "-". */
export function foldText(text: string): string {
  return text
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
  let last = 0;
  for (const m of folded.matchAll(WORD)) {
    const start = m.index ?? 0;
    const between = folded.slice(last, start);
    // An abbreviation dot ("St.", "D.C.") does not end a clause; other marks do.
    if (/[,;:!?()"]/.test(between) || (/\./.test(between) && !isAbbreviationDot(tokens, between))) clause++;
    const raw = m[0];
    const end = start + raw.length;
    const after = folded.slice(end).match(/^\s*(.)/);
    tokens.push({ raw, norm: normWord(raw), clause, followedByWord: after !== null && /[A-Za-z0-9]/.test(after[1]), start, end });
    last = end;
  }
  return tokens;
}

function isAbbreviationDot(tokens: Token[], between: string): boolean {
  const prev = tokens[tokens.length - 1];
  if (!prev || !/^\.\s*$/.test(between)) return false;
  return /^(St|Mt|Dr|Mr|Mrs|Ms|[A-Z])$/.test(prev.raw);
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
