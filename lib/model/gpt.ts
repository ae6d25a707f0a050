import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/rng';
import { cachedAttention, causalBias, embedding, gelu, keyPaddingBias, layerNorm, linear, multiHeadAttention, tokenLogprobs } from './ops';
import { checkConfig, num, posInt } from '../core/validate';

/**
 * A decoder-only transformer (GPT-2's architecture, as in nanoGPT and bench/torch_gpt.py):
 * token + position embeddings, pre-LayerNorm blocks of causal multi-head self-attention and a GELU MLP,
 * a final LayerNorm and an LM head tied to the token embedding.
 * Weights are named like Hugging Face's GPT2Model state dict, linear weights in [in, out] layout, so that a
 * checkpoint loads into GPT2LMHeadModel as it is.
 * Shapes in comments: B batch, T time, d width, H heads, hd = d / H, V vocabulary.
 */

/** The model's size and regularisation. */
export interface GPTConfig {
  /** Number of token ids (embedding rows), including the special EOS and PAD tokens. */
  vocabSize: number;
  /** Longest sequence the model can see (rows of the position embedding). */
  contextLength: number;
  /** Width of the residual stream (d). */
  dModel: number;
  /** Number of transformer blocks. */
  nLayers: number;
  /** Attention heads per block; must divide dModel. */
  nHeads: number;
  /** Dropout probability on embeddings, attention output and MLP output while training (0 = none). */
  dropout: number;
}

/** Checks a config and returns it; throws an error naming the bad field. */
export function validateGPTConfig(c: GPTConfig): GPTConfig {
  checkConfig('GPTConfig', c, {
    vocabSize: posInt, contextLength: posInt, dModel: posInt, nLayers: posInt, nHeads: posInt, dropout: num('[0, 1)'),
  });
  if (c.dModel % c.nHeads !== 0) throw new Error(`GPTConfig.nHeads (${c.nHeads}) must divide dModel (${c.dModel})`);
  return c;
}

/** Number of parameters of the language model (heads excluded). */
export function countParams(c: GPTConfig): number {
  const d = c.dModel;
  const block = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (4 * d * d + 4 * d) + (4 * d * d + d);
  return c.vocabSize * d + c.contextLength * d + c.nLayers * block + 2 * d;
}

/** Keys and values of every layer for the tokens decoded so far: each [B, H, Tpast, hd]. */
export interface KVCache {
  keys: tf.Tensor4D[];
  values: tf.Tensor4D[];
}

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Position of each token [B, T] int32; default 0..T−1 on every row (right-padded or unpadded input). */
  positions?: tf.Tensor2D;
  /** Additive attention bias broadcastable to [B, H, T, Tkeys]; default: the causal mask. */
  bias?: tf.Tensor;
  /** Apply dropout (training only). */
  training?: boolean;
  /** Decode incrementally: attend to the cached keys/values too; the returned cache includes the new tokens. */
  cache?: KVCache;
}

export class GPT {
  readonly config: GPTConfig;
  private readonly weights = new Map<string, tf.Variable>();
  private readonly causal: tf.Tensor2D;
  private dropoutSeed: number;

