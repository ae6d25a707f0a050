import * as tf from '@tensorflow/tfjs';
import { GPT, KVCache, leftPaddedInputs } from './gpt';
import { keyPaddingBias } from './ops';
import { Rng } from '../core/rng';
import { bool, checkConfig, int, num, posInt } from '../core/validate';

/**
 * How GPT generates: one token at a time, each step a probability distribution over the vocabulary, from which
 * the next token is sampled (not the most likely one, so that replies vary). Batched: prompts of different
 * lengths are left-padded so that they all end in the same column; each row stops at its own EOS.
 */

/** Settings of one generation call. */
export interface SamplingConfig {
  /** Most tokens to generate per sequence (EOS included). */
  maxNewTokens: number;
  /** Divides the logits before the softmax: < 1 sharper, > 1 flatter. */
  temperature: number;
  /** Keep only the k most likely tokens (0 = no limit). */
  topK: number;
  /** Keep the smallest set of tokens whose probability adds up to p (1 = no limit). */
  topP: number;
  /** Take the most likely token instead of sampling (temperature, topK, topP then do not matter). */
  greedy: boolean;
  /** Seed of the sampler: the same seed, model and prompts give the same tokens. */
  seed: number;
  /** Reuse keys and values of past tokens (KV cache) instead of recomputing the whole sequence each step. */
  useCache: boolean;
}

export const defaultSamplingConfig: SamplingConfig = {
  maxNewTokens: 32,
  temperature: 1,
  topK: 0,
  topP: 1,
  greedy: false,
  seed: 0,
  useCache: true,
};

/** Checks a sampling config; throws an error naming the bad field. */
export function validateSamplingConfig(c: SamplingConfig): SamplingConfig {
  return checkConfig('SamplingConfig', c, {
    maxNewTokens: posInt, temperature: num('(0, ∞)'), topK: int(0), topP: num('(0, 1]'), greedy: bool, seed: int(), useCache: bool,
  });
}

/** What generate() returns; row i belongs to prompt i. */
export interface Generation {
  /** The prompts as given. */
  prompts: number[][];
  /** Generated tokens per row, up to and including EOS when it was emitted. */
  responses: number[][];
  /**
   * Log-probability of each generated token under softmax(logits / temperature) over the whole vocabulary
   * (before top-k / top-p truncation): the numbers PPO needs as log π_old.
   */
  logprobs: number[][];
  /** Whether the row emitted EOS (false: it hit maxNewTokens or the context length). */
  finished: boolean[];
}

/** Generates continuations of token prompts. */
export function generate(model: GPT, prompts: number[][], eosId: number, config: Partial<SamplingConfig> = {}): Generation {
  const cfg = validateSamplingConfig({ ...defaultSamplingConfig, ...config });
  if (prompts.length === 0) return { prompts: [], responses: [], logprobs: [], finished: [] };
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new Error(`prompt ${i} is empty`);
  });
  const B = prompts.length;
  const P = Math.max(...prompts.map((p) => p.length));
  const maxNew = Math.min(cfg.maxNewTokens, model.config.contextLength - P);
  if (maxNew < 1) throw new Error(`prompts of ${P} tokens leave no room in the context of ${model.config.contextLength}`);
  const rng = new Rng(cfg.seed);

  // Left-padded prompt block: rows [pad … pad, prompt tokens]; the pad id does not matter (masked out).
  const rows = prompts.map((p) => new Array<number>(P - p.length).fill(eosId).concat(p));
  const mask = prompts.map((p) => new Array<number>(P - p.length).fill(0).concat(new Array<number>(p.length).fill(1)));
  const out: Generation = { prompts, responses: prompts.map(() => []), logprobs: prompts.map(() => []), finished: prompts.map(() => false) };
  const step = cfg.useCache ? cachedStepper(model, rows, mask) : fullStepper(model, rows, mask);
  try {
    let next = step(null);
    for (let t = 0; t < maxNew; t++) {
      const tokens: number[] = new Array(B);
      for (let b = 0; b < B; b++) {
        if (out.finished[b]) {
          tokens[b] = eosId;
          continue;
        }
        const row = next.subarray(b * next.length / B, (b + 1) * next.length / B);
        const { token, logprob } = pickToken(row, cfg, rng);
        tokens[b] = token;
        out.responses[b].push(token);
        out.logprobs[b].push(logprob);
        if (token === eosId) out.finished[b] = true;
      }
      if (out.finished.every(Boolean) || t === maxNew - 1) break;
      next = step(tokens);
    }
  } finally {
    step.dispose();
  }
  return out;
}

/** Feeds the model and returns next-token logits [B·V]; null → the prompt block, else one token per row. */
interface Stepper {
  (tokens: number[] | null): Float32Array;
  dispose(): void;
}

