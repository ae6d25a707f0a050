import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon } from '../lib/engine/nativeAddon';
import { maxAbsErr, maxRelErr, nativeTestOptions, onCpu, randn, startNativeEngine, values, withoutNative } from './native-helpers';

// The native kernels that replace tfjs wasm kernels (BatchMatMul, Exp, Tanh, Sum), each against a reference:
// tfjs's 'cpu' backend for matmul (the stock wasm kernel gets general batch broadcasts wrong and fails on empty
// inner dimensions), Math.exp / Math.tanh in float64 and the stock wasm kernels for the rest.

before(async () => {
  if (!nativeTestOptions.skip) await startNativeEngine();
});

interface MatMulCase { batchA: number[]; batchB: number[]; m: number; k: number; n: number; ta: boolean; tb: boolean }

function matMulShapes(c: MatMulCase): [number[], number[]] {
  return [
    [...c.batchA, ...(c.ta ? [c.k, c.m] : [c.m, c.k])],
    [...c.batchB, ...(c.tb ? [c.n, c.k] : [c.k, c.n])],
  ];
}

const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

test('BatchMatMul: native equals the cpu backend on edge shapes, every transpose and batch broadcasts', nativeTestOptions, async (t) => {
  const cases: MatMulCase[] = [];
  const dims = [[1, 1, 1], [1, 7, 1], [7, 13, 5], [37, 70, 300], [64, 16, 64], [100, 257, 33], [9, 1, 11], [5, 300, 70], [16, 64, 100], [17, 40, 33]];
  const batches: Array<[number[], number[]]> = [[[], []], [[3], [3]], [[3], []], [[], [3]], [[2, 1], [1, 3]], [[1, 3], [2, 1]], [[2, 3], [1]]];
  for (const [m, k, n] of dims) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        for (const [batchA, batchB] of batches) {
          if (m * k * n > 5000 && batchA.length + batchB.length > 0 && !(ta || tb)) continue; // keep the cpu reference quick
          cases.push({ batchA, batchB, m, k, n, ta, tb });
        }
      }
    }
  }
  // Empty operands: zero rows, zero inner size (the product is all zeros), zero batch.
  cases.push({ batchA: [], batchB: [], m: 0, k: 5, n: 3, ta: false, tb: false });
  cases.push({ batchA: [], batchB: [], m: 3, k: 0, n: 4, ta: false, tb: false });
  cases.push({ batchA: [], batchB: [], m: 3, k: 0, n: 4, ta: true, tb: true });
  cases.push({ batchA: [0], batchB: [0], m: 2, k: 3, n: 4, ta: false, tb: false });
  let worst = 0;
  for (const [i, c] of cases.entries()) {
    const [sa, sb] = matMulShapes(c);
    const a = randn(sizeOf(sa), 100 + i);
    const b = randn(sizeOf(sb), 200 + i);
    const [native, nativeShape] = tf.tidy(() => {
      const y = tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), c.ta, c.tb);
      return [values(y), y.shape];
    });
    // tfjs's own kernels (cpu and wasm) size the batch as max(batchA, batchB), wrong for [2, 1] with [1, 3]:
    // the reference gets operands broadcast to the full batch shape first.
    const batch = tf.broadcast_util.assertAndGetBroadcastShape(c.batchA, c.batchB);
    const [ref, refShape] = await onCpu(() =>
      tf.tidy(() => {
        const full = (x: Float32Array, s: number[]) => tf.broadcastTo(tf.tensor(x, s), [...batch, ...s.slice(-2)]);
        const y = tf.matMul(full(a, sa), full(b, sb), c.ta, c.tb);
        return [values(y), y.shape];
      }),
    );
    const label = `${JSON.stringify(sa)}${c.ta ? 'ᵀ' : ''} · ${JSON.stringify(sb)}${c.tb ? 'ᵀ' : ''}`;
    assert.deepEqual(nativeShape, refShape, label);
    const err = maxAbsErr(native, ref);
    const tol = 2e-6 * Math.sqrt(Math.max(c.k, 1)) * 4;
    assert.ok(err <= tol, `${label}: max abs error ${err} > ${tol}`);
    worst = Math.max(worst, err / Math.sqrt(Math.max(c.k, 1)));
  }
  t.diagnostic(`${cases.length} products; max |native − cpu| / √k = ${worst.toExponential(2)}`);
});

