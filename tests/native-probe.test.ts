import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { foreignBinary, probeInChild, probeNativeAddon, ProbeRequest, verdictCachePath } from '../lib/engine/nativeProbe';

/**
 * The addon is checked in a child process before it is loaded in-process: an addon that crashes on load
 * must cost a fallback with one line naming the cause, never the process.
 */

const root = path.resolve(__dirname, '..');
const tsxCli = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
let dir = '';

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-probe-test-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function request(addonPath: string, functions = ['info']): ProbeRequest {
  return { addonPath, functions, threads: 1, isa: '', spinMicroseconds: 0 };
}

/** A JavaScript module standing in for an addon: require() loads it, so the child's checks run on it. */
function fakeAddon(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  return file;
}

/** A shared object whose constructor executes an illegal instruction as soon as it is loaded. */
function trappingSharedObject(): string {
  const src = path.join(dir, 'trap.cc');
  const out = path.join(dir, 'rlhf_native.node');
  fs.writeFileSync(src, '__attribute__((constructor)) static void trap_on_load() { __builtin_trap(); }\n');
  const cc = spawnSync(process.env.CXX || 'c++', ['-shared', '-fPIC', '-o', out, src], { encoding: 'utf8' });
  assert.equal(cc.status, 0, `compiling the trapping object failed: ${cc.stderr}`);
  return out;
}

describe('native addon probe', () => {
  test('an addon that raises SIGILL on load: initEngine falls back with one line naming the cause, exit 0', () => {
    const addon = trappingSharedObject();
    const script = "import { initEngine } from './lib/engine'; initEngine().then((e) => console.log('ENGINE=' + e.engine));";
    const r = spawnSync(process.execPath, [tsxCli, '-e', script], {
      cwd: root, encoding: 'utf8', env: { ...process.env, RLHF_NATIVE_ADDON: addon, RLHF_ENGINE: '', RLHF_NO_NATIVE: '' },
    });
    assert.equal(r.signal, null, `the process died of ${r.signal}`);
    assert.equal(r.status, 0, r.stderr);
    const engineLines = r.stdout.split('\n').filter((l) => l.startsWith('engine:'));
    assert.equal(engineLines.length, 1, r.stdout);
    assert.match(engineLines[0], /^engine: wasm — .*fallback: the native addon was not loaded: .*killed by SIGILL/);
    assert.match(r.stdout, /ENGINE=wasm\n/);
  });

  test('a binary for another architecture is named as such, without loading it', () => {
    const elf = Buffer.alloc(64);
    elf.writeUInt32BE(0x7f454c46, 0);
    elf.writeUInt16LE(process.arch === 'arm64' ? 0x3e : 0xb7, 18);
    const file = path.join(dir, 'foreign.node');
    fs.writeFileSync(file, elf);
    assert.match(foreignBinary(file) ?? '', /built for (x64|arm64), and this CPU is/);
    assert.match(probeInChild(request(file)).cause ?? '', /another architecture or platform/);
    const own = Buffer.from(elf);
    own.writeUInt16LE({ x64: 0x3e, arm64: 0xb7 }[process.arch as 'x64' | 'arm64'] ?? 0, 18);
    fs.writeFileSync(file, own);
    if (process.arch === 'x64' || process.arch === 'arm64') assert.equal(foreignBinary(file), null);
  });

  test('an addon built from older sources (a function missing) is out of date', () => {
    const file = fakeAddon('old.js', 'exports.info = () => ({ isa: "generic", threads: 1 }); exports.configure = () => true;');
    const v = probeInChild(request(file, ['info', 'configure', 'attention']));
    assert.equal(v.ok, false);
    assert.match(v.cause!, /out of date \(no attention\).*npm run build:native/);
  });

  test('a failing self-test and an unsupported instruction set are refused with their cause', () => {
    const failing = fakeAddon('failing.js', [
      'exports.configure = () => true;',
      'exports.info = () => ({ isa: "avx2", threads: 1 });',
      'exports.selfTest = () => ({ ok: false, isa: "avx2", failures: ["exp: max error 1.0 at 3"] });',
    ].join('\n'));
    assert.match(probeInChild(request(failing, ['info'])).cause!, /self-test failed on avx2 kernels \(exp: max error 1\.0 at 3\)/);
    const noIsa = fakeAddon('noisa.js', 'exports.configure = () => false; exports.info = () => ({});');
    assert.match(probeInChild({ ...request(noIsa), isa: 'avx512' }).cause!, /RLHF_ISA=avx512 is not supported/);
  });

  test('a file that is no shared object at all names the loader error', () => {
    const file = path.join(dir, 'garbage.node');
    fs.writeFileSync(file, 'not a shared object\n');
    const v = probeInChild(request(file));
    assert.equal(v.ok, false);
    assert.match(v.cause!, /does not load \(.*garbage\.node/);
  });

  test('the verdict is cached per addon bytes: a second call spawns nothing, new bytes check again', () => {
    const file = fakeAddon('good.js', 'exports.configure = () => true; exports.info = () => ({ isa: "generic", threads: 1 });');
    const first = probeNativeAddon(request(file));
    assert.deepEqual(first, { ok: true, info: { isa: 'generic', threads: 1 } });
    // Mark the cached verdict: the next call must return the mark (read from the cache, not re-probed).
    const cacheFile = verdictCachePath(file);
    const cache = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as Record<string, { ok: boolean; cause?: string }>;
    for (const k of Object.keys(cache)) cache[k] = { ok: false, cause: 'from the cache' };
    fs.writeFileSync(cacheFile, JSON.stringify(cache));
    assert.equal(probeNativeAddon(request(file)).cause, 'from the cache');
    fs.appendFileSync(file, '\n// rebuilt\n');
    assert.equal(probeNativeAddon(request(file)).ok, true);
  });
});
