import * as fs from 'fs';
import * as path from 'path';
import { isSmoke, repoRoot, runDir } from '../../lib/core/paths';
import { removeStaleTempsUnder } from '../../lib/core/atomicDir';
import { defaultCellTimeoutSeconds, NotebookResult, runNotebook } from '../notebook/run-notebooks';
import { removeStageManifest, stageOfNotebook, whyStageRuns, writeStageManifest } from './stageManifest';
import { buildReport } from './report';

/**
 * `npm run pipeline`: the main job. Runs the workbook end to end, headless, in full mode:
 *   notebooks/00_introduction.ipynb (seconds: checks the set-up and shows the engine), then the stage notebooks
 *   notebooks/01_*.ipynb … 07_*.ipynb in name order — whichever exist (08_leaderboard has its own command,
 *   `npm run leaderboard`, which trains more seeds first). The pre-training notebook
 *   (00_pretrain.ipynb) is skipped because its result, the base model, ships with the workbook; run it with
 *   `npm run pipeline -- --pretrain` or RLHF_PRETRAIN=1.
 * Stops at the first failing notebook (later stages need its artifact), echoes the cells' output live, and ends
 * by listing where the executed notebooks and the stages' outputs (checkpoints, metrics) are.
 *
 * It starts by clearing what an interrupted run left in the run folder (lib/atomicDir.removeStaleTemps). Each stage
 * that completes gets a manifest of its inputs and outputs (tools/stageManifest.ts); with `--resume`, a stage whose
 * outputs are complete and whose inputs have not changed is skipped ("skipped (unchanged)"), and every other stage
 * runs, with the reason printed.
 */

function stageNotebooks(pretrain: boolean): string[] {
  const dir = path.join(repoRoot, 'notebooks');
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort() : [];
  return names
    .filter((f) => f === '00_introduction.ipynb' || /^0[1-7]_.+\.ipynb$/.test(f) || (pretrain && f === '00_pretrain.ipynb'))
    .map((f) => path.join(dir, f));
}

/** Files under `dir`, relative to it, up to `depth` levels down. */
function listFiles(dir: string, depth = 2): string[] {
  const out: string[] = [];
  const walk = (d: string, level: number) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && level < depth) walk(p, level + 1);
      else if (e.isFile()) out.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir, 1);
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--pretrain' && a !== '--resume');
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown[0]}\nusage: npm run pipeline [-- --pretrain] [-- --resume]`);
    process.exit(2);
  }
  const pretrainEnv = process.env.RLHF_PRETRAIN;
  const pretrain = args.includes('--pretrain') || (pretrainEnv !== undefined && pretrainEnv !== '' && pretrainEnv !== '0');
  const resume = args.includes('--resume');
  const files = stageNotebooks(pretrain);
  const stages = files.filter((f) => !f.endsWith('00_introduction.ipynb'));
  console.log(`pipeline (${isSmoke() ? 'SMOKE mode: tiny settings' : 'full mode'}${resume ? ', resuming' : ''}), run folder ${runDir()}`);
  if (stages.length === 0) {
    console.log('no stage notebooks (notebooks/0[1-9]_*.ipynb) yet: running the introduction only');
  }
  if (pretrain && !files.some((f) => f.endsWith('00_pretrain.ipynb'))) {
    console.log('--pretrain: notebooks/00_pretrain.ipynb does not exist yet');
  }
  console.log(`notebooks: ${files.map((f) => path.basename(f)).join(', ')}`);
  const root = runDir();
  for (const line of removeStaleTempsUnder(root)) console.log(`cleaned: ${line}`);
  const opts = { timeoutSeconds: defaultCellTimeoutSeconds(), echo: true, log: (l: string) => console.log(l) };
  const results: NotebookResult[] = [];
  for (const file of files) {
    const stage = stageOfNotebook(file);
    const why = stage ? whyStageRuns(root, stage) : 'no outputs to reuse';
    if (resume && stage && why === null) {
      console.log(`${path.basename(file)}: skipped (unchanged)`);
      results.push({ file, ok: true, reason: '', executedPath: '', seconds: 0 });
      continue;
    }
    if (resume) console.log(`${path.basename(file)}: runs (${why})`);
    if (stage) removeStageManifest(root, stage);
    const r = await runNotebook(file, opts);
    if (!r.ok && !r.executedPath) console.log(`FAIL ${r.reason}`);
    results.push(r);
    if (!r.ok) break;
    if (stage) writeStageManifest(root, stage);
  }
  const passed = results.filter((r) => r.ok).length;
  console.log(`notebooks: ${passed} passed, ${results.length - passed} failed`);
  const ok = results.length === files.length && results.every((r) => r.ok);
  if (!ok && results.length < files.length) {
    console.log(`stopped: ${files.length - results.length} later notebook(s) not run`);
  }
  console.log(`\nexecuted notebooks: ${path.join(root, 'notebooks')}`);
  const outputs = fs.existsSync(root)
    ? fs.readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.') && !['notebooks', 'plot-check'].includes(e.name))
    : [];
  if (outputs.length === 0) console.log('stage outputs: none yet');
  for (const e of outputs) {
    const files = listFiles(path.join(root, e.name));
    const shown = files.slice(0, 8).join(', ') + (files.length > 8 ? `, … (${files.length} files)` : '');
    console.log(`stage outputs ${path.join(root, e.name)}: ${shown || '(empty)'}`);
  }
  console.log(`report of the run (all stages, one HTML page): ${buildReport(root)}`);
  process.exitCode = ok ? 0 : 1;
}

main().catch((err) => {
  console.error(`pipeline: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
