import * as tf from '@tensorflow/tfjs';
import { GPT, logprobsOf } from '../model/gpt';
import { Generation } from '../model/sampling';
import { clippedValueLoss, ppoClipLoss, tokenEntropy } from '../model/losses';
import { bool, checkConfig, int, num, oneOf, orNull, posInt } from '../core/validate';

/**
 * The pieces of PPO for a language model (Ziegler et al. 2019, InstructGPT), as in TRL's classic PPOTrainer:
 * the policy is the SFT model with a value head on the same trunk ("value"); the loop itself (rollout → score →
 * advantages → minibatch updates) is written out in notebooks/04_ppo.ipynb.
 *
 * Alignment of a rollout row (right-padded; position t of the [T−1] arrays scores token t+1):
 *   tokens:   U ser : … Assistant :  Lima  .   EOS  PAD
 *   mask:     0  0  0 …  0        1  1     1   0         (1 where the NEXT token is a response token)
 *   logprob, value, reward, advantage live on the positions where mask = 1.
 */

/** Settings of the PPO stage. Defaults follow the literature (Ziegler et al. 2019, InstructGPT) and a calibration run of this world. */
export interface PpoConfig {
  /** PPO iterations (each: one rollout batch, then several epochs of updates). */
  iterations: number;
  /** Prompts (and sampled replies) per iteration. */
  promptsPerIteration: number;
  /** Passes over each rollout batch. */
  ppoEpochs: number;
  /** Minibatches per epoch. */
  minibatches: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Adam form: 'pytorch' (tfjs, TRL) or 'tf1' (OpenAI's original RLHF code). */
  adamForm: 'pytorch' | 'tf1';
  /**
   * Initial KL coefficient β of PPO's reward r = score − β·KL(policy ‖ SFT). It prices drift from the SFT model: too
   * small and the policy wanders into replies the reward model misjudges; too large and it barely moves. The default,
   * 0.05 (TRL's default), is the value chosen on validation gold against the default reward model (docs/RESULTS.md).
   */
  klCoef: number;
  /** Adaptive KL: target KL per response in nats (null = fixed β). */
  klTarget: number | null;
  /**
   * Adaptive KL: horizon in samples (the literature's 10,000). Each iteration β changes by a factor of at most
   * 1 ± 0.2 · promptsPerIteration / klHorizon (lib/train/klController.ts), so a shorter horizon lets β follow the
   * measured KL faster, and a longer one keeps it steadier.
   */
  klHorizon: number;
  /** GAE discount γ. */
  gamma: number;
  /** GAE λ. */
  lam: number;
  /** PPO clip range ε on the ratio. */
  clipRange: number;
  /** Clip range of the value function. */
  valueClipRange: number;
  /** Weight of the value loss next to the policy loss. */
  valueCoef: number;
  /**
   * Learning rate of the value head's own weights (the trunk it shares with the policy learns at learningRate). At
   * the policy's rate a linear head barely moves in a run, and its estimates explain less than a constant would.
   */
  valueLearningRate: number;
  /** Sampling temperature; log-probs are computed from logits / temperature, the same way. */
  temperature: number;
  /** Longest reply, in tokens. */
  maxNewTokens: number;
  /** Subtracted from the reward of a reply that never emits EOS. */
  noEosPenalty: number;
  /**
   * false (InstructGPT): the reward model's score lands on the last token of the reply. true: when the score is a
   * sum over the reply's tokens (the log-likelihood and log-ratio forms), each token gets its own share
   * (rewardModel.tokenRewards).
   */
  rewardPerToken: boolean;
  /** Measure gold Likert on the validation prompts every this many iterations (checkpoint choice). */
  evalEvery: number;
  /** Validation prompts the gold judge scores at each of those measurements (the first n of the set). */
  validationPrompts: number;
  /** Evaluation prompts the chosen checkpoint answers at the end (the first n of the set). */
  evalPrompts: number;
  /** Seed of prompt order, sampling and the value head. */
  seed: number;
}

export const defaultPpoConfig: PpoConfig = {
  iterations: 200,
  promptsPerIteration: 64,
  ppoEpochs: 4,
  minibatches: 2,
  learningRate: 4e-5,
  adamForm: 'pytorch',
  klCoef: 0.05,
  klTarget: null,
  klHorizon: 10000,
  gamma: 1,
  lam: 0.95,
  clipRange: 0.2,
  valueClipRange: 0.2,
  valueCoef: 0.1,
  valueLearningRate: 4e-3,
  temperature: 1,
  maxNewTokens: 24,
  noEosPenalty: 1,
  rewardPerToken: false,
  evalEvery: 10,
  validationPrompts: 150,
  evalPrompts: 300,
  seed: 1,
};

/** The config shrunk for smoke mode (CI runs every notebook in seconds): the same code paths, tiny sizes. */
export function smokePpoConfig(c: PpoConfig): PpoConfig {
  return { ...c, iterations: 3, promptsPerIteration: 8, ppoEpochs: 1, minibatches: 2, maxNewTokens: 8, evalEvery: 2, validationPrompts: 8, evalPrompts: 8 };
}

/** Checks a PPO config; throws an error naming the bad field. */
export function validatePpoConfig(c: PpoConfig): PpoConfig {
  checkConfig('PpoConfig', c, {
    iterations: posInt, promptsPerIteration: posInt, ppoEpochs: posInt, minibatches: posInt, learningRate: num('(0, 1)'),
    adamForm: oneOf(['pytorch', 'tf1']), klCoef: num('[0, ∞)'), klTarget: orNull(num('(0, ∞)')), klHorizon: posInt,
    gamma: num('[0, 1]'), lam: num('[0, 1]'), clipRange: num('(0, 1)'), valueClipRange: num('(0, ∞)'), valueCoef: num('[0, ∞)'),
    valueLearningRate: num('(0, 1)'), temperature: num('(0, ∞)'), maxNewTokens: posInt, noEosPenalty: num('[0, ∞)'),
    rewardPerToken: bool, evalEvery: posInt, validationPrompts: posInt, evalPrompts: posInt, seed: int(),
  });
  if (c.minibatches > c.promptsPerIteration) throw new Error(`PpoConfig.minibatches (${c.minibatches}) cannot exceed promptsPerIteration (${c.promptsPerIteration})`);
  return c;
}

/** A rollout batch as right-padded rows (see the alignment drawing above). */
export interface RolloutRows {
  /** Prompt + response tokens, PAD after: [B][T]. */
  tokens: number[][];
  /** 1 where position t predicts a response token: [B][T−1]. */
  mask: number[][];
  /** Response length in tokens (EOS included when emitted): [B]. */
  responseLengths: number[];
}

/** Packs generated replies behind their prompts into right-padded rows with the response mask. */
export function packRollout(gen: Generation, padId: number): RolloutRows {
  const lengths = gen.prompts.map((p, i) => p.length + gen.responses[i].length);
  const T = Math.max(...lengths);
  const tokens: number[][] = [];
  const mask: number[][] = [];
  gen.prompts.forEach((p, i) => {
    const r = gen.responses[i];
    if (r.length === 0) throw new Error(`packRollout: response ${i} is empty`);
    tokens.push([...p, ...r, ...new Array<number>(T - p.length - r.length).fill(padId)]);
    mask.push(Array.from({ length: T - 1 }, (_, t) => (t >= p.length - 1 && t < p.length + r.length - 1 ? 1 : 0)));
  });
  return { tokens, mask, responseLengths: gen.responses.map((r) => r.length) };
}

/**
 * One forward pass of the policy over rollout rows (no gradient): log-probs of the rows' tokens at the sampling
 * temperature, the value head, and the entropy of the next-token distribution. All [B][T−1].
 */
export function scorePolicy(model: GPT, tokens: number[][], temperature: number): { logprobs: number[][]; values: number[][]; entropy: number[][] } {
  const [lp, v, ent] = tf.tidy(() => {
    const x = tf.tensor2d(tokens, undefined, 'int32');
    const [B, T] = x.shape;
    const h = model.hidden(x.slice([0, 0], [B, T - 1])); // (B, T−1, d)
    const logits = tf.div(model.logits(h), temperature) as tf.Tensor3D;
    return [logprobsOf(logits, x.slice([0, 1], [B, T - 1])), model.head('value', h), tokenEntropy(logits)];
  });
  const out = { logprobs: lp.arraySync() as number[][], values: v.arraySync() as number[][], entropy: ent.arraySync() as number[][] };
  tf.dispose([lp, v, ent]);
  return out;
}

/** Tensors of one minibatch of a scored rollout (all [b, T−1] except tokens [b, T]). */
export interface PpoMinibatch {
  tokens: tf.Tensor2D;
  mask: tf.Tensor2D;
  oldLogprobs: tf.Tensor2D;
  oldValues: tf.Tensor2D;
  advantages: tf.Tensor2D;
  returns: tf.Tensor2D;
}

/**
 * The PPO objective on a minibatch: clipped surrogate + valueCoef · clipped value loss, from one forward pass of
 * the shared trunk. Returns the scalar to minimise and its two parts (for logging).
 * The pass runs with dropout off, like the rollout's scoring (scorePolicy): the ratio π_θ/π_old then compares the
 * same network before and after the updates, so it is exactly 1 on the first minibatch and the clipping measures
 * how far the policy has moved, not dropout noise (the usual practice of RLHF, whose models train with dropout 0).
 * At the workbook's default dropout 0 the two settings compute the same numbers.
 */
export function ppoLoss(model: GPT, mb: PpoMinibatch, cfg: Pick<PpoConfig, 'clipRange' | 'valueClipRange' | 'valueCoef' | 'temperature'>): { loss: tf.Scalar; policyLoss: tf.Scalar; valueLoss: tf.Scalar; logprobs: tf.Tensor2D } {
  return tf.tidy(() => {
    const [B, T] = mb.tokens.shape;
    const h = model.hidden(mb.tokens.slice([0, 0], [B, T - 1])); // dropout off, as in scorePolicy
    const logprobs = logprobsOf(model.logits(h), mb.tokens.slice([0, 1], [B, T - 1]), cfg.temperature);
    const values = model.head('value', h);
    const policyLoss = ppoClipLoss(logprobs, mb.oldLogprobs, mb.advantages, mb.mask, cfg.clipRange);
    const valueLoss = clippedValueLoss(values, mb.oldValues, mb.returns, mb.mask, cfg.valueClipRange);
    const loss = tf.add(policyLoss, tf.mul(valueLoss, cfg.valueCoef)) as tf.Scalar;
    return { loss, policyLoss, valueLoss, logprobs };
  });
}

/** The policy's trainable weights in two groups: the value head's, and everything else (for their own learning rates). */
export function splitValueHead(policy: GPT, head = 'value'): { policy: tf.Variable[]; value: tf.Variable[] } {
  if (!policy.headNames().includes(head)) throw new Error(`splitValueHead: the policy has no head named "${head}"`);
  const params = [...policy.params()].filter(([, v]) => v.trainable);
  const isHead = (name: string) => name.startsWith(`heads.${head}.`);
  return { policy: params.filter(([n]) => !isHead(n)).map(([, v]) => v), value: params.filter(([n]) => isHead(n)).map(([, v]) => v) };
}

/** Sum over each row's masked positions: x [B][T], mask [B][T] → [B] (e.g. KL per response). */
export function rowSums(x: number[][], mask: number[][]): number[] {
  return x.map((row, i) => row.reduce((s, v, t) => s + (mask[i][t] ? v : 0), 0));
}

/** Log-probs of the rows' own tokens at a temperature (no gradient): tokens [B][T] → [B][T−1]. */
export function rowLogprobs(model: GPT, tokens: number[][], temperature: number): number[][] {
  const lp = tf.tidy(() => model.tokenLogprobs(tf.tensor2d(tokens, undefined, 'int32'), { temperature }));
  const out = lp.arraySync() as number[][];
  lp.dispose();
  return out;
}

/**
 * KL of a policy to a reference on the policy's own replies, in nats per response: Σ over response tokens of
 * log π(y_t) − log π_ref(y_t) (the k1 estimator, unbiased for KL(π‖π_ref) when the replies are sampled from π
 * at this temperature). Batched by `batchSize` → [N].
 */
export function responseKl(policy: GPT, ref: GPT, prompts: number[][], responses: number[][], temperature: number, padId: number, batchSize = 64): number[] {
  const out: number[] = [];
  for (let i = 0; i < prompts.length; i += batchSize) {
    const rows = packRollout({ prompts: prompts.slice(i, i + batchSize), responses: responses.slice(i, i + batchSize), logprobs: [], finished: [] }, padId);
    const lp = rowLogprobs(policy, rows.tokens, temperature);
    const lpRef = rowLogprobs(ref, rows.tokens, temperature);
    out.push(...rowSums(lp.map((r, b) => r.map((v, t) => v - lpRef[b][t])), rows.mask));
  }
  return out;
}
