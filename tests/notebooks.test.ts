import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { allNotebooks } from '../tools/notebook/run-notebooks';
import { cellSource, formatNotebook, readNotebook, stripOutputs } from '../tools/notebook/notebook';

/** Checks on the committed notebooks (not on executing them: `npm run test:notebooks` does that). */
const files = allNotebooks();

test('there is at least the introduction notebook', () => {
  assert.ok(files.some((f) => path.basename(f) === '00_introduction.ipynb'));
});

for (const file of files) {
  const name = path.basename(file);
  test(`${name}: named NN_name.ipynb, uses the workbook kernel, committed without outputs`, () => {
    assert.match(name, /^\d\d_[a-z0-9_]+\.ipynb$/);
    const nb = readNotebook(file);
    const ks = nb.metadata.kernelspec as Record<string, unknown> | undefined;
    assert.equal(ks?.name, 'rlhf-tslab', 'metadata.kernelspec.name');
    assert.equal(ks?.language, 'typescript', 'metadata.kernelspec.language');
    assert.equal((nb.metadata.language_info as Record<string, unknown> | undefined)?.name, 'typescript');
    const dirty = nb.cells
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.cell_type === 'code' && ((c.outputs ?? []).length > 0 || (c.execution_count ?? null) !== null));
    assert.deepEqual(dirty.map(({ i }) => `cell ${i + 1}`), [], `${name} has outputs: run npm run notebooks:clean`);
    assert.equal(formatNotebook(stripOutputs(nb)), formatNotebook(nb));
  });

  test(`${name}: the first code cell reads smoke mode`, () => {
    const first = readNotebook(file).cells.find((c) => c.cell_type === 'code');
    assert.ok(first, 'has a code cell');
    assert.match(cellSource(first), /isSmoke\(\)/);
  });
}