test('BatchMatMul: a large product, threaded, and int32 operands still go to the stock kernel', nativeTestOptions, async (t) => {
  const [m, k, n] = [300, 257, 517];
  const a = randn(m * k, 1);
  const b = randn(k * n, 2);
  const native = tf.tidy(() => values(tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n]))));
  const ref = await onCpu(() => tf.tidy(() => values(tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])))));
  const err = maxAbsErr(native, ref);
  t.diagnostic(`[${m}, ${k}] · [${k}, ${n}]: max abs error ${err.toExponential(2)}`);
  assert.ok(err < 1e-4);
  // The stock wasm backend does not support int32 matmul; the native engine must behave the same (not crash).
  const ai = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
  assert.throws(() => tf.matMul(ai, ai), /not yet supported|float32/);
  ai.dispose();
});

/** Values that probe exp/tanh: signs, zero, the polynomial switch of tanh, saturation, overflow, special values. */
const edgeValues = [
  0, -0, 1e-8, -1e-8, 1e-3, 0.2, 0.39999, 0.4, 0.40001, -0.4, 0.5, 1, -1, 2.5, 9, -9, 10, 20, -20, 44, 80, -80, 87, -87, 88.5, 88.72, 88.8, 89, -88.8,
  -100, -103, -104, -110, 1000, -1000, Infinity, -Infinity, NaN, 3.4e38, -3.4e38, 1e-40, -1e-40,
];

/** The float32 result of a float64 function: what a correctly rounded float32 kernel would return. */
function mathRef(f: (x: number) => number, x: Float32Array): Float64Array {
  return Float64Array.from(x, (v) => Math.fround(f(Math.fround(v))));
}

for (const [name, op, ref, relTol] of [
  ['Exp', tf.exp, Math.exp, 4e-7],
  ['Tanh', tf.tanh, Math.tanh, 4e-7],
] as Array<[string, (x: tf.Tensor) => tf.Tensor, (x: number) => number, number]>) {
  test(`${name}: native within a few float32 ulps of float64 Math, on edge values and every size`, nativeTestOptions, (t) => {
    let worst = 0;
    let worstStock = 0;
    for (const n of [0, 1, 7, 15, 16, 17, 33, 1000, 65537, 200003]) {
      const x = n === 1000 ? Float32Array.from({ length: n }, (_, i) => edgeValues[i % edgeValues.length]) : randn(n, n, 6);
      const y = tf.tidy(() => values(op(tf.tensor1d(x))));
      const stock = withoutNative(() => tf.tidy(() => values(op(tf.tensor1d(x)))));
      const r = mathRef(ref, x);
      // Relative error against the float64 value, with the smallest normal float as the floor (denormal results).
      const err = maxRelErr(y, r, 1.18e-38);
      assert.ok(err <= relTol, `${name} n=${n}: max relative error ${err} > ${relTol}`);
      worst = Math.max(worst, err);
      worstStock = Math.max(worstStock, maxRelErr(stock, r, 1.18e-38));
    }
    t.diagnostic(`${name}: max rel error native ${worst.toExponential(2)}, stock wasm ${worstStock.toExponential(2)}`);
  });
}

test('Exp and Tanh: exact special values', nativeTestOptions, () => {
  const y = tf.tidy(() => values(tf.exp(tf.tensor1d([0, -Infinity, Infinity, NaN, 89, -200]))));
  assert.deepEqual(Array.from(y), [1, 0, Infinity, NaN, Infinity, 0]);
  const z = tf.tidy(() => values(tf.tanh(tf.tensor1d([0, -0, Infinity, -Infinity, NaN, 30, -30]))));
  assert.deepEqual(Array.from(z), [0, -0, 1, -1, NaN, 1, -1]);
  assert.ok(Object.is(z[1], -0), 'tanh(−0) is −0');
  // int32 input goes to the stock kernel (float32 output).
  const e = tf.tidy(() => tf.exp(tf.tensor1d([0, 1], 'int32')));
  assert.equal(e.dtype, 'float32');
  assert.ok(Math.abs(e.dataSync()[1] - Math.E) < 1e-6);
  e.dispose();
});

