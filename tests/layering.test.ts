import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The layering of lib/ (docs/DEVELOPING.md, Layout): each folder may import its own files and the folders before it, never
 * one after it; `ui` stands apart (it imports `core` only, and only notebooks import it). lib/ imports nothing from
 * tools/, tests/ or notebooks/, and the files form no import cycle.
 */
const LAYERS = ['core', 'engine', 'model', 'world', 'labels', 'reward', 'train', 'eval', 'io'];
const APART: Record<string, string[]> = { ui: ['core'] };
const MAX_ROOT_FILES = 2;
const MAX_FOLDER_FILES = 12;
const MAX_LINES = 400;

interface ImportLine {
  line: number;
  spec: string;
}

/** The module specifiers a TypeScript file imports, with the line each `from`/`require`/`import(` is on. */
export function importLines(source: string): ImportLine[] {
  const out: ImportLine[] = [];
  const re = /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm;
  for (const m of source.matchAll(re)) {
    out.push({ line: source.slice(0, m.index).split('\n').length, spec: m[2] });
  }
  return out;
}

/** Every rule broken by `files` (paths relative to the repository root, 'lib/…'), one sentence each. */
export function layeringProblems(files: Record<string, string>): string[] {
  const problems: string[] = [];
  const folderOf = (f: string) => (f.split('/').length > 2 ? f.split('/')[1] : '');
  const resolve = (from: string, spec: string): string | null => {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
    for (const c of [base, `${base}.ts`, `${base}/index.ts`]) if (c in files) return c;
    return base;
  };
  const edges = new Map<string, string[]>();
  for (const [file, source] of Object.entries(files)) {
    if (!file.endsWith('.ts')) continue;
    const from = folderOf(file);
    if (from !== '' && !LAYERS.includes(from) && !(from in APART)) problems.push(`${file}: folder "${from}" is in no layer`);
    edges.set(file, []);
    for (const { line, spec } of importLines(source)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(file, spec)!;
      const where = `${file}:${line} imports '${spec}'`;
      if (!target.startsWith('lib/')) {
        problems.push(`${where}: lib/ must not import from outside lib/ (${target})`);
        continue;
      }
      edges.get(file)!.push(target);
      if (target.endsWith('/index.ts') && !file.endsWith('/index.ts')) problems.push(`${where}: import the file itself, not a folder's index`);
      const to = folderOf(target);
      if (to === from) continue;
      if (from in APART) {
        if (!APART[from].includes(to)) problems.push(`${where}: "${from}" may import only ${APART[from].join(', ')}`);
      } else if (to in APART) {
        problems.push(`${where}: only notebooks import "${to}"`);
      } else if (LAYERS.indexOf(to) > LAYERS.indexOf(from)) {
        problems.push(`${where}: points up, from layer "${from}" to the later layer "${to}"`);
      }
    }
  }
  // Cycles: depth-first search over the file graph.
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, trail: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      problems.push(`import cycle: ${[...trail.slice(trail.indexOf(f)), f].join(' → ')}`);
      return;
    }
    state.set(f, 'open');
    for (const t of edges.get(f) ?? []) visit(t, [...trail, f]);
    state.set(f, 'done');
  };
  for (const f of [...edges.keys()].sort()) visit(f, []);
  return problems;
}

/** Folder sizes and file lengths: at most MAX_ROOT_FILES files at lib/'s root, MAX_FOLDER_FILES per folder, MAX_LINES per .ts file. */
export function sizeProblems(files: Record<string, string>): string[] {
  const problems: string[] = [];
  const perFolder = new Map<string, number>();
  for (const [file, source] of Object.entries(files)) {
    const dir = path.posix.dirname(file);
    perFolder.set(dir, (perFolder.get(dir) ?? 0) + 1);
    const lines = source.split('\n').length - (source.endsWith('\n') ? 1 : 0);
    if (file.endsWith('.ts') && lines > MAX_LINES) problems.push(`${file}: ${lines} lines (at most ${MAX_LINES})`);
  }
  for (const [dir, n] of perFolder) {
    const max = dir === 'lib' ? MAX_ROOT_FILES : MAX_FOLDER_FILES;
    if (n > max) problems.push(`${dir}/: ${n} files (at most ${max})`);
  }
  return problems;
}

function readLib(): Record<string, string> {
  const root = path.resolve(__dirname, '..');
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else files[rel] = fs.readFileSync(path.join(root, rel), 'utf8');
    }
  };
  walk('lib');
  return files;
}

test('lib/ keeps its layering: imports point down, no cycle, nothing from tools/ or notebooks/', () => {
  assert.deepEqual(layeringProblems(readLib()), []);
});

test('lib/ stays small: files at its root, files per folder, lines per file', () => {
  assert.deepEqual(sizeProblems(readLib()), []);
});

test('the layering check fails on an upward import, naming the file and the line', () => {
  const files = {
    'lib/core/rng.ts': 'export const x = 1;\n',
    'lib/model/gpt.ts': "import { x } from '../core/rng';\nimport { train } from '../train/ppo';\n",
    'lib/train/ppo.ts': "import { x } from '../core/rng';\nexport const train = x;\n",
  };
  assert.deepEqual(layeringProblems(files), [
    `lib/model/gpt.ts:2 imports '../train/ppo': points up, from layer "model" to the later layer "train"`,
  ]);
});

test('the layering check fails on a cycle, on ui imported by the library, on tools/ and on a multi-line import', () => {
  const files = {
    'lib/model/a.ts': "import { b } from './b';\nexport const a = 1;\n",
    'lib/model/b.ts': "import {\n  a,\n} from './a';\nexport const b = 2;\n",
    'lib/train/c.ts': "import { plot } from '../ui/plot';\nimport { run } from '../../tools/commands/pipeline';\n",
    'lib/ui/plot.ts': "import { a } from '../model/a';\nexport const plot = 1;\n",
    'lib/engine/e.ts': "const r = require('../reward/x');\n",
    'lib/reward/x.ts': 'export const x = 1;\n',
  };
  assert.deepEqual(layeringProblems(files).sort(), [
    `import cycle: lib/model/a.ts → lib/model/b.ts → lib/model/a.ts`,
    `lib/engine/e.ts:1 imports '../reward/x': points up, from layer "engine" to the later layer "reward"`,
    `lib/train/c.ts:1 imports '../ui/plot': only notebooks import "ui"`,
    `lib/train/c.ts:2 imports '../../tools/commands/pipeline': lib/ must not import from outside lib/ (tools/commands/pipeline)`,
    `lib/ui/plot.ts:1 imports '../model/a': "ui" may import only core`,
  ].sort());
});

test('the size check counts root files, folder files and lines', () => {
  const long = 'x\n'.repeat(MAX_LINES + 1);
  const files: Record<string, string> = { 'lib/a.ts': '', 'lib/b.ts': '', 'lib/c.ts': long };
  for (let i = 0; i <= MAX_FOLDER_FILES; i++) files[`lib/model/f${i}.ts`] = '';
  assert.deepEqual(sizeProblems(files).sort(), [
    `lib/: 3 files (at most ${MAX_ROOT_FILES})`,
    `lib/c.ts: ${MAX_LINES + 1} lines (at most ${MAX_LINES})`,
    `lib/model/: ${MAX_FOLDER_FILES + 1} files (at most ${MAX_FOLDER_FILES})`,
  ].sort());
});
