import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseTempName, removeStaleTemps, replaceDir, tempSibling, writeDirAtomic } from '../lib/core/atomicDir';
import { commitStageOutput, stageOutput } from '../lib/io/stageOutput';

const tmpRoot = () => fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-dir-'));
/** The id of a process that has ended (a child that ran and exited). */
const deadPid = () => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();

test('writeDirAtomic: the folder appears whole, replaces an older one, and a failing fill leaves it unchanged', () => {
  const root = tmpRoot();
  const dir = path.join(root, 'ckpt');
  writeDirAtomic(dir, (tmp) => { fs.writeFileSync(path.join(tmp, 'a'), '1'); fs.writeFileSync(path.join(tmp, 'b'), '1'); });
  writeDirAtomic(dir, (tmp) => { fs.writeFileSync(path.join(tmp, 'a'), '2'); });
  assert.deepEqual(fs.readdirSync(dir), ['a'], 'replaced as a whole: b of the first folder is gone');
  assert.equal(fs.readFileSync(path.join(dir, 'a'), 'utf8'), '2');
  assert.throws(() => writeDirAtomic(dir, (tmp) => { fs.writeFileSync(path.join(tmp, 'a'), '3'); throw new Error('disk full'); }), /disk full/);
  assert.equal(fs.readFileSync(path.join(dir, 'a'), 'utf8'), '2');
  assert.deepEqual(fs.readdirSync(root), ['ckpt'], 'no temporary folder left');
  fs.rmSync(root, { recursive: true });
});

test('removeStaleTemps: removes the temporaries of dead writers, keeps a live one, restores a folder renamed aside', () => {
  const root = tmpRoot();
  const dead = deadPid();
  fs.mkdirSync(path.join(root, `.sft.tmp-${dead}-abc`));
  fs.writeFileSync(path.join(root, `.sft.tmp-${dead}-abc`, 'model.safetensors'), 'half');
  fs.writeFileSync(path.join(root, `metrics.json.${dead}.k2x.tmp`), '{"half');
  fs.mkdirSync(path.join(root, `.rm.old-${dead}-q1`)); // killed between the two renames: rm is missing
  fs.writeFileSync(path.join(root, `.rm.old-${dead}-q1`, 'config.json'), '{}');
  fs.mkdirSync(path.join(root, 'ppo'));
  fs.mkdirSync(path.join(root, `.ppo.old-${dead}-q2`)); // killed after the second rename: ppo is there
  const live = tempSibling(path.join(root, 'dpo'), 'tmp');
  fs.mkdirSync(live);
  const done = removeStaleTemps(root);
  assert.equal(done.length, 4, done.join('\n'));
  assert.deepEqual(fs.readdirSync(root).sort(), [path.basename(live), 'ppo', 'rm'].sort());
  assert.deepEqual(fs.readdirSync(path.join(root, 'rm')), ['config.json']);
  assert.deepEqual(parseTempName(`.sft.tmp-${dead}-abc`), { target: 'sft', kind: 'tmp', pid: Number(dead) });
  assert.deepEqual(parseTempName('config.json.12.k2x.tmp'), { target: 'config.json', kind: 'file', pid: 12 });
  assert.equal(parseTempName('model.safetensors'), null);
  fs.rmSync(root, { recursive: true });
});

test('replaceDir swaps a complete folder in place of an existing one', () => {
  const root = tmpRoot();
  fs.mkdirSync(path.join(root, 'x'));
  fs.writeFileSync(path.join(root, 'x', 'old'), '');
  fs.mkdirSync(path.join(root, 'y'));
  fs.writeFileSync(path.join(root, 'y', 'new'), '');
  replaceDir(path.join(root, 'y'), path.join(root, 'x'));
  assert.deepEqual(fs.readdirSync(root), ['x']);
  assert.deepEqual(fs.readdirSync(path.join(root, 'x')), ['new']);
  fs.rmSync(root, { recursive: true });
});

test('stageOutput / commitStageOutput: outputs appear together; kept files of the old folder carried over', () => {
  const root = tmpRoot();
  const saved = process.env.RLHF_RUN_DIR;
  process.env.RLHF_RUN_DIR = root;
  try {
    fs.mkdirSync(path.join(root, 'ranking'));
    fs.writeFileSync(path.join(root, 'ranking', 'rankings_human.jsonl'), 'a person\'s work\n');
    fs.writeFileSync(path.join(root, 'ranking', 'pairs.jsonl'), 'old\n');
    const out = stageOutput('ranking');
    fs.writeFileSync(path.join(out, 'pairs.jsonl'), 'new\n');
    assert.equal(fs.readFileSync(path.join(root, 'ranking', 'pairs.jsonl'), 'utf8'), 'old\n', 'nothing visible before the commit');
    assert.throws(() => commitStageOutput('sft', out), /not a temporary folder of stage "sft"/);
    assert.equal(commitStageOutput('ranking', out, { keep: ['rankings_human.jsonl'] }), path.join(root, 'ranking'));
    assert.deepEqual(fs.readdirSync(path.join(root, 'ranking')).sort(), ['pairs.jsonl', 'rankings_human.jsonl']);
    assert.equal(fs.readFileSync(path.join(root, 'ranking', 'pairs.jsonl'), 'utf8'), 'new\n');
    assert.deepEqual(fs.readdirSync(root), ['ranking']);
  } finally {
    if (saved === undefined) delete process.env.RLHF_RUN_DIR;
    else process.env.RLHF_RUN_DIR = saved;
    fs.rmSync(root, { recursive: true });
  }
});
