import * as fs from 'fs';
import * as path from 'path';
import { removeFixture } from './fixture';
import type { BadInputCase, CaseModule, InterruptionCase } from './types';

/**
 * `npm run test:faults`: the fault-injection suite. Imports every module of tools/faults/cases/ (each exports
 * `badInputs` and/or `interruptions`, see ./types.ts), tries each case as a user would, prints one line per case and
 * ends with exactly two summary lines:
 *   bad inputs: N tried, N refused clearly, 0 accepted
 *   interruptions: N tried, 0 artifacts lost
 * Exit code 1 when a bad input was accepted or an artifact lost (a refusal that does not name the thing is reported
 * and counted, not fatal). `--only <text>` runs the cases whose category or name contains the text.
 * Cases that need a complete run share one smoke pipeline run (tools/faults/fixture.ts; RLHF_FAULTS_FIXTURE reuses one).
 */

async function loadCases(): Promise<{ badInputs: BadInputCase[]; interruptions: InterruptionCase[] }> {
  const dir = path.join(__dirname, 'cases');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const badInputs: BadInputCase[] = [];
  const interruptions: InterruptionCase[] = [];
  for (const f of files) {
    const mod = (await import(path.join(dir, f))) as CaseModule;
    if (!mod.badInputs && !mod.interruptions) throw new Error(`tools/faults/cases/${f} exports neither badInputs nor interruptions`);
    badInputs.push(...(mod.badInputs ?? []));
    interruptions.push(...(mod.interruptions ?? []));
  }
  return { badInputs, interruptions };
}

function oneLine(s: string, max = 300): string {
  const l = s.replace(/\s+/g, ' ').trim();
  return l.length > max ? `${l.slice(0, max)}…` : l;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--only');
  const only = i >= 0 ? args[i + 1] : undefined;
  if (args.some((a, j) => a !== '--only' && j !== i + 1) || (i >= 0 && !only)) {
    console.error('usage: npm run test:faults [-- --only <text>]');
    process.exit(2);
  }
  const all = await loadCases();
  const pick = <T extends { category: string; name: string }>(cs: T[]) => (only ? cs.filter((c) => `${c.category}: ${c.name}`.includes(only)) : cs);
  const badInputs = pick(all.badInputs);
  const interruptions = pick(all.interruptions);
  let refusedClearly = 0;
  let accepted = 0;
  for (const c of badInputs) {
    const t0 = Date.now();
    let verdict: string;
    let message: string;
    try {
      const a = await c.attempt();
      message = a.message;
      if (a.accepted) {
        accepted++;
        verdict = 'ACCEPTED';
      } else if (c.names.every((re) => re.test(a.message))) {
        refusedClearly++;
        verdict = 'refused clearly';
      } else {
        verdict = `refused, but the message does not name ${c.names.filter((re) => !re.test(a.message)).join(', ')}`;
      }
    } catch (err) {
      // The case itself could not be tried (a broken fixture): counted as not refused clearly.
      verdict = 'could not be tried';
      message = (err as Error).message;
    }
    console.log(`bad input · ${c.category}: ${c.name} → ${verdict} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n    ${oneLine(message)}`);
  }
  let lost = 0;
  for (const c of interruptions) {
    const t0 = Date.now();
    let problems: string[];
    try {
      problems = (await c.run()).lost;
    } catch (err) {
      problems = [`the case failed: ${(err as Error).message}`];
    }
    lost += problems.length > 0 ? 1 : 0;
    console.log(`interruption · ${c.name} → ${problems.length === 0 ? 'nothing lost' : 'LOST'} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    for (const p of problems) console.log(`    ${oneLine(p, 600)}`);
  }
  await removeFixture();
  console.log(`bad inputs: ${badInputs.length} tried, ${refusedClearly} refused clearly, ${accepted} accepted`);
  console.log(`interruptions: ${interruptions.length} tried, ${lost} artifacts lost`);
  // Exit now: a case may leave a handle open (the shared ranking server), which would keep the process alive.
  process.exit(accepted > 0 || lost > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(`test:faults: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
