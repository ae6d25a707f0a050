/**
 * tfjs's own op tests as the referee of the native kernels.
 *
 * @tensorflow/tfjs-core ships its compiled jasmine specs (dist/ops/*_test.js, ESM files that call require).
 * This bundles the spec files of every kernel the native engine overrides — together with the chained ops,
 * all gradients and a test environment 'wasm' — into one CommonJS file with esbuild, then runs it with
 * jasmine twice, in two child processes: on the stock wasm backend and on the engine with native kernels.
 * It fails if the native engine has a failing spec that the stock backend does not also fail.
 *
 * Usage: npm run test:tfjs-ops   (or: npx tsx tools/native/test-tfjs-ops.ts [--engine wasm-native] [--verbose])
 * Exit code 0: no new failure; 1: new failures (listed); 2: the run itself broke.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const coreDist = path.join(root, 'node_modules', '@tensorflow', 'tfjs-core', 'dist');
const wasmDist = path.join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const workDir = path.join(root, '.tmp-tfjs-ops');

/** The tfjs-core spec files (relative to dist/ops/) that exercise each kernel the native engine overrides. */
const specsByKernel: Record<string, string[]> = {
  BatchMatMul: ['mat_mul_test.js'],
  Exp: ['exp_test.js'],
  Tanh: ['tanh_test.js'],
  Sum: ['sum_test.js'],
  GatherV2: ['gather_test.js'],
  Add: ['add_test.js'],
  Identity: ['clone_test.js'],
  Cast: ['../tensor_test.js'],
};

interface SpecResult { name: string; status: string; messages: string[] }

