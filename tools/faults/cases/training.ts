import * as fs from 'fs';
import * as path from 'path';
import { shippedBaseDir } from '../../../lib/io/artifacts';
import { Adam } from '../../../lib/model/adam';
import { initEngine } from '../../../lib/engine/engine';
import { GPT } from '../../../lib/model/gpt';
import { STAGE_NOTEBOOKS } from '../../../lib/core/paths';
import { logRatioRewardModel, rewardBatch, rewardModelStep, TOKEN_BONUS_HEAD } from '../../../lib/reward';
import { completeRun } from '../fixture';
import { copyRunDir, runNotebooks, tempDir } from '../helpers';
import { poisonedCopy } from '../poison';
import type { Attempt, BadInputCase } from '../types';

/**
 * Non-finite training: a stage started from a model with NaN or Infinity weights (a diverged earlier stage, a
 * tampered file) must stop at its first step naming the stage and the step (or refuse the checkpoint naming the
 * tensor, when loading checks weights), and write nothing of its own.
 */

/** The message of a failed notebook run: its FAIL lines. */
function failLines(output: string): string {
  return output.split('\n').filter((l) => l.startsWith('FAIL')).join('\n') || output.slice(-800);
}

/**
 * Runs `stage`'s notebook in a copy of a complete run whose `from` stage (or the own base model, 'pretrain') is
 * replaced by a copy with `tensor` set to `value`; the stage's folder is removed first and must not come back.
 */
async function stageFromPoisoned(stage: string, from: string, tensor: string, value: number): Promise<Attempt> {
  const dir = tempDir(`nonfinite-${stage}`);
  try {
    copyRunDir(await completeRun(), dir);
    fs.rmSync(path.join(dir, stage), { recursive: true, force: true });
    const source = from === 'pretrain' ? shippedBaseDir : path.join(dir, from);
    const target = path.join(dir, from);
    const poisoned = `${target}.poisoned`;
    poisonedCopy(source, poisoned, tensor, value);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(poisoned, target);
    const r = await runNotebooks([STAGE_NOTEBOOKS[stage]], dir);
    const wrote = fs.existsSync(path.join(dir, stage));
    return { accepted: r.code === 0 || wrote, message: (wrote ? `${stage}'s folder was written. ` : '') + failLines(r.output) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A refusal names the stage and the step of the guard, or the tensor (when loading refuses non-finite weights). */
const stageStepOrTensor = (stage: string, tensor: string) => new RegExp(`stage ${stage}\\b.* stopped at step \\d+|${tensor.replace(/\./g, '\\.')}`);

/** A library user's reward-model step with a NaN learning rate (in process). */
async function nanLearningRate(): Promise<Attempt> {
  await initEngine({ quiet: true });
  const cfg = { vocabSize: 30, contextLength: 24, dModel: 16, nLayers: 1, nHeads: 2, dropout: 0 };
  const model = new GPT(cfg, { seed: 1 });
  const ref = new GPT(cfg, { seed: 1, trainable: false });
  const opt = new Adam(model.params().values(), { learningRate: 1e-3 });
  const batch = rewardBatch([{ rows: [[1, 2, 3], [1, 4]], pairs: [{ chosen: 0, rejected: 1 }], replyStart: 1 }], 29);
  const before = model.param('wte.weight').dataSync().slice();
  try {
    rewardModelStep(logRatioRewardModel(model, ref, 0.5), opt, batch, { learningRate: NaN, gradClip: 1, guard: { stage: 'dpo', step: 1, lastCheckpoint: 'runs/sft' } });
    return { accepted: true, message: 'the step was taken' };
  } catch (err) {
    const changed = model.param('wte.weight').dataSync().some((v, i) => !Object.is(v, before[i]));
    return { accepted: changed, message: (changed ? 'the weights changed. ' : '') + (err as Error).message };
  } finally {
    opt.dispose();
    model.dispose();
    ref.dispose();
  }
}

export const badInputs: BadInputCase[] = [
  {
    category: 'non-finite training', name: 'SFT (01) from an own base model whose position embeddings are NaN',
    names: [stageStepOrTensor('sft', 'wpe.weight')], attempt: () => stageFromPoisoned('sft', 'pretrain', 'wpe.weight', NaN),
  },
  {
    category: 'non-finite training', name: 'reward model (03) from an SFT model with an Infinity layer norm',
    names: [stageStepOrTensor('rm', 'h.0.ln_1.weight')], attempt: () => stageFromPoisoned('rm', 'sft', 'h.0.ln_1.weight', Infinity),
  },
  {
    category: 'non-finite training', name: 'PPO (04) with a reward model whose token-bonus head is NaN',
    names: [stageStepOrTensor('ppo', `heads.${TOKEN_BONUS_HEAD}.weight`)], attempt: () => stageFromPoisoned('ppo', 'rm', `heads.${TOKEN_BONUS_HEAD}.weight`, NaN),
  },
  {
    category: 'non-finite training', name: 'DPO (05) from an SFT model whose position embeddings are NaN',
    names: [stageStepOrTensor('dpo', 'wpe.weight')], attempt: () => stageFromPoisoned('dpo', 'sft', 'wpe.weight', NaN),
  },
  {
    category: 'non-finite training', name: 'online DPO (06) from an SFT model whose position embeddings are NaN',
    names: [stageStepOrTensor('online-dpo', 'wpe.weight')], attempt: () => stageFromPoisoned('online-dpo', 'sft', 'wpe.weight', NaN),
  },
  {
    category: 'non-finite training', name: 'a reward-model step (library) with a NaN learning rate',
    names: [/stage dpo stopped at step 1/, /learning rate is NaN/], attempt: nanLearningRate,
  },
];
