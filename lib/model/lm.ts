import * as tf from '@tensorflow/tfjs';
import { GPT } from './gpt';
import { softmaxCrossEntropy } from './ops';

/**
 * The language-modelling objective: predict every next token. Pre-training counts every position; supervised
 * fine-tuning counts only the response (see completionLossMask).
 */

/**
 * Mean next-token cross-entropy. tokens [B, T+1] int32 (inputs are tokens[:, :T], targets tokens[:, 1:]);
 * lossMask [B, T] (1 = this target counts) or undefined for all positions → scalar.
 */
export function lmLoss(model: GPT, tokens: tf.Tensor2D, lossMask?: tf.Tensor2D, opts: { training?: boolean } = {}): tf.Scalar {
  return tf.tidy(() => {
    const [B, T1] = tokens.shape;
    const T = T1 - 1;
    const inputs = tokens.slice([0, 0], [B, T]);
    const targets = tokens.slice([0, 1], [B, T]).reshape([B * T]) as tf.Tensor1D;
    const logits = model.logits(model.hidden(inputs, { training: opts.training })).reshape([B * T, model.config.vocabSize]) as tf.Tensor2D;
    const nll = softmaxCrossEntropy(logits, targets); // (B·T)
    if (!lossMask) return tf.mean(nll) as tf.Scalar;
    const m = tf.cast(lossMask, 'float32').reshape([B * T]);
    return tf.div(tf.sum(tf.mul(nll, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  });
}

/**
 * Which next-token targets count when fine-tuning on a reply. A row is [prompt (P tokens), reply (R tokens,
 * ending with EOS), padding]; input position t predicts token t+1, so the targets that count are the reply
 * tokens: t = P−1 … P+R−2. Returns a 0/1 array of length `length − 1` (the row has `length` tokens).
 *
 *   tokens:  U  s  e  r  ␣  A  :  L  i  m  a  EOS PAD PAD
 *   mask:    0  0  0  0  0  0  1  1  1  1  1  0   0        (P = 7, R = 5)
 */
export function completionLossMask(promptLength: number, replyLength: number, length: number): number[] {
  if (promptLength < 1) throw new Error(`completionLossMask: the prompt must have at least one token, got ${promptLength}`);
  if (replyLength < 1) throw new Error(`completionLossMask: the reply must have at least one token (EOS), got ${replyLength}`);
  if (promptLength + replyLength > length) {
    throw new Error(`completionLossMask: prompt (${promptLength}) + reply (${replyLength}) tokens exceed the row length ${length}`);
  }
  const mask = new Array<number>(length - 1).fill(0);
  for (let t = promptLength - 1; t < promptLength + replyLength - 1; t++) mask[t] = 1;
  return mask;
}

/**
 * Right-padded rows for prompt + reply pairs with their loss masks. Each reply gets EOS appended (the model
 * learns to stop). tokens [n][length], lossMask [n][length − 1]. Pairs longer than `length` are refused.
 */
export function packReplies(
  pairs: { prompt: number[]; reply: number[] }[],
  eosId: number,
  padId: number,
  length: number,
): { tokens: number[][]; lossMask: number[][] } {
  const tokens: number[][] = [];
  const lossMask: number[][] = [];
  pairs.forEach(({ prompt, reply }, i) => {
    const row = [...prompt, ...reply, eosId];
    if (row.length > length) throw new Error(`packReplies: example ${i} has ${row.length} tokens (with EOS), more than ${length}`);
    lossMask.push(completionLossMask(prompt.length, reply.length + 1, length));
    tokens.push(row.concat(new Array<number>(length - row.length).fill(padId)));
  });
  return { tokens, lossMask };
}

/**
 * Mean next-token loss over many rows (no gradient), in batches: rows [n][T+1], masks [n][T] or undefined.
 * Each batch's mean is weighted by its number of counted targets, so the result is the mean per target.
 */
export function meanLoss(model: GPT, rows: number[][], masks?: number[][], batchSize = 32): number {
  let total = 0;
  let count = 0;
  for (let i = 0; i < rows.length; i += batchSize) {
    const r = rows.slice(i, i + batchSize);
    const m = masks?.slice(i, i + batchSize);
    const n = m ? m.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0) : r.length * (r[0].length - 1);
    if (n === 0) continue;
    const loss = tf.tidy(() => lmLoss(model, tf.tensor2d(r, undefined, 'int32'), m ? tf.tensor2d(m) : undefined));
    total += loss.dataSync()[0] * n;
    count += n;
    loss.dispose();
  }
  if (count === 0) throw new Error('meanLoss: no targets to score');
  return total / count;
}
