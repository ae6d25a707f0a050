import * as fs from 'fs';
import * as path from 'path';
import { OVERRIDES_ENV } from '../../lib/core/overrides';
import { isSmoke, repoRoot, runDir, UPSTREAM_ENV } from '../../lib/core/paths';
import { removeStaleTempsUnder } from '../../lib/core/atomicDir';
import { formatDuration } from '../../lib/ui/format';
import { defaultCellTimeoutSeconds, runNotebook } from '../notebook/run-notebooks';
import { removeStageManifest, whyStageRuns, writeStageManifest } from './stageManifest';
import { buildReport } from './report';

/**
 * `npm run leaderboard [-- --seeds 1,2,3]`: every method of the workbook over three seeds, then notebook
 * 08_leaderboard.ipynb, which evaluates best-of-n, fits Gao et al.'s curves, computes win rates against SFT and
 * writes <run>/leaderboard/leaderboard.json (and the report gets its section).
 *
 * Each method's stage notebook runs once per seed in the run folder (RLHF_SEED; seed 1 is the pipeline's own run,
 * so after `npm run pipeline` only seeds 2 and 3 train), the SFT model, rankings and reward model are shared (stages
 * 01–03 run first if the run folder lacks them). A stage whose outputs and inputs did not change since it completed
 * is reused, not re-run (the manifests of `npm run pipeline -- --resume`). Then the over-optimisation run: a weak
 * reward model (100 prompts' rankings) and PPO without a KL penalty, in <run>/overopt/. One progress line over the
 * whole run.
 */

/** Settings of the over-optimisation run (notebook 08 explains them): a weak reward model, then PPO against it. */
export const OVEROPT = {
  /** 03 on the rankings of 100 prompts (of about 1,200): it likes a hedge about as much as a right answer. */
  rm: { maxTrainGroups: 100 },
  /** 04 without the KL penalty, validation gold every 5 iterations so the checkpoint can catch the peak. */
  ppo: { klCoef: 0, iterations: 80, promptsPerIteration: 32, evalEvery: 5 },
  /** Fields that set the budget, left at the smoke settings in smoke mode. */
  budget: ['iterations', 'promptsPerIteration', 'evalEvery', 'maxTrainGroups'],
} as const;

export interface Job {
  label: string;
  notebook: string;
  /** The run folder the stage writes into, and the stage's folder name there. */
  root: string;
  stage: string | null;
  env: Record<string, string | undefined>;
  executedName?: string;
  /** Rough full-mode seconds on a 2-core machine: the weights of the progress line. */
  cost: number;
}

const NOTEBOOKS = {
  sft: ['01_supervised_finetuning.ipynb', 420], ranking: ['02_sampling_and_ranking.ipynb', 190], rm: ['03_reward_model.ipynb', 150],
  ppo: ['04_ppo.ipynb', 300], dpo: ['05_dpo.ipynb', 115], 'online-dpo': ['06_online_dpo.ipynb', 175], 'group-rl': ['07_group_rl.ipynb', 450],
} as const satisfies Record<string, readonly [string, number]>;

