import * as fs from 'fs';
import * as path from 'path';
import { repoRoot, runDir, stageDir } from '../../lib/core/paths';
import { writeJsonAtomic } from '../../lib/core/atomic';
import { defaultCellTimeoutSeconds, runNotebooks } from '../notebook/run-notebooks';

/**
 * `npm run ppo:seeds [-- 1 2 3]`, `npm run dpo:seeds` and `npm run online-dpo:seeds` (`tsx tools/commands/seeds.ts
 * ppo|dpo|online-dpo [SEED ...]`): run the stage's notebook (04_ppo, 05_dpo or 06_online_dpo) once per seed
 * (RLHF_SEED; seed 1 writes runs/<stage>, seed n writes runs/<stage>-seed<n>), then print and save a table of each
 * run's headline figures (<run folder>/<stage>-seeds.json).
 * Needs the earlier stages of the same run folder (sft and rm for PPO and online DPO; sft and ranking for DPO).
 */
const STAGES = {
  ppo: { notebook: '04_ppo.ipynb', policy: 'Ppo', step: 'chosenIteration' },
  dpo: { notebook: '05_dpo.ipynb', policy: 'Dpo', step: 'chosenStep' },
  'online-dpo': { notebook: '06_online_dpo.ipynb', policy: 'OnlineDpo', step: 'chosenStep' },
} as const;
type Stage = keyof typeof STAGES;

async function main(): Promise<void> {
  const [stageArg, ...seedArgs] = process.argv.slice(2);
  const seeds = seedArgs.map(Number);
  if (!(stageArg in STAGES) || seeds.some((s) => !Number.isInteger(s))) {
    console.error('usage: npm run ppo:seeds|dpo:seeds|online-dpo:seeds [-- SEED ...]   (integers; default 1 2 3)');
    process.exit(2);
  }
  const stage = stageArg as Stage;
  const { notebook, policy, step } = STAGES[stage];
  const headline = ['goldLikertSft', `goldLikert${policy}`, 'toxicityRateSft', `toxicityRate${policy}`, 'hallucinationRateSft',
    `hallucinationRate${policy}`, 'klToSft', 'goldLikertHeldOutFactsSft', `goldLikertHeldOutFacts${policy}`, step, 'wallSeconds'];
  const list = seeds.length > 0 ? seeds : [1, 2, 3];
  const nb = path.join(repoRoot, 'notebooks', notebook);
  const rows: Record<string, unknown>[] = [];
  for (const seed of list) {
    process.env.RLHF_SEED = String(seed);
    const { results } = await runNotebooks([nb], { timeoutSeconds: defaultCellTimeoutSeconds(), echo: false, stopOnFailure: true, log: (l) => console.log(l) });
    if (!results.every((r) => r.ok)) process.exit(1);
    const file = path.join(stageDir(seed === 1 ? stage : `${stage}-seed${seed}`), 'metrics.json');
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number>;
    const row: Record<string, unknown> = { seed };
    for (const k of headline) row[k] = m[k];
    row.likertGain = m[`goldLikert${policy}`] - m.goldLikertSft;
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const out = path.join(runDir(), `${stage}-seeds.json`);
  writeJsonAtomic(out, rows);
  console.table(rows);
  console.log(`saved ${out}`);
}

main().catch((err) => {
  console.error(`seeds: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
