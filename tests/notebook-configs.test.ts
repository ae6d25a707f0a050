import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { cellSource, readNotebook } from '../tools/notebook/notebook';
import { defaultPpoConfig, smokePpoConfig, validatePpoConfig } from '../lib/train/ppo';
import { defaultOnlineDpoConfig, smokeOnlineDpoConfig, validateOnlineDpoConfig } from '../lib/train/onlineDpo';
import { defaultSftConfig, smokeSftConfig, validateSftConfig } from '../lib/train/sft';
import { defaultRankingConfig, smokeRankingConfig, validateRankingConfig } from '../lib/labels/ranking';
import { defaultRewardModelConfig } from '../lib/reward/config';
import { defaultDpoConfig } from '../lib/train/dpo';
import { defaultGroupRlConfig } from '../lib/train/groupRl';

/**
 * A stage notebook writes its config out as a literal the learner edits; the library keeps the same values as
 * `default…Config`. The literal must equal the defaults, or the pipeline's numbers would depend on which of the two
 * a run reads. The literal is evaluated as JavaScript with RLHF_SEED unset.
 */
function configLiteral(notebook: string, typeName: string): unknown {
  const nb = readNotebook(path.join(__dirname, '..', 'notebooks', notebook));
  const head = new RegExp(`const \\w+: ${typeName} = \\{`);
  const cell = nb.cells.map(cellSource).find((s) => head.test(s));
  assert.ok(cell, `${notebook} has a cell with "const …: ${typeName} = {"`);
  const start = cell.search(head) + cell.slice(cell.search(head)).indexOf('{');
  const end = cell.indexOf('\n};', start);
  assert.ok(end > start, `${notebook}: the ${typeName} literal ends with a line "};"`);
  return new Function('process', `return (${cell.slice(start, end + 2)});`)({ env: {} });
}

const cases = [
  { notebook: '01_supervised_finetuning.ipynb', typeName: 'SftConfig', defaults: defaultSftConfig },
  { notebook: '02_sampling_and_ranking.ipynb', typeName: 'RankingConfig', defaults: defaultRankingConfig },
  { notebook: '04_ppo.ipynb', typeName: 'PpoConfig', defaults: defaultPpoConfig },
  { notebook: '06_online_dpo.ipynb', typeName: 'OnlineDpoConfig', defaults: defaultOnlineDpoConfig },
  { notebook: '03_reward_model.ipynb', typeName: 'RewardModelConfig', defaults: defaultRewardModelConfig },
  { notebook: '05_dpo.ipynb', typeName: 'DpoConfig', defaults: defaultDpoConfig },
  { notebook: '07_group_rl.ipynb', typeName: 'GroupRlConfig', defaults: defaultGroupRlConfig },
];

for (const c of cases) {
  test(`${c.notebook}: the config literal equals ${c.typeName}'s defaults, field for field`, () => {
    assert.deepEqual(configLiteral(c.notebook, c.typeName), c.defaults);
  });
}

test('the smoke configs pass validation and shrink the run', () => {
  assert.ok(validatePpoConfig(smokePpoConfig(defaultPpoConfig)).iterations < defaultPpoConfig.iterations);
  assert.ok(validateOnlineDpoConfig(smokeOnlineDpoConfig(defaultOnlineDpoConfig)).steps < defaultOnlineDpoConfig.steps);
  assert.ok(validateSftConfig(smokeSftConfig(defaultSftConfig)).epochs < defaultSftConfig.epochs);
  assert.ok(validateRankingConfig(smokeRankingConfig(defaultRankingConfig)).prompts < defaultRankingConfig.prompts);
  assert.equal(smokePpoConfig({ ...defaultPpoConfig, klCoef: 0.02 }).klCoef, 0.02, 'smoke mode keeps the learner\'s other settings');
});
