/**
 * Measures the quiz world against the design in data/world/README.md: the gold judge's Likert per demonstration style, and the simulated
 * panel's agreement (between labelers, and with gold = the noise ceiling) on K = 4 stand-in samples per ranking
 * prompt (replies of mixed styles for the same prompt, standing in for SFT samples).
 *
 *   npx tsx tools/data/world-report.ts            (about 10 seconds)
 */
import { loadFacts, type Fact } from '../../lib/world/facts';
import { Rng } from '../../lib/core/rng';
import { judge } from '../../lib/world/judge';
import { loadDemonstrations, loadPromptSet } from '../../lib/world/datasets';
import { STYLES, standInSamples } from '../../lib/world/responseStyles';
import { DEFAULT_PANEL, panelWith, rankWithPanel } from '../../lib/labels/labelers';
import { NEUTRAL_WEIGHTS } from '../../lib/world/judge';
import { recordsToPairGroups, type RankingRecord } from '../../lib/labels/preferences';
import { goldAgreement, labelerAgreement } from '../../lib/labels/agreement';

const facts = loadFacts();
const byId = new Map(facts.map((f) => [f.id, f]));
const demos = loadDemonstrations();

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const rows: string[][] = [['style', 'n', 'gold mean', 'min', 'max', 'halluc.', 'toxic', 'fails', 'target']];
const target: Record<string, string> = { good: '≥ 6.0', robotic: '4–5', rude: '≤ 3.5', declines: '≈ 3', wrong: '≤ 2.5', rude_and_wrong: '≤ 1.5' };
let total = 0;
for (const style of STYLES) {
  const js = demos.filter((d) => d.style === style).map((d) => judge(d.prompt, d.completion, byId.get(d.factId) as Fact));
  const l = js.map((j) => j.likert);
  total += l.reduce((a, b) => a + b, 0);
  rows.push([
    style, String(js.length), (l.reduce((a, b) => a + b, 0) / l.length).toFixed(2), Math.min(...l).toFixed(2), Math.max(...l).toFixed(2),
    pct(js.filter((j) => j.flags.hallucination).length / js.length), pct(js.filter((j) => j.flags.toxic).length / js.length),
    pct(js.filter((j) => j.flags.failsToAnswer).length / js.length), target[style],
  ]);
}
rows.push(['all', String(demos.length), (total / demos.length).toFixed(2), '', '', '', '', '', '4–5']);
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log('Gold Likert of the SFT demonstrations by style');
for (const r of rows) console.log('  ' + r.map((x, c) => x.padEnd(widths[c])).join('  '));

// The panel on K = 4 stand-in samples per ranking prompt.
const rng = new Rng(7);
const sets = loadPromptSet('ranking').map((p) => ({
  prompt: p.prompt,
  factId: p.factId,
  responses: standInSamples(byId.get(p.factId) as Fact, 4, rng, facts).map((s) => s.response),
}));
const all = rankWithPanel(sets, { assignment: 'all' });
const goldScores = all.gold.map((js) => js.map((j) => j.likert));
const inter = labelerAgreement(all.records);
// Training labels: prompt i labeled by labeler i mod 5 (the rotation rankWithPanel uses by default).
const rotation: RankingRecord[] = all.records.map((r, i) => ({ ...r, labels: [r.labels[i % DEFAULT_PANEL.length]] }));
const ceiling = goldAgreement(rotation, goldScores);
const perLabeler = goldAgreement(all.records, goldScores);
const pairs = recordsToPairGroups(rotation).reduce((s, g) => s + g.pairs.length, 0);
const goldTies = goldScores.reduce((s, g) => {
  let t = 0;
  for (let i = 0; i < g.length; i++) for (let j = i + 1; j < g.length; j++) if (Math.abs(g[i] - g[j]) <= 1e-9) t++;
  return s + t;
}, 0);

console.log(`\nDefault panel on ${sets.length} ranking prompts × K = 4 stand-in samples`);
console.log(`  agreement between labelers (both strict): ${pct(inter.agreement)} of ${inter.compared} pair comparisons   (InstructGPT: 72.6 %, target 70–90 %)`);
console.log(`  noise ceiling (rotation labels vs gold, both strict): ${pct(ceiling.agreement)} of ${ceiling.compared} pairs   (expect 80–95 %)`);
console.log(`  usable training pairs (rotation, ties dropped): ${pairs}; gold ties: ${goldTies} of ${sets.length * 6} pairs`);
for (const c of DEFAULT_PANEL) {
  console.log(`  ${c.id} vs gold ${pct(perLabeler.byLabeler[c.id].agreement)}  — ${c.description}`);
}
for (const [k, a] of Object.entries(inter.byPair)) console.log(`  ${k}: ${pct(a.agreement)}`);

// For comparison: the same panel with noise only (neutral weights, no lapses) — the too-clean labels of the prototype.
const noiseOnly = rankWithPanel(sets, { assignment: 'all', panel: panelWith({ weights: { ...NEUTRAL_WEIGHTS }, lapseRate: 0 }) });
const noiseOnlyRotation: RankingRecord[] = noiseOnly.records.map((r, i) => ({ ...r, labels: [r.labels[i % DEFAULT_PANEL.length]] }));
console.log(`\nNoise only (same σ, neutral weights, no lapses): agreement between labelers ${pct(labelerAgreement(noiseOnly.records).agreement)}, ` +
  `noise ceiling ${pct(goldAgreement(noiseOnlyRotation, goldScores).agreement)}`);
