import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine/engine';
import { loadNativeAddon } from '../lib/engine/nativeAddon';
import { installNativeKernels, uninstallNativeKernels } from '../lib/engine/nativeKernels';
import { installNativeOps, uninstallNativeOps } from '../lib/engine/nativeFusedOps';
import { Rng } from '../lib/core/rng';
import { installZeroCopyIdentity, uninstallZeroCopyIdentity } from '../lib/engine/jsKernels';

/**
 * Shared by tests/native-*.test.ts. When the addon is not built:
 * - on a developer machine the native tests are SKIPPED, each with the reason in the report
 *   ("# skipped" in the summary), so a machine without a compiler still runs the rest of the suite;
 * - in CI (CI or RLHF_REQUIRE_NATIVE set) they FAIL: CI builds the addon, so a missing addon is a bug there.
 */
const required = ['CI', 'RLHF_REQUIRE_NATIVE'].some((k) => {
  const v = process.env[k];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
});

const status = loadNativeAddon();

/** Options for node:test: skip (with the reason) when the addon is missing and not required. */
export const nativeTestOptions: { skip?: string } =
  status.addon || required ? {} : { skip: `native kernels unavailable: ${status.error} (set CI=1 to make this a failure)` };

/** Starts the wasm-native engine; throws (failing the test) if the addon is required but missing. */
export async function startNativeEngine(): Promise<void> {
  if (!status.addon) throw new Error(`native kernels are required here but unavailable: ${status.error}`);
  await initEngine({ quiet: true, engine: 'wasm-native' });
}

/** Runs f with the native kernels and fused ops switched off (the stock wasm backend), then switches them back. */
export function withoutNative<T>(f: () => T): T {
  uninstallNativeOps();
  uninstallNativeKernels();
  uninstallZeroCopyIdentity();
  try {
    return f();
  } finally {
    installNativeKernels(status.addon!);
    installNativeOps();
    installZeroCopyIdentity();
  }
}

/** Runs f on tfjs's 'cpu' backend (the plainest reference), then returns to wasm. */
export async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return f();
  } finally {
    await tf.setBackend('wasm');
  }
}

/** Seeded normal values (scale × N(0, 1)). */
export function randn(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

/** Largest |a − b| / scale(b) over two arrays of the same length (NaN where exactly one side is NaN). */
function maxErr(a: ArrayLike<number>, b: ArrayLike<number>, scale: (bi: number) => number): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) {
      if (!(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return NaN;
      continue;
    }
    if (a[i] === b[i]) continue;
    m = Math.max(m, Math.abs(a[i] - b[i]) / scale(b[i]));
  }
  return m;
}

/** Largest |a − b| over two arrays of the same length (NaN where exactly one side is NaN; Infinity if unequal infinities). */
export function maxAbsErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return maxErr(a, b, () => 1);
}

/** max |a − b| / max(|b|, floor) — a relative error that does not explode near zero. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  return maxErr(a, b, (bi) => Math.max(Math.abs(bi), floor));
}

/** Values of a tensor (or several) as plain Float32Arrays, read outside any tidy. */
export function values(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as ArrayLike<number>);
}
