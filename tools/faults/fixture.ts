import * as fs from 'fs';
import * as path from 'path';
import { runTool, tempDir } from './helpers';

/**
 * One complete smoke run of the workbook (`npm run pipeline` with RLHF_SMOKE=1 into a temporary run folder) that
 * the cases copy and then break. RLHF_FAULTS_FIXTURE=<run folder> reuses a completed smoke run instead.
 */

let fixture: Promise<string> | null = null;

/** The run folder of a complete smoke pipeline run (made once per process). */
export function completeRun(): Promise<string> {
  fixture ??= (async () => {
    const given = process.env.RLHF_FAULTS_FIXTURE;
    if (given) return path.resolve(given);
    const dir = tempDir('fixture');
    const r = await runTool(['tools/commands/pipeline.ts'], dir);
    if (r.code !== 0) throw new Error(`the fixture run (npm run pipeline, smoke mode, into ${dir}) failed:\n${r.output.slice(-3000)}`);
    return dir;
  })();
  return fixture;
}

/** Removes the fixture made by {@link completeRun} (not a given one). */
export async function removeFixture(): Promise<void> {
  if (!fixture || process.env.RLHF_FAULTS_FIXTURE) return;
  const dir = await fixture.catch(() => null);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
