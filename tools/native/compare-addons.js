// Compares two builds of the native addon bit for bit: runs the same kernels on the same seeded inputs with
// each addon (each in its own child process) for every instruction-set copy both can run here, and reports
// the kernels whose outputs differ in any bit. For refactors that must not change the numerics.
// Usage: node tools/native/compare-addons.js <old rlhf_native.node> <new rlhf_native.node>   (exit 1 on a difference)
'use strict';
const crypto = require('crypto');
const path = require('path');
const { spawnSync } = require('child_process');

/** Seeded uniform floats in [lo, hi) (a small LCG; only determinism matters here). */
function fill(heap, off, n, seed, lo = -1, hi = 1) {
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    heap[off + i] = lo + ((hi - lo) * s) / 4294967296;
  }
}

/** Runs every case with one addon and ISA; returns { kernel case: sha256 of its output floats }. */
function runCases(addonPath, isa) {
  const addon = require(path.resolve(addonPath));
  if (!addon.configure(2, isa, 0)) return null;
  const buf = new ArrayBuffer(64 << 20);
  const heap = new Float32Array(buf);
  const i32 = new Int32Array(buf);
  addon.setHeap(buf);
  const hashes = {};
  let top = 0;
  const alloc = (n) => ((top += n + 16), top - n - 16);
  const input = (n, seed, lo, hi) => { const o = alloc(n); fill(heap, o, n, seed, lo, hi); return o; };
  const out = (n) => { const o = alloc(n); heap.fill(NaN, o, o + n); return o; };
  const record = (name, ...parts) => {
    const h = crypto.createHash('sha256');
    for (const [o, n] of parts) h.update(Buffer.from(buf, o * 4, n * 4));
    hashes[name] = h.digest('hex');
  };
  // GEMM: the packed paths, the few-rows paths (incl. the dot-product path with its lane reduction), every transpose.
  const shapes = [[1, 64, 96], [3, 50, 40], [7, 33, 129], [16, 48, 64], [40, 70, 300], [130, 96, 64], [2, 1000, 256]];
  for (const [m, n, k] of shapes) {
    for (const ta of [0, 1]) for (const tb of [0, 1]) for (const bias of [false, true]) {
      const a = input(2 * m * k, m * 7 + k), b = input(2 * k * n, n * 3 + k), c = out(2 * m * n);
      const bi = bias ? input(n, n) : -1;
      addon.matmul(a, m * k, b, k * n, c, bi, 2, m, n, k, ta, tb);
      record(`matmul ${m}x${n}x${k} ta=${ta} tb=${tb}${bias ? ' bias' : ''}`, [c, 2 * m * n]);
    }
  }
  for (const n of [1, 15, 1000, 4099]) {
    const x = input(n, n, -90, 90), y = out(n);
    addon.exp(x, y, n); record(`exp ${n}`, [y, n]);
    addon.tanh(x, y, n); record(`tanh ${n}`, [y, n]);
    const g = input(n, n + 1, -6, 6);
    addon.gelu(g, y, n); record(`gelu ${n}`, [y, n]);
    const dy = input(n, n + 2), dx = out(n);
    addon.geluGrad(g, dy, dx, n); record(`geluGrad ${n}`, [dx, n]);
  }
  for (const [o, r, i] of [[3, 100, 1], [1, 37, 70], [4, 5, 300]]) {
    const x = input(o * r * i, o + r + i), y = out(o * i);
    addon.sum3(x, y, o, r, i); record(`sum3 ${o}x${r}x${i}`, [y, o * i]);
  }
  for (const [rows, d] of [[5, 64], [3, 37]]) {
    const x = input(rows * d, d, -2, 3), g = input(d, d + 1), b = input(d, d + 2), y = out(rows * d);
    addon.layerNorm(x, g, b, y, rows, d, 1e-5); record(`layerNorm ${rows}x${d}`, [y, rows * d]);
    const dy = input(rows * d, d + 3), dx = out(rows * d), dg = out(d), db = out(d);
    heap.fill(0, dg, dg + d); heap.fill(0, db, db + d);
    addon.layerNormGrad(x, g, dy, dx, dg, db, rows, d, 1e-5);
    record(`layerNormGrad ${rows}x${d}`, [dx, rows * d], [dg, d], [db, d]);
  }
  for (const [rows, V] of [[6, 50], [3, 1001]]) {
    const x = input(rows * V, V, -8, 8), t = alloc(rows);
    for (let r = 0; r < rows; r++) i32[t + r] = (r * 7919) % V;
    const loss = out(rows), lse = out(rows), dl = input(rows, rows), dx = out(rows * V);
    addon.xent(x, t, loss, lse, rows, V); record(`xent ${rows}x${V}`, [loss, rows], [lse, rows]);
    addon.xentGrad(x, t, lse, dl, dx, rows, V); record(`xentGrad ${rows}x${V}`, [dx, rows * V]);
    addon.tokenLogprobs(x, t, loss, lse, rows, V, 0.7); record(`tokenLogprobs ${rows}x${V}`, [loss, rows], [lse, rows]);
    addon.tokenLogprobsGrad(x, t, lse, dl, dx, rows, V, 0.7); record(`tokenLogprobsGrad ${rows}x${V}`, [dx, rows * V]);
    const y = out(rows * V), dy = input(rows * V, V + 1);
    addon.logSoftmax(x, y, rows, V); record(`logSoftmax ${rows}x${V}`, [y, rows * V]);
    addon.logSoftmaxGrad(y, dy, dx, rows, V); record(`logSoftmaxGrad ${rows}x${V}`, [dx, rows * V]);
  }
  for (const n of [7, 1000]) {
    const p = input(n, 1), m = input(n, 2, -0.1, 0.1), v = input(n, 3, 0, 0.01), g = input(n, 4);
    const po = out(n), mo = out(n), vo = out(n);
    for (const form of [0, 1]) {
      addon.adam(p, m, v, g, po, mo, vo, n, 1e-3, 0.9, 0.1, 0.999, 0.001, 1e-8, 0.271, 0.003, 1e-5, form, 0.2);
      record(`adam ${n} form=${form}`, [po, n], [mo, n], [vo, n]);
    }
  }
  return hashes;
}

function inChild(addonPath, isa) {
  const code = `process.stdout.write(JSON.stringify(require(${JSON.stringify(__filename)}).runCases(${JSON.stringify(addonPath)}, ${JSON.stringify(isa)})))`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`${addonPath} (${isa}) failed: ${r.stderr || `exit ${r.status}`}`);
  return JSON.parse(r.stdout);
}

module.exports = { runCases };

if (require.main === module) {
  const [oldPath, newPath] = process.argv.slice(2);
  if (!oldPath || !newPath) {
    console.error('usage: node tools/native/compare-addons.js <old.node> <new.node>');
    process.exit(2);
  }
  let differ = 0;
  for (const isa of ['avx512', 'avx2', 'generic']) {
    const a = inChild(oldPath, isa), b = inChild(newPath, isa);
    if (!a || !b) {
      console.log(`${isa}: not available on this CPU, skipped`);
      continue;
    }
    const bad = Object.keys(a).filter((k) => a[k] !== b[k]);
    differ += bad.length;
    console.log(`${isa}: ${Object.keys(a).length - bad.length} of ${Object.keys(a).length} kernel cases bit-identical${bad.length ? `; DIFFERENT: ${bad.join(', ')}` : ''}`);
  }
  process.exit(differ === 0 ? 0 : 1);
}
