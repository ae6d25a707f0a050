import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadNativeAddon } from './nativeAddon';
import { installNativeKernels, nativeKernelNames } from './nativeKernels';
import { installJsFastPaths } from './jsFusedOps';
import { installNativeOps } from './nativeFusedOps';
import { installWasmTricks, installZeroCopyIdentity } from './jsKernels';

/**
 * Chooses the compute engine. Called at the top of every notebook and script; prints one line saying which
 * engine is active and why. In order of preference:
 *   node         @tensorflow/tfjs-node (libtensorflow), when the real package is installed and loads;
 *   wasm-native  tfjs's wasm backend with our native kernels (native/, a C++ addon) — the default here;
 *   wasm         the wasm backend with pure-JS tricks (every matmul made a plain 2-D XNNPACK matmul), when the
 *                addon could not be built;
 *   cpu          tfjs's plain JavaScript backend, last.
 * RLHF_ENGINE (or opts.engine) forces one of them, plus 'wasm-stock' (the untouched wasm backend, for
 * comparisons); a forced engine that cannot start is an error, not a silent fallback.
 */
export type EngineName = 'node' | 'wasm-native' | 'wasm' | 'wasm-stock' | 'cpu';

export const engineNames: EngineName[] = ['node', 'wasm-native', 'wasm', 'wasm-stock', 'cpu'];

export interface EngineInfo {
  /** Short name, e.g. "wasm+native" (see EngineName; "wasm-native" is shown as "wasm+native"). */
  name: string;
  /** The tfjs backend underneath ('tensorflow', 'wasm' or 'cpu'). */
  backend: string;
  /** Why this engine was chosen. */
  reason: string;
  /** The engine's key as accepted by RLHF_ENGINE. */
  engine: EngineName;
  /** Native kernels: instruction set and threads (wasm-native only). */
  native?: { isa: string; threads: number; kernels: string[] };
}

let active: EngineInfo | null = null;

/** Parses an engine name (also accepts "wasm+native" and "tfjs-node"); throws on anything else. */
export function parseEngineName(s: string): EngineName {
  const v = s.trim().toLowerCase();
  if (v === 'wasm+native') return 'wasm-native';
  if (v === 'tfjs-node' || v === 'tensorflow') return 'node';
  if ((engineNames as string[]).includes(v)) return v as EngineName;
  throw new Error(`unknown engine "${s}" (expected one of ${engineNames.join(', ')})`);
}

const TFJS_NODE_SHIM = '@tensorflow/tfjs-node is only the local shim (no libtensorflow)';

/** Whether the installed @tensorflow/tfjs-node is the real package (not the workbook's re-exporting shim). */
function realTfjsNode(): { ok: boolean; why: string } {
  let pkgPath: string;
  try {
    pkgPath = require.resolve('@tensorflow/tfjs-node/package.json');
  } catch {
    return { ok: false, why: '@tensorflow/tfjs-node is not installed' };
  }
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { rlhfShim?: boolean };
  if (pkg.rlhfShim) return { ok: false, why: TFJS_NODE_SHIM };
  return { ok: true, why: '' };
}

async function tryNode(): Promise<string | null> {
  const real = realTfjsNode();
  if (!real.ok) return real.why;
  try {
    require('@tensorflow/tfjs-node');
    if (!(await tf.setBackend('tensorflow'))) return '@tensorflow/tfjs-node loaded but its backend did not start';
    return null;
  } catch (e) {
    return `@tensorflow/tfjs-node does not load: ${(e as Error).message}`;
  }
}

async function startWasm(): Promise<string | null> {
  try {
    if (!(await tf.setBackend('wasm'))) return 'the wasm backend did not start';
    await tf.ready();
    return null;
  } catch (e) {
    return `the wasm backend did not start: ${(e as Error).message}`;
  }
}

async function start(engine: EngineName, why: string[]): Promise<EngineInfo | null> {
  switch (engine) {
    case 'node': {
      const err = await tryNode();
      if (err) { why.push(err); return null; }
      return { name: 'tfjs-node', backend: tf.getBackend(), engine, reason: 'the real @tensorflow/tfjs-node is installed' };
    }
    case 'wasm-native': {
      const { addon, error } = loadNativeAddon();
      if (!addon) { why.push(error!); return null; }
      const err = await startWasm();
      if (err) { why.push(err); return null; }
      installNativeKernels(addon);
      installNativeOps();
      installZeroCopyIdentity();
      const info = addon.info();
      return {
        name: 'wasm+native', backend: tf.getBackend(), engine,
        reason: `native kernels (${info.isa}, ${info.threads} threads) on the wasm backend`,
        native: { isa: info.isa, threads: info.threads, kernels: nativeKernelNames },
      };
    }
    case 'wasm': {
      const err = await startWasm();
      if (err) { why.push(err); return null; }
      installWasmTricks();
      installJsFastPaths();
      return { name: 'wasm', backend: tf.getBackend(), engine, reason: 'wasm backend with plain 2-D matmuls and closed-form gradients (no native kernels)' };
    }
    case 'wasm-stock': {
      const err = await startWasm();
      if (err) { why.push(err); return null; }
      return { name: 'wasm-stock', backend: tf.getBackend(), engine, reason: 'the untouched tfjs wasm backend' };
    }
    case 'cpu': {
      await tf.setBackend('cpu');
      await tf.ready();
      return { name: 'cpu', backend: tf.getBackend(), engine, reason: "tfjs's JavaScript 'cpu' backend" };
    }
  }
}

/**
 * Selects and initialises the engine once; later calls return the same answer. opts.engine or RLHF_ENGINE
 * forces an engine (error if it cannot start).
 */
export async function initEngine(opts: { quiet?: boolean; engine?: EngineName | string } = {}): Promise<EngineInfo> {
  if (active) return active;
  const forced = opts.engine ?? (process.env.RLHF_ENGINE && process.env.RLHF_ENGINE.trim() !== '' ? process.env.RLHF_ENGINE : undefined);
  const why: string[] = [];
  let info: EngineInfo | null = null;
  if (forced !== undefined) {
    const name = parseEngineName(forced);
    info = await start(name, why);
    if (!info) throw new Error(`engine "${name}" was requested but cannot start: ${why.join('; ')}`);
    info.reason = `requested (${opts.engine !== undefined ? 'initEngine option' : 'RLHF_ENGINE'}): ${info.reason}`;
  } else {
    for (const name of ['node', 'wasm-native', 'wasm', 'cpu'] as EngineName[]) {
      info = await start(name, why);
      if (info) break;
    }
    if (!info) throw new Error(`no tfjs engine could start: ${why.join('; ')}`);
    // The shim standing in for tfjs-node is the normal case, not a failure worth a word.
    const failures = why.filter((w) => !w.includes(TFJS_NODE_SHIM));
    if (failures.length > 0) info.reason += ` — fallback: ${failures.join('; ')}`;
  }
  active = info;
  if (!opts.quiet) console.log(`engine: ${info.name} — ${info.reason}`);
  return info;
}
