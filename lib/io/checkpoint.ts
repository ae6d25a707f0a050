import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic, writeJsonAtomic } from '../core/atomic';
import { writeDirAtomic } from '../core/atomicDir';
import { posInt } from '../core/validate';
import { RawTensor, decodeSafetensors, encodeSafetensors, readSafetensorsHeader } from './safetensors';
import type { GPTConfig } from '../model/gpt';

/**
 * Checkpoints: a folder holding
 *   model.safetensors   the weights, float32, named like Hugging Face's GPT2Model state dict
 *   vocab.json          the compact vocabulary the model was trained with (lib/model/tokenizer.ts)
 *   config.json         Hugging Face GPT-2 config fields, plus our own section "rlhf" (model config, stage,
 *                       seed, metrics, tokenizer ids, size and SHA-256 of the two files above)
 * The folder appears whole (lib/atomicDir.ts: written beside its place, then renamed into it), so a save killed at
 * any moment leaves the previous checkpoint or the new one; config.json's checksums tie it to the exact weights and
 * vocabulary, so a corrupted or hand-mixed folder is reported on load instead of silently mixing two checkpoints.
 * The API works on named tensors, independent of the model class.
 *
 * Loading trusts nothing in config.json: the Hugging Face fields must describe the model of the "rlhf" section
 * (what `from_pretrained` would build must be the model the workbook runs), the files it names must lie inside
 * the checkpoint folder (no absolute path, no "..", no symlink leading out), the tensor list must be the weights
 * file's, and every weight must be finite. A NaN or infinite weight is refused on save and on load, naming the
 * tensor and the first bad index: a model with one turns every output into NaN.
 */

export const WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';
export const VOCAB_FILE = 'vocab.json';

/** The model's size: lib/model/gpt.ts's GPTConfig (a type-only import: checkpoints do not load the model code). */
export type ModelConfig = GPTConfig;

/** Our section of config.json. */
export interface CheckpointInfo {
  /** The model config the weights were trained with. */
  model: ModelConfig;
  /** Which stage wrote the checkpoint: "pretrain", "sft", "reward", "ppo", ... */
  stage: string;
  /** The seed of the run that produced it. */
  seed: number;
  /** Whatever the stage measured (perplexity, recall, ...). */
  metrics: Record<string, unknown>;
  /** The vocabulary: file name inside the folder, its special ids and checksum. */
  tokenizer: { vocabFile: string; vocabSize: number; eosId: number; padId: number; sha256: string };
  /** The weights file: name, size and checksum. */
  weights: { file: string; bytes: number; sha256: string; tensors: string[] };
  /**
   * The checkpoints of earlier stages this one was made from, by stage name → their weights' SHA-256 (e.g. the reward
   * model records the SFT model it started from). Absent in checkpoints written before it was recorded.
   */
  inputs?: Record<string, string>;
}

/** What saveCheckpoint needs. */
export interface SaveOptions {
  /** Named float32 tensors in a stable order (e.g. model.params()). */
  tensors: Map<string, tf.Tensor> | Record<string, tf.Tensor>;
  model: ModelConfig;
  stage: string;
  seed: number;
  metrics?: Record<string, unknown>;
  /** Path of the vocabulary file to copy next to the weights (e.g. data/vocab.json). */
  vocabFile: string;
  /** The earlier stages' checkpoints it was made from (CheckpointInfo.inputs). */
  inputs?: Record<string, string>;
}

/** A loaded checkpoint: raw tensors (file order) and our config section. */
export interface LoadedCheckpoint {
  tensors: Map<string, RawTensor>;
  info: CheckpointInfo;
  /** The whole config.json (Hugging Face fields included). */
  config: Record<string, unknown>;
  /** Path of the vocabulary file inside the checkpoint folder. */
  vocabPath: string;
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** Hugging Face GPT-2 config fields for a model config (GPT2LMHeadModel loads the folder with these). */
export function hfConfig(m: ModelConfig, eosId: number, padId: number): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: m.vocabSize,
    n_positions: m.contextLength,
    n_embd: m.dModel,
    n_layer: m.nLayers,
    n_head: m.nHeads,
    n_inner: null,
    activation_function: 'gelu_new',
    resid_pdrop: m.dropout,
    embd_pdrop: m.dropout,
    attn_pdrop: m.dropout,
    layer_norm_epsilon: 1e-5,
    initializer_range: 0.02,
    scale_attn_weights: true,
    tie_word_embeddings: true,
    bos_token_id: eosId,
    eos_token_id: eosId,
    pad_token_id: padId,
    torch_dtype: 'float32',
  };
}

