import * as fs from 'fs';
import * as path from 'path';
import { escapeHtml } from '../../lib/ui/display';
import { parseJsonl, requireObject } from '../../lib/core/jsonl';
import { Figure, PlotLayout, PlotTrace, plotlyBundle } from '../../lib/ui/plot';
import { Metrics, num, obj, readMetrics } from './report-card';

/**
 * The few charts under the report card, drawn from what the stages wrote to the run folder: the training losses
 * (sft/history.json, rm/history.json, online-dpo/log.jsonl), the reward model's accuracy against the noise ceiling,
 * gold and proxy against √KL during PPO (ppo/log.jsonl), and SFT beside every tuned policy. One quantity per axis:
 * quantities of different units get panels of their own.
 */

/** One panel of a figure: its traces, axis titles and an optional fixed y range. */
export interface Panel {
  traces: PlotTrace[];
  xLabel: string;
  yLabel: string;
  yRange?: [number, number];
  /** Start the x axis at 0 (√KL). */
  xFromZero?: boolean;
  /** Start the y axis at 0 (rates). */
  yFromZero?: boolean;
}

/** A chart of the report: its figure and a sentence on what to look at. */
export interface ReportChart {
  fig: Figure;
  caption: string;
}

/** Panels side by side, each with its own x and y axis (x, x2, x3 …), under one title. */
export function panelsFigure(title: string, panels: readonly Panel[], height = 320): Figure {
  const n = panels.length;
  const gap = n > 1 ? 0.14 : 0;
  const layout: PlotLayout = { title: { text: title }, height, margin: { l: 80, r: 20, t: 50, b: 50 }, legend: { orientation: 'h', y: -0.25 } };
  const data: PlotTrace[] = [];
  panels.forEach((p, i) => {
    const k = i === 0 ? '' : String(i + 1);
    layout[`xaxis${k}`] = { domain: [i / n + (i > 0 ? gap / 2 : 0), (i + 1) / n - (i < n - 1 ? gap / 2 : 0)], anchor: `y${k}`, title: { text: p.xLabel }, automargin: true, ...(p.xFromZero ? { rangemode: 'tozero' } : {}) };
    layout[`yaxis${k}`] = { anchor: `x${k}`, title: { text: p.yLabel }, automargin: true, ...(p.yRange ? { range: p.yRange } : {}), ...(p.yFromZero ? { rangemode: 'tozero' } : {}) };
    for (const t of p.traces) data.push({ ...t, xaxis: `x${k}`, yaxis: `y${k}` });
  });
  return { data, layout };
}

