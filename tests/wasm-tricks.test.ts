import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmTricks, uninstallWasmTricks } from '../lib/engine/jsKernels';
import { Rng } from '../lib/core/rng';

// The fallback engine's BatchMatMul (lib/engine/jsKernels.ts: explicit transposes, tall 2-D products, batches entry
// by entry) and copy-free Identity against tfjs's 'cpu' backend. No native addon needed.

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  installWasmTricks();
});

after(() => uninstallWasmTricks());

const randn = (n: number, seed: number) => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
};

test('BatchMatMul with plain 2-D products equals the cpu backend (transposes, batches, shared operands)', async (t) => {
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[3, 5], [5, 4], false, false], [[5, 3], [4, 5], true, true], [[2, 3, 5], [5, 4], false, false], [[2, 5, 3], [2, 4, 5], true, true],
    [[2, 3, 5], [2, 5, 4], false, false], [[2, 3, 5], [2, 4, 5], false, true], [[2, 5, 3], [2, 5, 4], true, false], [[4, 3, 5], [1, 5, 4], false, false],
    [[1, 3, 5], [4, 5, 4], false, false], [[2, 2, 1, 4], [2, 2, 5, 4], false, true], [[2, 2, 5, 4], [2, 2, 4, 3], false, false], [[1, 5], [3, 5, 4], false, false],
    [[16, 4, 9, 8], [16, 4, 9, 8], false, true],
  ];
  let worst = 0;
  for (const [i, [sa, sb, ta, tb]] of cases.entries()) {
    const a = randn(sa.reduce((p, q) => p * q, 1), 10 + i);
    const b = randn(sb.reduce((p, q) => p * q, 1), 20 + i);
    const y = tf.tidy(() => tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), ta, tb));
    const got = { shape: y.shape, values: y.dataSync().slice() };
    y.dispose();
    await tf.setBackend('cpu');
    const r = tf.tidy(() => tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), ta, tb));
    const ref = { shape: r.shape, values: r.dataSync().slice() };
    r.dispose();
    await tf.setBackend('wasm');
    assert.deepEqual(got.shape, ref.shape, `case ${i}`);
    ref.values.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - got.values[j]))));
  }
  assert.ok(worst < 1e-4, `max abs error ${worst}`);
  t.diagnostic(`${cases.length} products; max |tricks − cpu| = ${worst.toExponential(2)}`);
});

test('Identity and same-dtype Cast share data: a clone outlives its original and carries gradients', () => {
  const a = tf.tensor1d([1, 2, 3]);
  const b = tf.clone(a);
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.clone(x), 3)))(tf.tensor1d([1, 1]));
  assert.deepEqual(Array.from(g.dataSync()), [3, 3]);
  // Cast to the same dtype shares too; a real conversion still converts.
  const i = tf.tensor1d([1, 2], 'int32');
  const j = tf.cast(i, 'int32');
  const f = tf.cast(i, 'float32');
  i.dispose();
  assert.deepEqual([Array.from(j.dataSync()), j.dtype, Array.from(f.dataSync()), f.dtype], [[1, 2], 'int32', [1, 2], 'float32']);
  tf.dispose([b, g, j, f]);
});

test('training steps of the fallback engine (tricks + closed-form gradients) match the stock wasm backend', async () => {
  const { GPT } = await import('../lib/model/gpt');
  const { Adam } = await import('../lib/model/adam');
  const { lmLoss } = await import('../lib/model/lm');
  const { installJsFastPaths, uninstallJsFastPaths } = await import('../lib/engine/jsFusedOps');
  const config = { vocabSize: 61, contextLength: 12, dModel: 16, nLayers: 2, nHeads: 2, dropout: 0 };
  const train = () => {
    const model = new GPT(config, { seed: 2 });
    const opt = new Adam(model.params().values(), { learningRate: 3e-3 });
    const rng = new Rng(9);
    const tokens = tf.tensor2d(Array.from({ length: 4 }, () => Array.from({ length: 13 }, () => rng.int(61))), undefined, 'int32');
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const { value, grads } = tf.variableGrads(() => lmLoss(model, tokens));
      opt.step(grads);
      losses.push(value.dataSync()[0]);
      tf.dispose([value, grads]);
    }
    tf.dispose([tokens]);
    opt.dispose();
    model.dispose();
    return losses;
  };
  installJsFastPaths();
  const fast = train();
  uninstallJsFastPaths();
  uninstallWasmTricks();
  const stock = train();
  installWasmTricks();
  fast.forEach((l, i) => assert.ok(Math.abs(l - stock[i]) / stock[i] <= 1e-5, `step ${i}: ${l} vs ${stock[i]}`));
});
