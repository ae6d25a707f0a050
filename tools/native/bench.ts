/**
 * The engine benchmark (not a test): prints one JSON object per line.
 *   {"kind":"train","config":"c","engine":"wasm+native","msPerStep":..,"tokensPerSec":..,"steps":..}
 *   {"kind":"sample","config":"b","engine":..,"kvCache":true,"ms":..}
 *   {"kind":"gemm","m":..,"k":..,"n":..,"gflops":..}
 * Configs (a), (b), (c) (benchConfigs below, the same as bench/torch_gpt.py's) with the model of lib/model/gpt.ts
 * (the same as bench/torch_gpt.py's): Adam lr 1e-3, fp32, 1024 tokens per step, median of the timed steps after warm-up.
 *
 * Usage: npm run bench -- [--engine NAME] [--config a,b,c] [--steps N] [--warmup W] [--no-gemm] [--no-sample]
 *                         [--no-train] [--peer] [--rounds R] [--nocache]
 *   --engine   wasm-native (default: what initEngine picks) | wasm | wasm-stock | cpu | node
 *   --peer     also run the PyTorch peer (bench/torch_gpt.py: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 … --threads 1,
 *              its best setting on 2 cores; needs python3-torch and OpenBLAS: apt-get install -y python3-torch
 *              libopenblas0-pthread — Debian's reference BLAS makes the peer ~20× slower) in the same run, alternating with ours for R rounds
 *              per config (default 3), and print {"kind":"ratio",...}: the median of the per-round ratios.
 *   --nocache  also time sampling without the KV cache.
 * Train lines also carry cpuMsPerStep (CPU time of the whole process per step, all threads): on a machine
 * shared with other work it shows the work done when wall times are inflated.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../lib/model/adam';
import { initEngine, EngineInfo } from '../../lib/engine/engine';
import { GPT, GPTConfig } from '../../lib/model/gpt';
import { lmLoss } from '../../lib/model/lm';
import { repoRoot } from '../../lib/core/paths';
import { Rng } from '../../lib/core/rng';
import { generate } from '../../lib/model/sampling';

interface BenchConfig { vocab: number; d: number; L: number; H: number; T: number; B: number }

/** The benchmark's model sizes, small to large (identical to the peer's CONFIGS in bench/torch_gpt.py). */
export const benchConfigs: Record<string, BenchConfig> = {
  a: { vocab: 2048, d: 64, L: 2, H: 4, T: 64, B: 16 },
  b: { vocab: 4096, d: 128, L: 4, H: 4, T: 64, B: 16 },
  c: { vocab: 8192, d: 256, L: 6, H: 8, T: 128, B: 8 },
};

interface Args {
  engine?: string;
  configs: string[];
  steps: number;
  warmup: number;
  gemm: boolean;
  sample: boolean;
  train: boolean;
  peer: boolean;
  rounds: number;
  nocache: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { configs: ['a', 'b', 'c'], steps: 10, warmup: 3, gemm: true, sample: true, train: true, peer: false, rounds: 3, nocache: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--engine') a.engine = val();
    else if (arg === '--config' || arg === '--configs') a.configs = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (arg === '--steps') a.steps = Number(val());
    else if (arg === '--warmup') a.warmup = Number(val());
    else if (arg === '--no-gemm') a.gemm = false;
    else if (arg === '--no-sample') a.sample = false;
    else if (arg === '--no-train') a.train = false;
    else if (arg === '--peer') a.peer = true;
    else if (arg === '--rounds') a.rounds = Number(val());
    else if (arg === '--nocache') a.nocache = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  for (const c of a.configs) if (!benchConfigs[c]) throw new Error(`unknown config "${c}" (a, b or c)`);
  if (!(a.steps >= 1)) throw new Error('--steps must be ≥ 1');
  if (!(a.rounds >= 1)) throw new Error('--rounds must be ≥ 1');
  return a;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const emit = (o: object) => console.log(JSON.stringify(o));

function gptConfig(c: BenchConfig): GPTConfig {
  return { vocabSize: c.vocab, contextLength: c.T, dModel: c.d, nLayers: c.L, nHeads: c.H, dropout: 0 };
}

/** Training steps (forward + backward + Adam) on a fixed random batch; returns per-step ms and losses. */
export function timeTraining(c: BenchConfig, steps: number, warmup: number): { ms: number[]; cpuMs: number[]; losses: number[] } {
  const model = new GPT(gptConfig(c), { seed: 0 });
  const opt = new Adam(model.params().values(), { learningRate: 1e-3 });
  const rng = new Rng(7);
  const tokens = tf.tensor2d(Array.from({ length: c.B }, () => Array.from({ length: c.T + 1 }, () => rng.int(c.vocab))), undefined, 'int32');
  const ms: number[] = [];
  const cpuMs: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => lmLoss(model, tokens));
    opt.step(grads);
    const loss = value.dataSync()[0];
    tf.dispose(grads);
    value.dispose();
    const dt = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    if (i >= warmup) {
      ms.push(dt);
      cpuMs.push((cpu.user + cpu.system) / 1000);
    }
    losses.push(loss);
  }
  tokens.dispose();
  opt.dispose();
  model.dispose();
  return { ms, cpuMs, losses };
}

