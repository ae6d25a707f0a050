import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { allMetricsHtml, readMetrics, reportCardHtml, valueHtml } from '../tools/commands/report-card';
import { comparisonChart, goldProxyChart, lossChart, reportChartsHtml, rmAccuracyChart } from '../tools/commands/report-charts';

/** A run folder with small fake outputs of SFT, ranking, RM, PPO and group RL (no DPO, no online DPO). */
function fakeRun(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-card-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  const json = (file: string, v: unknown) => write(file, JSON.stringify(v));
  json('sft/metrics.json', { goldLikertMean: 3.14159, goldLikertMeanGreedy: 2.718, hallucinationRate: 0.125, toxicityRate: 0.0625, formatRate: 0.9, steps: 550, smoke: false });
  json('sft/history.json', { step: [1, 2, 3], trainLoss: [3, 2, 1.5], valStep: [0, 3], valLoss: [3.2, 1.7] });
  json('ranking/metrics.json', { prompts: 30, k: 4, pairs: 120, labelerAgreement: 0.64, noiseCeiling: 0.82 });
  json('rm/metrics.json', {
    heldOutAccuracy: 0.71, noiseCeiling: 0.8, goldAccuracy: 0.66, labelerGoldAgreement: 0.75, accuracyBeforeTraining: 0.5,
    reward: { form: 'lastTokenHead', scale: 1, shift: 0 },
    formComparison: [{ form: 'lastTokenHead', 'vs gold': 0.66 }, { form: 'logRatio', 'vs gold': 0.61 }],
  });
  json('rm/history.json', { step: [1, 2], loss: [0.69, 0.5] });
  json('ppo/metrics.json', { goldLikertSft: 3.1, goldLikertPpo: 4.2, klToSft: 1.5, hallucinationRateSft: 0.25, hallucinationRatePpo: 0.05, toxicityRateSft: 0.1, toxicityRatePpo: 0 });
  write('ppo/log.jsonl', [{ iteration: 1, kl: 0, goldLikert: 3, rmScore: 0 }, { iteration: 2, kl: 4, goldLikert: 4, rmScore: 1.5 }, { iteration: 3, kl: 9, goldLikert: 3.5, rmScore: 2 }]
    .map((r) => JSON.stringify(r)).join('\n') + '\n');
  json('group-rl/metrics.json', {
    variants: { rloo: { goldLikert: 4.5, hallucinationRate: 0.02, toxicityRate: 0, klToSft: 2.25 }, grpo: { goldLikert: 4.25, hallucinationRate: 0.04, toxicityRate: 0.01, klToSft: 3 } },
    sft: { goldLikert: 3.1, hallucinationRate: 0.25, toxicityRate: 0.1 }, ppo: { goldLikert: 4.2, klToSft: 1.5 }, config: { groupSize: 4 },
  });
  return dir;
}

