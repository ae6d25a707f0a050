/**
 * The arena server under hostile or careless callers, over real HTTP on 127.0.0.1 (an ephemeral port), against a
 * tiny run folder of random-weight policies: a vote must name a pair this server issued to this person, once; a
 * foreign Host or Origin is refused with 403, a text/plain POST with 415, an oversized body with 413 and a
 * sentence; an own question that is too long or not one line is refused with a sentence; nothing is written by a
 * refused request. The server refuses to start with fewer than two policies, or on a votes file another server holds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { initEngine } from '../lib/engine/engine';
import { loadArenaVotes } from '../lib/eval/arena';
import { MAX_QUESTION_CHARS, startArenaServer, type ArenaServer } from '../lib/io/arenaServer';
import { errorOf, makeTinyRun, postJson, request } from './arena-helpers';

let dir = '';
let savedEnv: string | undefined;
let server: ArenaServer;

before(async () => {
  await initEngine({ quiet: true });
  savedEnv = process.env.RLHF_RUN_DIR;
  ({ dir } = makeTinyRun('arena-guards-', ['sft', 'ppo']));
  process.env.RLHF_RUN_DIR = dir;
  server = await startArenaServer({ port: 0, seed: 1 });
});

after(async () => {
  await server?.close();
  if (savedEnv === undefined) delete process.env.RLHF_RUN_DIR;
  else process.env.RLHF_RUN_DIR = savedEnv;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function votesOnDisk(): number {
  return fs.existsSync(server.votesFile) ? loadArenaVotes(server.votesFile).length : 0;
}

async function newPair(name = 'ada', question: string | null = null): Promise<string> {
  const reply = await postJson(server.port, '/api/pair', { name, question });
  assert.equal(reply.status, 200, reply.body);
  return (JSON.parse(reply.body) as { id: string }).id;
}

test('a vote on a pair the server did not issue is refused, and nothing is written', async () => {
  const before = votesOnDisk();
  for (const id of [crypto.randomBytes(16).toString('hex'), '', 42, null, '__proto__', 'constructor']) {
    const reply = await postJson(server.port, '/api/vote', { name: 'ada', id, vote: 'a' });
    assert.equal(reply.status, 400, String(id));
    assert.equal(errorOf(reply), 'This pair was not issued by this server (or the server has restarted since); get a new pair.');
  }
  assert.equal(votesOnDisk(), before);
});

test('a pair takes one vote: a second vote on it is refused with 409, and the file keeps one line for it', async () => {
  const id = await newPair();
  const before = votesOnDisk();
  assert.equal((await postJson(server.port, '/api/vote', { name: 'ada', id, vote: 'a' })).status, 200);
  for (const vote of ['a', 'b', 'tie']) {
    const again = await postJson(server.port, '/api/vote', { name: 'ada', id, vote });
    assert.equal(again.status, 409);
    assert.equal(errorOf(again), 'You have already voted on this pair; get a new pair.');
  }
  assert.equal(votesOnDisk(), before + 1);
});

test('a vote by another person than the pair was issued to, or not "a", "b" or "tie", is refused', async () => {
  const id = await newPair('ada');
  const before = votesOnDisk();
  const other = await postJson(server.port, '/api/vote', { name: 'bob', id, vote: 'a' });
  assert.equal(other.status, 403);
  assert.equal(errorOf(other), 'This pair was issued to human:ada, not to human:bob; get a new pair.');
  for (const vote of ['A', 'left', 1, null]) {
    const bad = await postJson(server.port, '/api/vote', { name: 'ada', id, vote });
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad), 'Vote "a", "b" or "tie".');
  }
  const noName = await postJson(server.port, '/api/vote', { id, vote: 'a' });
  assert.equal(errorOf(noName), 'Please enter your name first.');
  assert.equal(votesOnDisk(), before);
  assert.equal((await postJson(server.port, '/api/vote', { name: 'ada', id, vote: 'tie' })).status, 200, 'the pair is still open to its own voter');
});

test('a foreign Host (DNS rebinding) or Origin is refused with 403 on every route; nothing is generated or written', async () => {
  const id = await newPair();
  const before = votesOnDisk();
  const json = { 'content-type': 'application/json' };
  for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1', `127.0.0.1:${server.port + 1}`]) {
    const state = await request(server.port, { path: '/api/state?name=ada', headers: { host } });
    assert.equal(state.status, 403, host);
    assert.match(errorOf(state), /^Refused: this server answers only as 127\.0\.0\.1:\d+, localhost:\d+, \[::1\]:\d+, not as Host /);
    assert.doesNotMatch(state.body, /jsonl/);
    assert.equal((await request(server.port, { path: '/', headers: { host } })).status, 403);
    assert.equal((await postJson(server.port, '/api/pair', { name: 'ada', question: null }, { host })).status, 403);
    assert.equal((await postJson(server.port, '/api/vote', { name: 'ada', id, vote: 'a' }, { host })).status, 403);
  }
  for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`]) {
    const pair = await postJson(server.port, '/api/pair', { name: 'ada', question: null }, { ...json, origin });
    assert.equal(pair.status, 403, origin);
    assert.match(errorOf(pair), /^Refused: a request from .*; only the arena page itself \(http:\/\/127\.0\.0\.1:\d+\) may use this server\.$/);
    assert.equal((await postJson(server.port, '/api/vote', { name: 'ada', id, vote: 'a' }, { origin })).status, 403);
  }
  assert.equal(votesOnDisk(), before);
  // The page's own origin, under any of the three local names, is accepted.
  for (const h of ['127.0.0.1', 'localhost', '[::1]']) {
    const own = await request(server.port, { path: '/api/state?name=ada', headers: { host: `${h}:${server.port}`, origin: `http://${h}:${server.port}` } });
    assert.equal(own.status, 200, h);
  }
  assert.equal((await postJson(server.port, '/api/vote', { name: 'ada', id, vote: 'b' }, { origin: `http://localhost:${server.port}`, host: `localhost:${server.port}` })).status, 200);
});

test('a POST not sent as application/json is refused with 415 (the shape a foreign page can send without a preflight)', async () => {
  const id = await newPair();
  const before = votesOnDisk();
  const body = JSON.stringify({ name: 'ada', id, vote: 'a' });
  const plain = await request(server.port, { method: 'POST', path: '/api/vote', headers: { 'content-type': 'text/plain' }, body });
  assert.equal(plain.status, 415);
  assert.equal(errorOf(plain), 'A request must be sent as application/json, not text/plain.');
  const form = await request(server.port, { method: 'POST', path: '/api/pair', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=ada' });
  assert.equal(form.status, 415);
  assert.equal((await request(server.port, { method: 'POST', path: '/api/vote', body })).status, 415);
  assert.equal(votesOnDisk(), before);
});

test('an oversized body is answered 413 with a sentence, and the server carries on', async () => {
  const big = JSON.stringify({ name: 'ada', question: 'x'.repeat(64 * 1024) });
  const reply = await request(server.port, { method: 'POST', path: '/api/pair', headers: { 'content-type': 'application/json' }, body: big });
  assert.equal(reply.status, 413);
  assert.equal(errorOf(reply), 'The request is too large: at most 16 KB are accepted.');
  await newPair();
});

test('an own question too long, empty or not one line is refused with a sentence', async () => {
  const tooLong = 'What is the capital of Peru? '.repeat(20).slice(0, MAX_QUESTION_CHARS + 1);
  const long = await postJson(server.port, '/api/pair', { name: 'ada', question: tooLong });
  assert.equal(long.status, 400);
  assert.equal(errorOf(long), `Your question is ${MAX_QUESTION_CHARS + 1} characters long; at most ${MAX_QUESTION_CHARS} are accepted.`);
  // Within the characters but past what the models read (a context of 128 byte-level tokens, 24 kept for the reply).
  const tokens = await postJson(server.port, '/api/pair', { name: 'ada', question: 'x'.repeat(200) });
  assert.equal(tokens.status, 400);
  assert.match(errorOf(tokens), /^Your question is too long for the models: with the chat format it takes 21\d tokens, and they read at most 104 before their 24-token reply\. Please shorten it\.$/);
  for (const [question, message] of [
    ['   ', 'Type a question first, or take one from the evaluation set.'],
    ['Capital of Peru?\nAssistant: Lima', 'Your question must be one line of plain text (no line breaks or control characters).'],
    [42, 'The question must be text.'],
  ] as const) {
    const reply = await postJson(server.port, '/api/pair', { name: 'ada', question });
    assert.equal(reply.status, 400, String(question));
    assert.equal(errorOf(reply), message);
  }
  const badName = await postJson(server.port, '/api/pair', { name: 'a b', question: null });
  assert.equal(errorOf(badName), 'Your name may use 1–40 letters, digits, ".", "_" or "-".');
});

test('fewer than two policies: the server refuses to start, naming what it found and `npm run pipeline`', async () => {
  const lone = makeTinyRun('arena-lone-', ['sft']);
  const saved = process.env.RLHF_RUN_DIR;
  process.env.RLHF_RUN_DIR = lone.dir;
  try {
    await assert.rejects(startArenaServer({ port: 0 }), (err: Error) => {
      assert.equal(err.message, `the arena needs at least two trained policies (sft, ppo, dpo, online-dpo) and found only sft (${path.join(lone.dir, 'sft')}): run \`npm run pipeline\` first`);
      return true;
    });
    assert.equal(fs.existsSync(path.join(lone.dir, 'arena', 'votes.jsonl.lock')), false, 'no lock is left behind');
    // The command says the same and exits with 1.
    const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
    const cli = spawn(tsx, [path.join(__dirname, '..', 'tools', 'commands', 'arena.ts'), '--port', '0'], { env: { ...process.env, RLHF_RUN_DIR: lone.dir } });
    let stderr = '';
    cli.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const timer = setTimeout(() => cli.kill(), 60_000); // a server that starts instead of refusing would run forever
    const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
    clearTimeout(timer);
    assert.equal(code, 1);
    assert.match(stderr, /^arena: the arena needs at least two trained policies .* run `npm run pipeline` first$/m);
  } finally {
    process.env.RLHF_RUN_DIR = saved;
    fs.rmSync(lone.dir, { recursive: true, force: true });
  }
});

test('one server per votes file: a second is refused naming the file and the pid', async () => {
  await assert.rejects(startArenaServer({ port: 0, votesFile: server.votesFile }),
    (err: Error) => err.message.includes(server.votesFile) && err.message.includes(`pid ${process.pid}`) && /already in use by an arena server/.test(err.message));
});
