import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../../lib/core/atomic';
import { parseTempName } from '../../lib/core/atomicDir';
import { dataDir, repoRoot, STAGE_NOTEBOOKS } from '../../lib/core/paths';

/**
 * What `npm run pipeline -- --resume` compares: each stage that completes gets a manifest,
 * <run folder>/.manifests/<stage>.json, holding the content hashes of its inputs (its notebook, the library, the
 * shipped data, the RLHF_* settings of the environment, the outputs of every earlier stage) and of its outputs.
 * A stage is skipped when its outputs still hash as recorded and its inputs hash as they did; otherwise it runs.
 * Inputs are taken broadly on purpose (all earlier stages, all of lib/): a needless re-run costs time, a wrong skip
 * would hand a later stage stale results.
 */

/** One stage's manifest. */
export interface StageManifest {
  stage: string;
  notebook: string;
  /** Content hash of each input, by name. */
  inputs: Record<string, string>;
  /** Content hash of the stage's folder. */
  outputs: string;
  completedAt: string;
}

/** SHA-256 of a file, or of a folder: its files' relative paths and contents in name order (temporaries skipped). */
export function hashPath(p: string): string {
  const h = crypto.createHash('sha256');
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (parseTempName(e.name)) continue;
      const full = path.join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(full, r);
      else if (e.isFile()) h.update(`${r}\0${fs.statSync(full).size}\0`).update(fs.readFileSync(full));
    }
  };
  if (!fs.existsSync(p)) return 'missing';
  if (fs.statSync(p).isDirectory()) walk(p, '');
  else h.update(fs.readFileSync(p));
  return h.digest('hex');
}

/** The RLHF_* settings of the environment that can change a stage's results (not where it writes, nor the runner's). */
export function settingsOfEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const ignored = new Set(['RLHF_RUN_DIR', 'RLHF_KERNEL_PARENT_PID']);
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('RLHF_') && !ignored.has(k) && v !== undefined).sort() as [string, string][]);
}

/** The stage a notebook produces (a key of STAGE_NOTEBOOKS), or null (the introduction). */
export function stageOfNotebook(file: string): string | null {
  const rel = path.relative(repoRoot, path.resolve(file)).split(path.sep).join('/');
  return Object.entries(STAGE_NOTEBOOKS).find(([, nb]) => nb === rel)?.[0] ?? null;
}

/** The stage whose notebook writes `stage`: itself, or `ppo` for a seeded run's `ppo-seed2`. */
export function baseStage(stage: string): string {
  const base = stage.replace(/-seed\d+$/, '');
  if (!STAGE_NOTEBOOKS[base]) throw new Error(`no notebook writes the stage "${stage}" (stages: ${Object.keys(STAGE_NOTEBOOKS).join(', ')})`);
  return base;
}

/** The content hashes of a stage's inputs in the run folder `root` (the settings include RLHF_SEED). */
export function stageInputs(stage: string, root: string): Record<string, string> {
  const base = baseStage(stage);
  const nb = STAGE_NOTEBOOKS[base];
  const inputs: Record<string, string> = {
    notebook: hashPath(path.join(repoRoot, nb)),
    lib: hashPath(path.join(repoRoot, 'lib')),
    data: hashPath(dataDir),
    settings: crypto.createHash('sha256').update(JSON.stringify(settingsOfEnv())).digest('hex'),
  };
  for (const earlier of Object.keys(STAGE_NOTEBOOKS)) {
    if (earlier === base) break;
    const dir = path.join(root, earlier);
    if (fs.existsSync(dir)) inputs[`stage ${earlier}`] = hashPath(dir);
  }
  return inputs;
}

function manifestFile(root: string, stage: string): string {
  return path.join(root, '.manifests', `${stage}.json`);
}

/** Records that `stage` completed: its inputs as they are now and its outputs. */
export function writeStageManifest(root: string, stage: string): StageManifest {
  const m: StageManifest = {
    stage, notebook: STAGE_NOTEBOOKS[baseStage(stage)], inputs: stageInputs(stage, root), outputs: hashPath(path.join(root, stage)), completedAt: new Date().toISOString(),
  };
  writeJsonAtomic(manifestFile(root, stage), m);
  return m;
}

/** Forgets that `stage` completed (before it runs again: a run stopped half-way must not look complete). */
export function removeStageManifest(root: string, stage: string): void {
  fs.rmSync(manifestFile(root, stage), { force: true });
}

/** Whether `stage` can be skipped: null when it can, otherwise why it runs (one phrase). */
export function whyStageRuns(root: string, stage: string): string | null {
  const file = manifestFile(root, stage);
  if (!fs.existsSync(file)) return fs.existsSync(path.join(root, stage)) ? 'no record of a completed run' : 'not run yet';
  let m: StageManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as StageManifest;
  } catch {
    return `its manifest ${file} is unreadable`;
  }
  if (!fs.existsSync(path.join(root, stage))) return 'its outputs are missing';
  if (hashPath(path.join(root, stage)) !== m.outputs) return 'its outputs changed since it completed';
  const now = stageInputs(stage, root);
  const changed = [...new Set([...Object.keys(now), ...Object.keys(m.inputs ?? {})])].filter((k) => now[k] !== m.inputs?.[k]);
  if (changed.length > 0) return `changed: ${changed.join(', ')}`;
  return null;
}