test('the report card shows each stage\'s headline figures from its metrics.json, and the stages not run', () => {
  const dir = fakeRun();
  const html = reportCardHtml(dir);
  assert.match(html, /gold Likert <b>3\.14<\/b> at temperature 1, <b>2\.72<\/b> greedy/);
  assert.match(html, /hallucination <b>12\.5 %<\/b>, toxicity 6\.3 %/);
  assert.match(html, /<b>120<\/b> preference pairs from 30 prompts × 4 replies/);
  assert.match(html, /labeler agreement <b>64\.0 %<\/b>/);
  assert.match(html, /noise ceiling <b>82\.0 %<\/b>/);
  assert.match(html, /held-out accuracy <b>71\.0 %<\/b> vs noise ceiling <b>80\.0 %<\/b>/);
  assert.match(html, /gold Likert <b>3\.10 → 4\.20<\/b> \(SFT → PPO\)/);
  assert.match(html, /KL to SFT <b>1\.50 nats<\/b>/);
  assert.match(html, /hallucination 25\.0 % → 5\.0 %/);
  assert.match(html, /toxicity 10\.0 % → 0 %/);
  assert.match(html, /<th>rloo<\/th><td>4\.50<\/td><td>2\.0 %<\/td><td>0 %<\/td><td>2\.25<\/td>/, 'group RL: one row per variant');
  assert.match(html, /<th>PPO \(04\)<\/th><td>4\.20<\/td>/);
  assert.match(html, /Not run: DPO, Online DPO\./);
  assert.doesNotMatch(html, /Pre-training/, 'pre-training is shipped, not a stage of every run');
  assert.equal((html.match(/class="meaning"/g) ?? []).length, 5, 'one sentence per card');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the full metrics print nested objects as small tables, never as raw JSON', () => {
  const dir = fakeRun();
  const html = allMetricsHtml(dir);
  assert.match(html, /^<details class="allmetrics"><summary>/, 'collapsed');
  assert.match(html, /<b>goldLikertMean<\/b> 3\.142/);
  assert.match(html, /<tr><th>form<\/th><th>scale<\/th><th>shift<\/th><\/tr><tr><td>lastTokenHead<\/td><td>1<\/td><td>0<\/td><\/tr>/, 'a flat object: one row');
  assert.match(html, /<tr><th>form<\/th><th>vs gold<\/th><\/tr><tr><td>lastTokenHead<\/td><td>0\.66<\/td><\/tr><tr><td>logRatio<\/td><td>0\.61<\/td><\/tr>/, 'a list of records: a row each');
  assert.match(html, /<tr><td>rloo<\/td><td>4\.5<\/td><td>0\.02<\/td><td>0<\/td><td>2\.25<\/td><\/tr>/, 'an object of records: a row each');
  for (const page of [html, reportCardHtml(dir)]) {
    assert.doesNotMatch(page, /[{[]"|":/, 'no JSON text');
  }
  assert.equal(valueHtml({ a: { b: { c: 1 } } }), '<table class="kv"><tr><th>a</th><td><table class="kv"><tr><th></th><th>c</th></tr><tr><td>b</td><td>1</td></tr></table></td></tr></table>');
  assert.equal(valueHtml([1, null, 'x<y']), '1, —, x&lt;y');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the charts: one quantity per axis, drawn from the run folder\'s logs and metrics', () => {
  const dir = fakeRun();
  const gp = goldProxyChart(dir)!;
  assert.deepEqual(gp.fig.data.map((t) => [t.name, t.x, t.y, t.yaxis]), [
    ['gold Likert', [0, 2, 3], [3, 4, 3.5], 'y'],
    ['RM score', [0, 2, 3], [0, 1.5, 2], 'y2'],
  ], '√KL on x; gold and the RM score each on its own axis');
  assert.deepEqual((gp.fig.layout.yaxis2 as { title: { text: string } }).title.text, 'RM score (normalised)');

  const cmp = comparisonChart(dir)!;
  assert.deepEqual(cmp.fig.data.map((t) => t.y), [[3.1, 4.2, 4.5, 4.25], [25, 5, 2, 4], [10, 0, 0, 1]]);
  assert.deepEqual(cmp.fig.data[0].x, ['SFT', 'PPO', 'rloo', 'grpo']);
  assert.match(cmp.caption, /SFT as ppo\/metrics\.json measured it/);

  const rm = rmAccuracyChart(readMetrics(dir, 'rm'))!;
  assert.deepEqual(rm.fig.data.map((t) => [t.name, t.y]), [['reward model', [71, 66]], ['a labeler (noise ceiling)', [80, 75]], ['before training', [50, null]]]);

  const loss = lossChart(dir)!;
  assert.deepEqual(loss.fig.data.map((t) => [t.name, t.xaxis, t.yaxis]), [['SFT train', 'x', 'y'], ['SFT validation', 'x', 'y'], ['RM train', 'x2', 'y2']]);
  assert.equal((reportChartsHtml(dir).match(/<figure class="chart">/g) ?? []).length, 4);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an empty run folder says so; a malformed metrics.json or history is an error naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-card-'));
  assert.match(reportCardHtml(dir), /No stage has written metrics yet\./);
  assert.equal(reportChartsHtml(dir), '');
  assert.equal(allMetricsHtml(dir), '');
  fs.mkdirSync(path.join(dir, 'sft'));
  fs.writeFileSync(path.join(dir, 'sft', 'metrics.json'), '{"goldLikertMean": 3,');
  assert.throws(() => reportCardHtml(dir), /sft[\\/]metrics\.json: not valid JSON/);
  fs.writeFileSync(path.join(dir, 'sft', 'metrics.json'), '[1, 2]');
  assert.throws(() => readMetrics(dir, 'sft'), /sft[\\/]metrics\.json: expected a JSON object/);
  fs.writeFileSync(path.join(dir, 'sft', 'history.json'), JSON.stringify({ step: [1, 2], trainLoss: [1] }));
  assert.throws(() => lossChart(dir), /history\.json: SFT train has 2 steps and 1 values/);
  fs.rmSync(dir, { recursive: true, force: true });
});
