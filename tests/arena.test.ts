/**
 * The arena: the tally checked by hand, the votes file's loader, and a vote round trip over real HTTP against a
 * tiny run folder (random-weight SFT, PPO and DPO policies): the pair shows no policy names, the vote's line names
 * the policies that really wrote each reply, and the page is told only after the vote.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { arenaWinRates, loadArenaVotes, type ArenaVote } from '../lib/eval/arena';
import { ARENA_REPLY_TOKENS, startArenaServer, type ArenaServer } from '../lib/io/arenaServer';
import { loadModel } from '../lib/io/artifacts';
import { Rng } from '../lib/core/rng';
import { chatPrompt } from '../lib/model/chat';
import { generate } from '../lib/model/sampling';
import { replyText } from '../lib/eval/evaluate';
import { loadPromptSet } from '../lib/world/datasets';
import { makeTinyRun, postJson, request } from './arena-helpers';

function vote(a: string, b: string, v: ArenaVote['vote']): ArenaVote {
  return { time: '2026-01-01T00:00:00.000Z', voter: 'human:ada', prompt: 'What is the capital of Peru?', factId: 'capital:PE', a: { policy: a, reply: 'x' }, b: { policy: b, reply: 'y' }, vote: v };
}

test('arenaWinRates: wins, ties and losses per policy, ties counting half, with Wilson intervals (by hand)', () => {
  const rates = arenaWinRates([
    vote('ppo', 'sft', 'a'), // ppo wins, sft loses
    vote('sft', 'ppo', 'b'), // ppo wins, sft loses
    vote('ppo', 'dpo', 'tie'), // both tie
    vote('dpo', 'sft', 'a'), // dpo wins, sft loses
    vote('sft', 'dpo', 'a'), // sft wins, dpo loses
  ]);
  // ppo 2-1-0: (2 + ½)/3; dpo 1-1-1: 1.5/3; sft 1-0-3: 1/4. Wilson 95 % (z = 1.96) worked out separately:
  // 1 of 4 → [0.0456, 0.6994], the textbook interval; 1.5 of 3 → [0.1253, 0.8747]; 2.5 of 3 → [0.3100, 0.9823].
  assert.deepEqual(rates.map((r) => [r.policy, r.wins, r.ties, r.losses, r.n]), [['ppo', 2, 1, 0, 3], ['dpo', 1, 1, 1, 3], ['sft', 1, 0, 3, 4]]);
  const expected = [[2.5 / 3, 0.31, 0.9823], [0.5, 0.1253, 0.8747], [0.25, 0.0456, 0.6994]];
  rates.forEach((r, i) => {
    assert.ok(Math.abs(r.winRate - expected[i][0]) < 1e-12, `${r.policy} rate ${r.winRate}`);
    assert.ok(Math.abs(r.interval.low - expected[i][1]) < 5e-5, `${r.policy} low ${r.interval.low}`);
    assert.ok(Math.abs(r.interval.high - expected[i][2]) < 5e-5, `${r.policy} high ${r.interval.high}`);
  });
  assert.deepEqual(arenaWinRates([]), []);
});

test('loadArenaVotes: reads valid lines, names the file and line of a malformed one', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arena-votes-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'votes.jsonl');
  const good = vote('ppo', 'sft', 'tie');
  fs.writeFileSync(file, `${JSON.stringify(good)}\n\n${JSON.stringify({ ...good, factId: null })}\n`);
  assert.deepEqual(loadArenaVotes(file), [good, { ...good, factId: null }]);
  const bad = (record: unknown, message: RegExp): void => {
    fs.writeFileSync(file, `${JSON.stringify(good)}\n${typeof record === 'string' ? record : JSON.stringify(record)}\n`);
    assert.throws(() => loadArenaVotes(file), (err: Error) => err.message.startsWith(`${file}:2: `) && message.test(err.message), String(message));
  };
  bad({ ...good, vote: 'A' }, /field "vote" must be "a", "b" or "tie", got "A"/);
  bad({ ...good, b: { policy: 'ppo', reply: 'y' } }, /"a.policy" and "b.policy" are both "ppo"/);
  bad({ ...good, a: { reply: 'x' } }, /field "policy" must be a string/);
  bad({ ...good, time: 'yesterday' }, /field "time" must be an ISO date/);
  bad({ ...good, factId: 3 }, /field "factId" must be a string or null/);
  bad('{"time": ', /not valid JSON/);
  fs.writeFileSync(file, '');
  assert.deepEqual(loadArenaVotes(file), []);
});

let dir = '';
let savedEnv: string | undefined;
let server: ArenaServer;
const SEED = 7;

before(async () => {
  await initEngine({ quiet: true });
  savedEnv = process.env.RLHF_RUN_DIR;
  ({ dir } = makeTinyRun('arena-', ['sft', 'ppo', 'dpo']));
  process.env.RLHF_RUN_DIR = dir;
  server = await startArenaServer({ port: 0, seed: SEED });
});

after(async () => {
  await server?.close();
  if (savedEnv === undefined) delete process.env.RLHF_RUN_DIR;
  else process.env.RLHF_RUN_DIR = savedEnv;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** What request `i` of a server seeded SEED draws: the policies of A and B, the prompt and the replies, recomputed here. */
