import * as fs from 'fs';
import * as path from 'path';
import { STAGE_NOTEBOOKS } from '../../../lib/core/paths';
import { completeRun } from '../fixture';
import { copyRunDir, notebookRunnerPid, processesOf, runNotebooks, startTool, tempDir, tempEntries, waitFor } from '../helpers';
import { stageProblems } from '../stageArtifact';
import type { InterruptionCase } from '../types';

/**
 * Interruptions: a stage of a complete smoke run is started again and killed — Ctrl-C (SIGINT to the process group),
 * kill -9 of the group, kill -9 of the runner alone — at a moment: after a delay, or while it writes its outputs.
 * Then: no runner or kernel may still run; the stage's folder must be the complete old one or a complete new one;
 * running the stage again must succeed and leave no temporary file anywhere in the run folder.
 */

type Moment = { afterMs: number } | 'while writing outputs';

interface Kill {
  stage: string;
  signal: 'SIGINT' | 'SIGKILL';
  /** The whole process group (Ctrl-C, kill -9 -pgid) or the runner alone (kill -9 pid). */
  group: boolean;
  at: Moment;
}

/** A seeded random delay in [lo, hi) ms, printed in the case's name so a failure can be repeated. */
function randomMs(seed: number, lo: number, hi: number): number {
  const x = Math.sin(seed * 12.9898) * 43758.5453;
  return Math.floor(lo + (x - Math.floor(x)) * (hi - lo));
}

const describe = (k: Kill) => `${k.stage}: ${k.signal === 'SIGINT' ? 'Ctrl-C (SIGINT to the group)' : k.group ? 'kill -9 of the group' : 'kill -9 of the runner alone'} ` +
  (k.at === 'while writing outputs' ? 'while it writes its outputs' : `after ${(k.at.afterMs / 1000).toFixed(1)} s`);

