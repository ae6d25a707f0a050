import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { baseStage, hashPath, settingsOfEnv, stageInputs, stageOfNotebook, whyStageRuns, writeStageManifest } from '../tools/commands/stageManifest';

test('hashPath: follows names and contents, ignores temporary entries, says "missing" for nothing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-hash-'));
  fs.writeFileSync(path.join(dir, 'a.json'), '1');
  const h = hashPath(dir);
  fs.writeFileSync(path.join(dir, `a.json.${process.pid}.x1.tmp`), 'half');
  fs.mkdirSync(path.join(dir, `.b.tmp-${process.pid}-abc`));
  assert.equal(hashPath(dir), h, 'temporaries do not count');
  fs.writeFileSync(path.join(dir, 'a.json'), '2');
  assert.notEqual(hashPath(dir), h);
  fs.writeFileSync(path.join(dir, 'a.json'), '1');
  fs.renameSync(path.join(dir, 'a.json'), path.join(dir, 'b.json'));
  assert.notEqual(hashPath(dir), h, 'a renamed file changes the hash');
  assert.equal(hashPath(path.join(dir, 'nothing')), 'missing');
  fs.rmSync(dir, { recursive: true });
});

test('settingsOfEnv keeps the RLHF_* settings but not where the run writes', () => {
  assert.deepEqual(settingsOfEnv({ RLHF_SMOKE: '1', RLHF_RUN_DIR: '/x', RLHF_KERNEL_PARENT_PID: '5', HOME: '/h', RLHF_SEED: '3' }), { RLHF_SEED: '3', RLHF_SMOKE: '1' });
  assert.equal(stageOfNotebook('notebooks/03_reward_model.ipynb'), 'rm');
  assert.equal(stageOfNotebook('notebooks/00_introduction.ipynb'), null);
});

test('whyStageRuns: a stage is skipped only with its manifest, unchanged outputs and unchanged inputs', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-run-'));
  const seed = process.env.RLHF_SEED;
  try {
    fs.mkdirSync(path.join(root, 'sft'));
    fs.writeFileSync(path.join(root, 'sft', 'config.json'), '{"v":1}');
    fs.mkdirSync(path.join(root, 'ranking'));
    fs.writeFileSync(path.join(root, 'ranking', 'pairs.jsonl'), '{}\n');
    assert.equal(whyStageRuns(root, 'ranking'), 'no record of a completed run');
    assert.equal(whyStageRuns(root, 'rm'), 'not run yet');
    writeStageManifest(root, 'sft');
    writeStageManifest(root, 'ranking');
    assert.equal(whyStageRuns(root, 'sft'), null);
    assert.equal(whyStageRuns(root, 'ranking'), null);
    fs.writeFileSync(path.join(root, 'ranking', 'pairs.jsonl'), '{}\n{}\n');
    assert.equal(whyStageRuns(root, 'ranking'), 'its outputs changed since it completed');
    writeStageManifest(root, 'ranking');
    fs.writeFileSync(path.join(root, 'sft', 'config.json'), '{"v":2}'); // SFT ran again: ranking's input changed
    assert.equal(whyStageRuns(root, 'ranking'), 'changed: stage sft');
    writeStageManifest(root, 'ranking');
    process.env.RLHF_SEED = '12345';
    assert.equal(whyStageRuns(root, 'ranking'), 'changed: settings');
    delete process.env.RLHF_SEED;
    assert.equal(whyStageRuns(root, 'ranking'), seed === undefined ? null : 'changed: settings');
    fs.rmSync(path.join(root, 'ranking'), { recursive: true });
    assert.equal(whyStageRuns(root, 'ranking'), 'its outputs are missing');
  } finally {
    if (seed === undefined) delete process.env.RLHF_SEED;
    else process.env.RLHF_SEED = seed;
    fs.rmSync(root, { recursive: true });
  }
});

test('a seeded stage (ppo-seed2, written with RLHF_SEED=2) is its base stage\'s notebook; the seed is one of its settings', () => {
  assert.equal(baseStage('ppo-seed2'), 'ppo');
  assert.equal(baseStage('group-rl-seed13'), 'group-rl');
  assert.equal(baseStage('rm'), 'rm');
  assert.throws(() => baseStage('leaderboard'), /no notebook writes the stage "leaderboard"/);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-seeded-'));
  const saved = process.env.RLHF_SEED;
  try {
    delete process.env.RLHF_SEED;
    const one = stageInputs('ppo-seed2', root);
    process.env.RLHF_SEED = '2';
    const two = stageInputs('ppo-seed2', root);
    assert.equal(one.notebook, stageInputs('ppo', root).notebook);
    assert.notEqual(one.settings, two.settings);
  } finally {
    if (saved === undefined) delete process.env.RLHF_SEED; else process.env.RLHF_SEED = saved;
    fs.rmSync(root, { recursive: true, force: true });
  }
});
