import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../core/paths';
import { probeNativeAddon } from './nativeProbe';

/** Loading the native addon (native/, a C++ N-API addon): its interface, where it is built, and its configuration. */

/** What the addon exports (native/src/addon.cc). Offsets and sizes are in floats. */
export interface NativeAddon {
  setHeap(heap: ArrayBuffer): void;
  matmul(a: number, aBatchStride: number, b: number, bBatchStride: number, c: number, bias: number, batch: number,
    m: number, n: number, k: number, transposeA: number, transposeB: number): void;
  add(a: number, b: number, y: number, n: number): void;
  exp(x: number, y: number, n: number): void;
  tanh(x: number, y: number, n: number): void;
  sum3(x: number, y: number, outer: number, reduce: number, inner: number): void;
  gelu(x: number, y: number, n: number): void;
  geluGrad(x: number, dy: number, dx: number, n: number): void;
  layerNorm(x: number, gamma: number, beta: number, y: number, rows: number, d: number, eps: number): void;
  layerNormGrad(x: number, gamma: number, dy: number, dx: number, dgamma: number, dbeta: number, rows: number, d: number, eps: number): void;
  xent(logits: number, targets: number, loss: number, lse: number, rows: number, V: number): void;
  xentGrad(logits: number, targets: number, lse: number, dloss: number, dlogits: number, rows: number, V: number): void;
  adam(p: number, m: number, v: number, g: number, pOut: number, mOut: number, vOut: number, n: number,
    lr: number, b1: number, oneMinusB1: number, b2: number, oneMinusB2: number, eps: number, c1: number, c2: number,
    lrTimesWd: number, form: number, sqrtC2OverC1: number): void;
  tokenLogprobs(logits: number, targets: number, lp: number, lse: number, rows: number, V: number, temperature: number): void;
  tokenLogprobsGrad(logits: number, targets: number, lse: number, dlp: number, dlogits: number, rows: number, V: number, temperature: number): void;
  logSoftmax(x: number, y: number, rows: number, V: number): void;
  logSoftmaxGrad(y: number, dy: number, dx: number, rows: number, V: number): void;
  /** Adam over many tensors: [11 hyper-parameters as for adam(), count, then per tensor p, m, v, g, pOut, mOut, vOut, n]. */
  adamMulti(descriptor: Float64Array): void;
  /** Attention over B·H heads; the Float64Array descriptor's layout is documented in lib/engine/nativeAttention.ts. */
  attention(descriptor: Float64Array): void;
  attentionGrad(descriptor: Float64Array): void;
  kvAppend(kOld: number, vOld: number, qkv: number, kOut: number, vOut: number, B: number, H: number, Tp: number, T: number, hd: number): void;
  /** Returns −1, or the position of the first index outside [0, dim) (then nothing is written). */
  gather(x: number, indices: number, out: number, outer: number, dim: number, slice: number, n: number): number;
  configure(threads: number, isa: string, spinMicroseconds: number): boolean;
  info(): { isa: string; threads: number; mr: number; nr: number };
  /** Runs every kernel of the configured instruction set against a plain reference (native/src/selftest.cc). */
  selfTest(): { ok: boolean; isa: string; failures: string[] };
}

/** Every function of NativeAddon: an addon built from older sources lacks some, and is then not used. */
const NATIVE_FUNCTIONS: (keyof NativeAddon)[] = ['setHeap', 'matmul', 'add', 'exp', 'tanh', 'sum3', 'gelu', 'geluGrad', 'layerNorm',
  'layerNormGrad', 'xent', 'xentGrad', 'adam', 'tokenLogprobs', 'tokenLogprobsGrad', 'logSoftmax', 'logSoftmaxGrad', 'adamMulti',
  'attention', 'attentionGrad', 'kvAppend', 'gather', 'configure', 'info', 'selfTest'];

/** Where tools/native/build-native.js puts the addon. */
export const nativeAddonPath = path.join(repoRoot, 'native', 'build', 'Release', 'rlhf_native.node');

/** The addon file this process uses: RLHF_NATIVE_ADDON (another build, e.g. clang's) or the default. */
export function nativeAddonFile(): string {
  const env = process.env.RLHF_NATIVE_ADDON;
  return env && env.trim() !== '' ? path.resolve(env) : nativeAddonPath;
}

let loaded: { addon: NativeAddon | null; error: string | null } | null = null;

/**
 * Loads the addon once and configures it from the environment: RLHF_THREADS (default 2, at most the CPUs),
 * RLHF_ISA (avx512 | avx2 | generic; default: the best the CPU has), RLHF_SPIN_US (how long idle workers spin,
 * default 100); RLHF_NO_NATIVE=1 pretends the addon is not built; RLHF_NATIVE_ADDON names another addon file.
 * Before loading it in this process, the addon is checked in a child process (nativeProbe.ts), so that an
 * addon that crashes (an instruction this CPU lacks, a foreign architecture) costs a fallback, not the process.
 * Returns the addon, or null with the reason.
 */
export function loadNativeAddon(): { addon: NativeAddon | null; error: string | null } {
  if (loaded) return loaded;
  loaded = loadOnce();
  return loaded;
}

function loadOnce(): { addon: NativeAddon | null; error: string | null } {
  const off = process.env.RLHF_NO_NATIVE;
  if (off !== undefined && off !== '' && off !== '0') return { addon: null, error: 'disabled by RLHF_NO_NATIVE' };
  const file = nativeAddonFile();
  if (!fs.existsSync(file)) {
    return { addon: null, error: `the native addon is not built (${path.relative(repoRoot, file)}; npm run build:native)` };
  }
  if (file === nativeAddonPath && fs.statSync(file).mtimeMs < newestSourceMtime()) {
    return { addon: null, error: 'the native addon is older than native/src (rebuild it with: npm run build:native)' };
  }
  try {
    // Two threads by default (the machines this targets have 2 cores); never more than the CPUs available.
    const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    const threads = envInt('RLHF_THREADS', Math.max(1, Math.min(2, cpus)));
    const isa = process.env.RLHF_ISA ?? '';
    const spin = envInt('RLHF_SPIN_US', 100, 0);
    const verdict = probeNativeAddon({ addonPath: file, functions: NATIVE_FUNCTIONS, threads, isa, spinMicroseconds: spin });
    if (!verdict.ok) return { addon: null, error: `the native addon was not loaded: ${verdict.cause}` };
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const addon = require(file) as NativeAddon;
    if (!addon.configure(threads, isa, spin)) throw new Error(`RLHF_ISA=${isa} is not supported by this CPU or build`);
    return { addon, error: null };
  } catch (e) {
    return { addon: null, error: `the native addon does not load: ${(e as Error).message}` };
  }
}

/** The newest modification time of the addon's sources (native/src, binding.gyp); 0 when they are absent. */
function newestSourceMtime(): number {
  const dir = path.join(repoRoot, 'native');
  let newest = 0;
  const visit = (p: string): void => {
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of [path.join(dir, 'src'), path.join(dir, 'binding.gyp')]) if (fs.existsSync(p)) visit(p);
  return newest;
}

function envInt(name: string, dflt: number, min = 1): number {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}
