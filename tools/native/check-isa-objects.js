// Checks the object files of the native kernels' instruction-set copies (isa_avx512.o, isa_avx2.o,
// isa_generic.o): code built for an optional instruction set must not run before the CPU is checked.
// An object fails when
// - it defines a global or weak symbol other than its own table functions (RLHF_ISA_FUNCS in
//   native/src/kernels.h, in its own namespace): the linker may pick such a copy (an inline function, a
//   template instance) for the whole addon, and baseline code would then run AVX-512 instructions;
// - it has a non-empty .init_array / .ctors / .preinit_array section: code that runs when the addon loads.
// Uses nm and readelf (GNU binutils); elsewhere (macOS) it reports itself skipped.
// CLI: node tools/native/check-isa-objects.js <dir or file.o>...   (exit 1 on a problem)
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const kernelsHeader = path.resolve(__dirname, '..', '..', 'native', 'src', 'kernels.h');

/** The table functions X(ret, name, args) listed in RLHF_ISA_FUNCS of kernels.h. */
function tableFunctions(headerPath = kernelsHeader) {
  const text = fs.readFileSync(headerPath, 'utf8');
  const start = text.indexOf('#define RLHF_ISA_FUNCS(X)');
  if (start < 0) throw new Error(`${headerPath}: no #define RLHF_ISA_FUNCS(X)`);
  let block = '';
  for (const line of text.slice(start).split('\n')) {
    block += `${line}\n`;
    if (!line.trimEnd().endsWith('\\')) break;  // the macro ends at the first line without a continuation
  }
  const names = [...block.matchAll(/X\(\s*[^,()]+,\s*(\w+)\s*,/g)].map((m) => m[1]);
  if (names.length === 0) throw new Error(`${headerPath}: RLHF_ISA_FUNCS lists no function`);
  return names;
}

/** Itanium-mangled prefix of ns::fn(...): _ZN <len>ns <len>fn E. */
function mangledPrefix(ns, fn) {
  return `_ZN${ns.length}${ns}${fn.length}${fn}E`;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) return { missing: true, error: String(r.error) };
  if (r.status !== 0) return { error: `${cmd} ${args.join(' ')} exited with ${r.status}: ${(r.stderr || '').trim()}` };
  return { stdout: r.stdout };
}

function demangle(names) {
  const r = spawnSync('c++filt', [], { input: names.join('\n'), encoding: 'utf8' });
  if (r.error || r.status !== 0) return names;
  const out = r.stdout.split('\n');
  return names.map((n, i) => (out[i] && out[i] !== n ? `${out[i]} (${n})` : n));
}

/** Whether this platform's tools can check ELF objects; otherwise the reason. */
function unsupportedReason() {
  if (process.platform !== 'linux') return `the object check uses nm/readelf on ELF objects; skipped on ${process.platform}`;
  for (const tool of ['nm', 'readelf']) {
    if (run(tool, ['--version']).missing) return `${tool} (GNU binutils) is not installed; object check skipped`;
  }
  return null;
}

/**
 * Problems of one object file: every global/weak symbol it defines other than ns::<fn> for fn in functions,
 * and every non-empty constructor section. ns defaults to the file's base name (isa_avx2.o → isa_avx2).
 */
function checkIsaObject(objPath, ns = path.basename(objPath, '.o'), functions = tableFunctions()) {
  const problems = [];
  const allowed = functions.map((f) => mangledPrefix(ns, f));
  const nm = run('nm', ['-P', '--defined-only', objPath]);
  if (nm.error) return [`${objPath}: ${nm.error}`];
  const bad = [];
  for (const line of nm.stdout.split('\n')) {
    const [name, type] = line.trim().split(/\s+/);
    if (!name || !type) continue;
    const global = /^[A-Z]$/.test(type) || 'uvwi'.includes(type);
    if (!global) continue;
    if (type === 'T' && allowed.some((p) => name.startsWith(p))) continue;
    bad.push({ name, type });
  }
  const shown = demangle(bad.map((b) => b.name));
  bad.forEach((b, i) => {
    const kind = 'WwVv'.includes(b.type) ? 'weak' : b.type === 'u' ? 'unique global' : 'global';
    problems.push(`${objPath}: defines ${kind} symbol ${shown[i]} [nm type ${b.type}]; only ${ns}'s table functions may be visible`);
  });
  const re = run('readelf', ['-S', '-W', objPath]);
  if (re.error) return [...problems, `${objPath}: ${re.error}`];
  for (const line of re.stdout.split('\n')) {
    const m = /^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(line);
    if (!m) continue;
    const [, section, size] = m;
    if (/^\.(init_array|ctors|preinit_array)(\.|$)/.test(section) && parseInt(size, 16) > 0) {
      problems.push(`${objPath}: has a non-empty ${section} section (${parseInt(size, 16)} bytes): code runs when the addon loads, before the CPU is checked`);
    }
  }
  return problems;
}

/** The isa_*.o files under a directory (node-gyp's build/Release/obj.target/...). */
function findIsaObjects(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findIsaObjects(p));
    else if (/^isa_\w+\.o$/.test(entry.name)) found.push(p);
  }
  return found.sort();
}

/**
 * Checks every ISA object of a build directory; expected lists the copies that must be there
 * (default: those of this machine's architecture), so that a changed build layout cannot pass unchecked.
 * Returns { skipped: reason } or { checked: [paths], problems: [messages] }.
 */
function checkIsaBuild(buildDir, expected = process.arch === 'x64' ? ['isa_avx2', 'isa_avx512', 'isa_generic'] : ['isa_generic']) {
  const reason = unsupportedReason();
  if (reason) return { skipped: reason };
  const objects = findIsaObjects(buildDir);
  const problems = [];
  for (const ns of expected) {
    if (!objects.some((o) => path.basename(o, '.o') === ns)) problems.push(`${buildDir}: no ${ns}.o found to check`);
  }
  const functions = tableFunctions();
  for (const o of objects) problems.push(...checkIsaObject(o, path.basename(o, '.o'), functions));
  return { checked: objects, problems };
}

module.exports = { tableFunctions, checkIsaObject, findIsaObjects, checkIsaBuild, unsupportedReason };

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.error('usage: node tools/native/check-isa-objects.js <build dir or isa_*.o>...');
    process.exit(2);
  }
  const reason = unsupportedReason();
  if (reason) {
    console.log(`[native] ${reason}`);
    process.exit(0);
  }
  let problems = [];
  for (const a of args) {
    if (fs.statSync(a).isDirectory()) {
      const r = checkIsaBuild(a);
      problems.push(...r.problems);
      for (const o of r.checked) console.log(`checked ${o}`);
    } else {
      problems.push(...checkIsaObject(a));
      console.log(`checked ${a}`);
    }
  }
  for (const p of problems) console.error(`FAIL ${p}`);
  console.log(problems.length === 0 ? 'ISA objects: PASS' : `ISA objects: FAIL (${problems.length} problems)`);
  process.exit(problems.length === 0 ? 0 : 1);
}
