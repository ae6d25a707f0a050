import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../lib/model/adam';
import { attention, cachedAttention, causalBias, gelu, layerNorm, linear, logSoftmax, multiHeadAttention, softmaxCrossEntropy, tokenLogprobs } from '../lib/model/ops';
import { maxAbsErr, nativeTestOptions, randn, startNativeEngine, values, withoutNative } from './native-helpers';

// The fused native ops (lib/engine/nativeFusedOps.ts) against the reference implementations of lib/model/ops.ts and
// lib/model/adam.ts on the stock wasm backend: forward values and gradients of every input, edge shapes included.

before(async () => {
  if (!nativeTestOptions.skip) await startNativeEngine();
});

/**
 * Value and gradients of Σ f(inputs)·r (r a fixed random cotangent) with and without native kernels;
 * returns the largest absolute differences, normalised by the reference's largest magnitude.
 */
function compare(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Array<{ data: Float32Array; shape: number[]; dtype?: 'float32' | 'int32' }>, gradOf: number[]) {
  const run = () =>
    tf.tidy(() => {
      const xs = inputs.map((i) => tf.tensor(i.data, i.shape, i.dtype ?? 'float32'));
      const y = f(...xs);
      const r = tf.tensor(randn(y.size, 999), y.shape);
      const loss = (...g: tf.Tensor[]) => {
        const all = xs.slice();
        gradOf.forEach((idx, j) => (all[idx] = g[j]));
        return tf.sum(tf.mul(f(...all), r));
      };
      const grads = gradOf.length > 0 ? tf.grads(loss)(gradOf.map((i) => xs[i])) : [];
      return [values(y), ...grads.map(values)];
    });
  const fast = run();
  const ref = withoutNative(run);
  return fast.map((a, i) => {
    let scale = 0;
    for (const v of ref[i]) scale = Math.max(scale, Math.abs(v));
    return maxAbsErr(a, ref[i]) / Math.max(scale, 1e-6);
  });
}

function report(t: { diagnostic(s: string): void }, name: string, errs: number[][], tol: number) {
  const worst = errs.reduce((m, e) => Math.max(m, ...e), 0);
  t.diagnostic(`${name}: max normalised |native − reference| over ${errs.length} cases = ${worst.toExponential(2)}`);
  errs.forEach((e, i) => e.forEach((v, j) => assert.ok(v <= tol, `${name} case ${i} output ${j}: error ${v} > ${tol}`)));
}

const sized = (shape: number[], seed: number, scale = 1, offset = 0) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: randn(n, seed, scale).map((v) => v + offset), shape };
};

test('linear (GEMM + bias epilogue) and its gradients', nativeTestOptions, (t) => {
  const errs = [[1, 1, 1], [1, 5, 3], [37, 19, 45], [256, 64, 192]].map(([N, K, M], i) =>
    compare((x, w, b) => linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), [sized([N, K], i), sized([K, M], i + 10), sized([M], i + 20)], [0, 1, 2]),
  );
  report(t, 'linear', errs, 2e-6);
  // No inputs (in = 0): every row is the bias. (The stock wasm matmul fails on an empty inner size.)
  const y = tf.tidy(() => values(linear(tf.zeros([3, 0]) as tf.Tensor2D, tf.zeros([0, 2]) as tf.Tensor2D, tf.tensor1d([1.5, -2]))));
  assert.deepEqual(Array.from(y), [1.5, -2, 1.5, -2, 1.5, -2]);
});

test('layerNorm over the last axis, ranks 2 and 3, and its gradients', nativeTestOptions, (t) => {
  const cases: number[][] = [[1, 1], [3, 7], [64, 64], [5, 257], [2, 9, 32]];
  const errs = cases.map((shape, i) => {
    const d = shape[shape.length - 1];
    return compare((x, g, b) => layerNorm(x, g as tf.Tensor1D, b as tf.Tensor1D), [sized(shape, i, 4, 3), sized([d], i + 1, 0.5, 1), sized([d], i + 2)], [0, 1, 2]);
  });
  report(t, 'layerNorm', errs, 2e-5);
});

test('gelu (tanh form) and its gradient, large and small values', nativeTestOptions, (t) => {
  const errs = [[0], [1], [17], [1000], [3, 33]].map((shape, i) => compare((x) => gelu(x), [sized(shape, i, 4)], shape[0] > 0 ? [0] : []));
  const edge = { data: Float32Array.from([-20, -8, -3, -1, -1e-3, 0, 1e-3, 0.4, 1, 3, 8, 20]), shape: [12] };
  errs.push(compare((x) => gelu(x), [edge], [0]));
  report(t, 'gelu', errs, 2e-6);
});

