import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { LEADERBOARD_METHODS, loadMethodResult, seededStage } from '../lib/io/leaderboardRuns';
import { parseSeeds, plan } from '../tools/commands/leaderboard';
import { leaderboardHtml } from '../tools/commands/report-leaderboard';
import { gaoFigure } from '../lib/ui/gaoChart';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-lb-'));
const write = (file: string, text: string) => { fs.mkdirSync(path.dirname(file), { recursive: true }); fs.writeFileSync(file, text); };
const ppo = LEADERBOARD_METHODS.find((m) => m.method === 'PPO')!;
const rloo = LEADERBOARD_METHODS.find((m) => m.method === 'RLOO')!;

test('seeded stage folders: seed 1 is the stage itself', () => {
  assert.equal(seededStage('ppo', 1), 'ppo');
  assert.equal(seededStage('group-rl', 3), 'group-rl-seed3');
});

test('a method\'s results: figures from metrics.json, paired replies from eval_samples.jsonl; absent stage → null', () => {
  const root = tmp();
  try {
    assert.equal(loadMethodResult(root, ppo, 1), null);
    write(path.join(root, 'ppo-seed2', 'metrics.json'), JSON.stringify({ goldLikertPpo: 6.1, klToSft: 3.2, hallucinationRatePpo: 0.05, rmScorePpo: 1.1, wallSeconds: 300 }));
    write(path.join(root, 'ppo-seed2', 'eval_samples.jsonl'), '{"prompt":"q","factId":"capital:PE","sft":"a","ppo":"b","goldSft":3,"goldPpo":7}\n');
    const r = loadMethodResult(root, ppo, 2)!;
    assert.deepEqual({ gold: r.goldLikert, kl: r.klToSft, h: r.hallucinationRate, rm: r.rmScore, wall: r.wallSeconds }, { gold: 6.1, kl: 3.2, h: 0.05, rm: 1.1, wall: 300 });
    assert.deepEqual(r.samples, [{ prompt: 'q', factId: 'capital:PE', reply: 'b', gold: 7, sftReply: 'a', goldSft: 3 }]);
    write(path.join(root, 'group-rl', 'metrics.json'), JSON.stringify({ variants: { rloo: { goldLikert: 6, klToSft: 2, hallucinationRate: 0.1, rmScore: 0.9, wallSeconds: 80 } } }));
    write(path.join(root, 'group-rl', 'eval_samples.jsonl'), '{"prompt":"q","factId":"capital:PE","sft":"a","goldSft":3,"rloo":"c","goldRloo":5}\n{"prompt":"q"\n');
    assert.throws(() => loadMethodResult(root, rloo, 1), (e: Error) => /eval_samples\.jsonl:2: not valid JSON/.test(e.message));
    write(path.join(root, 'group-rl', 'eval_samples.jsonl'), '{"prompt":"q","factId":"capital:PE","sft":"a","goldSft":3,"rloo":"c","goldRloo":5}\n');
    assert.equal(loadMethodResult(root, rloo, 1)!.samples[0].reply, 'c');
    const grpo = LEADERBOARD_METHODS.find((m) => m.method === 'GRPO')!;
    assert.throws(() => loadMethodResult(root, grpo, 1), /no variants\.grpo/);
    write(path.join(root, 'dpo', 'metrics.json'), JSON.stringify({ goldLikertDpo: '4', klToSft: 1, hallucinationRateDpo: 0, rmScoreDpo: 0, wallSeconds: 1 }));
    assert.throws(() => loadMethodResult(root, LEADERBOARD_METHODS.find((m) => m.method === 'DPO')!, 1), /"goldLikert" must be a finite number/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('npm run leaderboard: seeds from the command line; the plan trains each seed\'s stages, then the over-optimisation run, then 08', () => {
  assert.deepEqual(parseSeeds([]), [1, 2, 3]);
  assert.deepEqual(parseSeeds(['--seeds', '1,4']), [1, 4]);
  assert.throws(() => parseSeeds(['--seeds', '1,1']), /distinct positive integers/);
  assert.throws(() => parseSeeds(['--seeds', '0']), /distinct positive integers/);
  assert.throws(() => parseSeeds(['--bogus']), /unknown argument --bogus/);
  const jobs = plan('/r', [1, 2], false);
  assert.deepEqual(jobs.map((j) => j.stage), ['sft', 'ranking', 'rm', 'ppo', 'dpo', 'online-dpo', 'group-rl',
    'ppo-seed2', 'dpo-seed2', 'online-dpo-seed2', 'group-rl-seed2', 'rm', 'ppo', null]);
  assert.equal(jobs[3].env.RLHF_SEED, undefined, 'seed 1 is the pipeline\'s own run: no RLHF_SEED, so its manifest matches');
  assert.equal(jobs[7].env.RLHF_SEED, '2');
  assert.equal(jobs[7].executedName, '04_ppo.seed2.ipynb');
  assert.equal(jobs[12].root, path.join('/r', 'overopt'));
  assert.match(String(jobs[12].env.RLHF_SET), /"klCoef":0/);
  const smokeJobs = plan('/r', [1], true);
  assert.doesNotMatch(String(smokeJobs[smokeJobs.length - 2].env.RLHF_SET), /iterations/, 'smoke mode keeps the smoke budget');
});

test('the report\'s leaderboard section: the saved table and chart; nothing when the leaderboard has not run', () => {
  const root = tmp();
  try {
    assert.equal(leaderboardHtml(root), '');
    const chart = { methods: [{ name: 'PPO', d: 1.9, dHalf: 0.1, gold: 6.4, goldHalf: 0.1, proxy: 1, proxyHalf: 0.05 }],
      bestOfN: [{ n: 1, d: 0, gold: 3, proxy: 0 }, { n: 4, d: 0.8, gold: 4.5, proxy: 0.6 }], curves: [{ name: 'law', d: [0, 1], gold: [3, 5] }], title: 't' };
    write(path.join(root, 'leaderboard', 'leaderboard.json'), JSON.stringify({ table: [{ method: 'PPO', 'gold Likert': '6.40 ± 0.10' }], chart, seeds: [1, 2, 3], evalPrompts: 300,
      overOptimisation: { goldPeak: 5, goldFinal: 4, peakIteration: 50, proxyAtPeak: 1, proxyFinal: 2, chosenIteration: 50 } }));
    const html = leaderboardHtml(root);
    assert.match(html, /6\.40 ± 0\.10/);
    assert.match(html, /Plotly\.newPlot/);
    assert.match(html, /gold peaks at 5\.00 at iteration 50 and ends at 4\.00/);
    const fig = gaoFigure(chart);
    assert.equal(fig.data.filter((t) => t.name === 'PPO').length, 2, 'each method on both panels');
    assert.ok(fig.data.every((t) => t.xaxis === 'x' || t.xaxis === 'x2'));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
