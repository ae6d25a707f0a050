import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { stageDir } from '../core/paths';
import { appendJsonl } from '../core/jsonl';
import { acquireFileLock } from '../core/fileLock';
import { fsyncDir } from '../core/atomicDir';
import { Rng } from '../core/rng';
import { chatPrompt } from '../model/chat';
import { generate } from '../model/sampling';
import { loadPromptSet, type PromptRecord } from '../world/datasets';
import { listenLocal, PERSON_NAME, personName, readJsonBody, Refusal, sendJson, serveStatic, type LocalServer } from '../labels/localServer';
import { replyText } from '../eval/evaluate';
import { arenaWinRates, loadArenaVotes, validateArenaVote, type ArenaVote } from '../eval/arena';
import { locateStage, loadModel, type LoadedModel } from './artifacts';

/**
 * The arena: a person asks a question (their own, or one of the evaluation set), sees two anonymous replies, A and
 * B, from two different trained policies, and says which is better or that they tie; only then does the page say
 * which policy wrote which, and show the person's running tally (lib/eval/arena.ts). A small HTTP server on
 * 127.0.0.1 serves a static page (lib/io/arena-page/) and three JSON endpoints:
 *
 *   GET  /api/state?name=ada   the person's tally so far
 *   POST /api/pair             {name, question: string | null} → {id, prompt, a, b}: two replies, no policy names
 *   POST /api/vote             {name, id, vote: "a"|"b"|"tie"} → which policy wrote A and B, and the new tally
 *
 * The server keeps every pair it issued in memory under an unguessable id, and a vote names only that id: the page
 * never learns, and cannot forge, which policy wrote what. A pair takes one vote. Each vote is appended atomically
 * to the votes JSONL (lib/eval/arena.ts has its schema) and answered "saved" only after the file has been written,
 * fsynced, renamed into place and read back with the vote in it. One server writes a votes file at a time (it
 * holds `<file>.lock`). The request guards are the ranking page's (lib/labels/localServer.ts): a foreign Host or
 * Origin is refused (403), a POST not sent as application/json (415), a body over 16 KB (413).
 */

/** The stages whose checkpoint is a policy the arena can show, in pipeline order, with the names the page reveals. */
export const ARENA_POLICIES: Readonly<Record<string, string>> = { sft: 'SFT (01)', ppo: 'PPO (04)', dpo: 'DPO (05)', 'online-dpo': 'online DPO (06)' };

/** Longest own question, in characters. */
export const MAX_QUESTION_CHARS = 300;
/** Tokens per reply (temperature 1), as in the stages' evaluations of a policy. */
export const ARENA_REPLY_TOKENS = 24;

export interface ArenaServerOptions {
  /** Where votes are appended. Default: <run folder>/arena/votes.jsonl. */
  votesFile?: string;
  /** The person's name (voter id "human:<name>"); if left out, the page asks for it. */
  voter?: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. Default 8766. */
  port?: number;
  /** Seed of the pairs: request i draws its policies, prompt and replies from seed + i. Default: a random seed. */
  seed?: number;
  /** Prompts offered when the person asks for one. Default: the evaluation set (lib/world). */
  prompts?: readonly PromptRecord[];
  /** Progress lines while the policies load (default: none). */
  log?: (line: string) => void;
}

export interface ArenaServer {
  /** e.g. "http://127.0.0.1:8766/". */
  url: string;
  port: number;
  votesFile: string;
  /** The policies loaded (stage names), in pipeline order. */
  policies: string[];
  close(): Promise<void>;
}

/** The votes file the arena appends to when none is given. */
export function defaultVotesFile(): string {
  return path.join(stageDir('arena'), 'votes.jsonl');
}

/** The stages of ARENA_POLICIES that have a checkpoint (the run folder's, a named run's upstream's or the shipped SFT). */
export function findArenaPolicies(): { stage: string; dir: string }[] {
  return Object.keys(ARENA_POLICIES).flatMap((stage) => {
    const { dir } = locateStage(stage, 'model.safetensors');
    return fs.existsSync(path.join(dir, 'model.safetensors')) && fs.existsSync(path.join(dir, 'config.json')) ? [{ stage, dir }] : [];
  });
}