test('attention on [B, H, T, hd]: no bias, causal, key padding, left padding, one query over a cache', nativeTestOptions, (t) => {
  const [B, H, T, hd] = [2, 3, 5, 4];
  const pad = { data: Float32Array.from({ length: B * T }, (_, i) => (i === 0 || i === 1 ? -1e9 : 0)), shape: [B, 1, 1, T] };
  const causal = { data: causalBias(T).dataSync() as Float32Array, shape: [T, T] };
  const left = { data: Float32Array.from({ length: B * T * T }, (_, i) => ((i % T) > Math.floor(i / T) % T || (i < T * T && i % T === 0) ? -1e9 : 0)), shape: [B, 1, T, T] };
  const qkv = (seed: number, Tq = T, Tk = T) => [sized([B, H, Tq, hd], seed), sized([B, H, Tk, hd], seed + 1), sized([B, H, Tk, hd], seed + 2)];
  const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias?: tf.Tensor) => attention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, bias ?? null);
  const errs = [
    compare(f, qkv(1), [0, 1, 2]),
    compare(f, [...qkv(2), causal], [0, 1, 2]),
    compare(f, [...qkv(3), pad], [0, 1, 2]),
    compare(f, [...qkv(4), left], [0, 1, 2]),
    compare(f, [...qkv(5, 1, 7), { data: new Float32Array(B * 7).fill(0).map((_, i) => (i % 7 === 2 ? -1e9 : 0)), shape: [B, 1, 1, 7] }], [0, 1, 2]),
    compare(f, [...qkv(6), causal], [3]), // the bias gradient (reference ops inside the native path)
  ];
  report(t, 'attention', errs, 2e-5);
});

test('multiHeadAttention on the fused projection: built-in causal mask and an explicit bias', nativeTestOptions, (t) => {
  const [B, T, H, d] = [3, 6, 2, 8];
  const causal = { data: causalBias(T).dataSync() as Float32Array, shape: [T, T] };
  const left = { data: Float32Array.from({ length: B * T * T }, (_, i) => ((i % T) > Math.floor(i / T) % T || (i < T * T && i % T < 2) ? -1e9 : 0)), shape: [B, 1, T, T] };
  const errs = [
    compare((x, b) => multiHeadAttention(x as tf.Tensor2D, B, T, H, b, true), [sized([B * T, 3 * d], 1), causal], [0]),
    compare((x, b) => multiHeadAttention(x as tf.Tensor2D, B, T, H, b, false), [sized([B * T, 3 * d], 2), left], [0]),
    compare((x) => multiHeadAttention(x as tf.Tensor2D, 1, 1, 1, null, false), [sized([1, 3], 3)], [0]),
    // Longer than one block of 32 query rows, not a multiple of it: the causal block skipping.
    compare((x, b) => multiHeadAttention(x as tf.Tensor2D, 2, 70, 2, b, true), [sized([2 * 70, 3 * 16], 4), { data: causalBias(70).dataSync() as Float32Array, shape: [70, 70] }], [0]),
  ];
  report(t, 'multiHeadAttention', errs, 2e-5);
});

test('cachedAttention (decoding with a KV cache): output and extended cache, prompt block and later steps', nativeTestOptions, (t) => {
  const [B, H, d] = [2, 2, 8];
  const hd = d / H;
  const cases: Array<{ T: number; Tp: number; bias: { data: Float32Array; shape: number[] } | null }> = [
    { T: 5, Tp: 0, bias: { data: Float32Array.from({ length: B * 25 }, (_, i) => ((i % 5) > Math.floor(i / 5) % 5 || (i < 25 && i % 5 === 0) ? -1e9 : 0)), shape: [B, 1, 5, 5] } },
    { T: 1, Tp: 5, bias: { data: Float32Array.from({ length: B * 6 }, (_, i) => (i === 0 ? -1e9 : 0)), shape: [B, 1, 1, 6] } },
    { T: 2, Tp: 5, bias: { data: Float32Array.from({ length: B * 14 }, (_, i) => ((i % 7) > 5 + (Math.floor(i / 7) % 2) ? -1e9 : 0)), shape: [B, 1, 2, 7] } },
    { T: 1, Tp: 3, bias: null },
  ];
  let worst = 0;
  for (const [i, c] of cases.entries()) {
    const qkv = randn(B * c.T * 3 * d, 40 + i);
    const pk = randn(B * H * c.Tp * hd, 50 + i);
    const pv = randn(B * H * c.Tp * hd, 60 + i);
    const run = () =>
      tf.tidy(() => {
        const past = c.Tp > 0;
        const r = cachedAttention(tf.tensor2d(qkv, [B * c.T, 3 * d]), B, c.T, H, past ? tf.tensor4d(pk, [B, H, c.Tp, hd]) : null,
          past ? tf.tensor4d(pv, [B, H, c.Tp, hd]) : null, c.bias ? tf.tensor(c.bias.data, c.bias.shape) : null);
        return [values(r.y), values(r.k), values(r.v), r.k.shape];
      });
    const fast = run();
    const ref = withoutNative(run);
    assert.deepEqual(fast[3], ref[3], `case ${i}: cache shape`);
    for (let j = 0; j < 3; j++) {
      const err = maxAbsErr(fast[j] as Float32Array, ref[j] as Float32Array);
      assert.ok(err <= 1e-5, `case ${i} output ${j}: ${err}`);
      worst = Math.max(worst, err);
    }
  }
  // Under a gradient tape the differentiable reference path runs (the fused kernel has no gradient).
  const g = tf.tidy(() => values(tf.grad((x: tf.Tensor) => tf.sum(cachedAttention(x as tf.Tensor2D, 1, 2, 1, null, null, null).y))(tf.tensor2d(randn(6, 7), [2, 3]))));
  assert.equal(g.length, 6);
  t.diagnostic(`cachedAttention: max |native − reference| = ${worst.toExponential(2)}`);
});

