/**
 * The ranking page for people: `npm run rank -- --name ada` serves it on http://127.0.0.1:8765/ and appends
 * each submitted ranking to runs/ranking/rankings_human.jsonl (labeler id "human:ada"). Stop with Ctrl+C; run it
 * again to carry on where you stopped. One server writes a rankings file at a time (it holds `<file>.lock`); a
 * second one on the same file exits with a message naming the first one's pid.
 *
 *   --name NAME          your labeler name (otherwise the page asks for it)
 *   --candidates FILE    prompts × responses to rank (default: runs/ranking/candidates.jsonl if stage 02 wrote
 *                        it, else the shipped sample data/world/candidates_sample.jsonl)
 *   --out FILE           rankings file to append to (default runs/ranking/rankings_human.jsonl)
 *   --port N             default 8765 (0 = any free port)
 */
import { startRankingServer, type RankingServerOptions } from '../../lib/labels/rankingServer';

function parseArgs(argv: string[]): RankingServerOptions {
  const opts: RankingServerOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = (): string => {
      if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
      i++;
      return value;
    };
    if (flag === '--name') opts.labeler = need();
    else if (flag === '--candidates') opts.candidatesFile = need();
    else if (flag === '--out') opts.rankingsFile = need();
    else if (flag === '--port') {
      const n = Number(need());
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be an integer 0–65535, got ${value}`);
      opts.port = n;
    } else throw new Error(`unknown option ${flag} (use --name, --candidates, --out, --port)`);
  }
  return opts;
}

async function main(): Promise<void> {
  const server = await startRankingServer(parseArgs(process.argv.slice(2)));
  console.log(`Ranking page: ${server.url}`);
  console.log(`  candidates: ${server.candidatesFile}`);
  console.log(`  rankings are appended to: ${server.rankingsFile}`);
  console.log('  Ctrl+C to stop; run again to resume where you stopped.');
  const stop = (): void => {
    server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`rank: ${(err as Error).message}`);
  process.exit(1);
});
