import * as fs from 'fs';
import * as path from 'path';
import { GPT } from '../model/gpt';
import { Tokenizer } from '../model/tokenizer';
import { CheckpointInfo, loadInto, readCheckpointInfo, saveCheckpoint } from './checkpoint';
import { dataDir, inputStageDir, repoRoot, STAGE_NOTEBOOKS, stageDir } from '../core/paths';
import { headRewardModel, logLikelihoodRewardModel, logRatioRewardModel, missingTokenHeads, REWARD_FORMS, REWARD_HEAD, RewardModel, RewardModelMeta, TOKEN_BONUS_HEAD, TOKEN_WEIGHT_HEAD, weightedLogLikelihoodRewardModel } from '../reward/rewardModel';

/**
 * The stages hand over named artifacts, each a folder in the run folder (the keys of paths.STAGE_NOTEBOOKS).
 * The base model is shipped in data/base; a pre-training run in the current run folder takes precedence.
 */

/** The shipped base checkpoint (produced by notebooks/00_pretrain.ipynb in full mode, `npm run pretrain`). */
export const shippedBaseDir = path.join(dataDir, 'base');

/**
 * Where the base model comes from: the run folder's own pre-training if it has one (you ran 00_pretrain),
 * otherwise the shipped checkpoint.
 */
export function baseModelDir(): string {
  const own = stageDir('pretrain');
  if (fs.existsSync(path.join(own, 'config.json'))) return own;
  if (fs.existsSync(path.join(shippedBaseDir, 'config.json'))) return shippedBaseDir;
  throw new Error(`no base model: neither ${rel(own)} nor ${rel(shippedBaseDir)} holds a checkpoint; run ${STAGE_NOTEBOOKS.pretrain} (npm run pretrain)`);
}

/**
 * Whether a stage's `file` (default: a checkpoint's config.json) can be read — from the run folder, a named run's
 * upstream folder, or the shipped models: for the optional comparisons of the later notebooks (05 shows PPO's
 * policy when stage 04 has run).
 */
export function hasStage(stage: string, file = 'config.json'): boolean {
  return fs.existsSync(path.join(locateStage(stage, file).dir, file));
}

/** The models shipped in data/ so that every notebook opens on its own (data/sft, data/rm). */
export const SHIPPED_STAGES: readonly string[] = ['sft', 'rm'];

/** Where a stage's output is read from, and whether that is the run folder, a named run's upstream or data/. */
export function locateStage(stage: string, file = 'config.json'): { dir: string; source: 'run' | 'upstream' | 'shipped' } {
  const dir = inputStageDir(stage, file);
  if (fs.existsSync(path.join(dir, file))) return { dir, source: dir === stageDir(stage) ? 'run' : 'upstream' };
  const shipped = path.join(dataDir, stage);
  if (SHIPPED_STAGES.includes(stage) && fs.existsSync(path.join(shipped, file))) return { dir: shipped, source: 'shipped' };
  return { dir, source: 'run' };
}

const announced = new Set<string>();

/**
 * The folder of a stage's output, checked to exist; otherwise an error that says which notebook to run.
 * `file` is the file that must be there (default: a checkpoint's config.json). Reading from anywhere but the run
 * folder is said once per stage (a named run's upstream folder, or the model shipped in data/).
 */
export function requireStage(stage: string, file = 'config.json'): string {
  if (stage === 'base') return baseModelDir();
  const { dir, source } = locateStage(stage, file);
  if (!fs.existsSync(path.join(dir, file))) {
    const nb = STAGE_NOTEBOOKS[stage];
    throw new Error(`stage "${stage}" has not been run yet (${rel(path.join(dir, file))} is missing): run ${nb ?? 'the previous stage'} first, or \`npm run pipeline\``);
  }
  if (source !== 'run' && !announced.has(stage)) {
    announced.add(stage);
    console.log(source === 'shipped'
      ? `${stage}: the model shipped with the workbook (${rel(dir)}); run ${STAGE_NOTEBOOKS[stage]} to use your own`
      : `${stage}: read from ${rel(dir)} (the run this named run started from)`);
  }
  return dir;
}

/** A model, its tokenizer and what its checkpoint says about it. */
export interface LoadedModel {
  model: GPT;
  tokenizer: Tokenizer;
  info: CheckpointInfo;
  dir: string;
}

