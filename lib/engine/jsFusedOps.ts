import * as tf from '@tensorflow/tfjs';
import { FastPaths, fastPaths, GELU_C, GELU_CUBIC } from './fusedOpRegistry';

/**
 * Fast paths for the engines without native kernels (wasm with plain-matmul tricks): the same forward
 * computation as the reference ops of lib/model/ops.ts, but with closed-form gradients through tf.customGrad.
 * tfjs's own gradients are the slow part there: logSumExp's max gradient builds a full-size Equal mask
 * (hundreds of ms per step on wasm) and pow's gradient adds logs and selects.
 *   softmaxCrossEntropy   d/dlogits = (softmax − onehot)·dloss
 *   logSoftmax            dx = dy − softmax·Σdy
 *   gelu                  d/dx of 0.5·x·(1 + tanh(c·(x + 0.044715·x³)))
 */

const paths: FastPaths = {
  softmaxCrossEntropy(logits, targets) {
    if (logits.dtype !== 'float32' || logits.rank !== 2) return null;
    const V = logits.shape[1];
    if (V < 2) return null; // the reference's tf.oneHot refuses a depth below 2
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const x = args[0] as tf.Tensor2D;
      const save = args[1] as tf.GradSaveFunc;
      const oneHot = tf.oneHot(tf.cast(targets, 'int32'), V);
      const lse = tf.logSumExp(x, -1); // (N)
      const value = tf.sub(lse, tf.sum(tf.mul(x, oneHot), -1));
      save([x, lse, oneHot]); // kept for the backward pass (targets itself may be gone by then)
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, l, oh] = saved;
        const p = tf.exp(tf.sub(xs, tf.reshape(l, [-1, 1])));
        return tf.mul(tf.sub(p, oh), tf.reshape(dy, [-1, 1]));
      };
      return { value, gradFunc };
    });
    return f(logits) as tf.Tensor1D;
  },
  logSoftmax(x) {
    if (x.dtype !== 'float32' || x.rank < 1) return null;
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const xs = args[0] as tf.Tensor;
      const save = args[1] as tf.GradSaveFunc;
      const value = tf.sub(xs, tf.logSumExp(xs, -1, true));
      save([value]);
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.sub(dy, tf.mul(tf.exp(saved[0]), tf.sum(dy, -1, true)));
      return { value, gradFunc };
    });
    return f(x);
  },
  gelu(x) {
    if (x.dtype !== 'float32') return null;
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const xs = args[0] as tf.Tensor;
      const save = args[1] as tf.GradSaveFunc;
      const t = tf.tanh(tf.mul(tf.add(xs, tf.mul(tf.pow(xs, 3), GELU_CUBIC)), GELU_C));
      const value = tf.mul(tf.mul(xs, 0.5), tf.add(t, 1));
      save([xs, t]);
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xv, tv] = saved;
        const x2 = tf.square(xv);
        const dinner = tf.mul(tf.add(tf.mul(x2, 3 * GELU_CUBIC), 1), GELU_C);
        const dt = tf.mul(tf.mul(tf.mul(xv, 0.5), tf.sub(1, tf.square(tv))), dinner);
        return tf.mul(dy, tf.add(tf.mul(tf.add(tv, 1), 0.5), dt));
      };
      return { value, gradFunc };
    });
    return f(x);
  },
};

/** Enables these fast paths (the engine calls this for the wasm engine without native kernels). */
export function installJsFastPaths(): void {
  Object.assign(fastPaths, paths);
}

/** Disables them. */
export function uninstallJsFastPaths(): void {
  for (const k of Object.keys(paths) as Array<keyof FastPaths>) delete fastPaths[k];
}
