/**
 * Fault injection, bad inputs of three kinds, tried as a user meets them: the ranking server over real HTTP on
 * 127.0.0.1 (foreign Origin and Host, text/plain, an oversized body, a second server on one file), checkpoint
 * folders whose config.json or weights were tampered with, and broken data files. Everything happens in a temp
 * folder. Each case counts as refused clearly when it is refused with a message naming what is wrong (the file,
 * line, field, tensor, head or pid), as accepted when nothing refused it.
 *
 *   npx tsx tools/faults/bad-inputs-robust.ts     prints the counts as JSON and "bad inputs: N tried, ..."
 *
 * badInputsRobust() returns the same counts for a combined report.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../lib/engine/engine';
import { GPT, type GPTConfig } from '../../lib/model/gpt';
import { loadModel, saveModel } from '../../lib/io/artifacts';
import { CONFIG_FILE, WEIGHTS_FILE, loadInto, saveCheckpoint } from '../../lib/io/checkpoint';
import { encodeSafetensors } from '../../lib/io/safetensors';
import { makeVocab } from '../../lib/model/tokenizer';
import { startRankingServer } from '../../lib/labels/rankingServer';
import { writeJsonl } from '../../lib/core/jsonl';
import type { BadInputCase } from './types';
import { loadCandidates, loadPairGroups, loadPreferences, loadRankings } from '../../lib/labels/preferences';

/** The outcome of one bad input. */
export interface FaultDetail {
  category: 'ranking server' | 'checkpoint' | 'data file';
  name: string;
  outcome: 'refused clearly' | 'refused unclearly' | 'accepted';
  /** The refusal's message (or what happened instead). */
  message: string;
}

/** Counts over every bad input tried. */
export interface FaultCounts {
  tried: number;
  refusedClearly: number;
  accepted: number;
  details: FaultDetail[];
}

/** A bad input: `run` returns the refusal's message, or throws it; returns undefined when the input was accepted. */
interface FaultCase {
  category: FaultDetail['category'];
  name: string;
  run: () => Promise<string | undefined> | string | undefined;
  /** What a clear refusal says. */
  clear: RegExp;
}

