import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { checkIsaObject, unsupportedReason } = require('../tools/native/check-isa-objects') as {
  checkIsaObject: (obj: string, ns?: string, functions?: string[]) => string[];
  unsupportedReason: () => string | null;
};

const compilerMissing = spawnSync('g++', ['--version']).error !== undefined;
const skip = unsupportedReason() ?? (compilerMissing ? 'g++ is not installed' : undefined);

/** Compiles C++ source to dir/<name>.o (as an ISA copy is compiled: -O3 -fPIC) and returns its path. */
function compile(dir: string, name: string, source: string): string {
  const src = path.join(dir, `${name}.cc`);
  const obj = path.join(dir, `${name}.o`);
  fs.writeFileSync(src, source);
  const r = spawnSync('g++', ['-O3', '-std=c++17', '-fPIC', '-c', src, '-o', obj], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return obj;
}

function inTempDir(f: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isa-objects-'));
  try {
    f(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('an ISA object with only its table functions and internal helpers passes', { skip }, () => {
  inTempDir((dir) => {
    const obj = compile(dir, 'isa_avx2', `
      static int twice(int x) { return 2 * x; }
      namespace isa_avx2 { int gemm_nr() { return twice(8); } int gemm_mr() { return 6; } }`);
    assert.deepEqual(checkIsaObject(obj, 'isa_avx2', ['gemm_nr', 'gemm_mr']), []);
  });
});

test('a static std::vector is reported: its constructor section and the weak template copies', { skip }, () => {
  inTempDir((dir) => {
    const obj = compile(dir, 'isa_avx2', `
      #include <vector>
      static const std::vector<int> table{1, 2, 3};
      namespace isa_avx2 { int gemm_nr() { return (int)table.size(); } }`);
    const problems = checkIsaObject(obj, 'isa_avx2', ['gemm_nr']);
    assert.ok(problems.some((p) => p.includes('non-empty .init_array')), problems.join('\n'));
    assert.ok(problems.some((p) => /weak symbol std::vector<int.*~vector/.test(p)), problems.join('\n'));
    assert.ok(problems.every((p) => p.startsWith(obj)), 'every problem names the object');
  });
});

test('a constructor function, an exported helper and another namespace\'s function are reported', { skip }, () => {
  inTempDir((dir) => {
    const obj = compile(dir, 'isa_avx512', `
      int helper(int x) { return x + 1; }
      __attribute__((constructor)) static void at_load() { helper(1); }
      namespace isa_generic { int gemm_nr() { return 4; } }
      namespace isa_avx512 { int gemm_nr() { return helper(15); } }`);
    const problems = checkIsaObject(obj, 'isa_avx512', ['gemm_nr']);
    assert.ok(problems.some((p) => p.includes('non-empty .init_array')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('global symbol helper(int)')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('isa_generic::gemm_nr()')), problems.join('\n'));
    assert.ok(!problems.some((p) => p.includes('isa_avx512::gemm_nr')), problems.join('\n'));
  });
});

test('an inline function used by an ISA copy is reported as a weak symbol when emitted', { skip }, () => {
  inTempDir((dir) => {
    const obj = compile(dir, 'isa_avx2', `
      inline int shared(int x) { return x * 3; }
      namespace isa_avx2 { int gemm_nr() { int (*volatile f)(int) = &shared; return f(5); } }`);
    const problems = checkIsaObject(obj, 'isa_avx2', ['gemm_nr']);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0], /weak symbol shared\(int\)/);
  });
});
