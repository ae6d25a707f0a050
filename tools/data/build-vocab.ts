/**
 * Builds the compact vocabulary data/vocab.json (and a human-readable data/vocab.md) from the shipped data.
 *
 *   npx tsx tools/data/build-vocab.ts [--min-count 3]
 *
 * Kept: the 256 byte tokens; every GPT-2 token of the fact table, of the chat format (lib/model/chat.ts), of every
 * data file under data/world/ (each text field — prompt, completion, chosen, rejected, responses, ... — as it
 * is, and as it appears inside the chat format), and of
 * the fact paragraphs of the corpus; and the GPT-2 tokens of the general-English corpus documents (source
 * "sotu") that occur at least --min-count times. Rarer general-English tokens are spelled with byte tokens
 * instead: a few percent longer text, a much smaller embedding.
 * Deterministic: the same data gives the same file. Re-run it whenever data/corpus, data/world or
 * data/facts.json change — and then retrain, because the ids change.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../lib/core/atomic';
import { chatPrompt, chatReply } from '../../lib/model/chat';
import { recallPrompt } from '../../lib/world/corpus';
import { loadFacts } from '../../lib/world/facts';
import { dataDir, repoRoot } from '../../lib/core/paths';
import { gpt2Tokens, makeVocab, Tokenizer } from '../../lib/model/tokenizer';

/** Default threshold for general-English tokens. */
export const DEFAULT_MIN_COUNT = 3;

/** The texts of one shipped data file. `general` texts are subject to the frequency threshold. */
export interface DataTexts {
  /** Path relative to the repository root. */
  file: string;
  texts: string[];
  general: boolean;
}

/** Fields of the world files whose strings the model reads (ids, styles and other metadata are not text). */
export const MODEL_TEXT_KEYS = new Set(['prompt', 'completion', 'chosen', 'rejected', 'response', 'responses', 'text', 'question', 'reply']);

/** The strings under MODEL_TEXT_KEYS anywhere inside a JSON value, in document order. */
function modelStrings(value: unknown, out: string[] = [], inText = false): string[] {
  if (typeof value === 'string') {
    if (inText) out.push(value);
  } else if (Array.isArray(value)) {
    value.forEach((v) => modelStrings(v, out, inText));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) modelStrings(v, out, inText || MODEL_TEXT_KEYS.has(k));
  }
  return out;
}

function listFiles(dir: string, exts: string[]): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p, exts));
    else if (exts.some((e) => entry.name.endsWith(e))) out.push(p);
  }
  return out.sort();
}

function readJsonValues(file: string): unknown[] {
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return [JSON.parse(text)];
  return text
    .split('\n')
    .map((l, i) => ({ l: l.trim(), i }))
    .filter(({ l }) => l !== '')
    .map(({ l, i }) => {
      try {
        return JSON.parse(l);
      } catch (err) {
        throw new Error(`${file}:${i + 1}: not valid JSON (${(err as Error).message})`);
      }
    });
}

/**
 * The texts the model will see, per shipped data file: the corpus (data/corpus/*.jsonl), the world files
 * (data/world/**\/*.jsonl|json), the fact table, and the chat format.
 */
export function shippedTexts(): DataTexts[] {
  const rel = (f: string) => path.relative(repoRoot, f);
  const out: DataTexts[] = [];
  for (const file of listFiles(path.join(dataDir, 'corpus'), ['.jsonl'])) {
    const docs = readJsonValues(file) as { source?: unknown; text?: unknown }[];
    const text = (d: { text?: unknown }) => (typeof d.text === 'string' ? d.text : '');
    out.push({ file: `${rel(file)} (sotu)`, texts: docs.filter((d) => d.source === 'sotu').map(text), general: true });
    out.push({ file: `${rel(file)} (facts)`, texts: docs.filter((d) => d.source !== 'sotu').map(text), general: false });
  }
  for (const file of listFiles(path.join(dataDir, 'world'), ['.jsonl', '.json'])) {
    const texts: string[] = [];
    for (const s of readJsonValues(file).flatMap((v) => modelStrings(v))) texts.push(s, chatPrompt(s), chatReply(s));
    out.push({ file: rel(file), texts, general: false });
  }
  const facts = loadFacts();
  const factTexts: string[] = [];
  for (const f of facts) {
    for (const a of [f.answer, ...f.aliases]) factTexts.push(a, ` ${a}`, `${recallPrompt(f)} ${a}.`);
    factTexts.push(f.subject, ` ${f.subject}`);
  }
  out.push({ file: 'data/facts.json', texts: factTexts, general: false });
  out.push({
    file: 'lib/chat.ts (format)',
    texts: [chatPrompt('What is the capital of Peru?') + chatReply('The capital of Peru is Lima.'), 'User:', 'Assistant:'],
    general: false,
  });
  return out;
}

