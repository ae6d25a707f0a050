/**
 * The arena for people: `npm run arena -- --name ada` loads every trained policy of the run folder (SFT, PPO, DPO,
 * online DPO: those that exist, at least two), serves a page on http://127.0.0.1:8766/ where you ask a question
 * (your own or one of the evaluation set), see two anonymous replies and say which is better, and appends each
 * vote to runs/arena/votes.jsonl (voter id "human:ada"). After each vote the page says which policy wrote which
 * reply and shows your tally. Stop with Ctrl+C. One server writes a votes file at a time (it holds `<file>.lock`).
 *
 *   --name NAME     your voter name (otherwise the page asks for it)
 *   --votes FILE    votes file to append to (default <run folder>/arena/votes.jsonl)
 *   --port N        default 8766 (0 = any free port)
 *   --seed N        seed of the pairs (default: a random one)
 */
import { initEngine } from '../../lib/engine/engine';
import { startArenaServer, type ArenaServerOptions } from '../../lib/io/arenaServer';

function parseArgs(argv: string[]): ArenaServerOptions {
  const opts: ArenaServerOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = (): string => {
      if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
      i++;
      return value;
    };
    if (flag === '--name') opts.voter = need();
    else if (flag === '--votes') opts.votesFile = need();
    else if (flag === '--port') {
      const n = Number(need());
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be an integer 0–65535, got ${value}`);
      opts.port = n;
    } else if (flag === '--seed') {
      const n = Number(need());
      if (!Number.isInteger(n) || n < 0) throw new Error(`--seed must be a non-negative integer, got ${value}`);
      opts.seed = n;
    } else throw new Error(`unknown option ${flag} (use --name, --votes, --port, --seed)`);
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const engine = await initEngine({ quiet: true });
  console.log(`Arena: loading the policies (engine ${engine.name})…`);
  const server = await startArenaServer({ ...opts, log: (line) => console.log(line) });
  console.log(`Arena page: ${server.url}`);
  console.log(`  policies: ${server.policies.join(', ')}`);
  console.log(`  votes are appended to: ${server.votesFile}`);
  console.log('  Ctrl+C to stop.');
  const stop = (): void => {
    server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`arena: ${(err as Error).message}`);
  process.exit(1);
});
