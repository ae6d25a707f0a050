import * as fs from 'fs';
import * as path from 'path';
import { OVERRIDES_ENV, parseSetting, withOverrides } from '../../lib/core/overrides';
import { isSmoke, repoRoot, runDir, UPSTREAM_ENV } from '../../lib/core/paths';
import { defaultRankingConfig, validateRankingConfig } from '../../lib/labels/ranking';
import { defaultRewardModelConfig, validateRewardModelConfig } from '../../lib/reward/config';
import { defaultDpoConfig, validateDpoConfig } from '../../lib/train/dpo';
import { defaultGroupRlConfig, validateGroupRlConfig } from '../../lib/train/groupRl';
import { defaultOnlineDpoConfig, validateOnlineDpoConfig } from '../../lib/train/onlineDpo';
import { defaultPpoConfig, validatePpoConfig } from '../../lib/train/ppo';
import { defaultSftConfig, validateSftConfig } from '../../lib/train/sft';
import { defaultCellTimeoutSeconds, runNotebooks } from '../notebook/run-notebooks';

/**
 * `npm run stage -- 04 [--set key=value ...] [--name NAME]`: runs one stage notebook headless, with settings changed
 * and into a named run, without editing the notebook.
 *   --set key=value  a field of the stage's config (as in its config cell); checked here, before the run, by the
 *                    stage's own strict validator: an unknown key names the nearest valid one
 *   --name NAME      writes into runs/NAME/ (runs/smoke/NAME in smoke mode) instead of the run folder; the stages
 *                    before it are read from the run folder (they are not copied), and the notebook says so
 */

/** Each stage notebook's config: its name, defaults and validator (what its config cell edits). */
const STAGE_CONFIGS: Record<string, { name: string; defaults: object; validate: (c: never) => unknown }> = {
  '01': { name: 'SftConfig', defaults: defaultSftConfig, validate: validateSftConfig },
  '02': { name: 'RankingConfig', defaults: defaultRankingConfig, validate: validateRankingConfig },
  '03': { name: 'RewardModelConfig', defaults: defaultRewardModelConfig, validate: validateRewardModelConfig },
  '04': { name: 'PpoConfig', defaults: defaultPpoConfig, validate: validatePpoConfig },
  '05': { name: 'DpoConfig', defaults: defaultDpoConfig, validate: validateDpoConfig },
  '06': { name: 'OnlineDpoConfig', defaults: defaultOnlineDpoConfig, validate: validateOnlineDpoConfig },
  '07': { name: 'GroupRlConfig', defaults: defaultGroupRlConfig, validate: validateGroupRlConfig },
};

/** The config type each stage's config cell passes to withOverrides (checked by tests/stage.test.ts). */
export const STAGE_CONFIG_NAMES: Record<string, string> = Object.fromEntries(Object.entries(STAGE_CONFIGS).map(([nn, c]) => [nn, c.name]));

const USAGE = 'usage: npm run stage -- <NN> [--set key=value ...] [--name NAME]   (NN: 01 … 07)';

export interface StageArgs {
  stage: string;
  overrides: Record<string, unknown>;
  name: string | null;
}

/** Reads the command line; throws with the usage on anything it does not understand. */
export function parseStageArgs(argv: readonly string[]): StageArgs {
  let stage: string | null = null;
  let name: string | null = null;
  const overrides: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--set' || a === '--name') {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      if (a === '--set') {
        const [k, value] = parseSetting(v);
        overrides[k] = value;
      } else {
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v)) throw new Error(`--name ${v}: use letters, digits, '.', '_' and '-' (it names a folder)`);
        name = v;
      }
    } else if (/^\d{1,2}$/.test(a) && stage === null) stage = a.padStart(2, '0');
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (stage === null) throw new Error(`which stage? ${USAGE}`);
  if (!STAGE_CONFIGS[stage]) throw new Error(`stage ${stage} has no config to set: stages are ${Object.keys(STAGE_CONFIGS).join(', ')}`);
  return { stage, overrides, name };
}

/** The stage's config with the overrides, checked by its validator (throws naming the field). */
export function checkOverrides(stage: string, overrides: Record<string, unknown>): void {
  const { name, defaults, validate } = STAGE_CONFIGS[stage];
  validate(withOverrides(name, defaults, overrides) as never);
}

async function main(): Promise<void> {
  const args = parseStageArgs(process.argv.slice(2));
  checkOverrides(args.stage, args.overrides);
  const dir = path.join(repoRoot, 'notebooks');
  const file = fs.readdirSync(dir).find((f) => f.startsWith(`${args.stage}_`) && f.endsWith('.ipynb'));
  if (!file) throw new Error(`no notebook notebooks/${args.stage}_*.ipynb`);
  const base = runDir();
  if (args.name) {
    process.env[UPSTREAM_ENV] = base;
    process.env.RLHF_RUN_DIR = path.join(base, args.name);
  }
  process.env[OVERRIDES_ENV] = JSON.stringify(args.overrides);
  const set = Object.entries(args.overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') || 'none';
  console.log(`stage ${args.stage} (${isSmoke() ? 'smoke' : 'full'} mode): ${file}; settings changed: ${set}; writes to ${runDir()}`
    + (args.name ? `; earlier stages read from ${base}` : ''));
  const { results } = await runNotebooks([path.join(dir, file)], {
    timeoutSeconds: defaultCellTimeoutSeconds(), echo: true, stopOnFailure: true, log: (l) => console.log(l),
  });
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`stage: ${err.message}`);
    process.exitCode = 2;
  });
}