export function parseSeeds(argv: readonly string[]): number[] {
  const i = argv.indexOf('--seeds');
  const unknown = argv.filter((a, j) => a !== '--seeds' && !(i >= 0 && j === i + 1));
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown[0]}\nusage: npm run leaderboard [-- --seeds 1,2,3]`);
  if (i < 0) return [1, 2, 3];
  const seeds = (argv[i + 1] ?? '').split(',').map((s) => Number(s.trim()));
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 1) || new Set(seeds).size !== seeds.length) {
    throw new Error(`--seeds ${argv[i + 1] ?? ''}: give distinct positive integers separated by commas, e.g. --seeds 1,2,3`);
  }
  return seeds;
}

export function plan(root: string, seeds: readonly number[], smoke: boolean): Job[] {
  const jobs: Job[] = [];
  const nb = (stage: keyof typeof NOTEBOOKS) => path.join(repoRoot, 'notebooks', NOTEBOOKS[stage][0]);
  for (const stage of ['sft', 'ranking', 'rm'] as const) {
    jobs.push({ label: stage, notebook: nb(stage), root, stage, env: {}, cost: NOTEBOOKS[stage][1] });
  }
  for (const seed of seeds) {
    for (const stage of ['ppo', 'dpo', 'online-dpo', 'group-rl'] as const) {
      const seeded = seed === 1 ? stage : `${stage}-seed${seed}`;
      jobs.push({
        label: `${stage} seed ${seed}`, notebook: nb(stage), root, stage: seeded, env: { RLHF_SEED: seed === 1 ? undefined : String(seed) },
        executedName: seed === 1 ? undefined : NOTEBOOKS[stage][0].replace('.ipynb', `.seed${seed}.ipynb`), cost: NOTEBOOKS[stage][1],
      });
    }
  }
  const overRoot = path.join(root, 'overopt');
  const keep = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !smoke || !(OVEROPT.budget as readonly string[]).includes(k)));
  const named = { [UPSTREAM_ENV]: root, RLHF_RUN_DIR: overRoot };
  jobs.push({ label: 'weak reward model', notebook: nb('rm'), root: overRoot, stage: 'rm', env: { ...named, [OVERRIDES_ENV]: JSON.stringify(keep(OVEROPT.rm)) }, cost: 90 });
  jobs.push({ label: 'PPO against it', notebook: nb('ppo'), root: overRoot, stage: 'ppo', env: { ...named, [OVERRIDES_ENV]: JSON.stringify(keep(OVEROPT.ppo)) }, cost: 200 });
  jobs.push({ label: 'leaderboard', notebook: path.join(repoRoot, 'notebooks', '08_leaderboard.ipynb'), root, stage: null, env: {}, cost: 400 });
  return jobs;
}

/** Runs `fn` with these environment variables set (undefined: unset), then puts the environment back. */
async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

function progressLine(done: number, total: number, elapsed: number, jobs: number, of: number): string {
  const share = total > 0 ? done / total : 1;
  const width = 24;
  const filled = Math.round(share * width);
  const eta = done > 0 && share < 1 ? ` | about ${formatDuration((elapsed / done) * (total - done))} left` : '';
  return `leaderboard [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${jobs}/${of} steps | ${formatDuration(elapsed)}${eta}`;
}

async function main(): Promise<void> {
  const seeds = parseSeeds(process.argv.slice(2));
  const smoke = isSmoke();
  const root = runDir();
  for (const line of removeStaleTempsUnder(root)) console.log(`cleaned: ${line}`);
  const jobs = plan(root, seeds, smoke);
  let total = jobs.reduce((s, j) => s + j.cost, 0);
  console.log(`leaderboard (${smoke ? 'SMOKE mode' : 'full mode'}): seeds ${seeds.join(', ')}; run folder ${root}; ${jobs.length} steps`);
  const t0 = Date.now();
  jobs[jobs.length - 1].env.RLHF_LEADERBOARD_STARTED = String(t0); // the notebook records the whole run's wall time
  let done = 0;
  const ran: string[] = [];
  for (const [i, job] of jobs.entries()) {
    const outcome = await withEnv(job.env, async (): Promise<'reused' | 'ran' | 'failed'> => {
      const why = job.stage ? whyStageRuns(job.root, job.stage) : 'it always runs';
      if (why === null) {
        console.log(`${i + 1}/${jobs.length} ${job.label}: reused (unchanged since it completed)`);
        total -= job.cost; // the progress line counts only the work that runs
        return 'reused';
      }
      console.log(`${i + 1}/${jobs.length} ${job.label}: runs (${why}) — ${path.relative(repoRoot, job.notebook)}`);
      if (job.stage) removeStageManifest(job.root, job.stage);
      // While a notebook runs, the whole run's progress line every 30 s (the job's share estimated from its cost).
      const jobStart = Date.now();
      const secondsPerCost = done > 0 ? (jobStart - t0) / 1000 / done : 1;
      const heartbeat = setInterval(() => {
        const partial = Math.min(0.95 * job.cost, (Date.now() - jobStart) / 1000 / secondsPerCost);
        console.log(`${progressLine(done + partial, total, (Date.now() - t0) / 1000, i, jobs.length)} | ${job.label} running`);
      }, 30_000);
      const r = await runNotebook(job.notebook, {
        timeoutSeconds: defaultCellTimeoutSeconds(), echo: false, log: (l) => console.log(`  ${l}`), executedName: job.executedName,
      }).finally(() => clearInterval(heartbeat));
      if (!r.ok) {
        console.log(`  FAILED: ${r.reason}${r.executedPath ? ` (executed notebook: ${r.executedPath})` : ''}`);
        return 'failed';
      }
      if (job.stage) writeStageManifest(job.root, job.stage);
      ran.push(`${job.label} ${r.seconds.toFixed(0)} s`);
      return 'ran';
    });
    if (outcome === 'failed') {
      process.exitCode = 1;
      console.log(`stopped at "${job.label}": the steps after it need it. Fix the error and run the command again; finished steps are reused.`);
      return;
    }
    if (outcome === 'ran') done += job.cost;
    console.log(progressLine(done, total, (Date.now() - t0) / 1000, i + 1, jobs.length));
  }
  const seconds = (Date.now() - t0) / 1000;
  console.log(`leaderboard done in ${formatDuration(seconds)}; ran: ${ran.join(', ') || 'nothing (all reused)'}`);
  const out = path.join(root, 'leaderboard', 'leaderboard.json');
  if (fs.existsSync(out)) console.log(`saved ${out}`);
  console.log(`report of the run (with the leaderboard): ${buildReport(root)}`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`leaderboard: ${err.message}`);
    process.exitCode = 2;
  });
}