/** Where a config.json field comes from: the model config or tokenizer section it must agree with. */
const HF_SOURCES: Record<string, string> = {
  vocab_size: 'rlhf.model.vocabSize',
  n_positions: 'rlhf.model.contextLength',
  n_embd: 'rlhf.model.dModel',
  n_layer: 'rlhf.model.nLayers',
  n_head: 'rlhf.model.nHeads',
  resid_pdrop: 'rlhf.model.dropout',
  embd_pdrop: 'rlhf.model.dropout',
  attn_pdrop: 'rlhf.model.dropout',
  bos_token_id: 'rlhf.tokenizer.eosId',
  eos_token_id: 'rlhf.tokenizer.eosId',
  pad_token_id: 'rlhf.tokenizer.padId',
};

/**
 * Every Hugging Face field of a config.json checked against the one hfConfig derives from its "rlhf" section;
 * throws naming both fields and values at the first contradiction (or a missing field).
 */
export function checkHfFields(config: Record<string, unknown>, info: CheckpointInfo, file = CONFIG_FILE): void {
  const want = hfConfig(info.model, info.tokenizer.eosId, info.tokenizer.padId);
  for (const [key, value] of Object.entries(want)) {
    const have = config[key];
    if (JSON.stringify(have) === JSON.stringify(value)) continue;
    const source = HF_SOURCES[key];
    const said = have === undefined ? 'missing' : JSON.stringify(have);
    throw new Error(source
      ? `${file}: ${key} is ${said} but ${source} is ${JSON.stringify(value)} (the Hugging Face fields must describe the model the weights belong to)`
      : `${file}: ${key} is ${said} but a GPT-2 checkpoint of this workbook has ${JSON.stringify(value)}`);
  }
}

/** The first non-finite value (NaN, ±Infinity) of a tensor: its flat index and its index per dimension. */
export function firstNonFinite(t: RawTensor): { index: number; at: number[]; value: number } | undefined {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (Number.isFinite(d[i])) continue;
    const at: number[] = [];
    let rest = i;
    for (let k = t.shape.length - 1; k >= 0; k--) {
      at.unshift(rest % t.shape[k]);
      rest = Math.floor(rest / t.shape[k]);
    }
    return { index: i, at, value: d[i] };
  }
  return undefined;
}

/** Throws, naming the tensor and the first bad index, unless every value of `t` is finite. */
export function requireFinite(name: string, t: RawTensor, where: string): void {
  const bad = firstNonFinite(t);
  if (!bad) return;
  let count = 0;
  for (const x of t.data) if (!Number.isFinite(x)) count++;
  throw new Error(`${where}: tensor ${name} holds ${bad.value} at index ${bad.index} ([${bad.at.join(', ')}] of shape [${t.shape.join(', ')}]); non-finite values: ${count} of ${t.data.length}`);
}

/** Named tensors → raw float32 data, checking dtypes and finiteness (throws naming the tensor). */
function toRaw(tensors: Map<string, tf.Tensor> | Record<string, tf.Tensor>): [string, RawTensor][] {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  return entries.map(([name, t]) => {
    if (t.dtype !== 'float32') throw new Error(`saveCheckpoint: tensor ${name} has dtype ${t.dtype}, expected float32`);
    const raw: RawTensor = { shape: t.shape.slice(), data: t.dataSync() as Float32Array };
    requireFinite(name, raw, 'saveCheckpoint');
    return [name, raw];
  });
}

/**
 * The path of a file a checkpoint's config.json names (`field` says which), refused unless it lies inside the
 * checkpoint folder: a plain relative name, no "..", and (once the file exists) no symlink leading out.
 */
