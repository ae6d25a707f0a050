import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installJsFastPaths, uninstallJsFastPaths } from '../lib/engine/jsFusedOps';
import { gelu, logSoftmax, softmaxCrossEntropy } from '../lib/model/ops';
import { Rng } from '../lib/core/rng';

// The closed-form gradients of the fallback engine (lib/engine/jsFusedOps.ts) against tfjs's own gradients of the
// reference ops: same values, same gradients. Runs on the stock wasm backend (no native addon needed).

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

after(() => uninstallJsFastPaths());

function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal() * scale), shape);
}

/** Max |fast − reference| over the value and the gradient of Σ f(x)·r, relative to the reference's scale. */
function compare(f: (x: tf.Tensor) => tf.Tensor, shape: number[], seed: number, scale = 1): number {
  const run = () =>
    tf.tidy(() => {
      const x = randn(shape, seed, scale);
      const y = f(x);
      const r = randn(y.shape, seed + 1);
      const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f(z), r)))(x);
      return [y.dataSync().slice(), g.dataSync().slice()] as Float32Array[];
    });
  installJsFastPaths();
  const fast = run();
  uninstallJsFastPaths();
  const ref = run();
  let worst = 0;
  fast.forEach((a, i) => {
    let s = 0;
    ref[i].forEach((v) => (s = Math.max(s, Math.abs(v))));
    a.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - ref[i][j]) / Math.max(s, 1e-6))));
  });
  return worst;
}

test('closed-form gradients equal the reference ops: softmaxCrossEntropy, logSoftmax, gelu', (t) => {
  const targets = (n: number, V: number) => tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 5 + 1) % V), 'int32');
  const errs: Record<string, number> = {
    softmaxCrossEntropy: Math.max(
      compare((x) => softmaxCrossEntropy(x as tf.Tensor2D, targets((x.shape as number[])[0], (x.shape as number[])[1])), [9, 50], 1, 3),
      compare((x) => softmaxCrossEntropy(x as tf.Tensor2D, targets((x.shape as number[])[0], (x.shape as number[])[1])), [4, 2], 2),
    ),
    logSoftmax: Math.max(compare((x) => logSoftmax(x), [3, 4, 30], 3, 3), compare((x) => logSoftmax(x), [7], 4)),
    gelu: Math.max(compare((x) => gelu(x), [5, 40], 5, 3), compare((x) => gelu(x), [1], 6)),
  };
  for (const [name, e] of Object.entries(errs)) assert.ok(e < 1e-5, `${name}: ${e}`);
  t.diagnostic(Object.entries(errs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', '));
});
