import { spawnSync } from 'child_process';
import * as path from 'path';
import { repoRoot } from '../../../lib/core/paths';
import type { Attempt, BadInputCase } from '../types';

/**
 * Settings given on the command line (`npm run stage -- NN --set key=value`): refused before anything runs, with the
 * field and the stage's config named, and for a misspelt key the nearest valid one.
 */
function stage(args: string[]): Attempt {
  const tsx = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const r = spawnSync(process.execPath, [tsx, path.join(repoRoot, 'tools', 'commands', 'stage.ts'), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { accepted: r.status === 0, message: `${r.stderr}${r.stdout}`.trim() };
}

const cases: [string, string[], RegExp[]][] = [
  ['a misspelt key (klCoeff)', ['04', '--set', 'klCoeff=0.02'], [/klCoeff/, /did you mean klCoef\?/]],
  ['another misspelt key (learningrate)', ['04', '--set', 'learningrate=1e-4'], [/did you mean learningRate\?/]],
  ['a number given as a string ("0.05")', ['04', '--set', 'klCoef="0.05"'], [/PpoConfig\.klCoef must be a number/, /a string/]],
  ['an infinite number', ['07', '--set', 'learningRate=1e999'], [/GroupRlConfig\.learningRate must be a number/]],
  ['null where a number is required', ['05', '--set', 'beta=null'], [/DpoConfig\.beta is null/]],
  ['a group of one reply', ['07', '--set', 'groupSize=1'], [/GroupRlConfig\.groupSize must be an integer ≥ 2/]],
];

export const badInputs: BadInputCase[] = cases.map(([name, args, names]) => ({
  category: 'settings', name, names, attempt: async () => stage(args),
}));
