import * as fs from 'fs';
import { TextDecoder, TextEncoder } from 'util';
import { encode as gpt2Encode } from 'gpt-tokenizer/cjs/encoding/r50k_base';
import gpt2Ranks from 'gpt-tokenizer/cjs/bpeRanks/r50k_base';

/**
 * GPT-2's byte-level BPE (the r50k_base encoding) with a compact vocabulary.
 *
 * GPT-2 has 50,257 tokens; a 1–3 M-parameter model cannot afford an embedding row for each. We keep the 256
 * byte-level tokens (so every string can still be written) plus the GPT-2 tokens that occur in the shipped
 * data, renumbered densely, plus two special tokens:
 *
 *   compact id 0..255      the single bytes 0x00..0xFF (id = byte value)
 *   compact id 256..V-3    GPT-2 tokens seen in the data, in GPT-2 id order
 *   compact id V-2         EOS  "<|endoftext|>"  (ends a document or an assistant reply)
 *   compact id V-1         PAD  "<|pad|>"        (fills a batch; never a training target)
 *
 * Encoding runs the real GPT-2 BPE, then maps each GPT-2 token to its compact id; a GPT-2 token outside the
 * compact vocabulary falls back to its bytes, so any string round-trips losslessly. The mapping lives in a JSON
 * file (data/vocab.json, built by tools/data/build-vocab.ts) that is copied next to every checkpoint.
 */

/** The literal text of the special tokens. Plain text containing these strings is encoded as ordinary text. */
export const EOS_TOKEN = '<|endoftext|>';
export const PAD_TOKEN = '<|pad|>';

/** The `format` field of a vocabulary file. */
export const VOCAB_FORMAT = 'compact-gpt2-bpe/1';

/** The JSON form of a compact vocabulary (data/vocab.json). */
export interface VocabFile {
  /** Always VOCAB_FORMAT. */
  format: string;
  /** Which BPE this is a subset of (documentation only). */
  base: string;
  /** Number of ids, specials included. */
  vocabSize: number;
  /** Compact id of EOS (= vocabSize - 2). */
  eosId: number;
  /** Compact id of PAD (= vocabSize - 1). */
  padId: number;
  /** gpt2Ids[i] is the GPT-2 (r50k_base) id of compact id i, for every non-special id. */
  gpt2Ids: number[];
  /** How the file was built (sources, thresholds); documentation only. */
  build?: Record<string, unknown>;
}

/** One token of an encoded string, for display. */
export interface TokenPiece {
  /** Compact id. */
  id: number;
  /** Readable text of the token (a partial UTF-8 byte shows as <0xE2>). */
  text: string;
  /** True if this is a single byte standing in for a GPT-2 token outside the compact vocabulary. */
  fallback: boolean;
}

/** The result of Tokenizer.analyze: ids plus how the compact vocabulary covered the text. */
export interface Analysis {
  ids: number[];
  /** Number of tokens plain GPT-2 BPE produces for the text. */
  gpt2Count: number;
  /** GPT-2 tokens that were not in the compact vocabulary and were spelled as bytes (their text). */
  fallbacks: string[];
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** The bytes GPT-2 token `rank` stands for. */
export function gpt2TokenBytes(rank: number): Uint8Array {
  const entry = (gpt2Ranks as readonly (string | readonly number[])[])[rank];
  if (entry === undefined) throw new Error(`GPT-2 token id ${rank} does not exist`);
  return typeof entry === 'string' ? utf8Encoder.encode(entry) : Uint8Array.from(entry);
}

/** GPT-2 BPE of `text` as GPT-2 ids; special-token strings in the text are treated as plain text. */
export function gpt2Tokens(text: string): number[] {
  return gpt2Encode(text, { disallowedSpecial: new Set() });
}

let byteRankCache: number[] | null = null;

/** byteRanks()[b] is the GPT-2 id of the single-byte token for byte b. */
export function gpt2ByteRanks(): number[] {
  if (byteRankCache) return byteRankCache;
  const out = new Array<number>(256).fill(-1);
  for (let rank = 0; rank < 256; rank++) {
    const bytes = gpt2TokenBytes(rank);
    if (bytes.length !== 1) throw new Error(`GPT-2 token ${rank} is not a single byte`);
    out[bytes[0]] = rank;
  }
  if (out.includes(-1)) throw new Error('GPT-2 byte tokens do not cover all 256 bytes');
  byteRankCache = out;
  return out;
}

/** Builds the JSON of a compact vocabulary from the set of GPT-2 ids to keep (bytes are always kept). */
export function makeVocab(keep: Iterable<number>, build?: Record<string, unknown>): VocabFile {
  const bytes = gpt2ByteRanks();
  const byteSet = new Set(bytes);
  const rest = [...new Set(keep)].filter((r) => !byteSet.has(r)).sort((a, b) => a - b);
  for (const r of rest) gpt2TokenBytes(r); // throws on an id GPT-2 does not have
  const gpt2Ids = [...bytes, ...rest];
  const vocabSize = gpt2Ids.length + 2;
  return {
    format: VOCAB_FORMAT,
    base: 'GPT-2 byte-level BPE, r50k_base (npm gpt-tokenizer 2.9.0)',
    vocabSize,
    eosId: vocabSize - 2,
    padId: vocabSize - 1,
    gpt2Ids,
    ...(build ? { build } : {}),
  };
}

/** GPT-2 BPE with a compact, dense vocabulary (see the file comment). */
export class Tokenizer {
  /** Number of ids (byte tokens + data tokens + EOS + PAD): the embedding has this many rows. */
  readonly vocabSize: number;
  /** Id of "<|endoftext|>". */
  readonly eosId: number;
  /** Id of the padding token (distinct from EOS). */
  readonly padId: number;
  /** Readable text of every id, for display (tokenStrings[id]). */
  readonly tokenStrings: string[];
  /** The vocabulary as it is stored on disk. */
  readonly vocab: VocabFile;

