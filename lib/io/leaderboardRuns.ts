import * as fs from 'fs';
import * as path from 'path';
import { readJsonl } from '../core/jsonl';

/**
 * Where the leaderboard finds each method's results: the stage folders of the run folder, one per seed (seed 1 is
 * the stage's own folder, seed n its `<stage>-seed<n>` folder, as the stage notebooks write them with RLHF_SEED).
 * Each stage's metrics.json gives the figures, its eval_samples.jsonl the replies to the evaluation prompts beside
 * the SFT model's reply to the same prompt (for the win rates).
 */

/** One method: the stage that trains it, and its name in that stage's files (`goldLikertPpo`, `ppo`, `goldPpo`). */
export interface MethodSource {
  method: string;
  stage: string;
  /** The stage's name for the policy (`Ppo`); for stage 07, its variant's (`Rloo`, read from `variants.rloo`). */
  key: string;
  /** Stage 07's variant, whose figures are under metrics.variants[variant]. */
  variant?: string;
}

export const LEADERBOARD_METHODS: readonly MethodSource[] = Object.freeze([
  { method: 'PPO', stage: 'ppo', key: 'Ppo' },
  { method: 'DPO', stage: 'dpo', key: 'Dpo' },
  { method: 'online DPO', stage: 'online-dpo', key: 'OnlineDpo' },
  { method: 'RLOO', stage: 'group-rl', key: 'Rloo', variant: 'rloo' },
  { method: 'GRPO', stage: 'group-rl', key: 'Grpo', variant: 'grpo' },
  { method: 'Dr. GRPO', stage: 'group-rl', key: 'DrGrpo', variant: 'drGrpo' },
  { method: 'RLVR', stage: 'group-rl', key: 'Rlvr', variant: 'rlvr' },
  { method: 'combined', stage: 'group-rl', key: 'Combined', variant: 'combined' },
]);

/** The folder name of a stage run with this seed: `ppo` for seed 1, `ppo-seed2` for seed 2. */
export function seededStage(stage: string, seed: number): string {
  return seed === 1 ? stage : `${stage}-seed${seed}`;
}

/** One evaluation prompt: the method's reply and the SFT model's, with their gold Likert scores. */
export interface PairedSample {
  prompt: string;
  factId: string;
  reply: string;
  gold: number;
  sftReply: string;
  goldSft: number;
}

/** A method's figures in one seed. */
export interface MethodResult {
  method: string;
  seed: number;
  dir: string;
  goldLikert: number;
  klToSft: number;
  hallucinationRate: number;
  rmScore: number;
  wallSeconds: number;
  samples: PairedSample[];
}

function numberField(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: "${key}" must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

/** Reads the method's results of one seed from the run folder `root`; null when that stage has not run there. */
export function loadMethodResult(root: string, source: MethodSource, seed: number): MethodResult | null {
  const dir = path.join(root, seededStage(source.stage, seed));
  const metricsFile = path.join(dir, 'metrics.json');
  if (!fs.existsSync(metricsFile)) return null;
  let metrics: Record<string, unknown>;
  try {
    metrics = JSON.parse(fs.readFileSync(metricsFile, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${metricsFile}: not valid JSON (${(err as Error).message})`);
  }
  let figures: Record<string, unknown>;
  let where = metricsFile;
  let wall: number;
  if (source.variant) {
    const v = (metrics.variants as Record<string, unknown> | undefined)?.[source.variant];
    if (typeof v !== 'object' || v === null) throw new Error(`${metricsFile}: no variants.${source.variant}`);
    figures = v as Record<string, unknown>;
    where = `${metricsFile} variants.${source.variant}`;
    wall = numberField(figures, 'wallSeconds', where);
    figures = {
      goldLikert: figures.goldLikert, klToSft: figures.klToSft, hallucinationRate: figures.hallucinationRate, rmScore: figures.rmScore,
    };
  } else {
    const k = source.key;
    figures = {
      goldLikert: metrics[`goldLikert${k}`], klToSft: metrics.klToSft, hallucinationRate: metrics[`hallucinationRate${k}`], rmScore: metrics[`rmScore${k}`],
    };
    wall = numberField(metrics, 'wallSeconds', where);
  }
  const samplesFile = path.join(dir, 'eval_samples.jsonl');
  const replyKey = source.key[0].toLowerCase() + source.key.slice(1);
  const goldKey = `gold${source.key}`;
  const samples = fs.existsSync(samplesFile)
    ? readJsonl<PairedSample>(samplesFile, (value) => {
      const o = value as Record<string, unknown>;
      if (typeof o !== 'object' || o === null) throw new Error('expected an object');
      for (const k of ['prompt', 'factId', 'sft', replyKey]) if (typeof o[k] !== 'string') throw new Error(`"${k}" must be a string`);
      return {
        prompt: o.prompt as string, factId: o.factId as string, reply: o[replyKey] as string, gold: numberField(o, goldKey, 'sample'),
        sftReply: o.sft as string, goldSft: numberField(o, 'goldSft', 'sample'),
      };
    })
    : [];
  return {
    method: source.method, seed, dir,
    goldLikert: numberField(figures, 'goldLikert', where),
    klToSft: numberField(figures, 'klToSft', where),
    hallucinationRate: numberField(figures, 'hallucinationRate', where),
    rmScore: numberField(figures, 'rmScore', where),
    wallSeconds: wall,
    samples,
  };
}
