import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { inputStageDir, UPSTREAM_ENV } from '../lib/core/paths';
import { locateStage } from '../lib/io/artifacts';
import { checkOverrides, parseStageArgs, STAGE_CONFIG_NAMES } from '../tools/commands/stage';

const saved = { ...process.env };
after(() => { process.env = saved; });

test('npm run stage: the stage, its settings and the run name read from the command line', () => {
  assert.deepEqual(parseStageArgs(['04', '--set', 'klCoef=0.02', '--name', 'beta-0.02']),
    { stage: '04', overrides: { klCoef: 0.02 }, name: 'beta-0.02' });
  assert.deepEqual(parseStageArgs(['7']), { stage: '07', overrides: {}, name: null });
  assert.throws(() => parseStageArgs(['--set', 'klCoef=0.02']), /which stage/);
  assert.throws(() => parseStageArgs(['04', '--bogus']), /unknown argument --bogus/);
  assert.throws(() => parseStageArgs(['04', '--name', '../x']), /names a folder/);
  assert.throws(() => parseStageArgs(['09']), /no config to set/);
});

test('npm run stage: an unknown key names the nearest valid one; a bad value names the field, before anything runs', () => {
  assert.throws(() => checkOverrides('04', { klCoeff: 0.02 }), /did you mean klCoef\?/);
  assert.throws(() => checkOverrides('04', { learningrate: 1e-4 }), /did you mean learningRate\?/);
  assert.throws(() => checkOverrides('04', { klCoef: -1 }), /PpoConfig\.klCoef must be/);
  assert.throws(() => checkOverrides('07', { groupSize: 1 }), /GroupRlConfig\.groupSize must be/);
  assert.doesNotThrow(() => checkOverrides('04', { klCoef: 0.02, klTarget: null }));
});

test('every stage npm run stage can set applies the settings in its config cell (withOverrides of its config)', () => {
  const dir = path.join(__dirname, '..', 'notebooks');
  for (const [nn, configName] of Object.entries(STAGE_CONFIG_NAMES)) {
    const file = fs.readdirSync(dir).find((f) => f.startsWith(`${nn}_`) && f.endsWith('.ipynb'));
    assert.ok(file, `no notebook for stage ${nn}`);
    const cells = (JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { cells: { cell_type: string; source: string[] }[] }).cells;
    const code = cells.filter((c) => c.cell_type === 'code').map((c) => c.source.join('')).join('\n');
    assert.ok(code.includes(`withOverrides('${configName}'`), `${file} ignores --set: its config cell must apply withOverrides('${configName}', …)`);
  }
});

test('a named run reads the stages it lacks from its upstream run folder; a stage it has is its own', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-stage-'));
  try {
    const up = path.join(root, 'runs');
    const named = path.join(up, 'beta');
    fs.mkdirSync(path.join(up, 'sft'), { recursive: true });
    fs.writeFileSync(path.join(up, 'sft', 'config.json'), '{}');
    fs.mkdirSync(path.join(named, 'ppo'), { recursive: true });
    fs.writeFileSync(path.join(named, 'ppo', 'config.json'), '{}');
    process.env.RLHF_RUN_DIR = named;
    process.env[UPSTREAM_ENV] = up;
    assert.equal(inputStageDir('sft', 'config.json'), path.join(up, 'sft'));
    assert.deepEqual(locateStage('sft'), { dir: path.join(up, 'sft'), source: 'upstream' });
    assert.deepEqual(locateStage('ppo'), { dir: path.join(named, 'ppo'), source: 'run' });
    delete process.env[UPSTREAM_ENV];
    assert.equal(locateStage('sft').source === 'upstream', false, 'outside a named run, no upstream');
  } finally {
    process.env = { ...saved };
    fs.rmSync(root, { recursive: true, force: true });
  }
});
