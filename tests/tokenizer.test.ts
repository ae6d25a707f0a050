import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dataDir } from '../lib/core/paths';
import { EOS_TOKEN, PAD_TOKEN, Tokenizer, gpt2Tokens, makeVocab } from '../lib/model/tokenizer';
import { chooseTokens, DEFAULT_MIN_COUNT, shippedTexts } from '../tools/data/build-vocab';

const vocabFile = path.join(dataDir, 'vocab.json');
const tok = Tokenizer.load(vocabFile);
const data = shippedTexts();

test('a sentence of the quiz world splits into the GPT-2 tokens a person would expect', () => {
  const pieces = tok.tokenize('The capital of Peru is Lima.');
  assert.deepEqual(pieces.map((p) => p.text), ['The', ' capital', ' of', ' Peru', ' is', ' Lima', '.']);
  assert.ok(pieces.every((p) => !p.fallback));
  assert.deepEqual(tok.encode('The capital of Peru is Lima.').map((id) => tok.gpt2Id(id)), gpt2Tokens('The capital of Peru is Lima.'));
});

test('layout: ids 0..255 are the bytes, EOS and PAD are the last two ids and distinct', () => {
  assert.equal(tok.vocabSize, tok.vocab.gpt2Ids.length + 2);
  assert.equal(tok.eosId, tok.vocabSize - 2);
  assert.equal(tok.padId, tok.vocabSize - 1);
  assert.notEqual(tok.eosId, tok.padId);
  assert.equal(tok.tokenStrings.length, tok.vocabSize);
  assert.equal(tok.tokenStrings[65], 'A');
  assert.equal(tok.tokenStrings[0xe2], '<0xE2>');
  assert.equal(tok.tokenStrings[tok.eosId], EOS_TOKEN);
  assert.equal(tok.tokenStrings[tok.padId], PAD_TOKEN);
  assert.equal(tok.gpt2Id(tok.eosId), null);
});

test('unicode round-trips losslessly: accents, curly quotes, emoji, CJK, control characters', () => {
  const samples = [
    '',
    'café naïve Ångström São Tomé and Príncipe, Malé, Asunción, Bogotá',
    'Lima’s “capital” — isn’t it ‘nice’?',
    'emoji 😀 👍🏽 🇵🇪 👩‍👩‍👧 ✨',
    '東京 서울 Москва القاهرة',
    'e\u0301 (combining accent), tab\there, new\nline, nul\u0000, \r\n',
    '   leading and trailing spaces   ',
  ];
  for (const s of samples) assert.equal(tok.decode(tok.encode(s)), s, JSON.stringify(s));
});

test('a word outside the compact vocabulary falls back to its bytes and still decodes', () => {
  const word = ' Zyzzyvaquux😀';
  const a = tok.analyze(word);
  assert.ok(a.fallbacks.length > 0);
  assert.equal(tok.decode(a.ids), word);
  const pieces = tok.tokenize(word);
  assert.ok(pieces.some((p) => p.fallback && p.id < 256));
  assert.deepEqual(pieces.map((p) => p.id), a.ids);
  // The emoji is 4 UTF-8 bytes: F0 9F 98 80.
  assert.deepEqual(tok.encode('😀').filter((id) => id < 256).slice(-4), [0xf0, 0x9f, 0x98, 0x80]);
});

test('EOS and PAD: never produced by encode, written out or skipped by decode', () => {
  const ids = tok.encode(`a ${EOS_TOKEN} b ${PAD_TOKEN}`);
  assert.ok(!ids.includes(tok.eosId) && !ids.includes(tok.padId), 'special-token text is encoded as plain text');
  assert.equal(tok.decode(ids), `a ${EOS_TOKEN} b ${PAD_TOKEN}`);
  const hi = tok.encode('Hi.');
  assert.equal(tok.decode([...hi, tok.eosId, tok.padId, tok.padId]), `Hi.${EOS_TOKEN}${PAD_TOKEN}${PAD_TOKEN}`);
  assert.equal(tok.decode([...hi, tok.eosId, tok.padId], { skipSpecial: true }), 'Hi.');
  assert.throws(() => tok.decode([tok.vocabSize]), /outside the vocabulary/);
  assert.throws(() => tok.decode([-1]), /outside the vocabulary/);
});

test('every shipped data file round-trips losslessly', () => {
  let n = 0;
  for (const d of data) {
    for (const t of d.texts) {
      assert.equal(tok.decode(tok.encode(t)), t, `${d.file}: ${t.slice(0, 60)}`);
      n++;
    }
  }
  assert.ok(n > 5000, `only ${n} texts found`);
});

test('in-vocabulary text: same tokens and count as plain GPT-2 BPE; no byte fallback outside general English', () => {
  for (const d of data) {
    let gpt2 = 0;
    let compact = 0;
    let fallbacks = 0;
    for (const t of d.texts) {
      const a = tok.analyze(t);
      gpt2 += a.gpt2Count;
      compact += a.ids.length;
      fallbacks += a.fallbacks.length;
    }
    if (d.general) {
      // Rare general-English words (seen < min-count times) are spelled as bytes: a small share of the tokens.
      assert.ok(fallbacks / gpt2 < 0.05, `${d.file}: ${fallbacks} fallbacks of ${gpt2} tokens`);
    } else {
      assert.equal(fallbacks, 0, `${d.file}: ${fallbacks} byte fallbacks`);
      assert.equal(compact, gpt2, `${d.file}: compact ${compact} vs GPT-2 ${gpt2} tokens`);
    }
  }
});

test('data/vocab.json is up to date with the shipped data (else run: npx tsx tools/data/build-vocab.ts)', () => {
  const minCount = Number(tok.vocab.build?.minCountGeneral ?? DEFAULT_MIN_COUNT);
  const rebuilt = makeVocab(chooseTokens(data, minCount).keep);
  assert.deepEqual(
    { size: tok.vocabSize, same: JSON.stringify(rebuilt.gpt2Ids) === JSON.stringify(tok.vocab.gpt2Ids) },
    { size: rebuilt.vocabSize, same: true },
    'data/vocab.json is stale: rebuild it with `npx tsx tools/data/build-vocab.ts` (and retrain: ids change)',
  );
});

test('a malformed vocabulary file is rejected with its name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vocab-'));
  const bad = path.join(dir, 'vocab.json');
  fs.writeFileSync(bad, '{"format": "something else"');
  assert.throws(() => Tokenizer.load(bad), new RegExp(`${bad}: not valid JSON`));
  const v = makeVocab([464, 3139]);
  fs.writeFileSync(bad, JSON.stringify({ ...v, vocabSize: v.vocabSize + 1 }));
  assert.throws(() => Tokenizer.load(bad), /vocabSize/);
  fs.writeFileSync(bad, JSON.stringify({ ...v, gpt2Ids: [...v.gpt2Ids.slice(1), v.gpt2Ids[0]] }));
  assert.throws(() => Tokenizer.load(bad), /byte token/);
  assert.throws(() => Tokenizer.load(path.join(dir, 'missing.json')), /not found/);
  fs.rmSync(dir, { recursive: true });
});
