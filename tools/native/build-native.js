#!/usr/bin/env node
// Builds the native kernels (native/ → native/build/Release/rlhf_native.node) with npm's own bundled node-gyp,
// offline: Node's headers come from the local installation (nodedir), nothing is ever downloaded.
// A failed build (no compiler, no headers) prints a warning and exits 0, so that `npm install` still succeeds
// and the engine falls back to wasm without native kernels. `--strict` (CI) exits 1 instead.
// After every build, tools/native/check-isa-objects.js checks the instruction-set copies' object files (no code
// of an optional instruction set may run before the CPU is checked); a problem counts as a failed build.
// Usage: node tools/native/build-native.js [--strict] [--force] [--out=<file.node>]
//   --out installs the addon there instead of native/build/Release (e.g. a second build with CXX=clang++).
// Env: RLHF_SKIP_NATIVE_BUILD=1 skips the build.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { checkIsaBuild } = require('./check-isa-objects');

const root = path.resolve(__dirname, '..', '..');
const nativeDir = path.join(root, 'native');
const outArg = process.argv.find((a) => a.startsWith('--out='));
const output = outArg ? path.resolve(outArg.slice('--out='.length)) : path.join(nativeDir, 'build', 'Release', 'rlhf_native.node');
const strict = process.argv.includes('--strict');
const force = process.argv.includes('--force');

function warn(msg, detail) {
  console.warn(`\n[native] WARNING: the native kernels were not built: ${msg}`);
  if (detail) console.warn(detail);
  console.warn('[native] The workbook still works: the engine falls back to tfjs wasm without native kernels (several times slower).');
  console.warn('[native] To retry: node tools/native/build-native.js\n');
  process.exit(strict ? 1 : 0);
}

/** npm's bundled node-gyp: npm tells scripts where it is; otherwise look next to this Node's npm. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const prefix = path.dirname(path.dirname(process.execPath));
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  if (process.env.npm_execpath) {
    // .../npm/bin/npm-cli.js → .../npm/node_modules/node-gyp/bin/node-gyp.js
    candidates.push(path.join(path.dirname(path.dirname(process.env.npm_execpath)), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] }));
  } catch {
    // not installed locally: fine
  }
  return candidates.find((c) => c && fs.existsSync(c)) || null;
}

/** A directory whose include/node holds node_api.h for this Node (never downloads). */
function findNodeDir() {
  const candidates = [];
  if (process.env.npm_config_nodedir) candidates.push(process.env.npm_config_nodedir);
  candidates.push(path.dirname(path.dirname(process.execPath)));
  candidates.push('/usr', '/usr/local');
  return candidates.find((d) => d && fs.existsSync(path.join(d, 'include', 'node', 'node_api.h'))) || null;
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'build') continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Loads the addon in a child process (a crash there must not take this script down) and returns its info. */
function probe() {
  const code = `const n = require(${JSON.stringify(output)}); console.log(JSON.stringify(n.info()));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 30000 });
  if (r.status !== 0) return { error: (r.stderr || r.stdout || '').trim() || `exit code ${r.status}` };
  return { info: JSON.parse(r.stdout.trim()) };
}

function main() {
  if (process.env.RLHF_SKIP_NATIVE_BUILD && process.env.RLHF_SKIP_NATIVE_BUILD !== '0') {
    console.log('[native] RLHF_SKIP_NATIVE_BUILD is set: not building the native kernels.');
    return;
  }
  if (!force && fs.existsSync(output) && fs.statSync(output).mtimeMs > newestMtime(nativeDir)) {
    const p = probe();
    if (p.info) {
      console.log(`[native] kernels up to date: ${path.relative(root, output)}`);
      return;
    }
  }
  const gyp = findNodeGyp();
  if (!gyp) return warn("npm's bundled node-gyp was not found.");
  const nodedir = findNodeDir();
  if (!nodedir) return warn(`no Node headers (include/node/node_api.h) next to ${process.execPath}; they are not downloaded.`);
  const started = Date.now();
  // Build in a private copy of the sources and install the result with a rename: processes that load the
  // addon meanwhile see either the old file or the new one, never a half-written or missing one.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-native-'));
  try {
    fs.cpSync(path.join(nativeDir, 'binding.gyp'), path.join(work, 'binding.gyp'));
    fs.cpSync(path.join(nativeDir, 'src'), path.join(work, 'src'), { recursive: true });
    const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '--jobs=2'], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, npm_config_nodedir: nodedir },
      timeout: 10 * 60 * 1000,
    });
    if (r.error || r.status !== 0) {
      // Sources and binary must match: a stale addon could lack kernels the JavaScript side expects.
      fs.rmSync(output, { force: true });
      const log = `${r.stdout || ''}\n${r.stderr || ''}`.trim().split('\n').slice(-25).join('\n');
      return warn(r.error ? String(r.error) : `node-gyp exited with code ${r.status} (is a C++ compiler installed?)`, log);
    }
    const objects = checkIsaBuild(path.join(work, 'build', 'Release'));
    if (objects.skipped) {
      console.log(`[native] ${objects.skipped}`);
    } else if (objects.problems.length === 0) {
      console.log(`[native] instruction-set objects checked: ${objects.checked.map((o) => path.basename(o)).join(', ')} (no constructors, only their table functions visible)`);
    } else if (objects.problems.length > 0) {
      fs.rmSync(output, { force: true });
      return warn('an instruction-set copy could run code before the CPU is checked (see native/src/isa_kernels.inc):',
        objects.problems.join('\n'));
    }
    const built = path.join(work, 'build', 'Release', 'rlhf_native.node');
    fs.mkdirSync(path.dirname(output), { recursive: true });
    const tmp = `${output}.${process.pid}.tmp`;
    fs.copyFileSync(built, tmp);
    fs.renameSync(tmp, output);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const p = probe();
  if (!p.info) return warn('the addon was built but does not load.', p.error);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`[native] built ${path.relative(root, output)} in ${secs} s (${p.info.isa} kernels)`);
}

main();