/** Sampling 64 tokens for 8 one-token prompts (the peer's prompts: b·7 mod V); min of 3 runs after a warm-up. */
export function timeSampling(c: BenchConfig, useCache: boolean): number {
  const model = new GPT(gptConfig(c), { seed: 0 });
  const prompts = Array.from({ length: 8 }, (_, b) => [(b * 7) % c.vocab]);
  const run = (n: number) => generate(model, prompts, -1, { maxNewTokens: n, useCache, seed: 1 });
  run(4);
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    run(64);
    times.push(performance.now() - t0);
  }
  model.dispose();
  return Math.min(...times);
}

/**
 * GEMM GFLOP/s of tf.matMul [m, k] · [k, n] (best of several). The kernels run synchronously, so the time of
 * tf.matMul is the product's; the result is not read back (copying it out of the heap is not GEMM time).
 */
function timeGemm(m: number, k: number, n: number): number {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  const once = () => {
    const t0 = performance.now();
    const y = tf.matMul(a, b);
    const dt = performance.now() - t0;
    y.dispose();
    return dt;
  };
  once();
  const reps = Math.max(20, Math.min(200, Math.round(1e10 / (2 * m * n * k))));
  let best = Infinity;
  for (let r = 0; r < reps; r++) best = Math.min(best, once());
  tf.dispose([a, b]);
  return (2 * m * n * k) / (best * 1e6);
}

/** The GEMM shapes of a config's training step (forward; the backward products use the same sizes). */
function gemmShapes(c: BenchConfig): Array<[number, number, number]> {
  const N = c.B * c.T;
  return [
    [N, c.d, 3 * c.d],
    [N, c.d, 4 * c.d],
    [N, 4 * c.d, c.d],
    [N, c.d, c.vocab],
  ];
}

interface PeerResult { train?: number; sampleKv?: number; sampleNoCache?: number }

/**
 * Which BLAS Debian's PyTorch will use (it links libblas.so.3, an alternative). With only the reference BLAS
 * (package libblas3) the peer is about 20× slower than with OpenBLAS and every ratio would flatter us, so the
 * benchmark refuses to compare against it.
 */
function peerBlas(): string {
  for (const lib of ['/usr/lib/x86_64-linux-gnu/libblas.so.3', '/usr/lib/aarch64-linux-gnu/libblas.so.3']) {
    try {
      return fs.realpathSync(lib);
    } catch {
      // not this architecture
    }
  }
  return 'unknown';
}

