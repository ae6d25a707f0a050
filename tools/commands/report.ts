import * as fs from 'fs';
import * as path from 'path';
import MarkdownIt from 'markdown-it';
import { runDir, repoRoot } from '../../lib/core/paths';
import { escapeHtml } from '../../lib/ui/display';
import { plotlyBundle, plotlyLibrarySource, Figure } from '../../lib/ui/plot';
import { writeFileAtomic } from '../../lib/core/atomic';
import { cellSource, Notebook, NotebookOutput, parseNotebook } from '../notebook/notebook';
import { allMetricsHtml, CARD_STYLE, reportCardHtml } from './report-card';
import { reportChartsHtml } from './report-charts';
import { leaderboardHtml } from './report-leaderboard';

/**
 * `npm run report` (also the last step of `npm run pipeline`): one self-contained HTML page of a whole run — the
 * report card (each stage's headline figures, tools/report-card.ts) and the charts that tell the story
 * (tools/report-charts.ts), the leaderboard when it has run (tools/commands/report-leaderboard.ts), every stage's full metrics in a collapsed section, then every executed notebook of
 * <run folder>/notebooks with its prose, collapsed code and outputs (tables, Plotly charts drawn offline: plotly.js
 * is inlined once).
 */

const md = new MarkdownIt({ html: false, linkify: false });

/** The value of a MIME bundle entry as one string (nbformat may store it as a list of lines). */
function text(v: unknown): string {
  return Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : JSON.stringify(v);
}

/** HTML of one output. */
export function outputHtml(o: NotebookOutput): string {
  if (o.output_type === 'stream') return `<pre class="stream ${o.name === 'stderr' ? 'stderr' : ''}">${escapeHtml(text(o.text ?? ''))}</pre>`;
  if (o.output_type === 'error') return `<pre class="error">${escapeHtml(`${o.ename ?? 'Error'}: ${o.evalue ?? ''}`)}</pre>`;
  const data = o.data ?? {};
  const plot = data['application/vnd.plotly.v1+json'] as Figure | undefined;
  if (plot && typeof plot === 'object') return text(plotlyBundle({ data: plot.data, layout: plot.layout, config: plot.config }, { includeLibrary: false })['text/html']);
  if (data['text/html'] !== undefined) return `<div class="html">${text(data['text/html'])}</div>`;
  if (typeof data['image/png'] === 'string') return `<img alt="figure" src="data:image/png;base64,${text(data['image/png']).trim()}">`;
  if (data['text/plain'] !== undefined) return `<pre>${escapeHtml(text(data['text/plain']))}</pre>`;
  return '';
}

/** HTML of one notebook: markdown cells rendered, code cells collapsed, outputs shown. */
export function notebookHtml(nb: Notebook, name: string): string {
  const parts = [`<section class="notebook"><div class="nbname">${escapeHtml(name)}</div>`];
  for (const cell of nb.cells) {
    const src = cellSource(cell);
    if (cell.cell_type === 'markdown') parts.push(`<div class="md">${md.render(src)}</div>`);
    else if (cell.cell_type === 'code') {
      parts.push(`<details class="code"><summary>code</summary><pre>${escapeHtml(src)}</pre></details>`);
      for (const o of cell.outputs ?? []) parts.push(outputHtml(o));
    }
  }
  parts.push('</section>');
  return parts.join('\n');
}

const STYLE = `
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; }
pre { background: #f6f8fa; padding: .6em; overflow-x: auto; font-size: 12px; }
pre.error, pre.stderr { background: #fdecea; }
details.code summary { color: #888; cursor: pointer; font-size: 12px; }
section.notebook { border-top: 3px solid #3b6ea5; margin-top: 3em; }
.nbname { color: #3b6ea5; font-size: 12px; margin: .5em 0; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
figure.chart { margin: 1.5em 0 0; } figure.chart figcaption { color: #555; font-size: 13px; }
${CARD_STYLE}`;

/** Builds the report of a run folder; returns the path written. */
export function buildReport(dir = runDir()): string {
  const nbDir = path.join(dir, 'notebooks');
  const files = fs.existsSync(nbDir) ? fs.readdirSync(nbDir).filter((f) => f.endsWith('.ipynb')).sort() : [];
  const body = files.map((f) => notebookHtml(parseNotebook(fs.readFileSync(path.join(nbDir, f), 'utf8'), f), f)).join('\n');
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>RLHF workbook report</title><style>${STYLE}</style>\n` +
    `<script type="text/javascript">${plotlyLibrarySource()}</script></head><body>\n` +
    `<h1>RLHF workbook: report of ${escapeHtml(path.relative(repoRoot, dir) || dir)}</h1>\n<p>Generated ${new Date().toISOString()} from ` +
    `${files.length} executed notebook(s).</p>\n${reportCardHtml(dir)}\n${reportChartsHtml(dir)}\n${leaderboardHtml(dir)}\n${allMetricsHtml(dir)}\n${body}\n</body></html>\n`;
  const out = path.join(dir, 'report.html');
  writeFileAtomic(out, html);
  return out;
}

if (require.main === module) {
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : runDir();
  console.log(`report: ${buildReport(dir)}`);
}
