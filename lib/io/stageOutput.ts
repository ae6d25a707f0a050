import * as fs from 'fs';
import * as path from 'path';
import { removeStaleTemps, replaceDir, tempSibling } from '../core/atomicDir';
import { stageDir } from '../core/paths';

/**
 * A stage's outputs (checkpoint, metrics, logs, samples) appear together: the notebook writes them into a fresh
 * temporary folder beside the stage's folder and commits it at the end, which replaces the folder as a whole.
 * A stage killed before the commit leaves the previous outputs untouched (or none), never a new checkpoint next to
 * old metrics; its temporary folder is removed by the next run.
 *
 *   const outDir = stageOutput('sft');      // runs/.sft.tmp-<pid>-<random>
 *   saveModel(outDir, …); writeJsonAtomic(`${outDir}/metrics.json`, …);
 *   commitStageOutput('sft', outDir);       // → runs/sft
 */

/** A fresh temporary folder for `stage`'s outputs (leftovers of killed runs in the run folder are cleared first). */
export function stageOutput(stage: string): string {
  const dir = stageDir(stage);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  removeStaleTemps(path.dirname(dir));
  const tmp = tempSibling(dir, 'tmp');
  fs.mkdirSync(tmp);
  return tmp;
}

/**
 * Puts the outputs written into `tmp` (from {@link stageOutput}) in place of `stage`'s folder. `keep` names files
 * of the current folder that are not the stage's to rewrite (a person's rankings) and go over unchanged when `tmp`
 * has none of its own. Returns the stage's folder.
 */
export function commitStageOutput(stage: string, tmp: string, opts: { keep?: string[] } = {}): string {
  const dir = stageDir(stage);
  if (path.dirname(tmp) !== path.dirname(dir) || !path.basename(tmp).startsWith(`.${stage}.tmp-`)) {
    throw new Error(`commitStageOutput: ${tmp} is not a temporary folder of stage "${stage}" (use stageOutput('${stage}'))`);
  }
  if (!fs.existsSync(tmp)) throw new Error(`commitStageOutput: ${tmp} does not exist (already committed?)`);
  for (const name of opts.keep ?? []) {
    const from = path.join(dir, name);
    if (fs.existsSync(from) && !fs.existsSync(path.join(tmp, name))) fs.copyFileSync(from, path.join(tmp, name));
  }
  replaceDir(tmp, dir);
  return dir;
}
