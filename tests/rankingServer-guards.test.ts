/**
 * The ranking server under hostile or careless callers, driven over real HTTP on 127.0.0.1 (an ephemeral port):
 * foreign Origin and foreign Host refused with 403 and nothing written, a text/plain submission refused, an
 * oversized body answered 413 with a sentence (not a reset connection), one server per rankings file, and 40
 * concurrent submissions all on disk when answered "saved".
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { startRankingServer, type RankingServer } from '../lib/labels/rankingServer';
import { loadCandidates, loadRankings, type CandidateSet } from '../lib/labels/preferences';
import { writeJsonl } from '../lib/core/jsonl';

let dir: string;
let candidates: CandidateSet[];
let candidatesFile: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranking-guards-'));
  candidates = loadCandidates(path.join(__dirname, '..', 'data', 'world', 'candidates_sample.jsonl'));
  candidatesFile = path.join(dir, 'candidates.jsonl');
  writeJsonl(candidatesFile, candidates);
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  body: string;
}

/** One raw HTTP request (http.request, so that Host and Origin can be set freely). */
function request(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply> {
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

function errorOf(reply: Reply): string {
  return (JSON.parse(reply.body) as { error: string }).error;
}

const full = { factualness: 5, harmlessness: 5, humanLikeness: 5 };
function submission(index: number, name = 'tester'): string {
  const k = candidates[index].responses.length;
  return JSON.stringify({ name, index, prompt: candidates[index].prompt, ratings: Array.from({ length: k }, () => full), ranking: Array.from({ length: k }, (_, i) => [i]) });
}

async function withServer(rankingsFile: string, body: (s: RankingServer) => Promise<void>): Promise<void> {
  const server = await startRankingServer({ candidatesFile, rankingsFile, port: 0 });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

test('a submission from a foreign Origin is refused with 403 and a sentence; nothing is written', async () => {
  const rankingsFile = path.join(dir, 'origin.jsonl');
  await withServer(rankingsFile, async (s) => {
    const json = { 'content-type': 'application/json' };
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${s.port + 1}`, `https://127.0.0.1:${s.port}`]) {
      const reply = await request(s.port, { method: 'POST', path: '/api/submit', headers: { ...json, origin }, body: submission(0) });
      assert.equal(reply.status, 403, origin);
      assert.match(errorOf(reply), /^Refused: a request from .*; only the ranking page itself \(http:\/\/127\.0\.0\.1:\d+\) may use this server\.$/);
    }
    // The text/plain shape a foreign page can send without a preflight: refused even without an Origin.
    const plain = await request(s.port, { method: 'POST', path: '/api/submit', headers: { 'content-type': 'text/plain' }, body: submission(0) });
    assert.equal(plain.status, 415);
    assert.equal(errorOf(plain), 'A submission must be sent as application/json, not text/plain.');
    const none = await request(s.port, { method: 'POST', path: '/api/submit', body: submission(0) });
    assert.equal(none.status, 415);
    assert.equal(fs.existsSync(rankingsFile), false);
    // The page's own origin (under any of the three local names) is accepted.
    const own = await request(s.port, { method: 'POST', path: '/api/submit', headers: { ...json, origin: `http://localhost:${s.port}`, host: `localhost:${s.port}` }, body: submission(0) });
    assert.equal(own.status, 200, own.body);
    assert.equal(loadRankings(rankingsFile).length, 1);
  });
});

test('a foreign Host header (DNS rebinding) is refused on GET /api/state, on pages and on POST', async () => {
  const rankingsFile = path.join(dir, 'host.jsonl');
  await withServer(rankingsFile, async (s) => {
    for (const host of ['evil.example', `evil.example:${s.port}`, '127.0.0.1', `127.0.0.1:${s.port + 1}`]) {
      const state = await request(s.port, { path: '/api/state?name=ada', headers: { host } });
      assert.equal(state.status, 403, host);
      assert.doesNotMatch(state.body, /jsonl/); // the rankings file's path is not revealed
      assert.match(errorOf(state), /^Refused: this server answers only as 127\.0\.0\.1:\d+, localhost:\d+, \[::1\]:\d+, not as Host /);
      assert.equal((await request(s.port, { path: '/', headers: { host } })).status, 403);
      const post = await request(s.port, { method: 'POST', path: '/api/submit', headers: { host, 'content-type': 'application/json' }, body: submission(0) });
      assert.equal(post.status, 403);
    }
    assert.equal(fs.existsSync(rankingsFile), false);
    for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`, `[::1]:${s.port}`]) {
      assert.equal((await request(s.port, { path: '/api/state?name=ada', headers: { host } })).status, 200, host);
    }
  });
});

test('an oversized body is answered 413 with a sentence, and the server carries on', async () => {
  const rankingsFile = path.join(dir, 'large.jsonl');
  await withServer(rankingsFile, async (s) => {
    const big = JSON.stringify({ pad: 'x'.repeat(3 * 1024 * 1024) });
    const reply = await request(s.port, { method: 'POST', path: '/api/submit', headers: { 'content-type': 'application/json' }, body: big });
    assert.equal(reply.status, 413);
    assert.equal(errorOf(reply), 'The submission is too large: at most 256 KB are accepted.');
    // Sent in chunks without a length (no Content-Length header): the same answer.
    const chunked = await new Promise<Reply>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: s.port, method: 'POST', path: '/api/submit', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      for (let i = 0; i < 40; i++) req.write('x'.repeat(16 * 1024));
      req.end();
    });
    assert.equal(chunked.status, 413);
    assert.match(errorOf(chunked), /too large/);
    assert.equal(fs.existsSync(rankingsFile), false);
    const ok = await request(s.port, { method: 'POST', path: '/api/submit', headers: { 'content-type': 'application/json' }, body: submission(0) });
    assert.equal(ok.status, 200, ok.body);
  });
});

test('one server per rankings file: a second is refused naming the file and the pid; the lock goes with the first', async () => {
  const rankingsFile = path.join(dir, 'locked.jsonl');
  const first = await startRankingServer({ candidatesFile, rankingsFile, port: 0 });
  try {
    assert.equal(fs.readFileSync(`${rankingsFile}.lock`, 'utf8').trim(), String(process.pid));
    await assert.rejects(
      startRankingServer({ candidatesFile, rankingsFile, port: 0 }),
      (err: Error) => err.message.includes(rankingsFile) && err.message.includes(`pid ${process.pid}`) && /already in use by a ranking server/.test(err.message),
    );
  } finally {
    await first.close();
  }
  assert.equal(fs.existsSync(`${rankingsFile}.lock`), false);
  const again = await startRankingServer({ candidatesFile, rankingsFile, port: 0 });
  await again.close();
});

test('a stale lock of a dead process is taken over', async () => {
  const rankingsFile = path.join(dir, 'stale.jsonl');
  const child = spawn(process.execPath, ['-e', '']);
  const deadPid = child.pid as number;
  await new Promise((resolve) => child.on('exit', resolve));
  fs.writeFileSync(`${rankingsFile}.lock`, `${deadPid}\n`);
  const server = await startRankingServer({ candidatesFile, rankingsFile, port: 0 });
  assert.equal(fs.readFileSync(`${rankingsFile}.lock`, 'utf8').trim(), String(process.pid));
  await server.close();
  assert.equal(fs.existsSync(`${rankingsFile}.lock`), false);
});

test('a second `npm run rank` process on the same file exits with a message naming the file and the first pid', async () => {
  const rankingsFile = path.join(dir, 'cli.jsonl');
  const server = await startRankingServer({ candidatesFile, rankingsFile, port: 0 });
  try {
    const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
    const cli = spawn(tsx, [path.join(__dirname, '..', 'tools', 'commands', 'rank.ts'), '--candidates', candidatesFile, '--out', rankingsFile, '--port', '0']);
    let stderr = '';
    cli.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const timer = setTimeout(() => cli.kill(), 60_000); // a server that starts instead of refusing would run forever
    const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
    clearTimeout(timer);
    assert.equal(code, 1);
    assert.ok(stderr.includes(`rank: ${rankingsFile} is already in use by a ranking server with pid ${process.pid}`), stderr);
  } finally {
    await server.close();
  }
});

test('40 concurrent submissions: every one answered "saved" is on disk', async () => {
  const rankingsFile = path.join(dir, 'many.jsonl');
  await withServer(rankingsFile, async (s) => {
    const n = Math.min(40, candidates.length);
    assert.equal(n, 40);
    const replies = await Promise.all(Array.from({ length: n }, (_, i) =>
      request(s.port, { method: 'POST', path: '/api/submit', headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${s.port}` }, body: submission(i, `p${i % 4}`) })));
    const saved = replies.filter((r) => r.status === 200 && (JSON.parse(r.body) as { saved?: boolean }).saved === true);
    assert.equal(saved.length, n, replies.map((r) => r.body).join('\n'));
    const onDisk = loadRankings(rankingsFile);
    assert.equal(onDisk.length, n);
    assert.deepEqual(new Set(onDisk.map((r) => r.prompt)), new Set(candidates.slice(0, n).map((c) => c.prompt)));
  });
});