function bundle(specFiles: string[]): string {
  fs.mkdirSync(workDir, { recursive: true });
  // Imports run in order: the environment is set before the spec files call describeWithFlags.
  const setup = [
    `import { setTestEnvs } from '@tensorflow/tfjs-core/dist/jasmine_util';`,
    `import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';`,
    `setWasmPaths(${JSON.stringify(wasmDist + path.sep)});`,
    `setTestEnvs([{ name: 'wasm', backendName: 'wasm', flags: {}, isDataSync: true }]);`,
  ].join('\n');
  fs.writeFileSync(path.join(workDir, 'setup.ts'), setup);
  const entry = [
    `import './setup';`,
    `import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';`,
    `import '@tensorflow/tfjs-core/dist/register_all_gradients';`,
    `import { initEngine } from ${JSON.stringify(path.join(root, 'lib', 'engine', 'engine'))};`,
    ...specFiles.map((f) => `import '@tensorflow/tfjs-core/dist/ops/${f.replace(/\.js$/, '')}';`),
    // Selects the engine (RLHF_ENGINE) before any spec; the specs' own beforeAll then reset and re-create the
    // wasm backend, which keeps the kernel registry (and so the native kernels).
    `beforeAll(async () => { await initEngine({ quiet: true }); });`,
  ].join('\n');
  fs.writeFileSync(path.join(workDir, 'entry.ts'), entry);
  // In a bundle, __dirname is the bundle's folder: two levels below the root, as lib/core/paths.ts is, so the
  // library finds the repository (and the native addon) from it.
  const out = path.join(workDir, 'spec', 'bundle.cjs');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({
    entryPoints: [path.join(workDir, 'entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    // One copy of tfjs-core for everyone: the ESM entry points (the specs import tfjs-core's ESM files).
    mainFields: ['module', 'main'],
    logLevel: 'error',
    // tfjs-core declares its files side-effect free; the spec files are imported for their side effects.
    ignoreAnnotations: true,
    // Optional Node-only dependencies of tfjs that are never reached here.
    external: ['@tensorflow/tfjs-node', 'node-fetch', 'worker_threads'],
  });
  return out;
}

/** Child mode: runs the bundle with jasmine and prints the per-spec results as JSON on the last line. */
async function child(bundlePath: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const Jasmine = require('jasmine');
  const runner = new Jasmine({ projectBaseDir: root });
  runner.exitOnCompletion = false;
  runner.clearReporters();
  const results: SpecResult[] = [];
  runner.addReporter({
    specDone: (r: { fullName: string; status: string; failedExpectations: Array<{ message: string }> }) =>
      results.push({ name: r.fullName, status: r.status, messages: r.failedExpectations.map((e) => e.message.split('\n')[0]) }),
    // A failing beforeAll/afterAll is reported on its suite (or on the whole run), not on the specs it skipped.
    suiteDone: (r: { fullName: string; failedExpectations: Array<{ message: string }> }) => {
      for (const e of r.failedExpectations) console.error(`suite "${r.fullName}" failed: ${e.message}`);
    },
    jasmineDone: (r: { failedExpectations?: Array<{ message: string }> }) => {
      for (const e of r.failedExpectations ?? []) console.error(`the run failed: ${e.message}`);
      if ((r.failedExpectations ?? []).length > 0) process.exitCode = 2;
    },
  });
  runner.loadConfig({ spec_dir: path.relative(root, path.dirname(bundlePath)), spec_files: [path.basename(bundlePath)], random: false });
  await runner.execute();
  process.stdout.write('\n' + JSON.stringify(results) + '\n');
}

function runEngine(bundlePath: string, engine: string): SpecResult[] {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', bundlePath], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, RLHF_ENGINE: engine },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 30 * 60 * 1000,
  });
  if (r.status === 2) {
    console.error(`jasmine run on engine ${engine} broke:\n${(r.stderr || '').slice(-3000)}`);
    process.exit(2);
  }
  const lines = (r.stdout || '').trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]) as SpecResult[];
  } catch {
    console.error(`jasmine run on engine ${engine} broke (exit ${r.status}):\n${(r.stderr || '').slice(-3000)}`);
    process.exit(2);
  }
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    child(args[1]).catch((e) => {
      console.error(e);
      process.exit(2);
    });
    return;
  }
  const engineArg = args.indexOf('--engine');
  const engine = engineArg >= 0 ? args[engineArg + 1] : 'wasm-native';
  const verbose = args.includes('--verbose');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { nativeKernelNames } = require('../../lib/engine/nativeKernels') as typeof import('../../lib/engine/nativeKernels');
  // The wasm-native engine also installs the copy-free Identity and same-dtype Cast (lib/engine/jsKernels.ts).
  const overridden = [...nativeKernelNames, 'Identity', 'Cast'];
  const missing = overridden.filter((k) => !specsByKernel[k]);
  if (missing.length > 0) {
    console.error(`no tfjs spec file is mapped for the overridden kernel(s) ${missing.join(', ')} (tools/native/test-tfjs-ops.ts)`);
    process.exit(2);
  }
  const specFiles = [...new Set(overridden.flatMap((k) => specsByKernel[k]))];
  for (const f of specFiles) if (!fs.existsSync(path.join(coreDist, 'ops', f))) throw new Error(`missing ${f} in ${coreDist}/ops`);
  const bundlePath = bundle(specFiles);
  const stock = runEngine(bundlePath, 'wasm-stock');
  const ours = runEngine(bundlePath, engine);
  const failed = (rs: SpecResult[]) => new Map(rs.filter((r) => r.status === 'failed').map((r) => [r.name, r]));
  const stockFailed = failed(stock);
  const oursFailed = failed(ours);
  const fresh = [...oursFailed.values()].filter((r) => !stockFailed.has(r.name));
  const fixed = [...stockFailed.keys()].filter((n) => !oursFailed.has(n));
  console.log(`tfjs-core op specs (${specFiles.join(', ')}) for the kernels ${overridden.join(', ')}:`);
  console.log(`  stock wasm: ${stock.length} specs, ${stockFailed.size} failed`);
  console.log(`  ${engine}: ${ours.length} specs, ${oursFailed.size} failed, ${fresh.length} not failed by stock wasm`);
  if (verbose || fresh.length > 0) for (const r of oursFailed.values()) console.log(`  ${stockFailed.has(r.name) ? 'also stock' : 'NEW'}: ${r.name}: ${r.messages[0] ?? ''}`);
  if (fixed.length > 0) console.log(`  passed on ${engine} but failed on stock wasm: ${fixed.join(' | ')}`);
  if (ours.length !== stock.length) {
    console.error(`different spec counts (${ours.length} vs ${stock.length})`);
    process.exit(1);
  }
  process.exit(fresh.length > 0 ? 1 : 0);
}

main();