  /**
   * A freshly initialised GPT: weights ~ N(0, 0.02), residual projections ~ N(0, 0.02/√(2·nLayers)),
   * biases 0, LayerNorm gains 1 (GPT-2's scheme). Seeded: the same seed gives the same weights.
   */
  constructor(config: GPTConfig, opts: { seed?: number; trainable?: boolean } = {}) {
    this.config = validateGPTConfig({ ...config });
    const { vocabSize: V, contextLength: T, dModel: d, nLayers: L } = this.config;
    const rng = new Rng(opts.seed ?? 0);
    const trainable = opts.trainable ?? true;
    const normal = (shape: number[], std: number) => tf.randomNormal(shape, 0, std, 'float32', rng.seed());
    const add = (name: string, init: tf.Tensor) => {
      this.weights.set(name, tf.variable(init, trainable, `${name}#${uid()}`));
      init.dispose();
    };
    const projStd = 0.02 / Math.sqrt(2 * L);
    add('wte.weight', normal([V, d], 0.02));
    add('wpe.weight', normal([T, d], 0.02));
    for (let i = 0; i < L; i++) {
      const p = `h.${i}.`;
      add(p + 'ln_1.weight', tf.ones([d]));
      add(p + 'ln_1.bias', tf.zeros([d]));
      add(p + 'attn.c_attn.weight', normal([d, 3 * d], 0.02));
      add(p + 'attn.c_attn.bias', tf.zeros([3 * d]));
      add(p + 'attn.c_proj.weight', normal([d, d], projStd));
      add(p + 'attn.c_proj.bias', tf.zeros([d]));
      add(p + 'ln_2.weight', tf.ones([d]));
      add(p + 'ln_2.bias', tf.zeros([d]));
      add(p + 'mlp.c_fc.weight', normal([d, 4 * d], 0.02));
      add(p + 'mlp.c_fc.bias', tf.zeros([4 * d]));
      add(p + 'mlp.c_proj.weight', normal([4 * d, d], projStd));
      add(p + 'mlp.c_proj.bias', tf.zeros([d]));
    }
    add('ln_f.weight', tf.ones([d]));
    add('ln_f.bias', tf.zeros([d]));
    this.causal = causalBias(T);
    this.dropoutSeed = rng.seed();
  }

  /** Every named weight (heads included) in a stable order. */
  params(): Map<string, tf.Variable> {
    return this.weights;
  }

  /** One named weight; throws if there is none of that name. */
  param(name: string): tf.Variable {
    const w = this.weights.get(name);
    if (!w) throw new Error(`GPT has no weight named "${name}"`);
    return w;
  }

  /** Names of the scalar heads (e.g. "reward", "value"). */
  headNames(): string[] {
    return [...this.weights.keys()].filter((k) => k.startsWith('heads.') && k.endsWith('.weight')).map((k) => k.split('.')[1]);
  }

