import * as fs from 'fs';
import * as path from 'path';
import { STAGE_NOTEBOOKS } from '../../lib/core/paths';
import { escapeHtml } from '../../lib/ui/display';
import { formatNumber } from '../../lib/ui/format';

/**
 * The report card at the top of report.html: one card per stage with its headline figures and what they mean in
 * one sentence, read from the stage's metrics.json (never typed in); below it, every stage's full metrics in a
 * collapsed section, nested objects as small tables. A stage without metrics.json is listed as not run.
 */

/** One stage's metrics.json as parsed. */
export type Metrics = Record<string, unknown>;

/** The metrics of a stage of run folder `dir`, or null when it has none; a malformed file is an error naming it. */
export function readMetrics(dir: string, stage: string): Metrics | null {
  const file = path.join(dir, stage, 'metrics.json');
  if (!fs.existsSync(file)) return null;
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${file}: expected a JSON object of metrics`);
  return value as Metrics;
}

/** A finite number at `key` of `m`, else null. */
export function num(m: Metrics | null | undefined, key: string): number | null {
  const v = m?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** `v` when it is a plain object, else null. */
function asMetrics(v: unknown): Metrics | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Metrics) : null;
}

/** An object at `key` of `m`, else null. */
export function obj(m: Metrics | null | undefined, key: string): Metrics | null {
  return asMetrics(m?.[key]);
}

const NA = '<span class="na">n/a</span>';
/** A Likert mean, 2 decimals. */
const likert = (x: number | null) => (x === null ? NA : x.toFixed(2));
/** A rate or accuracy as a percentage. */
const pct = (x: number | null) => (x === null ? NA : `${(100 * x).toFixed(x === 0 || x === 1 ? 0 : 1)} %`);
/** A KL in nats. */
const nats = (x: number | null) => (x === null ? NA : `${x.toFixed(2)} nats`);
/** A count. */
const count = (x: number | null) => (x === null ? NA : x.toLocaleString('en-US'));
/** "before → after" of two formatted figures. */
const arrow = (a: string, b: string) => `${a} → ${b}`;

/** What a card shows: its headline lines (HTML) and one sentence on what they mean. */
interface CardContent {
  lines: string[];
  meaning: string;
}

/** The card of a preference-tuned policy (PPO, DPO, online DPO): gold, KL, hallucination and toxicity against SFT. */
function policyCard(m: Metrics, suffix: string, name: string, meaning: string): CardContent {
  return {
    lines: [
      `gold Likert <b>${arrow(likert(num(m, 'goldLikertSft')), likert(num(m, `goldLikert${suffix}`)))}</b> (SFT → ${escapeHtml(name)})`,
      `KL to SFT <b>${nats(num(m, 'klToSft'))}</b>`,
      `hallucination ${arrow(pct(num(m, 'hallucinationRateSft')), pct(num(m, `hallucinationRate${suffix}`)))}`,
      `toxicity ${arrow(pct(num(m, 'toxicityRateSft')), pct(num(m, `toxicityRate${suffix}`)))}`,
    ],
    meaning,
  };
}

/** The group-rl card: a small table of the variants beside SFT and PPO. */
function groupRlCard(m: Metrics): CardContent {
  const variants = obj(m, 'variants') ?? {};
  const rows: [string, Metrics | null][] = [['SFT', obj(m, 'sft')], ...Object.entries(variants).map(([k, v]): [string, Metrics | null] => [k, asMetrics(v)])];
  const ppo = obj(m, 'ppo');
  if (ppo) rows.push(['PPO (04)', ppo]);
  const cell = (s: string) => `<td>${s}</td>`;
  const body = rows.map(([name, v]) => `<tr><th>${escapeHtml(name)}</th>${cell(likert(num(v, 'goldLikert')))}${cell(pct(num(v, 'hallucinationRate')))}` +
    `${cell(pct(num(v, 'toxicityRate')))}${cell(name === 'SFT' ? '0' : v && num(v, 'klToSft') !== null ? num(v, 'klToSft')!.toFixed(2) : NA)}</tr>`).join('');
  return {
    lines: [`<table class="mini"><tr><th></th><th>gold</th><th>halluc.</th><th>toxic</th><th>KL (nats)</th></tr>${body}</table>`],
    meaning: 'Critic-free RL from SFT: each variant\'s gold Likert, failure rates and distance from SFT, beside PPO.',
  };
}

/** Every stage's card content from its metrics, in pipeline order. */
const CARDS: Record<string, { title: string; content: (m: Metrics) => CardContent }> = {
  pretrain: {
    title: 'Pre-training',
    content: (m) => ({
      lines: [`validation perplexity <b>${num(m, 'valPerplexity') === null ? NA : num(m, 'valPerplexity')!.toFixed(1)}</b>`, `fact recall <b>${pct(num(m, 'factRecall'))}</b>`],
      meaning: 'How well the base model predicts held-out text, and how many facts of the world it completes correctly.',
    }),
  },
  sft: {
    title: 'Supervised fine-tuning',
    content: (m) => ({
      lines: [
        `gold Likert <b>${likert(num(m, 'goldLikertMean'))}</b> at temperature 1, <b>${likert(num(m, 'goldLikertMeanGreedy'))}</b> greedy`,
        `hallucination <b>${pct(num(m, 'hallucinationRate'))}</b>, toxicity ${pct(num(m, 'toxicityRate'))}`,
        `well-formed replies ${pct(num(m, 'formatRate'))}`,
      ],
      meaning: 'The hidden gold judge\'s 1–7 score of the assistant\'s replies to the evaluation questions: the baseline every later stage is measured against.',
    }),
  },
  ranking: {
    title: 'Sampling and ranking',
    content: (m) => ({
      lines: [
        `<b>${count(num(m, 'pairs'))}</b> preference pairs from ${count(num(m, 'prompts'))} prompts × ${count(num(m, 'k'))} replies`,
        `labeler agreement <b>${pct(num(m, 'labelerAgreement'))}</b>`,
        `noise ceiling <b>${pct(num(m, 'noiseCeiling'))}</b>`,
      ],
      meaning: 'How often two labelers order a pair the same way; the noise ceiling is the best pair accuracy a reward model can reach against these labels.',
    }),
  },
  rm: {
    title: 'Reward model',
    content: (m) => ({
      lines: [
        `held-out accuracy <b>${pct(num(m, 'heldOutAccuracy'))}</b> vs noise ceiling <b>${pct(num(m, 'noiseCeiling'))}</b>`,
        `agreement with gold <b>${pct(num(m, 'goldAccuracy'))}</b> (a labeler: ${pct(num(m, 'labelerGoldAgreement'))})`,
        `before training ${pct(num(m, 'accuracyBeforeTraining'))}`,
      ],
      meaning: 'How often the reward model prefers the reply the labelers preferred, on prompts it never saw; the ceiling is what the labelers\' own disagreement allows.',
    }),
  },
  ppo: {
    title: 'PPO',
    content: (m) => policyCard(m, 'Ppo', 'PPO', 'What maximising the reward model\'s score did to the hidden gold score, and how far the policy moved from SFT to get there.'),
  },
  dpo: {
    title: 'DPO',
    content: (m) => policyCard(m, 'Dpo', 'DPO', 'DPO learns from the ranked pairs directly, with no reward model and no sampling: same measures, same prompts.'),
  },
  'online-dpo': {
    title: 'Online DPO',
    content: (m) => policyCard(m, 'OnlineDpo', 'online DPO', 'DPO on pairs of the policy\'s own fresh replies, ordered by the reward model.'),
  },
  'group-rl': { title: 'Group RL', content: groupRlCard },
};

/** The notebook number of a stage ("04"), from paths.STAGE_NOTEBOOKS. */
function notebookNumber(stage: string): string {
  return /notebooks\/(\d+)_/.exec(STAGE_NOTEBOOKS[stage] ?? '')?.[1] ?? '';
}

/** The report card of run folder `dir`: one card per stage that has metrics, then the stages not run. */
export function reportCardHtml(dir: string): string {
  const cards: string[] = [];
  const notRun: string[] = [];
  for (const stage of Object.keys(STAGE_NOTEBOOKS)) {
    const m = readMetrics(dir, stage);
    const spec = CARDS[stage];
    if (!m) {
      if (stage !== 'pretrain') notRun.push(spec?.title ?? stage);
      continue;
    }
    const title = `${escapeHtml(spec?.title ?? stage)} <span class="nbnum">${notebookNumber(stage)}</span>${m.smoke === true ? ' <span class="smoke">smoke</span>' : ''}`;
    const c = spec ? spec.content(m) : { lines: [], meaning: 'No card for this stage yet: see its metrics below.' };
    const wide = stage === 'group-rl' ? ' wide' : '';
    cards.push(`<div class="card${wide}"><h3>${title}</h3>${c.lines.map((l) => `<div class="line">${l}</div>`).join('')}<p class="meaning">${escapeHtml(c.meaning)}</p></div>`);
  }
  const tail = notRun.length > 0 ? `<p class="notrun">Not run: ${notRun.map(escapeHtml).join(', ')}.</p>` : '';
  return cards.length === 0 ? `<p>No stage has written metrics yet.</p>${tail}` : `<div class="cards">${cards.join('\n')}</div>${tail}`;
}

/** Whether `x` is a number, string, boolean or null. */
function isPrimitive(x: unknown): boolean {
  return x === null || x === undefined || typeof x !== 'object';
}

/** Whether `x` is a plain object of primitives only (one row of a table). */
function isFlat(x: unknown): x is Metrics {
  return asMetrics(x) !== null && Object.values(x as Metrics).every(isPrimitive);
}

/** A primitive as HTML: numbers compact, null as a dash. */
function primitiveHtml(v: unknown): string {
  if (v === null || v === undefined) return '—';
  return escapeHtml(typeof v === 'number' ? formatNumber(v) : String(v));
}

/** Records as one table: a column per key (in order of first appearance), a row per record. */
function recordsTable(rows: readonly Metrics[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const head = `<tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td>${primitiveHtml(r[c])}</td>`).join('')}</tr>`).join('');
  return `<table class="kv">${head}${body}</table>`;
}

