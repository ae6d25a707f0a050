import * as fs from 'fs';
import * as path from 'path';

/**
 * Where things live. Every path is relative to the repository root, which is also the working directory of
 * the notebooks' kernel and of every npm script.
 */

/** The repository root (the folder holding package.json). */
export const repoRoot = path.resolve(__dirname, '..', '..');

/** Shipped data (facts, corpus, demonstrations, prompts, the base checkpoint). */
export const dataDir = path.join(repoRoot, 'data');

/**
 * Outputs of runs: executed notebooks, checkpoints, metrics. `RLHF_RUN_DIR` overrides the default, which is
 * `runs/` — or `runs/smoke/` in smoke mode, so that tiny smoke-test models never mix with real ones.
 */
export function runDir(): string {
  const env = process.env.RLHF_RUN_DIR;
  if (env && env.trim() !== '') return path.resolve(repoRoot, env);
  return isSmoke() ? path.join(repoRoot, 'runs', 'smoke') : path.join(repoRoot, 'runs');
}

/**
 * The stages in pipeline order, each with the notebook that produces its artifact (a folder of the run folder of
 * the same name): for "run this first" messages and the run report.
 */
export const STAGE_NOTEBOOKS: Record<string, string> = {
  pretrain: 'notebooks/00_pretrain.ipynb',
  sft: 'notebooks/01_supervised_finetuning.ipynb',
  ranking: 'notebooks/02_sampling_and_ranking.ipynb',
  rm: 'notebooks/03_reward_model.ipynb',
  ppo: 'notebooks/04_ppo.ipynb',
  dpo: 'notebooks/05_dpo.ipynb',
  'online-dpo': 'notebooks/06_online_dpo.ipynb',
  'group-rl': 'notebooks/07_group_rl.ipynb',
};

/** The folder of one stage's outputs, e.g. stageDir('sft') → runs/sft. Stages write here. */
export function stageDir(stage: string): string {
  return path.join(runDir(), stage);
}

/**
 * A named run (`npm run stage -- 04 --name beta-0.02`) writes into its own folder and reads the stages before it
 * from the run folder it was started from, named by this variable.
 */
export const UPSTREAM_ENV = 'RLHF_UPSTREAM_RUN_DIR';

/** The run folder a named run reads earlier stages from, or null outside a named run. */
export function upstreamRunDir(): string | null {
  const env = process.env[UPSTREAM_ENV];
  return env && env.trim() !== '' ? path.resolve(repoRoot, env) : null;
}

/**
 * Where to read a stage's output from (`file` in it, or the folder itself): the run folder when it has it,
 * otherwise the upstream run folder of a named run when that has it, otherwise the run folder (so that a
 * missing-input error names the place the stage writes to).
 */
export function inputStageDir(stage: string, file = ''): string {
  const own = stageDir(stage);
  if (fs.existsSync(path.join(own, file))) return own;
  const up = upstreamRunDir();
  if (up && fs.existsSync(path.join(up, stage, file))) return path.join(up, stage);
  return own;
}

/** Smoke mode (`RLHF_SMOKE=1`): every notebook finishes in seconds with tiny settings. */
export function isSmoke(): boolean {
  const v = process.env.RLHF_SMOKE;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}