/** Incremental decoding: the prompt block once, then one token per step against the KV cache. */
function cachedStepper(model: GPT, rows: number[][], mask: number[][]): Stepper {
  const B = rows.length;
  const cache: KVCache = { keys: [], values: [] };
  const keyMask = mask.map((m) => m.slice());
  const nextPos = mask.map((m) => m.reduce((a, b) => a + b, 0));
  const step = ((tokens: number[] | null): Float32Array => {
    const logits = tf.tidy(() => {
      let h: tf.Tensor3D;
      if (tokens === null) {
        const km = tf.tensor2d(keyMask, undefined, 'int32');
        const { positions, bias } = leftPaddedInputs(km);
        h = model.hidden(tf.tensor2d(rows, undefined, 'int32'), { positions, bias, cache });
      } else {
        keyMask.forEach((m) => m.push(1));
        const positions = tf.tensor2d(nextPos.map((p) => [p]), [B, 1], 'int32');
        nextPos.forEach((_, b) => nextPos[b]++);
        const bias = keyPaddingBias(tf.tensor2d(keyMask, undefined, 'int32'));
        h = model.hidden(tf.tensor2d(tokens.map((t) => [t]), [B, 1], 'int32'), { positions, bias, cache });
      }
      const T = h.shape[1];
      return model.logits(h.slice([0, T - 1, 0], [B, 1, -1]));
    });
    const data = logits.dataSync() as Float32Array;
    logits.dispose();
    return data;
  }) as Stepper;
  step.dispose = () => cache.keys.concat(cache.values).forEach((t) => t.dispose());
  return step;
}

/** Full recomputation: the whole (growing) sequence every step. The reference the KV cache is tested against. */
function fullStepper(model: GPT, rows: number[][], mask: number[][]): Stepper {
  const seqs = rows.map((r) => r.slice());
  const masks = mask.map((m) => m.slice());
  const step = ((tokens: number[] | null): Float32Array => {
    if (tokens !== null) {
      tokens.forEach((t, b) => {
        seqs[b].push(t);
        masks[b].push(1);
      });
    }
    const logits = tf.tidy(() => {
      const B = seqs.length;
      const T = seqs[0].length;
      const { positions, bias } = leftPaddedInputs(tf.tensor2d(masks, undefined, 'int32'));
      const h = model.hidden(tf.tensor2d(seqs, undefined, 'int32'), { positions, bias });
      return model.logits(h.slice([0, T - 1, 0], [B, 1, -1]));
    });
    const data = logits.dataSync() as Float32Array;
    logits.dispose();
    return data;
  }) as Stepper;
  step.dispose = () => {};
  return step;
}

/**
 * Chooses one token from a row of logits [V] and returns it with its log-probability under
 * softmax(logits / temperature) (full distribution).
 */
export function pickToken(logits: Float32Array, cfg: SamplingConfig, rng: Rng): { token: number; logprob: number } {
  const V = logits.length;
  const temperature = cfg.greedy ? 1 : cfg.temperature;
  let max = -Infinity;
  let argmax = 0;
  for (let i = 0; i < V; i++) {
    if (logits[i] > max) {
      max = logits[i];
      argmax = i;
    }
  }
  if (probsBuffer.length < V) probsBuffer = new Float64Array(V);
  const probs = probsBuffer.subarray(0, V); // reused between calls: this runs once per token and row
  let z = 0;
  for (let i = 0; i < V; i++) {
    probs[i] = Math.exp((logits[i] - max) / temperature);
    z += probs[i];
  }
  const logprobOf = (i: number) => (logits[i] - max) / temperature - Math.log(z);
  if (cfg.greedy) return { token: argmax, logprob: logprobOf(argmax) };

  if (cfg.topK === 0 && cfg.topP >= 1) {
    // No truncation: the same walk as below over all ids in order, without building the list of ids.
    let u = rng.next() * z;
    for (let i = 0; i < V; i++) {
      u -= probs[i];
      if (u <= 0) return { token: i, logprob: logprobOf(i) };
    }
    return { token: V - 1, logprob: logprobOf(V - 1) };
  }
  const keep = truncate(probs, z, cfg.topK, cfg.topP);
  let total = 0;
  for (const i of keep) total += probs[i];
  let u = rng.next() * total;
  for (const i of keep) {
    u -= probs[i];
    if (u <= 0) return { token: i, logprob: logprobOf(i) };
  }
  const last = keep[keep.length - 1];
  return { token: last, logprob: logprobOf(last) };
}

let probsBuffer = new Float64Array(0);

/**
 * The token ids allowed by top-k and top-p (all ids, in order, when neither is set). `probs` [V] are unnormalised
 * probabilities summing to `z`; the kept ids come most likely first (ties by id). Both together work as Hugging
 * Face's samplers do: top-k first, then the nucleus over the k survivors renormalised (the smallest set of them
 * whose share of the survivors' mass reaches topP), not over the whole vocabulary.
 */
export function truncate(probs: Float64Array, z: number, topK: number, topP: number): number[] {
  const V = probs.length;
  if (topK === 0 && topP >= 1) return Array.from({ length: V }, (_, i) => i);
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  let n = topK > 0 ? Math.min(topK, V) : V;
  if (topP < 1) {
    let survivors = z;
    if (n < V) {
      survivors = 0;
      for (let i = 0; i < n; i++) survivors += probs[order[i]];
    }
    let cum = 0;
    for (let i = 0; i < n; i++) {
      cum += probs[order[i]] / survivors;
      if (cum >= topP) {
        n = i + 1;
        break;
      }
    }
  }
  return order.slice(0, n);
}
