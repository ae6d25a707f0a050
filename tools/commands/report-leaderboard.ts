import * as fs from 'fs';
import * as path from 'path';
import { escapeHtml } from '../../lib/ui/display';
import { gaoFigure, GaoChartInput } from '../../lib/ui/gaoChart';
import { plotlyBundle } from '../../lib/ui/plot';
import { toHtmlTable } from '../../lib/ui/table';

/**
 * The leaderboard's section of the report: the table and the chart that notebook 08 saved in
 * <run>/leaderboard/leaderboard.json, and one sentence on the over-optimisation run. Empty when the leaderboard has
 * not run (`npm run leaderboard`).
 */
export function leaderboardHtml(dir: string): string {
  const file = path.join(dir, 'leaderboard', 'leaderboard.json');
  if (!fs.existsSync(file)) return '';
  let lb: { table?: object[]; chart?: GaoChartInput & { title?: string }; seeds?: number[]; evalPrompts?: number;
    overOptimisation?: { goldPeak: number; goldFinal: number; peakIteration: number; proxyAtPeak: number; proxyFinal: number; chosenIteration: number } | null };
  try {
    lb = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const parts = ['<section class="leaderboard"><h2>Leaderboard</h2>',
    `<p>Every method over seeds ${escapeHtml((lb.seeds ?? []).join(', '))} on ${lb.evalPrompts ?? '?'} evaluation prompts (notebook 08; ${escapeHtml(path.relative(dir, file))}).</p>`];
  if (lb.chart) parts.push(`<figure class="chart">${String(plotlyBundle(gaoFigure(lb.chart, { title: lb.chart.title }), { includeLibrary: false })['text/html'])}`
    + '<figcaption>Gold (left) and the reward model\'s score (right) against √KL to SFT: means over seeds with 95 % intervals, best-of-n and the fitted laws.</figcaption></figure>');
  if (lb.table) parts.push(toHtmlTable(lb.table));
  const o = lb.overOptimisation;
  if (o) {
    parts.push(`<p>Over-optimisation run (a weak reward model, no KL penalty): gold peaks at ${o.goldPeak.toFixed(2)} at iteration ${o.peakIteration} `
      + `and ends at ${o.goldFinal.toFixed(2)} while the proxy goes from ${o.proxyAtPeak.toFixed(3)} to ${o.proxyFinal.toFixed(3)}; validation gold chose iteration ${o.chosenIteration}.</p>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}
