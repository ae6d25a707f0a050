// Focused parity check of the native addon against tfjs's wasm backend: a matmul, transposed matmuls, exp,
// tanh and softmax cross-entropy (loss and gradient), the addon working in place on the wasm heap as
// lib/native.ts drives it. Plain JavaScript (no tsx), small shapes: it also runs under CPU emulation.
// Usage: node tools/native/parity-wasm.js [addon.node]   (default: RLHF_NATIVE_ADDON or native/build/Release)
// Prints one PASS/FAIL line (with the ISA the addon chose) and exits 1 on a mismatch.
'use strict';
const path = require('path');
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');

const addonPath = path.resolve(process.argv[2] || process.env.RLHF_NATIVE_ADDON ||
  path.join(__dirname, '..', '..', 'native', 'build', 'Release', 'rlhf_native.node'));

/** Seeded uniform values in [lo, hi). */
function values(n, seed, lo = -1, hi = 1) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = lo + ((hi - lo) * s) / 4294967296;
  }
  return a;
}

/** Largest |a − b| / (1 + |b|). */
function maxErr(a, b) {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i]));
    if (!(e <= m)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
}

async function main() {
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not start');
  const be = tf.backend();
  const addon = require(addonPath);
  if (!addon.configure(2, process.env.RLHF_ISA || '', 0)) throw new Error(`RLHF_ISA=${process.env.RLHF_ISA} unsupported`);
  const isa = addon.info().isa;
  const off = (t) => be.dataIdMap.get(t.dataId).memoryOffset / 4;
  const results = [];
  const check = (name, got, want, tol) => {
    const err = maxErr(got, want);
    results.push({ name, err, ok: err <= tol, tol });
  };

  // Matmuls: every transpose, shapes on both sides of the micro-tiles and of the few-rows path.
  for (const [m, n, k] of [[37, 50, 64], [3, 70, 48], [20, 9, 300]]) {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
      const a = tf.tensor(values(m * k, m + k), ta ? [k, m] : [m, k]);
      const b = tf.tensor(values(k * n, n + k + 1), tb ? [n, k] : [k, n]);
      const c = tf.tensor(new Float32Array(m * n), [m, n]);  // the addon's output, allocated on the heap
      const want = tf.matMul(a, b, ta, tb);
      addon.setHeap(be.wasm.HEAPU8.buffer);
      addon.matmul(off(a), 0, off(b), 0, off(c), -1, 1, m, n, k, ta ? 1 : 0, tb ? 1 : 0);
      check(`matmul ${m}x${n}x${k}${ta ? ' transA' : ''}${tb ? ' transB' : ''}`, c.dataSync(), want.dataSync(), 1e-5);
      tf.dispose([a, b, c, want]);
    }
  }

  const n = 1000;
  const x = tf.tensor(values(n, 7, -20, 20));
  const y = tf.tensor(new Float32Array(n));
  const ex = tf.exp(x), th = tf.tanh(x);
  addon.setHeap(be.wasm.HEAPU8.buffer);
  addon.exp(off(x), off(y), n);
  check('exp', y.dataSync(), ex.dataSync(), 2e-6);
  addon.tanh(off(x), off(y), n);
  check('tanh', y.dataSync(), th.dataSync(), 2e-6);
  tf.dispose([x, y, ex, th]);

  const rows = 6, V = 101;
  const logits = tf.tensor(values(rows * V, 11, -6, 6), [rows, V]);
  const targets = tf.tensor(Int32Array.from({ length: rows }, (_, r) => (r * 37) % V), [rows], 'int32');
  const dloss = tf.tensor(values(rows, 5, 0.5, 1.5));
  const loss = tf.tensor(new Float32Array(rows)), lse = tf.tensor(new Float32Array(rows));
  const dlogits = tf.tensor(new Float32Array(rows * V), [rows, V]);
  const onehot = tf.oneHot(targets, V);
  const wantLoss = tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, onehot), 1));
  const wantGrad = tf.mul(tf.sub(tf.softmax(logits), onehot), tf.expandDims(dloss, 1));
  addon.setHeap(be.wasm.HEAPU8.buffer);
  addon.xent(off(logits), off(targets), off(loss), off(lse), rows, V);
  addon.xentGrad(off(logits), off(targets), off(lse), off(dloss), off(dlogits), rows, V);
  check('softmax cross-entropy loss', loss.dataSync(), wantLoss.dataSync(), 1e-5);
  check('softmax cross-entropy gradient', dlogits.dataSync(), wantGrad.dataSync(), 1e-6);

  const bad = results.filter((r) => !r.ok);
  for (const r of bad) console.log(`  ${r.name}: error ${r.err.toExponential(2)} > ${r.tol}`);
  const worst = Math.max(...results.map((r) => r.err));
  console.log(`parity vs tfjs wasm (${isa}): ${bad.length === 0 ? 'PASS' : 'FAIL'} — ${results.length - bad.length} of ${results.length} cases within tolerance, worst error ${worst.toExponential(2)}`);
  process.exit(bad.length === 0 ? 0 : 1);
}

main().catch((e) => {
  console.log(`parity vs tfjs wasm: FAIL — ${e.stack || e}`);
  process.exit(1);
});