/** A JSON file of the run folder, or null when absent; malformed JSON is an error naming the file. */
function readJson(file: string): Metrics | null {
  if (!fs.existsSync(file)) return null;
  try {
    return requireObject(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/** The records of a log.jsonl of the run folder, or [] when absent. */
export function readLog(file: string): Metrics[] {
  return fs.existsSync(file) ? parseJsonl(fs.readFileSync(file, 'utf8'), requireObject, file) : [];
}

/** The numbers at `key` of a history file, or null; an array holding anything else is an error naming file and key. */
function numbers(h: Metrics, key: string, file: string): number[] | null {
  const v = h[key];
  if (v === undefined) return null;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new Error(`${file}: "${key}" must be an array of numbers`);
  return v as number[];
}

/** A line trace of y against x (markers too when the points are few), refusing series of different lengths (naming the file). */
function line(name: string, x: number[] | null, y: number[] | null, file: string): PlotTrace[] {
  if (!x || !y) return [];
  if (x.length !== y.length) throw new Error(`${file}: ${name} has ${x.length} steps and ${y.length} values`);
  return [{ type: 'scatter', mode: x.length > 50 ? 'lines' : 'lines+markers', name, x, y, marker: { size: 4 } }];
}

/** The training losses of SFT, the reward model and online DPO, one panel each (their units differ). */
export function lossChart(dir: string): ReportChart | null {
  const panels: Panel[] = [];
  const sftFile = path.join(dir, 'sft', 'history.json');
  const sft = readJson(sftFile);
  if (sft) {
    const traces = [
      ...line('SFT train', numbers(sft, 'step', sftFile), numbers(sft, 'trainLoss', sftFile), sftFile),
      ...line('SFT validation', numbers(sft, 'valStep', sftFile), numbers(sft, 'valLoss', sftFile), sftFile),
    ];
    if (traces.length > 0) panels.push({ traces, xLabel: 'SFT step', yLabel: 'cross-entropy (nats/token)' });
  }
  const rmFile = path.join(dir, 'rm', 'history.json');
  const rm = readJson(rmFile);
  if (rm) {
    const traces = line('RM train', numbers(rm, 'step', rmFile), numbers(rm, 'loss', rmFile), rmFile);
    if (traces.length > 0) panels.push({ traces, xLabel: 'RM step', yLabel: 'Bradley–Terry loss (nats/pair)' });
  }
  const odpoFile = path.join(dir, 'online-dpo', 'log.jsonl');
  const odpo = readLog(odpoFile).filter((r) => typeof r.step === 'number' && typeof r.loss === 'number' && Number.isFinite(r.loss));
  if (odpo.length > 0) {
    panels.push({ traces: line('online DPO', odpo.map((r) => r.step as number), odpo.map((r) => r.loss as number), odpoFile), xLabel: 'online DPO step', yLabel: 'DPO loss (nats/pair)' });
  }
  if (panels.length === 0) return null;
  return { fig: panelsFigure('Training losses', panels), caption: 'Each loss should fall and then flatten; a validation loss that rises while the training loss falls is over-fitting.' };
}

/** The reward model's pair accuracy against the labelers and against gold, beside a labeler's own (the ceiling). */
export function rmAccuracyChart(m: Metrics | null): ReportChart | null {
  if (!m || num(m, 'heldOutAccuracy') === null) return null;
  const refs = ['vs labelers (held out)', 'vs gold judge'];
  const bar = (name: string, ys: (number | null)[]) => ({ type: 'bar', name, x: refs, y: ys.map((y) => (y === null ? null : 100 * y)) });
  const fig = panelsFigure('Reward model accuracy against the noise ceiling', [{
    traces: [
      bar('reward model', [num(m, 'heldOutAccuracy'), num(m, 'goldAccuracy')]),
      bar('a labeler (noise ceiling)', [num(m, 'noiseCeiling'), num(m, 'labelerGoldAgreement')]),
      bar('before training', [num(m, 'accuracyBeforeTraining'), null]),
    ],
    xLabel: '', yLabel: 'pair accuracy (%)', yRange: [0, 100],
  }]);
  fig.layout.barmode = 'group';
  fig.layout.shapes = [{ type: 'line', xref: 'paper', x0: 0, x1: 1, y0: 50, y1: 50, line: { dash: 'dot', color: '#999', width: 1 } }];
  return { fig, caption: 'Chance is 50 % (dotted). The reward model cannot beat the labelers\' own agreement by much: the gap to the ceiling is what is left to learn.' };
}

/** Gold Likert and the reward model's score against √KL to SFT over PPO's iterations, each on its own axis. */
export function goldProxyChart(dir: string): ReportChart | null {
  const file = path.join(dir, 'ppo', 'log.jsonl');
  const log = readLog(file).filter((r) => typeof r.kl === 'number' && typeof r.goldLikert === 'number' && typeof r.rmScore === 'number');
  if (log.length === 0) return null;
  const x = log.map((r) => Math.sqrt(Math.max(0, r.kl as number)));
  const trace = (name: string, y: number[]) => ({ type: 'scatter', mode: 'lines+markers', name, x, y, marker: { size: 5 } });
  const xLabel = '√KL to SFT (nats^½)';
  return {
    fig: panelsFigure('PPO: gold and proxy against √KL', [
      { traces: [trace('gold Likert', log.map((r) => r.goldLikert as number))], xLabel, yLabel: 'gold Likert (1–7)', xFromZero: true },
      { traces: [trace('RM score', log.map((r) => r.rmScore as number))], xLabel, yLabel: 'RM score (normalised)', xFromZero: true },
    ]),
    caption: 'Each point is one PPO iteration\'s replies. The proxy (right) keeps climbing as the policy moves away from SFT; where gold (left) stops following it, the policy is over-optimising the reward model.',
  };
}

/** One bar group of the comparison chart. */
interface Measured {
  name: string;
  gold: number | null;
  halluc: number | null;
  toxic: number | null;
}

/**
 * SFT as the tuned policies' stages measured it (their own evaluation of SFT on the same prompts and seeds, 04
 * first), else as notebook 01 did; with the stage it comes from.
 */
function sftMeasured(dir: string): { sft: Measured; from: string } | null {
  for (const stage of ['ppo', 'dpo', 'online-dpo']) {
    const m = readMetrics(dir, stage);
    if (m && num(m, 'goldLikertSft') !== null) {
      return { sft: { name: 'SFT', gold: num(m, 'goldLikertSft'), halluc: num(m, 'hallucinationRateSft'), toxic: num(m, 'toxicityRateSft') }, from: stage };
    }
  }
  const g = obj(readMetrics(dir, 'group-rl'), 'sft');
  if (g) return { sft: { name: 'SFT', gold: num(g, 'goldLikert'), halluc: num(g, 'hallucinationRate'), toxic: num(g, 'toxicityRate') }, from: 'group-rl' };
  const m = readMetrics(dir, 'sft');
  return m ? { sft: { name: 'SFT', gold: num(m, 'goldLikertMean'), halluc: num(m, 'hallucinationRate'), toxic: num(m, 'toxicityRate') }, from: 'sft' } : null;
}

/** Gold, hallucination and toxicity of SFT and every tuned policy of the run, one panel per measure. */
export function comparisonChart(dir: string): ReportChart | null {
  const models: Measured[] = [];
  const sft = sftMeasured(dir);
  if (sft) models.push(sft.sft);
  for (const [stage, suffix, name] of [['ppo', 'Ppo', 'PPO'], ['dpo', 'Dpo', 'DPO'], ['online-dpo', 'OnlineDpo', 'online DPO']]) {
    const m = readMetrics(dir, stage);
    if (m) models.push({ name, gold: num(m, `goldLikert${suffix}`), halluc: num(m, `hallucinationRate${suffix}`), toxic: num(m, `toxicityRate${suffix}`) });
  }
  const variants = obj(readMetrics(dir, 'group-rl'), 'variants') ?? {};
  for (const name of Object.keys(variants)) {
    const v = obj(variants, name);
    models.push({ name, gold: num(v, 'goldLikert'), halluc: num(v, 'hallucinationRate'), toxic: num(v, 'toxicityRate') });
  }
  if (models.length < 2) return null;
  const x = models.map((m) => m.name);
  const bars = (name: string, y: (number | null)[]) => [{ type: 'bar', name, x, y, showlegend: false }];
  const asPct = (y: number | null) => (y === null ? null : 100 * y);
  return {
    fig: panelsFigure('SFT and the tuned policies', [
      { traces: bars('gold Likert', models.map((m) => m.gold)), xLabel: '', yLabel: 'gold Likert (1–7)', yRange: [1, 7] },
      { traces: bars('hallucination', models.map((m) => asPct(m.halluc))), xLabel: '', yLabel: 'hallucination (% of replies)', yFromZero: true },
      { traces: bars('toxicity', models.map((m) => asPct(m.toxic))), xLabel: '', yLabel: 'toxicity (% of replies)', yFromZero: true },
    ], 340),
    caption: `One reply per evaluation question at the stage's sampling temperature (1 by default), as each stage measured it; SFT as ${sft ? `${sft.from}/metrics.json` : 'no stage'} measured it. The group-RL bars are notebook 07's variants.`,
  };
}

/** The charts of run folder `dir` (those whose data exist), as HTML; plotly.js must already be on the page. */
export function reportChartsHtml(dir: string): string {
  const charts = [lossChart(dir), rmAccuracyChart(readMetrics(dir, 'rm')), goldProxyChart(dir), comparisonChart(dir)].filter((c): c is ReportChart => c !== null);
  return charts.map((c) => `<figure class="chart">${String(plotlyBundle(c.fig, { includeLibrary: false })['text/html'])}<figcaption>${escapeHtml(c.caption)}</figcaption></figure>`).join('\n');
}