function expectedPair(i: number, question: string | null): { policies: [string, string]; prompt: string; replies: [string, string] } {
  const rng = new Rng(SEED + i);
  const [a, b] = rng.shuffle(['sft', 'ppo', 'dpo']).slice(0, 2);
  const prompt = question ?? rng.pick(loadPromptSet('evaluation')).prompt;
  const replies = [a, b].map((stage) => {
    const m = loadModel(path.join(dir, stage), { trainable: false });
    const g = generate(m.model, [m.tokenizer.encode(chatPrompt(prompt))], m.tokenizer.eosId, { temperature: 1, maxNewTokens: ARENA_REPLY_TOKENS, seed: rng.seed() });
    m.model.dispose();
    return replyText(m.tokenizer, g.responses[0]);
  });
  return { policies: [a, b], prompt, replies: [replies[0], replies[1]] };
}

test('a vote round trip: an anonymous pair, the vote, one line in the JSONL naming the policies that wrote each reply', async () => {
  assert.deepEqual(server.policies, ['sft', 'ppo', 'dpo']);
  assert.equal(server.votesFile, path.join(dir, 'arena', 'votes.jsonl'));
  const tensors = tf.memory().numTensors;

  // Request 0: an evaluation prompt. The page gets the prompt and two replies, nothing that names a policy.
  const got = await postJson(server.port, '/api/pair', { name: 'ada', question: null });
  assert.equal(got.status, 200, got.body);
  const pair = JSON.parse(got.body) as { id: string; prompt: string; own: boolean; a: string; b: string };
  assert.deepEqual(Object.keys(pair).sort(), ['a', 'b', 'id', 'own', 'prompt']);
  assert.match(pair.id, /^[0-9a-f]{32}$/);
  const want = expectedPair(0, null);
  assert.equal(pair.prompt, want.prompt);
  assert.deepEqual([pair.a, pair.b], want.replies);
  assert.equal(pair.own, false);
  assert.notEqual(want.policies[0], want.policies[1]);
  assert.equal(tf.memory().numTensors, tensors, 'generating a pair leaks no tensor');

  const voted = await postJson(server.port, '/api/vote', { name: 'ada', id: pair.id, vote: 'b' });
  assert.equal(voted.status, 200, voted.body);
  const reveal = JSON.parse(voted.body) as { saved: boolean; a: { policy: string }; b: { policy: string }; votes: number; tally: { policy: string; wins: number; losses: number }[] };
  assert.equal(reveal.saved, true);
  assert.deepEqual([reveal.a.policy, reveal.b.policy], want.policies);
  const lines = loadArenaVotes(server.votesFile);
  assert.equal(lines.length, 1);
  const [line] = lines;
  const factId = loadPromptSet('evaluation').find((p) => p.prompt === want.prompt)!.factId;
  assert.deepEqual({ ...line, time: '' }, {
    time: '', voter: 'human:ada', prompt: want.prompt, factId,
    a: { policy: want.policies[0], reply: want.replies[0] }, b: { policy: want.policies[1], reply: want.replies[1] }, vote: 'b',
  });
  assert.ok(Math.abs(Date.parse(line.time) - Date.now()) < 60_000);
  assert.equal(fs.readFileSync(server.votesFile, 'utf8').split('\n').length, 2, 'one line and its newline');
  // The running tally: B's policy won once, A's lost once.
  assert.equal(reveal.votes, 1);
  assert.deepEqual(reveal.tally.map((r) => [r.policy, r.wins, r.losses]), [[want.policies[1], 1, 0], [want.policies[0], 0, 1]]);

  // Request 1: the person's own question (no fact: factId null), a tie; the tally is this person's only.
  const own = await postJson(server.port, '/api/pair', { name: 'ada', question: '  Who are you?  ' });
  const ownPair = JSON.parse(own.body) as { id: string; prompt: string; own: boolean; a: string; b: string };
  const wantOwn = expectedPair(1, 'Who are you?');
  assert.deepEqual([ownPair.prompt, ownPair.own, ownPair.a, ownPair.b], ['Who are you?', true, ...wantOwn.replies]);
  const tie = JSON.parse((await postJson(server.port, '/api/vote', { name: 'ada', id: ownPair.id, vote: 'tie' })).body) as { votes: number };
  assert.equal(tie.votes, 2);
  const second = loadArenaVotes(server.votesFile)[1];
  assert.deepEqual([second.factId, second.vote, second.a.policy, second.b.policy], [null, 'tie', ...wantOwn.policies]);
  const state = JSON.parse((await request(server.port, { path: '/api/state?name=ada' })).body) as { votes: number; tally: unknown[] };
  assert.equal(state.votes, 2);
  assert.deepEqual(state.tally, JSON.parse(JSON.stringify(arenaWinRates(loadArenaVotes(server.votesFile)).map((r) => ({ ...r, label: expectLabel(r.policy) })))));
  const other = JSON.parse((await request(server.port, { path: '/api/state?name=bob' })).body) as { votes: number; tally: unknown[] };
  assert.deepEqual([other.votes, other.tally], [0, []]);
});

function expectLabel(policy: string): string {
  return ({ sft: 'SFT (01)', ppo: 'PPO (04)', dpo: 'DPO (05)' } as Record<string, string>)[policy];
}

test('the page is served from 127.0.0.1 with no external resource', async () => {
  const html = await request(server.port, { path: '/' });
  assert.equal(html.status, 200);
  for (const route of ['/', '/page.js', '/page.css', '/base.css']) {
    const page = await request(server.port, { path: route });
    assert.equal(page.status, 200, route);
    assert.doesNotMatch(page.body, /https?:\/\//, `${route} loads nothing from elsewhere`);
  }
});
