import * as fs from 'fs';
import * as path from 'path';
import { repoRoot, runDir, stageDir } from '../lib/paths';
import { writeJsonAtomic } from '../lib/atomic';
import { defaultCellTimeoutSeconds, runNotebooks } from './run-notebooks';

/**
 * `npm run ppo:seeds [-- 1 2 3]`: runs notebooks/04_ppo.ipynb once per seed (RLHF_SEED; seed 1 writes runs/ppo,
 * seed n writes runs/ppo-seed<n>), then prints and saves a table of each run's headline figures
 * (<run folder>/ppo-seeds.json). Needs the sft and rm stages of the same run folder.
 */
const HEADLINE = ['goldLikertSft', 'goldLikertPpo', 'toxicityRateSft', 'toxicityRatePpo', 'hallucinationRateSft', 'hallucinationRatePpo',
  'klToSft', 'goldLikertHeldOutFactsSft', 'goldLikertHeldOutFactsPpo', 'chosenIteration', 'wallSeconds'];

async function main(): Promise<void> {
  const seeds = process.argv.slice(2).map(Number);
  if (seeds.some((s) => !Number.isInteger(s))) {
    console.error('usage: npm run ppo:seeds [-- SEED ...]   (integers; default 1 2 3)');
    process.exit(2);
  }
  const list = seeds.length > 0 ? seeds : [1, 2, 3];
  const nb = path.join(repoRoot, 'notebooks', '04_ppo.ipynb');
  const rows: Record<string, unknown>[] = [];
  for (const seed of list) {
    process.env.RLHF_SEED = String(seed);
    const { results } = await runNotebooks([nb], { timeoutSeconds: defaultCellTimeoutSeconds(), echo: false, stopOnFailure: true, log: (l) => console.log(l) });
    if (!results.every((r) => r.ok)) process.exit(1);
    const file = path.join(stageDir(seed === 1 ? 'ppo' : `ppo-seed${seed}`), 'metrics.json');
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number>;
    const row: Record<string, unknown> = { seed };
    for (const k of HEADLINE) row[k] = m[k];
    row.likertGain = m.goldLikertPpo - m.goldLikertSft;
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const out = path.join(runDir(), 'ppo-seeds.json');
  writeJsonAtomic(out, rows);
  console.table(rows);
  console.log(`saved ${out}`);
}

main().catch((err) => {
  console.error(`ppo:seeds: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