/**
 * The heads the workbook's stages put on a GPT: the reward model's (03), PPO's value head (04) and the
 * token-weighted reward's two (03). A checkpoint with any other head is refused unless the caller names it.
 */
export const KNOWN_HEADS: readonly string[] = [REWARD_HEAD, 'value', TOKEN_WEIGHT_HEAD, TOKEN_BONUS_HEAD];

/** Options of loadModel. */
export interface LoadModelOptions {
  /** Whether the weights are trainable variables (default true). */
  trainable?: boolean;
  /** Heads outside KNOWN_HEADS that may be loaded (a checkpoint with an unknown head not named here is refused). */
  extraHeads?: readonly string[];
}

/** The heads a checkpoint's tensor list carries ("heads.<name>.weight"), in file order. */
export function checkpointHeads(tensors: readonly string[]): string[] {
  return tensors.flatMap((name) => /^heads\.([^.]+)\.weight$/.exec(name)?.slice(1, 2) ?? []);
}

/** Loads a checkpoint folder (or a stage name: "base", "sft", "rm", "ppo") into a new GPT with its heads. */
export function loadModel(dirOrStage: string, opts: LoadModelOptions = {}): LoadedModel {
  const byStage = !/[\\/]/.test(dirOrStage);
  const dir = byStage ? requireStage(dirOrStage) : dirOrStage;
  const { info } = readCheckpointInfo(dir);
  if (byStage) {
    checkInputsUnchanged(dirOrStage, dir, info);
    loadedStages.set(dirOrStage, info.weights.sha256);
  }
  const heads = checkpointHeads(info.weights.tensors);
  const unknown = heads.filter((h) => !KNOWN_HEADS.includes(h) && !(opts.extraHeads ?? []).includes(h));
  if (unknown.length > 0) {
    throw new Error(`${rel(dir)}: the checkpoint carries the head${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, which no stage of this workbook makes (known: ${KNOWN_HEADS.join(', ')}); to load it anyway pass { extraHeads: [${unknown.map((h) => JSON.stringify(h)).join(', ')}] }`);
  }
  const model = new GPT(info.model, { seed: info.seed, trainable: opts.trainable ?? true });
  for (const head of heads) model.addHead(head);
  try {
    loadInto(dir, model.params());
  } catch (err) {
    model.dispose();
    throw err;
  }
  const tokenizer = Tokenizer.load(path.join(dir, info.tokenizer.vocabFile));
  return { model, tokenizer, info, dir };
}

/** Saves a model with the vocabulary it was trained with into a checkpoint folder. */
export function saveModel(dir: string, model: GPT, opts: { tokenizerFile: string; stage: string; seed: number; metrics?: Record<string, unknown> }): CheckpointInfo {
  const inputs = Object.fromEntries([...loadedStages].filter(([stage]) => stage !== opts.stage && stage !== stageOf(opts.stage)));
  return saveCheckpoint(dir, { tensors: model.params(), model: model.config, stage: opts.stage, seed: opts.seed, metrics: opts.metrics, vocabFile: opts.tokenizerFile, inputs });
}

/**
 * The checkpoints this process loaded by stage name (stage → weights SHA-256): saveModel records them as the new
 * checkpoint's inputs, so that a later stage can tell when an input it was made from has been replaced since.
 */
const loadedStages = new Map<string, string>();

/** The stage folder a checkpoint's stage field belongs to ("reward" is written by stage "rm"). */
function stageOf(checkpointStage: string): string {
  return checkpointStage === 'reward' ? 'rm' : checkpointStage;
}

/**
 * Refuses a stage's checkpoint made from an earlier stage's checkpoint that is no longer the one on disk (e.g. the
 * reward model trained on an SFT model that 01 has since replaced), naming both and the command that fixes it.
 */
