import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { trustNotebook } from '../tools/notebook/trust-notebook';

test('trustNotebook: no such Python is "unavailable", not an error', () => {
  const r = trustNotebook('x.ipynb', '/nonexistent/python3');
  assert.equal(r.status, 'unavailable');
});

const python = '/usr/bin/python3';
const hasNbformat = fs.existsSync(python) &&
  require('node:child_process').spawnSync(python, ['-c', 'import nbformat.sign'], { encoding: 'utf8' }).status === 0;

test('trustNotebook: a missing file fails with its name; a notebook is signed', { skip: !hasNbformat && 'no nbformat' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trust-'));
  try {
    const missing = trustNotebook(path.join(dir, 'missing.ipynb'), python);
    assert.equal(missing.status, 'failed');
    assert.match(missing.status === 'failed' ? missing.reason : '', /missing\.ipynb/);
    const file = path.join(dir, 'nb.ipynb');
    const nb = { cells: [], metadata: { rlhf_test: String(Date.now()) }, nbformat: 4, nbformat_minor: 5 };
    fs.writeFileSync(file, JSON.stringify(nb));
    const before = fs.readFileSync(file, 'utf8');
    assert.deepEqual(trustNotebook(file, python), { status: 'signed' });
    assert.equal(fs.readFileSync(file, 'utf8'), before, 'the signature goes to the user\'s database, not into the file');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