test('softmaxCrossEntropy: loss and logits gradient, wide and narrow vocabularies, large logits', nativeTestOptions, (t) => {
  // (V = 1 is left out: the reference's tf.oneHot refuses a depth below 2.)
  const errs = [[1, 2], [4, 7], [33, 100], [16, 1000], [2, 5000]].map(([N, V], i) => {
    const targets = { data: Float32Array.from({ length: N }, (_, r) => (r * 7 + 3) % V), shape: [N], dtype: 'int32' as const };
    return compare((l, tg) => softmaxCrossEntropy(l as tf.Tensor2D, tg as tf.Tensor1D), [sized([N, V], i, i === 3 ? 30 : 2), targets], [0]);
  });
  // A target outside [0, V) (e.g. −1): the reference's one-hot row is all zeros, so the loss is the logsumexp.
  const bad = { data: Float32Array.from([-1, 2]), shape: [2], dtype: 'int32' as const };
  errs.push(compare((l, tg) => softmaxCrossEntropy(l as tf.Tensor2D, tg as tf.Tensor1D), [sized([2, 5], 9), bad], [0]));
  report(t, 'softmaxCrossEntropy', errs, 1e-5);
});

test('logSoftmax over the last axis and its gradient (ranks 1–3, wide rows, large logits)', nativeTestOptions, (t) => {
  const errs = [[1], [7], [3, 5], [33, 100], [2, 3, 1000], [4, 4096]].map((shape, i) => compare((x) => logSoftmax(x), [sized(shape, i, i === 4 ? 30 : 3)], [0]));
  report(t, 'logSoftmax', errs, 1e-5);
});

test('tokenLogprobs at temperatures 1 and 0.7: values and logits gradient; an out-of-range target scores 0', nativeTestOptions, (t) => {
  const errs: number[][] = [];
  for (const temperature of [1, 0.7]) {
    for (const [i, [N, V]] of [[1, 2], [5, 9], [40, 700], [8, 4096]].entries()) {
      const targets = { data: Float32Array.from({ length: N }, (_, r) => (r === 1 ? -1 : (r * 13 + 2) % V)), shape: [N], dtype: 'int32' as const };
      errs.push(compare((l, tg) => tokenLogprobs(l as tf.Tensor2D, tg as tf.Tensor1D, temperature), [sized([N, V], 30 + i, 3), targets], [0]));
    }
  }
  report(t, 'tokenLogprobs', errs, 1e-5);
});

test('Adam: three steps of the fused update equal lib/model/adam.ts in both forms, with weight decay', nativeTestOptions, (t) => {
  let worst = 0;
  for (const [form, weightDecay] of [['pytorch', 0], ['tf1', 0], ['pytorch', 0.1]] as Array<['pytorch' | 'tf1', number]>) {
    const run = () => {
      const shapes = [[1], [7], [33, 65], [1000]];
      const vars = shapes.map((s, i) => tf.variable(tf.tensor(randn(s.reduce((a, b) => a * b, 1), i), s), true, `adam-test-${form}-${weightDecay}-${i}-${Math.random()}`));
      const opt = new Adam(vars, { learningRate: 0.01, form, weightDecay });
      for (let step = 0; step < 3; step++) {
        const grads: tf.NamedTensorMap = {};
        vars.forEach((v, i) => (grads[v.name] = tf.tensor(randn(v.size, 100 * step + i), v.shape)));
        opt.step(grads);
        tf.dispose(Object.values(grads));
      }
      const out = vars.map(values);
      opt.dispose();
      tf.dispose(vars);
      return out;
    };
    const fast = run();
    const ref = withoutNative(run);
    fast.forEach((a, i) => {
      const err = maxAbsErr(a, ref[i]);
      assert.ok(err <= 1e-6, `Adam ${form} wd=${weightDecay} var ${i}: ${err}`);
      worst = Math.max(worst, err);
    });
  }
  t.diagnostic(`Adam: max |native − reference| after 3 steps = ${worst.toExponential(2)}`);
});