test('Sum: native equals the stock kernel over every axis pattern, keepDims, empty and large inputs', nativeTestOptions, (t) => {
  const shapes = [[0], [1], [5], [3, 4], [0, 4], [3, 0], [2, 3, 4], [4, 1, 6], [2, 3, 4, 5], [1024, 96], [64, 1000, 3], [3, 70000]];
  let count = 0;
  let worst = 0;
  for (const [si, shape] of shapes.entries()) {
    const rank = shape.length;
    const axesList: Array<number | number[]> = [[]];
    for (let mask = 1; mask < 1 << rank; mask++) axesList.push([...Array(rank).keys()].filter((i) => mask & (1 << i)));
    axesList.push(-1);
    const x = randn(sizeOf(shape), 50 + si);
    for (const axes of axesList) {
      for (const keepDims of [false, true]) {
        const [y, ys] = tf.tidy(() => {
          const r = tf.sum(tf.tensor(x, shape), axes, keepDims);
          return [values(r), r.shape];
        });
        const [ref, rs] = withoutNative(() =>
          tf.tidy(() => {
            const r = tf.sum(tf.tensor(x, shape), axes, keepDims);
            return [values(r), r.shape];
          }),
        );
        const label = `sum(${JSON.stringify(shape)}, ${JSON.stringify(axes)}, keepDims=${keepDims})`;
        assert.deepEqual(ys, rs, label);
        const err = maxAbsErr(y, ref);
        assert.ok(err <= 1e-5 * Math.sqrt(x.length + 1), `${label}: max abs error ${err}`);
        worst = Math.max(worst, err);
        count++;
      }
    }
  }
  // int32 sums go to the stock kernel.
  const s = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3], 'int32')).dataSync()[0]);
  assert.equal(s, 6);
  t.diagnostic(`${count} reductions; max |native − stock| = ${worst.toExponential(2)}`);
});

test('GatherV2: native equals the cpu backend on every axis, int32 values, empty indices; bad indices throw the stock error', nativeTestOptions, async (t) => {
  const cases: Array<{ shape: number[]; axis: number; idx: number[]; idxShape: number[]; dtype: 'float32' | 'int32' }> = [
    { shape: [50, 16], axis: 0, idx: [3, 0, 49, 3, 7, 7], idxShape: [2, 3], dtype: 'float32' },
    { shape: [4, 5, 6], axis: 1, idx: [4, 0, 2], idxShape: [3], dtype: 'float32' },
    { shape: [4, 5, 6], axis: 2, idx: [5, 5, 1, 0], idxShape: [2, 2], dtype: 'int32' },
    { shape: [7], axis: 0, idx: [6, 0], idxShape: [2], dtype: 'int32' },
    { shape: [10, 3], axis: 0, idx: [], idxShape: [0], dtype: 'float32' },
    { shape: [3, 0], axis: 0, idx: [2, 0], idxShape: [2], dtype: 'float32' },
    { shape: [2048, 64], axis: 0, idx: Array.from({ length: 1024 }, (_, i) => (i * 37) % 2048), idxShape: [16, 64], dtype: 'float32' },
  ];
  for (const [i, c] of cases.entries()) {
    const x = randn(sizeOf(c.shape), 300 + i, 10).map((v) => (c.dtype === 'int32' ? Math.round(v) : v));
    const run = () => {
      const y = tf.tidy(() => tf.gather(tf.tensor(x, c.shape, c.dtype), tf.tensor(c.idx, c.idxShape, 'int32'), c.axis));
      const r = { values: Array.from(y.dataSync()), shape: y.shape, dtype: y.dtype };
      y.dispose();
      return r;
    };
    // The reference is the cpu backend: the stock wasm kernel returns a wrong shape for an empty x.
    assert.deepEqual(run(), await onCpu(run), `gather case ${i}`);
  }
  const before = tf.memory().numTensors;
  for (const bad of [-1, 50]) {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    const go = () => tf.tidy(() => tf.gather(tf.zeros([50, 4]), tf.tensor1d([1, bad, 2], 'int32')));
    const m = err(go);
    assert.equal(m, withoutNative(() => err(go)));
    assert.match(m, /GatherV2: the index value .* is not in \[0, 49\]/);
  }
  assert.equal(tf.memory().numTensors, before, 'a failed gather leaves no tensor behind');
  t.diagnostic(`${cases.length} gathers identical to the cpu backend`);
});