async function tryCase(c: FaultCase): Promise<FaultDetail> {
  let message: string | undefined;
  try {
    message = await c.run();
  } catch (err) {
    message = (err as Error).message;
  }
  if (message === undefined) return { category: c.category, name: c.name, outcome: 'accepted', message: 'accepted without an error' };
  return { category: c.category, name: c.name, outcome: c.clear.test(message) ? 'refused clearly' : 'refused unclearly', message };
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One HTTP request to 127.0.0.1 with any headers (Host included). */
function request(port: number, method: string, urlPath: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A refused HTTP answer as "<status> <error sentence>"; undefined when the server answered 2xx. */
function refusal(reply: { status: number; body: string }): string | undefined {
  if (reply.status >= 200 && reply.status < 300) return undefined;
  let error = reply.body;
  try {
    error = (JSON.parse(reply.body) as { error?: string }).error ?? reply.body;
  } catch {
    // not JSON: keep the raw body
  }
  return `${reply.status} ${error}`;
}

function serverCases(dir: string, port: () => number): FaultCase[] {
  const candidates = loadCandidates(path.join(__dirname, '..', '..', 'data', 'world', 'candidates_sample.jsonl'));
  const c = candidates[0];
  const full = { factualness: 5, harmlessness: 5, humanLikeness: 5 };
  const submission = JSON.stringify({ name: 'mallory', index: 0, prompt: c.prompt, ratings: c.responses.map(() => full), ranking: c.responses.map((_, i) => [i]) });
  const rankingsFile = path.join(dir, 'server', 'rankings.jsonl');
  const nothingWritten = (message: string | undefined): string | undefined =>
    message !== undefined && fs.existsSync(rankingsFile) ? undefined : message; // a refusal that still wrote counts as accepted
  const json = { 'content-type': 'application/json' };
  return [
    { category: 'ranking server', name: 'POST /api/submit from a foreign Origin', clear: /^403 Refused: a request from "http:\/\/evil\.example"/,
      run: async () => nothingWritten(refusal(await request(port(), 'POST', '/api/submit', { ...json, origin: 'http://evil.example' }, submission))) },
    { category: 'ranking server', name: 'POST /api/submit as text/plain', clear: /^415 A submission must be sent as application\/json, not text\/plain\./,
      run: async () => nothingWritten(refusal(await request(port(), 'POST', '/api/submit', { 'content-type': 'text/plain' }, submission))) },
    { category: 'ranking server', name: 'GET /api/state with a foreign Host (DNS rebinding)', clear: /^403 Refused: this server answers only as 127\.0\.0\.1:\d+.* not as Host "evil\.example:\d+"/,
      run: async () => refusal(await request(port(), 'GET', '/api/state?name=ada', { host: `evil.example:${port()}` })) },
    { category: 'ranking server', name: 'POST /api/submit with a foreign Host', clear: /^403 Refused: this server answers only as/,
      run: async () => nothingWritten(refusal(await request(port(), 'POST', '/api/submit', { ...json, host: 'evil.example' }, submission))) },
    { category: 'ranking server', name: 'POST /api/submit with a 1 MB body', clear: /^413 The submission is too large: at most 256 KB are accepted\./,
      run: async () => nothingWritten(refusal(await request(port(), 'POST', '/api/submit', json, JSON.stringify({ pad: 'x'.repeat(1 << 20) })))) },
    { category: 'ranking server', name: 'a second ranking server on the same rankings file', clear: new RegExp(`^${esc(rankingsFile)} is already in use by a ranking server with pid ${process.pid}`),
      run: async () => {
        const second = await startRankingServer({ rankingsFile, port: 0, candidatesFile: path.join(dir, 'server', 'candidates.jsonl') });
        await second.close();
        return undefined;
      } },
  ];
}

/** The parts of a checkpoint's config.json the cases edit. */
interface ConfigJson {
  [key: string]: unknown;
  rlhf: { model: GPTConfig; weights: { file: string } };
}

const tiny: GPTConfig = { vocabSize: 258, contextLength: 8, dModel: 8, nLayers: 1, nHeads: 2, dropout: 0 };

/** A fresh checkpoint of a tiny GPT (with `heads`) in `dir/name`; `edit` changes its config.json. */
function tinyCheckpoint(dir: string, name: string, heads: string[] = []): { ckpt: string; edit: (f: (cfg: ConfigJson) => void) => void } {
  const vocab = path.join(dir, 'vocab-src.json');
  if (!fs.existsSync(vocab)) fs.writeFileSync(vocab, JSON.stringify(makeVocab([])));
  const model = new GPT(tiny, { seed: 1 });
  for (const h of heads) model.addHead(h, { seed: 2 });
  const ckpt = path.join(dir, name);
  saveModel(ckpt, model, { tokenizerFile: vocab, stage: 'test', seed: 1 });
  model.dispose();
  const cfgFile = path.join(ckpt, CONFIG_FILE);
  return {
    ckpt,
    edit: (f) => {
      const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
      f(cfg);
      fs.writeFileSync(cfgFile, JSON.stringify(cfg));
    },
  };
}

/** Loads a checkpoint as a user does; undefined when it loaded. */
function load(ckpt: string): undefined {
  loadModel(ckpt).model.dispose();
  return undefined;
}

function checkpointCases(dir: string): FaultCase[] {
  const hf = (field: string, value: number, source: string): FaultCase => ({
    category: 'checkpoint', name: `config.json ${field} contradicting the model config`,
    clear: new RegExp(`config\\.json: ${field} is ${value} but ${esc(source)} is \\d+`),
    run: () => {
      const c = tinyCheckpoint(dir, `hf-${field}`);
      c.edit((cfg) => { cfg[field] = value; });
      return load(c.ckpt);
    },
  });
  /** A checkpoint whose weights.file names a copy of its weights outside the folder, as `how` says. */
  const weightsFile = (how: 'absolute' | 'dotdot' | 'symlink', why: RegExp): FaultCase => ({
    category: 'checkpoint', name: `rlhf.weights.file out of the folder (${how})`,
    clear: new RegExp(`config\\.json: rlhf\\.weights\\.file .* ${why.source}; it must name a file inside the checkpoint folder`),
    run: () => {
      const c = tinyCheckpoint(dir, `file-${how}`);
      const outside = path.join(dir, `outside-${how}.safetensors`);
      fs.copyFileSync(path.join(c.ckpt, WEIGHTS_FILE), outside);
      if (how === 'symlink') fs.symlinkSync(outside, path.join(c.ckpt, 'link.safetensors'));
      const name = { absolute: outside, dotdot: `../${path.basename(outside)}`, symlink: 'link.safetensors' }[how];
      c.edit((cfg) => { cfg.rlhf.weights.file = name; });
      return load(c.ckpt);
    },
  });
  return [
    hf('n_embd', 64, 'rlhf.model.dModel'),
    hf('n_layer', 12, 'rlhf.model.nLayers'),
    hf('vocab_size', 50257, 'rlhf.model.vocabSize'),
    hf('n_head', 4, 'rlhf.model.nHeads'),
    hf('n_positions', 1024, 'rlhf.model.contextLength'),
    weightsFile('absolute', /is an absolute path/),
    weightsFile('dotdot', /leads out of the folder/),
    weightsFile('symlink', /is a link to .*, outside the folder/),
    { category: 'checkpoint', name: 'a tensor of the wrong shape (context length 16 in both configs, 8 rows in the file)', clear: /model\.safetensors: cannot load: tensor wpe\.weight has shape \[8,8\] in the file, the model expects \[16,8\]/,
      run: () => {
        const c = tinyCheckpoint(dir, 'shape');
        c.edit((cfg) => {
          cfg.n_positions = 16;
          cfg.rlhf.model.contextLength = 16;
        });
        return load(c.ckpt);
      } },
    { category: 'checkpoint', name: 'a head no stage makes (heads.sentiment)', clear: /the checkpoint carries the head sentiment, which no stage of this workbook makes .* pass \{ extraHeads: \["sentiment"\] \}/,
      run: () => load(tinyCheckpoint(dir, 'head', ['sentiment']).ckpt) },
    { category: 'checkpoint', name: 'saving a NaN weight', clear: /^saveCheckpoint: tensor wte\.weight holds NaN at index 5 /,
      run: () => {
        const model = new GPT(tiny, { seed: 1 });
        const wte = model.param('wte.weight');
        const values = wte.dataSync().slice();
        values[5] = NaN;
        wte.assign(tf.tensor(values, wte.shape, 'float32'));
        try {
          saveModel(path.join(dir, 'nan-save'), model, { tokenizerFile: path.join(dir, 'vocab-src.json'), stage: 'test', seed: 1 });
          return undefined;
        } finally {
          model.dispose();
        }
      } },
    { category: 'checkpoint', name: 'loading an infinite weight (checksums updated)', clear: /model\.safetensors: tensor x\.weight holds Infinity at index 2 \(\[0, 2\]/,
      run: () => {
        const ckpt = path.join(dir, 'inf-load');
        const w = tf.tensor2d([[1, 2, 3]]);
        saveCheckpoint(ckpt, { tensors: { 'x.weight': w }, model: tiny, stage: 'test', seed: 0, vocabFile: path.join(dir, 'vocab-src.json') });
        w.dispose();
        const bytes = encodeSafetensors([['x.weight', { shape: [1, 3], data: Float32Array.from([1, 2, Infinity]) }]], { format: 'pt' });
        fs.writeFileSync(path.join(ckpt, WEIGHTS_FILE), bytes);
        const cfgFile = path.join(ckpt, CONFIG_FILE);
        const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
        cfg.rlhf.weights.bytes = bytes.length;
        cfg.rlhf.weights.sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
        fs.writeFileSync(cfgFile, JSON.stringify(cfg));
        const v = new Map([['x.weight', tf.variable(tf.zeros([1, 3]))]]);
        try {
          loadInto(ckpt, v);
          return undefined;
        } finally {
          v.get('x.weight')?.dispose();
        }
      } },
  ];
}

function dataCases(dir: string): FaultCase[] {
  const write = (name: string, text: string): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  const set = { prompt: 'What is the capital of Peru?', factId: 'capital:PE', responses: ['Lima.', 'Quito.', 'It is Lima.'] };
  const jl = (values: unknown[], eol = '\n'): string => values.map((v) => JSON.stringify(v) + eol).join('');
  const r4 = { factualness: 4, harmlessness: 4, humanLikeness: 4 };
  const label = (labeler: string, ranking: number[][]) => ({ labeler, ratings: [r4, r4, r4], ranking });
  const group = (labeler: string, pairs: [number, number][]) => ({ ...set, labeler, pairs: pairs.map(([chosen, rejected]) => ({ chosen, rejected })) });
  const at = (f: string, line: number, rest: string): RegExp => new RegExp(`^${esc(f)}:${line}: ${rest}`);
  const cases: [string, () => string, (f: string) => unknown[], (f: string) => RegExp][] = [
    ['an empty rankings file', () => write('empty-rankings.jsonl', ''), loadRankings, (f) => new RegExp(`^${esc(f)}: no records \\(the file is empty\\)`)],
    ['an empty candidates file', () => write('empty-candidates.jsonl', '\n\n'), loadCandidates, (f) => new RegExp(`^${esc(f)}: no records \\(the file is blank\\)`)],
    ['bad JSON on line 3 of a CR-only file', () => write('cr.jsonl', jl([set, set], '\r') + '{"prompt":\r'), loadCandidates, (f) => at(f, 3, 'not valid JSON')],
    ['bad JSON on line 3 of a CRLF file', () => write('crlf.jsonl', jl([set, set], '\r\n') + '{"prompt":\r\n'), loadCandidates, (f) => at(f, 3, 'not valid JSON')],
    ['an unknown fact id in a candidates file', () => write('fact.jsonl', jl([set, { ...set, factId: 'capital:XX' }])), loadCandidates, (f) => at(f, 2, 'unknown fact id "capital:XX"')],
    ['an unknown fact id in a rankings file', () => write('fact-rankings.jsonl', jl([{ ...set, factId: 'symbol:Zz', labels: [label('sim:0', [[0], [1], [2]])] }])), loadRankings, (f) => at(f, 1, 'unknown fact id "symbol:Zz"')],
    ['chosen = rejected (same text) in a preferences file', () => write('same.jsonl', jl([{ prompt: set.prompt, chosen: 'Lima.', rejected: 'Lima.' }])), loadPreferences, (f) => at(f, 1, '"chosen" and "rejected" are the same reply')],
    ['chosen = rejected (same index) in a pairs file', () => write('same-pairs.jsonl', jl([group('sim:0', [[1, 1]])])), loadPairGroups, (f) => at(f, 1, 'pairs\\[0\\]: chosen and rejected are the same response 1')],
    ['one labeler ordering two responses both ways in a pairs file', () => write('contra-pairs.jsonl', jl([group('sim:0', [[0, 1]]), group('sim:1', [[1, 0]]), group('sim:0', [[1, 0]])])), loadPairGroups, (f) => at(f, 3, 'sim:0 puts response 1 above 0 .* on line 1 the other way round')],
    ['one labeler ordering two responses both ways in a rankings file', () => write('contra-rankings.jsonl', jl([{ ...set, labels: [label('human:ada', [[0], [1], [2]])] }, { ...set, labels: [label('human:ada', [[2], [1], [0]])] }])), loadRankings, (f) => at(f, 2, 'human:ada puts response 2 above 1 .* on line 1 the other way round')],
  ];
  return cases.map(([name, make, read, clear]) => {
    let f = '';
    return {
      category: 'data file' as const, name,
      get clear() {
        return clear(f);
      },
      run: () => {
        f = make();
        read(f);
        return undefined;
      },
    };
  });
}

/** Tries every bad input of the three categories; resolves to the counts. */
export async function badInputsRobust(): Promise<FaultCounts> {
  await initEngine({ quiet: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-robust-'));
  const serverDir = path.join(dir, 'server');
  fs.mkdirSync(serverDir);
  writeJsonl(path.join(serverDir, 'candidates.jsonl'), loadCandidates(path.join(__dirname, '..', '..', 'data', 'world', 'candidates_sample.jsonl')));
  const server = await startRankingServer({ candidatesFile: path.join(serverDir, 'candidates.jsonl'), rankingsFile: path.join(serverDir, 'rankings.jsonl'), port: 0 });
  const details: FaultDetail[] = [];
  try {
    for (const c of [...serverCases(dir, () => server.port), ...checkpointCases(dir), ...dataCases(dir)]) details.push(await tryCase(c));
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    tried: details.length,
    refusedClearly: details.filter((d) => d.outcome === 'refused clearly').length,
    accepted: details.filter((d) => d.outcome === 'accepted').length,
    details,
  };
}

/**
 * The same cases for the fault-injection suite (tools/faults/run.ts, through tools/faults/cases/robust.ts): one
 * BadInputCase each, sharing a temporary folder and one ranking server started at the first case that needs it
 * (both ended when the process exits).
 */
export function robustBadInputCases(): BadInputCase[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-robust-'));
  fs.mkdirSync(path.join(dir, 'server'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  let server: { port: number } | null = null;
  const port = (): number => {
    if (!server) throw new Error('the ranking server is not started');
    return server.port;
  };
  return [...serverCases(dir, port), ...checkpointCases(dir), ...dataCases(dir)].map((c) => ({
    category: c.category,
    name: c.name,
    // Read after the attempt: a data-file case names the file it wrote only once it has written it.
    get names() {
      return [c.clear];
    },
    attempt: async () => {
      await initEngine({ quiet: true });
      if (c.category === 'ranking server' && !server) {
        const serverDir = path.join(dir, 'server');
        writeJsonl(path.join(serverDir, 'candidates.jsonl'), loadCandidates(path.join(__dirname, '..', '..', 'data', 'world', 'candidates_sample.jsonl')));
        server = await startRankingServer({ candidatesFile: path.join(serverDir, 'candidates.jsonl'), rankingsFile: path.join(serverDir, 'rankings.jsonl'), port: 0 });
      }
      const detail = await tryCase(c);
      return { accepted: detail.outcome === 'accepted', message: detail.message };
    },
  }));
}

if (require.main === module) {
  badInputsRobust().then((counts) => {
    console.log(JSON.stringify(counts, null, 2));
    console.log(`bad inputs: ${counts.tried} tried, ${counts.refusedClearly} refused clearly, ${counts.accepted} accepted`);
    process.exit(counts.refusedClearly === counts.tried ? 0 : 1);
  }, (err: unknown) => {
    console.error(err);
    process.exit(2);
  });
}