const PAGE_DIR = path.join(__dirname, 'arena-page');
const MAX_BODY = 16 * 1024;
/** Pairs kept for a vote; past this many the oldest is forgotten (a vote on it is refused as unknown). */
const MAX_PAIRS = 1000;

/** A pair as issued: what the page sees, and (kept here only) who wrote which reply. */
interface IssuedPair {
  voter: string;
  prompt: string;
  factId: string | null;
  a: { policy: string; reply: string };
  b: { policy: string; reply: string };
  voted: boolean;
}

/** Loads every policy found (printing progress), then starts the server; resolves once it listens. */
export async function startArenaServer(options: ArenaServerOptions = {}): Promise<ArenaServer> {
  const votesFile = path.resolve(options.votesFile ?? defaultVotesFile());
  if (options.voter !== undefined && !PERSON_NAME.test(options.voter)) {
    throw new Error(`voter name ${JSON.stringify(options.voter)}: use 1–40 letters, digits, ".", "_" or "-"`);
  }
  const found = findArenaPolicies();
  if (found.length < 2) {
    const have = found.length === 0 ? 'none' : `only ${found.map((p) => `${p.stage} (${p.dir})`).join(', ')}`;
    throw new Error(`the arena needs at least two trained policies (${Object.keys(ARENA_POLICIES).join(', ')}) and found ${have}: run \`npm run pipeline\` first`);
  }
  if (fs.existsSync(votesFile)) loadArenaVotes(votesFile); // fail now, not mid-session
  const prompts = options.prompts ?? loadPromptSet('evaluation');
  if (prompts.length === 0) throw new Error('the arena has no prompts to offer');
  const fixedName = options.voter;
  const seed = options.seed ?? crypto.randomInt(2 ** 31);
  const log = options.log ?? ((): void => undefined);
  let requests = 0;
  const pairs = new Map<string, IssuedPair>();

  const lock = acquireFileLock(votesFile, 'an arena server');
  const models = new Map<string, LoadedModel>();
  let local: LocalServer;
  try {
    for (const [i, { stage, dir }] of found.entries()) {
      const started = Date.now();
      models.set(stage, loadModel(stage, { trainable: false }));
      log(`  loaded ${i + 1}/${found.length}: ${stage} from ${dir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    local = await listenLocal(options.port ?? 8766, 'the arena page', handle);
  } catch (err) {
    for (const m of models.values()) m.model.dispose();
    lock.release();
    throw err;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (serveStatic(req, res, url.pathname, PAGE_DIR)) return;
    if (req.method === 'GET' && url.pathname === '/api/state') {
      sendJson(res, 200, state(nameOf(url.searchParams.get('name') ?? undefined)));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/pair') {
      sendJson(res, 200, issuePair(bodyObject(await readJsonBody(req, 'request', MAX_BODY))));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/vote') {
      sendJson(res, 200, vote(bodyObject(await readJsonBody(req, 'request', MAX_BODY))));
      return;
    }
    sendJson(res, 404, { error: `no such page: ${req.method} ${url.pathname}` });
  }

  const nameOf = (requested: string | undefined): string | undefined => personName(fixedName, requested);

  function requireName(b: Record<string, unknown>): string {
    const name = nameOf(typeof b.name === 'string' ? b.name : undefined);
    if (name === undefined) throw new Refusal('Please enter your name first.');
    return name;
  }

  function votesOf(voter: string): ArenaVote[] {
    return fs.existsSync(votesFile) ? loadArenaVotes(votesFile).filter((v) => v.voter === voter) : [];
  }

  function state(name: string | undefined): Record<string, unknown> {
    const base = { fixedName: fixedName !== undefined, votesFile, policies: found.length, maxQuestionChars: MAX_QUESTION_CHARS };
    if (name === undefined) return { ...base, name: null, votes: 0, tally: [] };
    const mine = votesOf(`human:${name}`);
    return { ...base, name, votes: mine.length, tally: tallyRows(mine) };
  }

  function issuePair(b: Record<string, unknown>): Record<string, unknown> {
    const voter = `human:${requireName(b)}`;
    const own = ownQuestion(b.question);
    const rng = new Rng(seed + requests++);
    const [first, second] = rng.shuffle(found.map((p) => p.stage)).slice(0, 2);
    const picked = own === null ? rng.pick(prompts) : null;
    const prompt = own ?? picked!.prompt;
    const write = (stage: string): { policy: string; reply: string } => {
      const { model, tokenizer } = models.get(stage)!;
      const g = generate(model, [tokenizer.encode(chatPrompt(prompt))], tokenizer.eosId, { temperature: 1, maxNewTokens: ARENA_REPLY_TOKENS, seed: rng.seed() });
      return { policy: stage, reply: replyText(tokenizer, g.responses[0]) };
    };
    const pair: IssuedPair = { voter, prompt, factId: picked?.factId ?? null, a: write(first), b: write(second), voted: false };
    const id = crypto.randomBytes(16).toString('hex');
    pairs.set(id, pair);
    if (pairs.size > MAX_PAIRS) pairs.delete(pairs.keys().next().value as string);
    return { id, prompt, own: own !== null, a: pair.a.reply, b: pair.b.reply };
  }

  /** The person's own question checked (null: they asked for an evaluation prompt). */
  function ownQuestion(q: unknown): string | null {
    if (q === null || q === undefined) return null;
    if (typeof q !== 'string') throw new Refusal('The question must be text.');
    const question = q.trim();
    if (question === '') throw new Refusal('Type a question first, or take one from the evaluation set.');
    if (question.length > MAX_QUESTION_CHARS) {
      throw new Refusal(`Your question is ${question.length} characters long; at most ${MAX_QUESTION_CHARS} are accepted.`);
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(question)) throw new Refusal('Your question must be one line of plain text (no line breaks or control characters).');
    for (const { model, tokenizer } of models.values()) {
      const room = model.config.contextLength - ARENA_REPLY_TOKENS;
      const tokens = tokenizer.encode(chatPrompt(question)).length;
      if (tokens > room) {
        throw new Refusal(`Your question is too long for the models: with the chat format it takes ${tokens} tokens, and they read at most ${room} before their ${ARENA_REPLY_TOKENS}-token reply. Please shorten it.`);
      }
    }
    return question;
  }

  function vote(b: Record<string, unknown>): Record<string, unknown> {
    const voter = `human:${requireName(b)}`;
    const id = b.id;
    const pair = typeof id === 'string' ? pairs.get(id) : undefined;
    if (pair === undefined) throw new Refusal('This pair was not issued by this server (or the server has restarted since); get a new pair.');
    if (pair.voter !== voter) throw new Refusal(`This pair was issued to ${pair.voter}, not to ${voter}; get a new pair.`, 403);
    if (pair.voted) throw new Refusal('You have already voted on this pair; get a new pair.', 409);
    const choice = b.vote;
    if (choice !== 'a' && choice !== 'b' && choice !== 'tie') throw new Refusal('Vote "a", "b" or "tie".');
    const record = validateArenaVote({ time: new Date().toISOString(), voter, prompt: pair.prompt, factId: pair.factId, a: pair.a, b: pair.b, vote: choice });
    pair.voted = true; // before writing: a second vote on this pair is refused even while this one is written
    try {
      appendJsonl(votesFile, [record]);
      fsyncDir(path.dirname(votesFile));
      const all = loadArenaVotes(votesFile);
      if (!isDeepStrictEqual(all[all.length - 1], record)) throw new Error(`the vote was written but is not in ${votesFile}; it is not saved`);
    } catch (err) {
      pair.voted = false;
      throw err;
    }
    const mine = votesOf(voter);
    return { saved: true, a: reveal(pair.a.policy), b: reveal(pair.b.policy), vote: choice, votes: mine.length, tally: tallyRows(mine) };
  }

  return {
    url: `http://127.0.0.1:${local.port}/`,
    port: local.port,
    votesFile,
    policies: found.map((p) => p.stage),
    close: async () => {
      await local.close();
      for (const m of models.values()) m.model.dispose();
      lock.release();
    },
  };
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Refusal('The request must be a JSON object.');
  return body as Record<string, unknown>;
}

/** A policy as the page reveals it after the vote: its stage folder and its name. */
function reveal(policy: string): { policy: string; label: string } {
  return { policy, label: ARENA_POLICIES[policy] ?? policy };
}

/** The person's tally for the page: arenaWinRates with each policy's name. */
function tallyRows(votes: readonly ArenaVote[]): Record<string, unknown>[] {
  return arenaWinRates(votes).map((s) => ({ ...s, label: ARENA_POLICIES[s.policy] ?? s.policy }));
}
