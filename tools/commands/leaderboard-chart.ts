import * as fs from 'fs';
import * as path from 'path';
import { runDir } from '../../lib/core/paths';
import { writeFileAtomic } from '../../lib/core/atomic';
import { gaoFigure, GaoChartInput } from '../../lib/ui/gaoChart';
import { plotlyBundle, plotlyLibrarySource } from '../../lib/ui/plot';

/**
 * `npx tsx tools/commands/leaderboard-chart.ts [run folder]`: the leaderboard's chart alone, as a self-contained HTML
 * page beside leaderboard.json (<run>/leaderboard/chart.html), e.g. for a screenshot with
 * `npx tsx tools/notebook/check-plot-render.ts <run>/leaderboard/chart.html`.
 */
function main(): void {
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : runDir();
  const file = path.join(dir, 'leaderboard', 'leaderboard.json');
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist: run npm run leaderboard first`);
  const lb = JSON.parse(fs.readFileSync(file, 'utf8')) as { chart: GaoChartInput & { title?: string } };
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>Leaderboard</title>\n<script type="text/javascript">${plotlyLibrarySource()}</script>`
    + `</head><body style="max-width: 1100px; margin: 1em auto">\n${String(plotlyBundle(gaoFigure(lb.chart, { title: lb.chart.title }), { includeLibrary: false })['text/html'])}\n</body></html>\n`;
  const out = path.join(dir, 'leaderboard', 'chart.html');
  writeFileAtomic(out, html);
  console.log(out);
}

main();