test('every instruction-set copy the CPU supports (generic, AVX2, AVX-512) gives the same products and math', nativeTestOptions, async (t) => {
  const addon = loadNativeAddon().addon!;
  const defaultIsa = addon.info().isa;
  const threads = addon.info().threads;
  const shapes: Array<[number, number, number, boolean, boolean]> = [[1, 5, 3, false, true], [8, 40, 70, false, false], [13, 300, 33, true, true], [100, 257, 65, false, true], [70, 64, 130, true, false]];
  const xs = randn(5000, 77, 6);
  const refs = await Promise.all(shapes.map(async ([m, k, n, ta, tb], i) => {
    const a = randn(m * k, 500 + i);
    const b = randn(k * n, 600 + i);
    const ref = await onCpu(() => tf.tidy(() => values(tf.matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, tb ? [n, k] : [k, n]), ta, tb))));
    return { a, b, ref };
  }));
  const tested: string[] = [];
  try {
    for (const isa of ['generic', 'avx2', 'avx512']) {
      if (!addon.configure(threads, isa, -1)) continue; // not supported by this CPU or build
      tested.push(isa);
      shapes.forEach(([m, k, n, ta, tb], i) => {
        const { a, b, ref } = refs[i];
        const y = tf.tidy(() => values(tf.matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, tb ? [n, k] : [k, n]), ta, tb)));
        const err = maxAbsErr(y, ref);
        assert.ok(err < 1e-4, `${isa}: [${m}, ${k}]·[${k}, ${n}] ta=${ta} tb=${tb}: max abs error ${err}`);
      });
      const e = tf.tidy(() => values(tf.exp(tf.tensor1d(xs))));
      const th = tf.tidy(() => values(tf.tanh(tf.tensor1d(xs))));
      assert.ok(maxRelErr(e, mathRef(Math.exp, xs), 1.18e-38) <= 4e-7, `${isa}: exp`);
      assert.ok(maxRelErr(th, mathRef(Math.tanh, xs), 1.18e-38) <= 4e-7, `${isa}: tanh`);
    }
  } finally {
    addon.configure(threads, defaultIsa, -1);
  }
  assert.ok(tested.includes('generic'), 'the generic copy is always available');
  t.diagnostic(`checked: ${tested.join(', ')} (default ${defaultIsa})`);
});

test('Add: same-shape float32 sums natively; broadcasts and int32 go to the stock kernel with the same results', nativeTestOptions, () => {
  const cases: Array<[number[], number[], 'float32' | 'int32']> = [[[0], [0], 'float32'], [[1], [1], 'float32'], [[7], [7], 'float32'], [[300, 257], [300, 257], 'float32'], [[3, 4], [4], 'float32'], [[3, 1], [1, 5], 'float32'], [[5], [5], 'int32'], [[2, 3], [], 'float32']];
  for (const [i, [sa, sb, dtype]] of cases.entries()) {
    const a = randn(sizeOf(sa), 700 + i, 5).map((v) => (dtype === 'int32' ? Math.round(v) : v));
    const b = randn(sizeOf(sb), 800 + i, 5).map((v) => (dtype === 'int32' ? Math.round(v) : v));
    const run = () => {
      const y = tf.tidy(() => tf.add(tf.tensor(a, sa, dtype), tf.tensor(b, sb, dtype)));
      const r = { values: Array.from(y.dataSync()), shape: y.shape, dtype: y.dtype };
      y.dispose();
      return r;
    };
    assert.deepEqual(run(), withoutNative(run), `add case ${i}`);
  }
});