/**
 * A value of a metrics file as HTML, never as raw JSON: numbers compact; a flat object as a one-row table; a list of
 * flat objects, or an object of flat objects, as one table with a row each; anything deeper as nested key–value
 * tables.
 */
export function valueHtml(v: unknown): string {
  if (isPrimitive(v)) return primitiveHtml(v);
  if (Array.isArray(v)) {
    if (v.every(isPrimitive)) return v.map(primitiveHtml).join(', ');
    if (v.every(isFlat)) return recordsTable(v);
    return `<ol class="arr">${v.map((x) => `<li>${valueHtml(x)}</li>`).join('')}</ol>`;
  }
  const entries = Object.entries(v as Metrics);
  if (entries.length === 0) return '—';
  if (entries.every(([, x]) => isPrimitive(x))) return recordsTable([v as Metrics]);
  if (entries.every(([, x]) => isFlat(x))) return recordsTable(entries.map(([k, x]) => ({ '': k, ...(x as Metrics) })));
  return `<table class="kv">${entries.map(([k, x]) => `<tr><th>${escapeHtml(k)}</th><td>${valueHtml(x)}</td></tr>`).join('')}</table>`;
}

/** One stage's metrics: its plain figures as a flowing list, then each nested object as a captioned small table. */
export function stageMetricsHtml(m: Metrics): string {
  const entries = Object.entries(m);
  const flat = entries.filter(([, x]) => isPrimitive(x)).map(([k, x]) => `<span class="kv"><b>${escapeHtml(k)}</b> ${primitiveHtml(x)}</span>`);
  const nested = entries.filter(([, x]) => !isPrimitive(x)).map(([k, x]) => `<div class="nested"><div class="key">${escapeHtml(k)}</div>${valueHtml(x)}</div>`);
  return `<div class="flat">${flat.join(' ')}</div>${nested.join('\n')}`;
}