/** The GPT-2 ids to keep, given the shipped texts and the threshold for general English. */
export function chooseTokens(data: DataTexts[], minCount: number): { keep: Set<number>; generalCounts: Map<number, number> } {
  const keep = new Set<number>();
  const generalCounts = new Map<number, number>();
  for (const d of data) {
    for (const t of d.texts) {
      for (const r of gpt2Tokens(t)) {
        if (d.general) generalCounts.set(r, (generalCounts.get(r) ?? 0) + 1);
        else keep.add(r);
      }
    }
  }
  for (const [r, c] of generalCounts) if (c >= minCount) keep.add(r);
  return { keep, generalCounts };
}

function parseMinCount(argv: string[]): number {
  const i = argv.indexOf('--min-count');
  if (i < 0) return DEFAULT_MIN_COUNT;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--min-count needs a positive integer, got ${argv[i + 1]}`);
  return n;
}

function main(): void {
  const minCount = parseMinCount(process.argv.slice(2));
  const data = shippedTexts();
  const { keep, generalCounts } = chooseTokens(data, minCount);
  const vocab = makeVocab(keep, {
    script: 'npx tsx tools/build-vocab.ts',
    minCountGeneral: minCount,
    sources: data.map((d) => d.file),
  });
  const file = path.join(dataDir, 'vocab.json');
  writeFileAtomic(file, JSON.stringify(vocab) + '\n');
  const tok = new Tokenizer(vocab, file);

  const rows: string[] = [];
  let gpt2All = 0;
  let compactAll = 0;
  let fallbackAll = 0;
  for (const d of data) {
    let chars = 0;
    let gpt2 = 0;
    let compact = 0;
    const fallbacks: string[] = [];
    for (const t of d.texts) {
      const a = tok.analyze(t);
      chars += t.length;
      gpt2 += a.gpt2Count;
      compact += a.ids.length;
      fallbacks.push(...a.fallbacks);
    }
    gpt2All += gpt2;
    compactAll += compact;
    fallbackAll += fallbacks.length;
    const examples = [...new Set(fallbacks)].slice(0, 6).map((s) => JSON.stringify(s)).join(', ');
    rows.push(`| ${d.file} | ${d.texts.length} | ${chars.toLocaleString('en-US')} | ${gpt2.toLocaleString('en-US')} | ${compact.toLocaleString('en-US')} | ${fallbacks.length} | ${examples} |`);
  }
  const nGeneralOnly = [...generalCounts.keys()].filter((r) => !keep.has(r)).length;
  const md = `# Compact vocabulary (data/vocab.json)

Built by \`npx tsx tools/data/build-vocab.ts --min-count ${minCount}\` from the shipped data. GPT-2 byte-level BPE
(r50k_base, npm gpt-tokenizer 2.9.0) restricted to the tokens our data uses; a GPT-2 token outside it is spelled
with byte tokens, so every string still encodes losslessly (lib/model/tokenizer.ts).

- **vocabulary size ${vocab.vocabSize}**: 256 byte tokens + ${vocab.vocabSize - 258} GPT-2 tokens + EOS (id ${vocab.eosId}) + PAD (id ${vocab.padId})
- general-English (SOTU) tokens seen fewer than ${minCount} times are left out: ${nGeneralOnly} tokens, spelled as bytes
- all data: ${gpt2All.toLocaleString('en-US')} GPT-2 tokens → ${compactAll.toLocaleString('en-US')} compact tokens (${((compactAll / gpt2All - 1) * 100).toFixed(2)} % longer); ${fallbackAll} GPT-2 tokens fell back to bytes

| data | texts | characters | GPT-2 tokens | compact tokens | byte fallbacks | examples |
|---|---|---|---|---|---|---|
${rows.join('\n')}

World files count each string three times (as it is, as a user turn, as an assistant reply), so their counts
are not corpus sizes. Rebuild after any change of data/corpus, data/world or data/facts.json; the ids change, so
checkpoints trained with an older vocabulary keep their own copy of vocab.json.
`;
  writeFileAtomic(path.join(dataDir, 'vocab.md'), md);
  console.log(`vocabulary: ${vocab.vocabSize} ids (min-count ${minCount}); ${fallbackAll} byte fallbacks over ${data.length} data sets`);
}

if (require.main === module) main();
