import * as tf from '@tensorflow/tfjs';
import { GPT } from './gpt';
import { defaultSamplingConfig, truncate, validateSamplingConfig, type SamplingConfig } from './sampling';
import { requirePosInt } from '../core/validate';

/**
 * One step of generation, made visible: the model's next-token logits for a prompt, the distribution the sampler
 * actually draws from after temperature, top-k and top-p, and its most likely tokens (for a bar chart).
 */

/** The settings that shape the next-token distribution (see lib/model/sampling.ts). */
export type DistributionSettings = Partial<Pick<SamplingConfig, 'temperature' | 'topK' | 'topP'>>;

/**
 * The distribution generate() samples from: softmax(logits / temperature), cut to the top-k tokens and then to
 * the smallest set of most likely tokens whose probability reaches top-p, renormalised. logits [V] → probs [V]
 * (0 outside the kept set; sums to 1).
 */
export function samplingDistribution(logits: ArrayLike<number>, settings: DistributionSettings = {}): Float64Array {
  const cfg = validateSamplingConfig({ ...defaultSamplingConfig, ...settings });
  const V = logits.length;
  if (V === 0) throw new Error('samplingDistribution: empty logits');
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[i]);
  if (!Number.isFinite(max)) throw new Error(`samplingDistribution: logits must be finite, max is ${max}`);
  const probs = new Float64Array(V);
  let z = 0;
  for (let i = 0; i < V; i++) {
    probs[i] = Math.exp((logits[i] - max) / cfg.temperature);
    z += probs[i];
  }
  const keep = truncate(probs, z, cfg.topK, cfg.topP);
  let kept = 0;
  for (const i of keep) kept += probs[i];
  const out = new Float64Array(V);
  for (const i of keep) out[i] = probs[i] / kept;
  return out;
}

/** Next-token logits after a prompt: tokens [T] → logits [V] at the last position. */
export function nextTokenLogits(model: GPT, tokens: readonly number[]): Float32Array {
  if (tokens.length === 0) throw new Error('nextTokenLogits: empty prompt');
  if (tokens.length > model.config.contextLength) throw new Error(`nextTokenLogits: prompt of ${tokens.length} tokens exceeds the context of ${model.config.contextLength}`);
  const logits = tf.tidy(() => {
    const h = model.hidden(tf.tensor2d([tokens.slice()], [1, tokens.length], 'int32')); // (1, T, d)
    return model.logits(h.slice([0, tokens.length - 1, 0], [1, 1, -1])); // (1, 1, V)
  });
  const data = logits.dataSync() as Float32Array;
  logits.dispose();
  return data;
}

/** One of the most likely next tokens. */
export interface TokenProbability {
  id: number;
  /** The token's text (e.g. " Lima"), when token strings were given. */
  token: string;
  probability: number;
}

/** The `n` most likely tokens of a distribution [V], most likely first (ties by id); zero-probability tokens left out. */
export function topTokens(probs: ArrayLike<number>, n: number, tokenStrings: readonly string[] = []): TokenProbability[] {
  requirePosInt('topTokens: n', n);
  const ids = Array.from({ length: probs.length }, (_, i) => i).filter((i) => probs[i] > 0);
  ids.sort((a, b) => probs[b] - probs[a] || a - b);
  return ids.slice(0, n).map((id) => ({ id, token: tokenStrings[id] ?? String(id), probability: probs[id] }));
}
