/**
 * What the arena's tests share: a tiny run folder of random-weight policies (seconds to make, no pipeline), and
 * raw HTTP requests to the server (http.request, so that Host, Origin and Content-Type can be set freely).
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { GPT, type GPTConfig } from '../lib/model/gpt';
import { makeVocab } from '../lib/model/tokenizer';
import { saveModel } from '../lib/io/artifacts';

/** Byte-level vocabulary, so a quiz question takes ~50 tokens: a context of 128 leaves room for a 24-token reply. */
export const tinyConfig: GPTConfig = { vocabSize: 258, contextLength: 128, dModel: 16, nLayers: 1, nHeads: 2, dropout: 0 };

/**
 * A temporary run folder with a tiny random policy per stage named (each its own weights; "ppo" also carries a
 * value head, as stage 04 saves it). Returns the folder and the vocabulary file.
 */
export function makeTinyRun(prefix: string, stages: readonly string[]): { dir: string; vocab: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const vocab = path.join(dir, 'vocab-src.json');
  fs.writeFileSync(vocab, JSON.stringify(makeVocab([])));
  stages.forEach((stage, i) => {
    const m = new GPT(tinyConfig, { seed: 10 + i });
    tf.tidy(() => { for (const v of m.params().values()) v.assign(tf.mul(v, 8)); }); // replies that differ between policies
    if (stage === 'ppo') m.addHead('value', { seed: 3 });
    saveModel(path.join(dir, stage), m, { tokenizerFile: vocab, stage, seed: 1 });
    m.dispose();
  });
  return { dir, vocab };
}

export interface Reply {
  status: number;
  body: string;
}

/** One raw HTTP request to 127.0.0.1:`port`. */
export function request(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A JSON POST as the page sends it. */
export function postJson(port: number, route: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return request(port, { method: 'POST', path: route, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** The sentence of a refusal. */
export function errorOf(reply: Reply): string {
  return (JSON.parse(reply.body) as { error: string }).error;
}
