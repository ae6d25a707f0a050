import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { repoRoot } from '../lib/core/paths';
import { defaultRewardModelConfig } from '../lib/reward/config';
import { defaultDpoConfig } from '../lib/train/dpo';
import { cellSource, readNotebook } from '../tools/notebook/notebook';

/**
 * The config literal a notebook shows (`const fullConfig: T = { field: value, // comment … };`) as field → value,
 * each value evaluated with RLHF_* unset. The learner edits that literal; the full pipeline's numbers stay the library
 * defaults' only while the two agree.
 */
function notebookConfigLiteral(notebook: string): Record<string, unknown> {
  const file = path.join(repoRoot, 'notebooks', notebook);
  const cell = readNotebook(file).cells.map(cellSource).find((s) => /const fullConfig: \w+ = \{/.test(s));
  if (!cell) throw new Error(`${notebook}: no cell with "const fullConfig: … = {"`);
  const body = cell.slice(cell.search(/const fullConfig: \w+ = \{/)).split('\n');
  const end = body.findIndex((l) => l.startsWith('};'));
  const out: Record<string, unknown> = {};
  for (const line of body.slice(1, end)) {
    const m = /^\s+(\w+): (.+?),\s*(\/\/.*)?$/.exec(line);
    if (!m) throw new Error(`${notebook}: cannot read the config line "${line}"`);
    out[m[1]] = new Function('process', `return (${m[2]});`)({ env: {} });
  }
  return out;
}

test('03\'s config cell shows every field of defaultRewardModelConfig, with its default value', () => {
  assert.deepEqual(notebookConfigLiteral('03_reward_model.ipynb'), { ...defaultRewardModelConfig });
});

test('05\'s config cell shows every field of defaultDpoConfig, with its default value', () => {
  assert.deepEqual(notebookConfigLiteral('05_dpo.ipynb'), { ...defaultDpoConfig });
});
