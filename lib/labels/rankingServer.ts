import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { dataDir, stageDir } from '../core/paths';
import { appendJsonl, readJsonl } from '../core/jsonl';
import { acquireFileLock } from '../core/fileLock';
import { fsyncDir } from '../core/atomicDir';
import {
  loadCandidates, validateLabel, validateRankingRecord, RATING_FIELDS,
  type CandidateSet, type Label, type RankingRecord,
} from './preferences';
import { listenLocal, PERSON_NAME, personName, readJsonBody, Refusal, sendJson, serveStatic, type LocalServer } from './localServer';

/**
 * The ranking page: a person takes a labeler's seat. A small HTTP server on 127.0.0.1 (Node's http module, no
 * framework) serves a static page (lib/ranking-page/) and two JSON endpoints:
 *
 *   GET  /api/state?name=ada   progress and the next prompt this person has not ranked yet
 *   POST /api/submit           {name, index, prompt, ratings:[{factualness,harmlessness,humanLikeness}×K], ranking:[[i,...],...]}
 *
 * Every submission is validated here (the page's own checks are only a convenience) and appended atomically to
 * the rankings JSONL as one line {"prompt","factId","responses","labels":[{"labeler":"human:ada",...}]} — the
 * schema the simulated panel writes (lib/labels/preferences.ts), so the reward model trains on both the same way.
 * Progress is read back from that file, so quitting and coming back resumes where the person stopped.
 *
 * Only the page itself may talk to it (a web page the labeler has open elsewhere must not write labels into the
 * reward model's training data, nor read the server's state): lib/labels/localServer.ts refuses a foreign Host
 * (403, DNS rebinding) or Origin (403), a submission not sent as application/json (415) and a body over 256 KB (413).
 * One server writes a rankings file at a time: it holds `<file>.lock` (lib/fileLock.ts) while it runs, and a
 * second server on the same file is refused naming the other's pid. A submission is answered "saved" only after
 * the new file has been written, fsynced, renamed into place and read back with the label in it.
 */

export interface RankingServerOptions {
  /** Prompts × K responses to rank (JSONL {"prompt","factId","responses"}). Default: runs/ranking/candidates.jsonl if it exists (stage 02 writes it), else the shipped sample data/world/candidates_sample.jsonl. */
  candidatesFile?: string;
  /** Where labels are appended. Default: runs/ranking/rankings_human.jsonl. */
  rankingsFile?: string;
  /** The person's name (labeler id "human:<name>"); if left out, the page asks for it. */
  labeler?: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. Default 8765. */
  port?: number;
}

export interface RankingServer {
  /** e.g. "http://127.0.0.1:8765/". */
  url: string;
  port: number;
  candidatesFile: string;
  rankingsFile: string;
  close(): Promise<void>;
}

/** The candidates file the page uses when none is given. */
export function defaultCandidatesFile(): string {
  const fromModel = path.join(stageDir('ranking'), 'candidates.jsonl');
  return fs.existsSync(fromModel) ? fromModel : path.join(dataDir, 'world', 'candidates_sample.jsonl');
}

/** The rankings file the page appends to when none is given. */
export function defaultHumanRankingsFile(): string {
  return path.join(stageDir('ranking'), 'rankings_human.jsonl');
}