  /**
   * Adds a scalar head on the final hidden state: heads.{name}.weight [d, 1] ~ N(0, 1/(d+1)) and
   * heads.{name}.bias [1] = 0 (the reward-model init of OpenAI's lm-human-preferences); with `zero`, the weight is
   * 0 too, so the head outputs 0 until it learns (a value head whose first estimates add no noise).
   */
  addHead(name: string, opts: { seed?: number; zero?: boolean } = {}): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`head name must be an identifier, got "${name}"`);
    if (this.weights.has(`heads.${name}.weight`)) throw new Error(`GPT already has a head named "${name}"`);
    const d = this.config.dModel;
    const rng = new Rng(opts.seed ?? 0);
    const trainable = this.weights.get('wte.weight')!.trainable;
    const w = opts.zero ? tf.zeros([d, 1]) : tf.randomNormal([d, 1], 0, 1 / Math.sqrt(d + 1), 'float32', rng.seed());
    const b = tf.zeros([1]);
    this.weights.set(`heads.${name}.weight`, tf.variable(w, trainable, `heads.${name}.weight#${uid()}`));
    this.weights.set(`heads.${name}.bias`, tf.variable(b, trainable, `heads.${name}.bias#${uid()}`));
    w.dispose();
    b.dispose();
  }

  /**
   * The final hidden states (after ln_f). tokens [B, T] int32 → [B, T, d].
   * With opts.cache, tokens are the new tokens only; their keys/values are appended to the cache in place
   * (the old cache tensors are disposed) and attention covers past + new keys.
   */
  hidden(tokens: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    const [B, T] = tokens.shape;
    const { contextLength, dModel: d } = this.config;
    const past = opts.cache && opts.cache.keys.length > 0 ? opts.cache.keys[0].shape[2] : 0;
    if (past + T > contextLength) {
      throw new Error(`sequence of ${past + T} tokens is longer than the context length ${contextLength}`);
    }
    if (past > 0 && T > 1 && !opts.bias) throw new Error('decoding several new tokens after a cache needs an explicit attention bias');
    const newCache: KVCache | undefined = opts.cache ? { keys: [], values: [] } : undefined;
    const out = tf.tidy(() => {
      const positions = opts.positions ?? tf.range(past, past + T, 1, 'int32').reshape([1, T]).tile([B, 1]) as tf.Tensor2D;
      const bias = opts.bias ?? (past === 0 ? this.causal.slice([0, 0], [T, T]) : null);
      let x = tf.add(embedding(this.param('wte.weight') as tf.Tensor2D, tokens), embedding(this.param('wpe.weight') as tf.Tensor2D, positions)); // (B, T, d)
      x = this.dropout(x, opts.training);
      let x2 = x.reshape([B * T, d]) as tf.Tensor2D;
      for (let i = 0; i < this.config.nLayers; i++) {
        x2 = this.block(i, x2, B, T, bias, opts, newCache);
      }
      const h = layerNorm(x2, this.param('ln_f.weight') as tf.Tensor1D, this.param('ln_f.bias') as tf.Tensor1D);
      if (newCache) newCache.keys.concat(newCache.values).forEach((t) => tf.keep(t));
      return h.reshape([B, T, d]) as tf.Tensor3D;
    });
    if (opts.cache && newCache) {
      opts.cache.keys.concat(opts.cache.values).forEach((t) => t.dispose());
      opts.cache.keys = newCache.keys;
      opts.cache.values = newCache.values;
    }
    return out;
  }

  /** One transformer block on the residual stream x [B·T, d] → [B·T, d]. */
  private block(i: number, x: tf.Tensor2D, B: number, T: number, bias: tf.Tensor | null, opts: ForwardOptions, cache?: KVCache): tf.Tensor2D {
    const p = `h.${i}.`;
    const w = (n: string) => this.param(p + n);
    const { nHeads: H } = this.config;
    // attention
    const a = layerNorm(x, w('ln_1.weight') as tf.Tensor1D, w('ln_1.bias') as tf.Tensor1D);
    const qkv = linear(a, w('attn.c_attn.weight') as tf.Tensor2D, w('attn.c_attn.bias') as tf.Tensor1D); // (B·T, 3d)
    let y: tf.Tensor2D; // (B·T, d)
    if (opts.cache && cache) {
      const past = opts.cache.keys.length > i;
      const r = cachedAttention(qkv, B, T, H, past ? opts.cache.keys[i] : null, past ? opts.cache.values[i] : null, bias);
      cache.keys.push(r.k); // (B, H, Tpast + T, hd)
      cache.values.push(r.v);
      y = r.y;
    } else {
      // Without a cache the heads never need to exist as separate tensors.
      y = multiHeadAttention(qkv, B, T, H, bias, opts.bias === undefined);
    }
    const attnOut = linear(y, w('attn.c_proj.weight') as tf.Tensor2D, w('attn.c_proj.bias') as tf.Tensor1D);
    x = tf.add(x, this.dropout(attnOut, opts.training));
    // MLP
    const m = layerNorm(x, w('ln_2.weight') as tf.Tensor1D, w('ln_2.bias') as tf.Tensor1D);
    const f = gelu(linear(m, w('mlp.c_fc.weight') as tf.Tensor2D, w('mlp.c_fc.bias') as tf.Tensor1D)); // (B·T, 4d)
    const mlpOut = linear(f, w('mlp.c_proj.weight') as tf.Tensor2D, w('mlp.c_proj.bias') as tf.Tensor1D);
    return tf.add(x, this.dropout(mlpOut, opts.training));
  }

  private dropout<T extends tf.Tensor>(x: T, training?: boolean): T {
    if (!training || this.config.dropout === 0) return x;
    this.dropoutSeed = (this.dropoutSeed * 1103515245 + 12345) % 2147483647;
    return tf.dropout(x, this.config.dropout, undefined, this.dropoutSeed) as T;
  }

  /** Next-token logits from hidden states through the tied head: h [B, T, d] → [B, T, V]. */
  logits(h: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, T, d] = h.shape;
      const l = tf.matMul(h.reshape([B * T, d]) as tf.Tensor2D, this.param('wte.weight') as tf.Tensor2D, false, true); // (B·T, V)
      return l.reshape([B, T, this.config.vocabSize]) as tf.Tensor3D;
    });
  }

  /** A scalar head on hidden states: h [B, T, d] → [B, T]. */
  head(name: string, h: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => {
      const [B, T, d] = h.shape;
      const w = this.param(`heads.${name}.weight`) as tf.Tensor2D;
      const b = this.param(`heads.${name}.bias`) as tf.Tensor1D;
      return linear(h.reshape([B * T, d]) as tf.Tensor2D, w, b).reshape([B, T]) as tf.Tensor2D;
    });
  }

  /**
   * Log-probabilities of the given next tokens: log softmax(logits / temperature)[targets].
   * tokens [B, T] → [B, T−1]; entry t scores tokens[t+1] given tokens[0..t].
   */
  tokenLogprobs(tokens: tf.Tensor2D, opts: { temperature?: number; training?: boolean } = {}): tf.Tensor2D {
    return tf.tidy(() => this.logprobsFromHidden(this.hidden(tokens, { training: opts.training }), tokens, opts.temperature ?? 1));
  }

  /**
   * tokenLogprobs from hidden states already computed for `tokens`: h (B, T, d) → (B, T−1), entry t the
   * log-probability of token t+1 (for callers that also read other heads on the same states).
   */
  logprobsFromHidden(h: tf.Tensor3D, tokens: tf.Tensor2D, temperature = 1): tf.Tensor2D {
    return tf.tidy(() => {
      const [B, T] = tokens.shape;
      return logprobsOf(this.logits(h.slice([0, 0, 0], [B, T - 1, -1])), tokens.slice([0, 1], [B, T - 1]), temperature);
    });
  }

  /** A new model with copies of every weight (heads included); `trainable: false` freezes it (the PPO reference). */
  copy(opts: { trainable?: boolean } = {}): GPT {
    const twin = new GPT(this.config, { seed: 0, trainable: opts.trainable ?? true });
    for (const name of this.headNames()) twin.addHead(name);
    for (const [name, v] of this.weights) twin.param(name).assign(v);
    return twin;
  }

  /** Releases every weight. */
  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
    this.weights.clear();
    this.causal.dispose();
  }
}

