import { readJsonl, requireObject, requireString } from '../core/jsonl';
import { winRate } from './intervals';

/**
 * The arena's votes (`npm run arena`, lib/io/arenaServer.ts): a person sees two anonymous replies of two trained
 * policies to one prompt and says which is better, or that they tie. One vote is one JSONL line
 *
 *   {"time","voter":"human:ada","prompt","factId":null|"capital:PE","a":{"policy","reply"},"b":{"policy","reply"},"vote":"a"|"b"|"tie"}
 *
 * and the tally of many is each policy's win rate over every pairing it took part in, ties counting half.
 */

/** One policy's reply as shown in the arena. */
export interface ArenaReply {
  /** The stage folder of the policy ("sft", "ppo", …). */
  policy: string;
  reply: string;
}

/** One vote: which of two replies to `prompt` a voter preferred. */
export interface ArenaVote {
  /** ISO 8601 time of the vote. */
  time: string;
  /** Who voted: "human:<name>" for a person. */
  voter: string;
  prompt: string;
  /** The fact of the world the prompt is about (an evaluation prompt), null for the voter's own question. */
  factId: string | null;
  a: ArenaReply;
  b: ArenaReply;
  vote: 'a' | 'b' | 'tie';
}

/** One policy's record over all its votes. */
export interface ArenaStanding {
  policy: string;
  wins: number;
  ties: number;
  losses: number;
  /** wins + ties + losses. */
  n: number;
  /** (wins + ties / 2) / n. */
  winRate: number;
  /** Wilson's 95 % score interval of the win rate. */
  interval: { low: number; high: number };
}

function requireReply(o: Record<string, unknown>, key: 'a' | 'b'): ArenaReply {
  let r: Record<string, unknown>;
  try {
    r = requireObject(o[key]);
  } catch (err) {
    throw new Error(`field "${key}": ${(err as Error).message}`);
  }
  const policy = requireString(r, 'policy');
  if (policy.trim() === '') throw new Error(`field "${key}.policy" is empty`);
  if (typeof r.reply !== 'string') throw new Error(`field "${key}.reply" must be a string`);
  return { policy, reply: r.reply };
}

/** Checks one parsed votes line; throws a message naming the bad field. */
export function validateArenaVote(value: unknown): ArenaVote {
  const o = requireObject(value);
  const time = requireString(o, 'time');
  if (!Number.isFinite(Date.parse(time))) throw new Error(`field "time" must be an ISO date, got ${JSON.stringify(time)}`);
  const voter = requireString(o, 'voter');
  if (voter.trim() === '') throw new Error('field "voter" is empty');
  const prompt = requireString(o, 'prompt');
  if (prompt.trim() === '') throw new Error('field "prompt" is empty');
  const rawFactId = o.factId;
  if (rawFactId !== null && typeof rawFactId !== 'string') throw new Error('field "factId" must be a string or null');
  const factId = typeof rawFactId === 'string' ? rawFactId : null;
  const a = requireReply(o, 'a');
  const b = requireReply(o, 'b');
  if (a.policy === b.policy) throw new Error(`fields "a.policy" and "b.policy" are both ${JSON.stringify(a.policy)}: a vote compares two policies`);
  const vote = o.vote;
  if (vote !== 'a' && vote !== 'b' && vote !== 'tie') throw new Error(`field "vote" must be "a", "b" or "tie", got ${JSON.stringify(vote)}`);
  return { time, voter, prompt, factId, a, b, vote };
}

/** Reads a votes file; a malformed line fails naming the file and the line. An empty file holds no votes. */
export function loadArenaVotes(file: string): ArenaVote[] {
  return readJsonl(file, validateArenaVote, { allowEmpty: true });
}

/**
 * Each policy's wins, ties and losses over every vote it appears in, its win rate (ties count half) and the
 * rate's Wilson 95 % interval; best win rate first (then by name).
 */
export function arenaWinRates(votes: readonly ArenaVote[]): ArenaStanding[] {
  const counts = new Map<string, { wins: number; ties: number; losses: number }>();
  const add = (policy: string, outcome: 'wins' | 'ties' | 'losses'): void => {
    const c = counts.get(policy) ?? { wins: 0, ties: 0, losses: 0 };
    c[outcome]++;
    counts.set(policy, c);
  };
  for (const v of votes) {
    if (v.vote === 'tie') {
      add(v.a.policy, 'ties');
      add(v.b.policy, 'ties');
    } else {
      const [winner, loser] = v.vote === 'a' ? [v.a, v.b] : [v.b, v.a];
      add(winner.policy, 'wins');
      add(loser.policy, 'losses');
    }
  }
  return [...counts].map(([policy, c]) => {
    const w = winRate(c.wins, c.ties, c.losses);
    return { policy, ...c, n: c.wins + c.ties + c.losses, winRate: w.rate, interval: { low: w.low, high: w.high } };
  }).sort((x, y) => y.winRate - x.winRate || (x.policy < y.policy ? -1 : x.policy > y.policy ? 1 : 0));
}