  private readonly compactOf: Map<number, number>;
  private readonly bytesOf: Uint8Array[];

  constructor(vocab: VocabFile, source = '<vocab>') {
    const fail = (why: string): never => {
      throw new Error(`${source}: invalid vocabulary: ${why}`);
    };
    if (vocab === null || typeof vocab !== 'object') fail('not a JSON object');
    if (vocab.format !== VOCAB_FORMAT) fail(`format is ${JSON.stringify(vocab.format)}, expected "${VOCAB_FORMAT}"`);
    if (!Array.isArray(vocab.gpt2Ids) || !vocab.gpt2Ids.every((r) => Number.isInteger(r))) fail('gpt2Ids must be an array of integers');
    const n = vocab.gpt2Ids.length;
    if (vocab.vocabSize !== n + 2) fail(`vocabSize ${vocab.vocabSize} != gpt2Ids.length + 2 (${n + 2})`);
    if (vocab.eosId !== n || vocab.padId !== n + 1) fail(`expected eosId ${n} and padId ${n + 1}`);
    const bytes = gpt2ByteRanks();
    for (let b = 0; b < 256; b++) if (vocab.gpt2Ids[b] !== bytes[b]) fail(`id ${b} must be the byte token for byte ${b}`);
    this.vocab = vocab;
    this.vocabSize = vocab.vocabSize;
    this.eosId = vocab.eosId;
    this.padId = vocab.padId;
    this.compactOf = new Map();
    this.bytesOf = [];
    vocab.gpt2Ids.forEach((rank, id) => {
      if (this.compactOf.has(rank)) fail(`GPT-2 id ${rank} appears twice`);
      this.compactOf.set(rank, id);
      this.bytesOf.push(gpt2TokenBytes(rank));
    });
    this.tokenStrings = this.bytesOf.map(displayBytes);
    this.tokenStrings.push(EOS_TOKEN, PAD_TOKEN);
  }

  /** Reads a vocabulary file (data/vocab.json or the copy next to a checkpoint). */
  static load(file: string): Tokenizer {
    if (!fs.existsSync(file)) throw new Error(`${file}: vocabulary file not found (build it with: npx tsx tools/data/build-vocab.ts)`);
    let raw: VocabFile;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
    }
    return new Tokenizer(raw, file);
  }

  /** Encodes text to compact ids. No EOS is added; special-token strings in `text` are plain text. */
  encode(text: string): number[] {
    return this.analyze(text).ids;
  }

  /** Encodes text and reports coverage: GPT-2 token count and the tokens that fell back to bytes. */
  analyze(text: string): Analysis {
    const ids: number[] = [];
    const fallbacks: string[] = [];
    const ranks = gpt2Tokens(text);
    for (const rank of ranks) {
      const id = this.compactOf.get(rank);
      if (id !== undefined) {
        ids.push(id);
        continue;
      }
      const bytes = gpt2TokenBytes(rank);
      for (const b of bytes) ids.push(b); // compact id of a byte = its value
      fallbacks.push(utf8Decoder.decode(bytes));
    }
    return { ids, gpt2Count: ranks.length, fallbacks };
  }

  /**
   * Decodes compact ids to text. EOS and PAD are written as "<|endoftext|>" and "<|pad|>" unless
   * `skipSpecial` is set (then they are dropped). Byte sequences that are not valid UTF-8 (a model can emit
   * half a character) become U+FFFD.
   */
  decode(ids: readonly number[], opts: { skipSpecial?: boolean } = {}): string {
    let out = '';
    let pending: number[] = [];
    const flush = () => {
      if (pending.length > 0) out += utf8Decoder.decode(Uint8Array.from(pending));
      pending = [];
    };
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new Error(`Tokenizer.decode: id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
      }
      if (id === this.eosId || id === this.padId) {
        flush();
        if (!opts.skipSpecial) out += this.tokenStrings[id];
        continue;
      }
      for (const b of this.bytesOf[id]) pending.push(b);
    }
    flush();
    return out;
  }

  /** The tokens of `text` with their readable text, for showing how a sentence is split. */
  tokenize(text: string): TokenPiece[] {
    const pieces: TokenPiece[] = [];
    for (const rank of gpt2Tokens(text)) {
      const id = this.compactOf.get(rank);
      if (id !== undefined) {
        pieces.push({ id, text: this.tokenStrings[id], fallback: false });
      } else {
        for (const b of gpt2TokenBytes(rank)) pieces.push({ id: b, text: this.tokenStrings[b], fallback: true });
      }
    }
    return pieces;
  }

  /** The GPT-2 (r50k_base) id behind a compact id, or null for EOS/PAD. */
  gpt2Id(id: number): number | null {
    if (id === this.eosId || id === this.padId) return null;
    const r = this.vocab.gpt2Ids[id];
    if (r === undefined) throw new Error(`Tokenizer.gpt2Id: id ${id} is outside the vocabulary`);
    return r;
  }
}

/** Readable text of a token's bytes: the UTF-8 text if valid, else each byte as <0xNN> (partial characters). */
function displayBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return Array.from(bytes, (b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`).join('');
  }
}