/** Starts the stage, kills it, and returns what was lost. */
async function interrupt(k: Kill): Promise<string[]> {
  const reference = path.join(await completeRun(), k.stage);
  const dir = tempDir(`kill-${k.stage}`);
  copyRunDir(path.dirname(reference), dir);
  const lost: string[] = [];
  const stageDir = path.join(dir, k.stage);
  try {
    const run = startTool(['tools/notebook/run-notebooks.ts', STAGE_NOTEBOOKS[k.stage]], dir);
    let ended = false;
    void run.done.then(() => { ended = true; });
    const at = k.at;
    if (at === 'while writing outputs') {
      const writing = await waitFor(() => ended || fs.readdirSync(dir).some((n) => n.startsWith(`.${k.stage}.tmp-`) || n.startsWith(`..${k.stage}.tmp-`)), 600_000, 5);
      if (!writing) lost.push(`${k.stage}: never saw the stage write its outputs`);
    } else {
      await new Promise((r) => setTimeout(r, at.afterMs));
    }
    // A stage that ended before the moment was not interrupted: the case failed to try what it says.
    if (ended) lost.push('the stage ended before the kill: nothing was interrupted (choose an earlier moment)');
    if (k.group) {
      run.kill(k.signal, true);
    } else {
      // kill -9 of the process that runs the notebook (and started the kernel), not of npx above it
      let runner: number | null = null;
      await waitFor(() => ended || (runner = notebookRunnerPid(dir)) !== null, 600_000, 20);
      if (runner !== null) process.kill(runner, k.signal);
      else lost.push('never found the notebook runner to kill');
    }
    const stopped = await Promise.race([run.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
    if (!stopped) {
      lost.push('the runner did not end within 20 s of the signal');
      run.kill('SIGKILL', true);
      await run.done;
    }
    if (!(await waitFor(() => processesOf(dir).length === 0, 5000, 100))) {
      const left = processesOf(dir);
      lost.push(`processes still running 5 s after the kill: ${left.join(', ')}`);
      for (const pid of left) process.kill(pid, 'SIGKILL');
    }
    for (const p of stageProblems(stageDir, reference)) lost.push(`after the kill: ${p}`);
    const again = await runNotebooks([STAGE_NOTEBOOKS[k.stage]], dir);
    if (again.code !== 0) lost.push(`the re-run failed: ${again.output.split('\n').find((l) => l.startsWith('FAIL')) ?? again.output.slice(-500)}`);
    for (const p of stageProblems(stageDir, reference)) lost.push(`after the re-run: ${p}`);
    const temps = tempEntries(dir);
    if (temps.length > 0) lost.push(`temporary files left after the re-run: ${temps.join(', ')}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return lost;
}

const kills: Kill[] = [
  { stage: 'sft', signal: 'SIGINT', group: true, at: { afterMs: 1000 } },
  { stage: 'sft', signal: 'SIGKILL', group: true, at: { afterMs: 3000 } },
  { stage: 'sft', signal: 'SIGKILL', group: true, at: 'while writing outputs' },
  { stage: 'sft', signal: 'SIGINT', group: true, at: 'while writing outputs' },
  { stage: 'sft', signal: 'SIGKILL', group: false, at: { afterMs: randomMs(1, 1000, 4000) } },
  { stage: 'ranking', signal: 'SIGINT', group: true, at: { afterMs: randomMs(2, 3000, 15000) } }, // 02 opens its output folder at its first cell
  { stage: 'rm', signal: 'SIGKILL', group: true, at: 'while writing outputs' },
];

/** The pipeline killed by Ctrl-C in stage 03, then `npm run pipeline -- --resume`. */
const resumeCase: InterruptionCase = {
  category: 'interruptions',
  name: 'pipeline --resume: Ctrl-C while 03 writes its outputs, then --resume again skips 01 and 02 and completes the rest',
  async run() {
    const fixture = await completeRun();
    const dir = tempDir('resume');
    copyRunDir(fixture, dir);
    const manifests = path.join(fixture, '.manifests'); // a fixture made by notebooks alone has none: 01 and 02 then run first
    if (fs.existsSync(manifests)) fs.cpSync(manifests, path.join(dir, '.manifests'), { recursive: true });
    fs.rmSync(path.join(dir, '.manifests', 'rm.json'), { force: true }); // so that 03 runs (its outputs stay complete)
    const lost: string[] = [];
    try {
      const run = startTool(['tools/commands/pipeline.ts', '--resume'], dir);
      let ended = false;
      void run.done.then(() => { ended = true; });
      const started = await waitFor(() => ended || fs.readdirSync(dir).some((n) => n.startsWith('.rm.tmp-')), 900_000, 5);
      if (!started || ended) lost.push('never saw stage 03 write its outputs');
      run.kill('SIGINT', true);
      await run.done;
      await waitFor(() => processesOf(dir).length === 0, 5000, 100);
      for (const p of stageProblems(path.join(dir, 'rm'), path.join(fixture, 'rm'))) lost.push(`after the kill: ${p}`);
      const again = await startTool(['tools/commands/pipeline.ts', '--resume'], dir).done;
      if (again.code !== 0) lost.push(`--resume failed: ${again.output.split('\n').find((l) => l.startsWith('FAIL')) ?? again.output.slice(-500)}`);
      for (const s of ['sft', 'ranking']) if (!new RegExp(`${path.basename(STAGE_NOTEBOOKS[s])}: skipped \\(unchanged\\)`).test(again.output)) lost.push(`--resume did not skip ${s}`);
      if (!/03_reward_model\.ipynb: runs \(/.test(again.output)) lost.push('--resume did not run 03');
      for (const s of ['sft', 'ranking', 'rm', 'ppo', 'dpo', 'online-dpo']) {
        for (const p of stageProblems(path.join(dir, s), path.join(fixture, s))) lost.push(`after --resume: ${p}`);
      }
      const temps = tempEntries(dir);
      if (temps.length > 0) lost.push(`temporary files left after --resume: ${temps.join(', ')}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return { lost };
  },
};

export const interruptions: InterruptionCase[] = [
  ...kills.map((k): InterruptionCase => ({ category: 'interruptions', name: describe(k), run: async () => ({ lost: await interrupt(k) }) })),
  resumeCase,
];