export function checkpointFile(dir: string, name: unknown, field: string, file = path.join(dir, CONFIG_FILE)): string {
  const fail = (why: string): never => {
    throw new Error(`${file}: ${field} ${JSON.stringify(name)} ${why}; it must name a file inside the checkpoint folder`);
  };
  if (typeof name !== 'string' || name === '') return fail('is not a file name');
  if (path.isAbsolute(name) || path.win32.isAbsolute(name)) fail('is an absolute path');
  const root = path.resolve(dir);
  const full = path.resolve(root, name);
  const inside = (parent: string, child: string): boolean => {
    const rel = path.relative(parent, child);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  if (!inside(root, full) || name.split(/[\\/]/).includes('..')) fail('leads out of the folder');
  if (fs.existsSync(full) && !inside(fs.realpathSync(root), fs.realpathSync(full))) fail(`is a link to ${fs.realpathSync(full)}, outside the folder`);
  return full;
}

/**
 * Saves a checkpoint folder: weights, vocabulary and config.json are written into a temporary folder beside `dir`,
 * which then replaces `dir` as a whole (an earlier folder there, with whatever it held, is replaced).
 * Returns the config section written.
 */
export function saveCheckpoint(dir: string, opts: SaveOptions): CheckpointInfo {
  const vocabBytes = readFileOrThrow(opts.vocabFile, 'vocabulary file');
  const vocab = JSON.parse(Buffer.from(vocabBytes).toString('utf8')) as { vocabSize?: unknown; eosId?: unknown; padId?: unknown };
  if (vocab.vocabSize !== opts.model.vocabSize) {
    throw new Error(`saveCheckpoint: ${opts.vocabFile} has ${vocab.vocabSize} ids but the model config says vocabSize ${opts.model.vocabSize}`);
  }
  const raw = toRaw(opts.tensors);
  const weights = encodeSafetensors(raw, { format: 'pt' });
  const info: CheckpointInfo = {
    model: { ...opts.model },
    stage: opts.stage,
    seed: opts.seed,
    metrics: opts.metrics ?? {},
    tokenizer: { vocabFile: VOCAB_FILE, vocabSize: vocab.vocabSize as number, eosId: vocab.eosId as number, padId: vocab.padId as number, sha256: sha256(vocabBytes) },
    weights: { file: WEIGHTS_FILE, bytes: weights.length, sha256: sha256(weights), tensors: raw.map(([n]) => n) },
    ...(opts.inputs && Object.keys(opts.inputs).length > 0 ? { inputs: { ...opts.inputs } } : {}),
  };
  writeDirAtomic(dir, (tmp) => {
    writeFileAtomic(path.join(tmp, WEIGHTS_FILE), weights);
    writeFileAtomic(path.join(tmp, VOCAB_FILE), vocabBytes);
    writeJsonAtomic(path.join(tmp, CONFIG_FILE), { ...hfConfig(opts.model, info.tokenizer.eosId, info.tokenizer.padId), rlhf: info });
  });
  return info;
}

function readFileOrThrow(file: string, what: string): Uint8Array {
  if (!fs.existsSync(file)) throw new Error(`${file}: ${what} not found`);
  return fs.readFileSync(file);
}

/** Reads and checks config.json of a checkpoint folder (no weights loaded). */
export function readCheckpointInfo(dir: string): { info: CheckpointInfo; config: Record<string, unknown> } {
  const file = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(file)) throw new Error(`${dir}: not a checkpoint (no ${CONFIG_FILE}; the save may not have finished)`);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const info = config.rlhf as CheckpointInfo | undefined;
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}`);
  };
  if (typeof info !== 'object' || info === null) fail('no "rlhf" section');
  const m = info!.model;
  if (typeof m !== 'object' || m === null) fail('rlhf.model is missing');
  for (const k of ['vocabSize', 'contextLength', 'dModel', 'nLayers', 'nHeads'] as const) {
    if (posInt(m[k]) !== null) fail(`rlhf.model.${k} must be a positive integer, got ${JSON.stringify(m[k])}`);
  }
  if (typeof m.dropout !== 'number') fail('rlhf.model.dropout must be a number');
  if (typeof info!.stage !== 'string') fail('rlhf.stage must be a string');
  if (typeof info!.weights?.sha256 !== 'string' || typeof info!.tokenizer?.sha256 !== 'string') fail('rlhf.weights / rlhf.tokenizer checksums are missing');
  if (!Array.isArray(info!.weights.tensors) || !info!.weights.tensors.every((n) => typeof n === 'string')) fail('rlhf.weights.tensors must be an array of tensor names');
  for (const k of ['eosId', 'padId', 'vocabSize'] as const) {
    if (!Number.isInteger(info!.tokenizer[k])) fail(`rlhf.tokenizer.${k} must be an integer, got ${JSON.stringify(info!.tokenizer[k])}`);
  }
  const inputs = info!.inputs;
  if (inputs !== undefined && (typeof inputs !== 'object' || inputs === null || Object.values(inputs).some((v) => typeof v !== 'string'))) {
    fail('rlhf.inputs must map stage names to SHA-256 checksums');
  }
  if (info!.tokenizer.vocabSize !== m.vocabSize) fail(`rlhf.tokenizer.vocabSize is ${info!.tokenizer.vocabSize} but rlhf.model.vocabSize is ${m.vocabSize}`);
  checkpointFile(dir, info!.weights.file, 'rlhf.weights.file', file);
  checkpointFile(dir, info!.tokenizer.vocabFile, 'rlhf.tokenizer.vocabFile', file);
  checkHfFields(config, info!, file);
  return { info: info!, config };
}

/**
 * Loads a checkpoint folder: validates config.json, the checksums of the weights and vocabulary, and the
 * safetensors structure; returns raw float32 tensors in file order.
 */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const { info, config } = readCheckpointInfo(dir);
  const weightsPath = checkpointFile(dir, info.weights.file, 'rlhf.weights.file');
  const weights = readFileOrThrow(weightsPath, 'weights file');
  const vocabPath = checkpointFile(dir, info.tokenizer.vocabFile, 'rlhf.tokenizer.vocabFile');
  const vocabBytes = readFileOrThrow(vocabPath, 'vocabulary file');
  // Structure first: a truncated or mangled file gets a message about what is wrong, not just "checksum".
  readSafetensorsHeader(weights, weightsPath);
  if (weights.length !== info.weights.bytes || sha256(weights) !== info.weights.sha256) {
    throw new Error(`${weightsPath}: does not match ${CONFIG_FILE} (size or SHA-256 differs): corrupted, or written by another save`);
  }
  if (sha256(vocabBytes) !== info.tokenizer.sha256) {
    throw new Error(`${vocabPath}: does not match ${CONFIG_FILE} (SHA-256 differs): the vocabulary was changed or corrupted`);
  }
  const { tensors } = decodeSafetensors(weights, weightsPath);
  const names = [...tensors.keys()];
  if (JSON.stringify(names) !== JSON.stringify(info.weights.tensors)) {
    throw new Error(`${path.join(dir, CONFIG_FILE)}: rlhf.weights.tensors lists [${info.weights.tensors.join(', ')}] but ${weightsPath} holds [${names.join(', ')}]`);
  }
  for (const [name, t] of tensors) requireFinite(name, t, weightsPath);
  return { tensors, info, config, vocabPath };
}

/**
 * Loads a checkpoint into existing variables (e.g. model.params()). Everything is checked before anything is
 * assigned: every expected name present, no unexpected name, every shape equal. Errors name the tensors.
 * Returns the checkpoint's config section.
 */
export function loadInto(dir: string, expected: Map<string, tf.Variable>): CheckpointInfo {
  const { tensors, info } = loadCheckpoint(dir);
  const weightsPath = checkpointFile(dir, info.weights.file, 'rlhf.weights.file');
  const problems: string[] = [];
  for (const [name, v] of expected) {
    const t = tensors.get(name);
    if (!t) problems.push(`tensor ${name} is missing`);
    else if (t.shape.length !== v.shape.length || t.shape.some((s, i) => s !== v.shape[i])) {
      problems.push(`tensor ${name} has shape [${t.shape}] in the file, the model expects [${v.shape}]`);
    } else if (v.dtype !== 'float32') problems.push(`tensor ${name}: the model variable has dtype ${v.dtype}, expected float32`);
  }
  for (const name of tensors.keys()) if (!expected.has(name)) problems.push(`tensor ${name} is in the file but not in the model`);
  if (problems.length > 0) throw new Error(`${weightsPath}: cannot load: ${problems.join('; ')}`);
  for (const [name, v] of expected) {
    const t = tensors.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, 'float32')));
  }
  return info;
}