/**
 * Log-probabilities of chosen tokens: logits [B, T, V], targets [B, T] int32 → [B, T] of
 * log softmax(logits / temperature)[target].
 */
export function logprobsOf(logits: tf.Tensor3D, targets: tf.Tensor2D, temperature = 1): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, T, V] = logits.shape;
    const lp = tokenLogprobs(logits.reshape([B * T, V]) as tf.Tensor2D, targets.reshape([B * T]) as tf.Tensor1D, temperature);
    return lp.reshape([B, T]) as tf.Tensor2D;
  });
}

/** Positions and attention bias for left-padded rows: keyMask [B, T] (1 real, 0 pad). */
export function leftPaddedInputs(keyMask: tf.Tensor2D): { positions: tf.Tensor2D; bias: tf.Tensor4D } {
  return tf.tidy(() => {
    const T = keyMask.shape[1];
    const m = tf.cast(keyMask, 'int32');
    const positions = tf.relu(tf.sub(tf.cumsum(m, 1), 1)) as tf.Tensor2D; // (B, T): 0,0,0,1,2,… after the pads
    const bias = tf.add(keyPaddingBias(keyMask), causalBias(T)) as tf.Tensor4D; // (B, 1, T, T)
    return { positions, bias };
  });
}

let uidCounter = 0;
function uid(): number {
  return ++uidCounter;
}