const PAGE_DIR = path.join(__dirname, 'ranking-page');
const CRITERION_NAMES: Record<string, string> = { factualness: 'Factual', harmlessness: 'Harmless', humanLikeness: 'Human-like' };
const MAX_BODY = 256 * 1024;
/** Starts the server; resolves once it listens. */
export async function startRankingServer(options: RankingServerOptions = {}): Promise<RankingServer> {
  const candidatesFile = path.resolve(options.candidatesFile ?? defaultCandidatesFile());
  const rankingsFile = path.resolve(options.rankingsFile ?? defaultHumanRankingsFile());
  const candidates = loadCandidates(candidatesFile);
  if (candidates.length === 0) throw new Error(`${candidatesFile}: no candidates to rank`);
  if (options.labeler !== undefined && !PERSON_NAME.test(options.labeler)) {
    throw new Error(`labeler name ${JSON.stringify(options.labeler)}: use 1–40 letters, digits, ".", "_" or "-"`);
  }
  if (fs.existsSync(rankingsFile)) readJsonl(rankingsFile, validateRankingRecord, { allowEmpty: true }); // fail now, not mid-session
  const fixedName = options.labeler;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (serveStatic(req, res, url.pathname, PAGE_DIR)) return;
    if (req.method === 'GET' && url.pathname === '/api/state') {
      sendJson(res, 200, state(url.searchParams.get('name') ?? undefined));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/submit') {
      const saved = submit(await readJsonBody(req, 'submission', MAX_BODY));
      sendJson(res, 200, { saved: true, ...state(saved) });
      return;
    }
    sendJson(res, 404, { error: `no such page: ${req.method} ${url.pathname}` });
  }

  const nameOf = (requested: string | undefined): string | undefined => personName(fixedName, requested);

  function doneKeys(labeler: string): Set<string> {
    const done = new Set<string>();
    if (!fs.existsSync(rankingsFile)) return done;
    for (const r of readJsonl(rankingsFile, validateRankingRecord, { allowEmpty: true })) {
      if (r.labels.some((l) => l.labeler === labeler)) done.add(keyOf(r));
    }
    return done;
  }

  function state(requested: string | undefined): Record<string, unknown> {
    const name = nameOf(requested);
    const base = { fixedName: fixedName !== undefined, total: candidates.length, rankingsFile, criteria: RATING_FIELDS };
    if (name === undefined) return { ...base, name: null, done: 0, item: null };
    const done = doneKeys(`human:${name}`);
    const next = candidates.findIndex((c) => !done.has(keyOf(c)));
    const count = candidates.filter((c) => done.has(keyOf(c))).length;
    return {
      ...base,
      name,
      done: count,
      item: next < 0 ? null : { index: next, prompt: candidates[next].prompt, responses: candidates[next].responses },
    };
  }

  function submit(body: unknown): string {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Refusal('The submission must be a JSON object.');
    const b = body as Record<string, unknown>;
    const name = nameOf(typeof b.name === 'string' ? b.name : undefined);
    if (name === undefined) throw new Refusal('Please enter your name first.');
    const index = b.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= candidates.length) {
      throw new Refusal(`Unknown prompt number ${JSON.stringify(index)}; reload the page.`);
    }
    const c = candidates[index];
    if (b.prompt !== c.prompt) throw new Refusal('This prompt does not match the list on the server; reload the page.');
    const labeler = `human:${name}`;
    if (doneKeys(labeler).has(keyOf(c))) throw new Refusal('You have already ranked this prompt; reload the page for the next one.');
    const label = checkLabel(b, c, labeler);
    const record: RankingRecord = { prompt: c.prompt, factId: c.factId, responses: c.responses.slice(), labels: [label] };
    validateRankingRecord(record);
    appendJsonl(rankingsFile, [record]);
    fsyncDir(path.dirname(rankingsFile));
    if (!doneKeys(labeler).has(keyOf(c))) throw new Error(`the label was written but is not in ${rankingsFile}; it is not saved`);
    return name;
  }

  const lock = acquireFileLock(rankingsFile, 'a ranking server');
  let local: LocalServer;
  try {
    local = await listenLocal(options.port ?? 8765, 'the ranking page', handle);
  } catch (err) {
    lock.release();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${local.port}/`,
    port: local.port,
    candidatesFile,
    rankingsFile,
    close: async () => {
      await local.close();
      lock.release();
    },
  };
}

/** The person-friendly checks first ("Response B has no Harmless rating"), then the schema's own validator. */
function checkLabel(b: Record<string, unknown>, c: CandidateSet, labeler: string): Label {
  const k = c.responses.length;
  const letter = (i: number): string => String.fromCharCode(65 + i);
  const ratings = b.ratings;
  if (!Array.isArray(ratings) || ratings.length !== k) throw new Refusal(`Rate all ${k} responses.`);
  ratings.forEach((r, i) => {
    const o = typeof r === 'object' && r !== null ? (r as Record<string, unknown>) : {};
    for (const f of RATING_FIELDS) {
      const v = o[f];
      if (v === undefined || v === null) throw new Refusal(`Response ${letter(i)} has no ${CRITERION_NAMES[f]} rating (1–7).`);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 7) throw new Refusal(`Response ${letter(i)}: ${CRITERION_NAMES[f]} must be a whole number from 1 to 7.`);
    }
  });
  const ranking = b.ranking;
  if (!Array.isArray(ranking)) throw new Refusal('Put the responses in order (best first).');
  const flat = ranking.flat();
  for (let i = 0; i < k; i++) {
    if (!flat.includes(i)) throw new Refusal(`Response ${letter(i)} is missing from your ranking.`);
  }
  try {
    return validateLabel(
      {
        labeler,
        ratings: ratings.map((r) => {
          const o = r as Record<string, unknown>;
          return { factualness: o.factualness, harmlessness: o.harmlessness, humanLikeness: o.humanLikeness };
        }),
        ranking,
        createdAt: new Date().toISOString(),
      },
      k,
    );
  } catch (err) {
    throw new Refusal(`The ranking is not valid: ${(err as Error).message}`);
  }
}

function keyOf(c: CandidateSet): string {
  return JSON.stringify([c.prompt, c.responses]);
}