/** Every stage's metrics.json in full, in a collapsed section. */
export function allMetricsHtml(dir: string): string {
  const blocks: string[] = [];
  for (const stage of Object.keys(STAGE_NOTEBOOKS)) {
    const m = readMetrics(dir, stage);
    if (m) blocks.push(`<h3>${escapeHtml(stage)} <span class="nbname">${escapeHtml(path.join(stage, 'metrics.json'))}</span></h3>${stageMetricsHtml(m)}`);
  }
  if (blocks.length === 0) return '';
  return `<details class="allmetrics"><summary>All metrics, stage by stage</summary>\n${blocks.join('\n')}\n</details>`;
}

/** The styles of the card and the metrics tables. */
export const CARD_STYLE = `
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(290px, 1fr)); gap: 10px; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 10px; background: #fbfcfd; font-size: 13px; }
.card.wide { grid-column: 1 / -1; }
.card h3 { margin: 2px 0 4px; font-size: 14px; color: #3b6ea5; }
.card .line { margin: 1px 0; }
.card .meaning { margin: 4px 0 2px; color: #555; font-size: 12px; }
.nbnum { color: #888; font-weight: normal; font-size: 12px; }
.smoke { background: #fff3cd; color: #7a5b00; font-size: 11px; padding: 0 4px; border-radius: 3px; font-weight: normal; }
.na { color: #999; }
.notrun { color: #888; font-size: 13px; }
table.mini td, table.mini th { padding: 1px 6px; font-size: 12px; }
details.allmetrics summary { cursor: pointer; color: #3b6ea5; margin: 1em 0; }
details.allmetrics .flat .kv { display: inline-block; margin: 0 .9em .2em 0; font-size: 13px; }
details.allmetrics .nested { margin: .6em 0; overflow-x: auto; } details.allmetrics .nested .key { font-weight: bold; font-size: 13px; }
table.kv { margin: 2px 0; } table.kv td, table.kv th { font-size: 12px; padding: 1px 5px; } table.kv th { font-weight: normal; color: #555; }
ol.arr { margin: 0; padding-left: 1.5em; }
`;