function checkInputsUnchanged(stage: string, dir: string, info: CheckpointInfo): void {
  for (const [input, sha] of Object.entries(info.inputs ?? {})) {
    let current: string;
    try {
      current = readCheckpointInfo(input === 'base' ? baseModelDir() : locateStage(input).dir).info.weights.sha256;
    } catch {
      continue; // that stage is not on disk (here or shipped): nothing to compare with
    }
    if (current !== sha) {
      const nb = STAGE_NOTEBOOKS[stage];
      const number = nb ? /notebooks\/(\d\d)_/.exec(nb)?.[1] : undefined;
      throw new Error(`${rel(dir)} was made from a different ${input} model than the one now in ${rel(input === 'base' ? baseModelDir() : locateStage(input).dir)} ` +
        `(the ${input} stage was run again since): run ${nb ?? `stage ${stage}`} again${number ? ` (npm run stage -- ${number})` : ''}, or \`npm run pipeline\``);
    }
  }
}

/** A saved reward model, ready to score: the checkpoint plus its form (and, for 'logRatio', its reference). */
export interface LoadedRewardModel extends LoadedModel {
  reward: RewardModel;
}

/**
 * Loads a reward model saved by notebooks/03_reward_model.ipynb (default stage "rm"). Its metrics.json says the
 * form under "reward"; a 'logRatio' model also needs its frozen reference, passed in (PPO already holds the SFT
 * model) or loaded from the stage it records (the other forms ignore `reference`). The reference must be the very
 * checkpoint the RM was trained against: its weights' SHA-256 is checked.
 */
export function loadRewardModel(dirOrStage = 'rm', opts: { reference?: LoadedModel } = {}): LoadedRewardModel {
  const loaded = loadModel(dirOrStage, { trainable: false });
  const meta = loaded.info.metrics.reward as RewardModelMeta | undefined;
  if (!meta || !REWARD_FORMS.includes(meta.form) || !Number.isFinite(meta.scale) || !Number.isFinite(meta.shift)) {
    loaded.model.dispose();
    throw new Error(`${rel(loaded.dir)}: not a reward model (its metrics.json has no valid "reward": { form, scale, shift }); run ${STAGE_NOTEBOOKS.rm}`);
  }
  if (meta.form === 'lastTokenHead') return { ...loaded, reward: headRewardModel(loaded.model) };
  if (meta.form === 'logLikelihood') return { ...loaded, reward: withScaleAndShift(logLikelihoodRewardModel(loaded.model, 1), meta) };
  if (meta.form === 'weightedLogLikelihood') {
    // weightedLogLikelihoodRewardModel would add missing heads at zero: a checkpoint without them is refused instead.
    if (missingTokenHeads(loaded.model).length > 0) {
      const heads = loaded.model.headNames();
      loaded.model.dispose();
      throw new Error(`${rel(loaded.dir)}: a 'weightedLogLikelihood' reward model must carry the heads ${TOKEN_WEIGHT_HEAD} and ${TOKEN_BONUS_HEAD}; its checkpoint has ${heads.length ? heads.join(', ') : 'none'}`);
    }
    return { ...loaded, reward: withScaleAndShift(weightedLogLikelihoodRewardModel(loaded.model, 1), meta) };
  }
  if (!meta.reference) {
    loaded.model.dispose();
    throw new Error(`${rel(loaded.dir)}: a 'logRatio' reward model must record its reference model`);
  }
  const reference = opts.reference ?? loadModel(meta.reference.stage, { trainable: false });
  if (reference.info.weights.sha256 !== meta.reference.sha256) {
    loaded.model.dispose();
    if (!opts.reference) reference.model.dispose();
    throw new Error(`${rel(loaded.dir)} was trained against the reference with weights ${meta.reference.sha256.slice(0, 12)}…, but ${rel(reference.dir)} has ${reference.info.weights.sha256.slice(0, 12)}…: re-run ${STAGE_NOTEBOOKS.rm} after ${STAGE_NOTEBOOKS.sft}`);
  }
  return { ...loaded, reward: withScaleAndShift(logRatioRewardModel(loaded.model, reference.model, 1), meta) };
}

/** The saved (normalised) scale and shift of an LM-head reward model. */
function withScaleAndShift(rm: RewardModel, meta: RewardModelMeta): RewardModel {
  rm.scale = meta.scale;
  rm.shift = meta.shift;
  return rm;
}

/** A path relative to the repository when inside it, else absolute. */
function rel(p: string): string {
  const r = path.relative(repoRoot, p);
  return r === '' ? '.' : r.startsWith('..') || path.isAbsolute(r) ? path.resolve(p) : r;
}