/** Runs the PyTorch peer for one config; null if python3-torch is missing. */
function runPeer(config: string, steps: number, sample: boolean): PeerResult | null {
  const blas = peerBlas();
  if (/\/blas\/libblas/.test(blas)) {
    console.error(`# the peer would run on the reference BLAS (${blas}); install OpenBLAS for a fair comparison: apt-get install -y libopenblas0-pthread`);
    return null;
  }
  const script = path.join(repoRoot, 'bench', 'torch_gpt.py');
  const args = [script, config, '--threads', '1', '--steps', String(Math.max(steps, 10))];
  if (sample) args.push('--sample');
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '2' }, timeout: 20 * 60 * 1000 });
  if (r.status !== 0) {
    console.error(`# peer failed (${r.error ? r.error.message : `exit ${r.status}`}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
    console.error('# the peer needs PyTorch: apt-get update && apt-get install -y python3-torch');
    return null;
  }
  const out: PeerResult = {};
  for (const line of r.stdout.split('\n')) {
    const train = /^RESULT torch train .* median=([\d.]+)/.exec(line);
    if (train) out.train = Number(train[1]);
    const s = /^RESULT torch sample .* mode=(\w+) .* total_ms=([\d.]+)/.exec(line);
    if (s) {
      if (s[1] === 'kv') out.sampleKv = Number(s[2]);
      else out.sampleNoCache = Number(s[2]);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const info: EngineInfo = await initEngine({ quiet: true, engine: args.engine });
  const engine = info.name;
  console.error(`# engine: ${info.name} — ${info.reason}`);
  if (args.peer) console.error(`# with the PyTorch peer side by side, ${args.rounds} alternating round(s) per config; ratios are medians over rounds`);
  for (const name of args.configs) {
    const c = benchConfigs[name];
    const tokens = c.B * c.T;
    const sample = args.sample && name === 'b';
    const ours: { train: number[]; cpu: number[]; kv: number[]; full: number[]; loss: number } = { train: [], cpu: [], kv: [], full: [], loss: NaN };
    const ratios: { train: number[]; kv: number[]; full: number[] } = { train: [], kv: [], full: [] };
    const torch: { train: number[]; kv: number[]; full: number[] } = { train: [], kv: [], full: [] };
    for (let round = 0; round < (args.peer ? args.rounds : 1); round++) {
      // The peer first, then ours, round after round: both see the same machine load on average.
      const peer = args.peer ? runPeer(name, args.steps, sample) : null;
      if (args.train) {
        const { ms, cpuMs, losses } = timeTraining(c, args.steps, args.warmup);
        ours.train.push(median(ms));
        ours.cpu.push(median(cpuMs));
        ours.loss = losses[losses.length - 1];
        if (peer?.train) {
          torch.train.push(peer.train);
          ratios.train.push(median(ms) / peer.train);
        }
      }
      if (sample) {
        const kv = timeSampling(c, true);
        ours.kv.push(kv);
        if (peer?.sampleKv) {
          torch.kv.push(peer.sampleKv);
          ratios.kv.push(kv / peer.sampleKv);
        }
        if (args.nocache) {
          const full = timeSampling(c, false);
          ours.full.push(full);
          if (peer?.sampleNoCache) {
            torch.full.push(peer.sampleNoCache);
            ratios.full.push(full / peer.sampleNoCache);
          }
        }
      }
    }
    if (args.train) {
      const med = median(ours.train);
      emit({ kind: 'train', config: name, engine, msPerStep: round(med), tokensPerSec: Math.round((tokens / med) * 1000), steps: args.steps, cpuMsPerStep: round(median(ours.cpu)), lastLoss: round(ours.loss, 4), rounds: ours.train.map((x) => round(x)) });
      if (ratios.train.length > 0) emit({ kind: 'ratio', what: 'train', config: name, engine, ours: round(med), torch: round(median(torch.train)), ratio: round(median(ratios.train), 3), ratios: ratios.train.map((x) => round(x, 3)) });
    }
    if (sample) {
      const kv = median(ours.kv);
      emit({ kind: 'sample', config: name, engine, kvCache: true, ms: round(kv, 1), tokens: 64, batch: 8 });
      if (ratios.kv.length > 0) emit({ kind: 'ratio', what: 'sample-kv', config: name, engine, ours: round(kv, 1), torch: round(median(torch.kv), 1), ratio: round(median(ratios.kv), 3), ratios: ratios.kv.map((x) => round(x, 3)) });
      if (args.nocache) {
        const full = median(ours.full);
        emit({ kind: 'sample', config: name, engine, kvCache: false, ms: round(full, 1), tokens: 64, batch: 8 });
        if (ratios.full.length > 0) emit({ kind: 'ratio', what: 'sample-nocache', config: name, engine, ours: round(full, 1), torch: round(median(torch.full), 1), ratio: round(median(ratios.full), 3), ratios: ratios.full.map((x) => round(x, 3)) });
      }
    }
  }
  if (args.gemm) {
    const shapes = new Map<string, [number, number, number]>();
    shapes.set('1024,128,4096', [1024, 128, 4096]);
    for (const name of args.configs) for (const s of gemmShapes(benchConfigs[name])) shapes.set(s.join(','), s);
    for (const [m, k, n] of shapes.values()) emit({ kind: 'gemm', engine, m, k, n, gflops: round(timeGemm(m, k, n), 1) });
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
