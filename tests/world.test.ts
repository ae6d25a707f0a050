/** The shipped quiz-world data: it validates, keeps its promises (sizes, mixture, disjoint sets, held-out facts), round-trips, and the gold judge scores it as data/world/README.md says. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadFacts, type Fact } from '../lib/world/facts';
import { writeJsonl } from '../lib/core/jsonl';
import { judge } from '../lib/world/judge';
import { STYLES, STYLE_MIXTURE } from '../lib/world/responseStyles';
import { questionsFor, subjectPhrase } from '../lib/world/questions';
import { loadDemonstrations, loadPromptSet, loadSplits, promptSetFile, PROMPT_SETS, worldDir } from '../lib/world/datasets';
import { loadCandidates } from '../lib/labels/preferences';

const facts = loadFacts();
const byId = new Map(facts.map((f) => [f.id, f]));
const demos = loadDemonstrations();
const sets = Object.fromEntries(PROMPT_SETS.map((n) => [n, loadPromptSet(n)]));
const heldOut = new Set(loadSplits().heldOutFactIds);

test('sizes: ≥ 4,000 demonstrations, ranking ≥ 1,200, PPO ≥ 1,000, validation ~150, evaluation ~300', () => {
  assert.ok(demos.length >= 4000);
  assert.ok(sets.ranking.length >= 1200);
  assert.ok(sets.ppo.length >= 1000);
  assert.equal(sets.validation.length, 150);
  assert.equal(sets.evaluation.length, 300);
});

test('the demonstrations follow the style mixture of lib/world/responseStyles.ts exactly', () => {
  for (const s of STYLES) {
    const share = demos.filter((d) => d.style === s).length / demos.length;
    assert.ok(Math.abs(share - STYLE_MIXTURE[s]) < 0.001, `${s}: ${share}`);
  }
});

test('every factId is known; completions carry no leading space', () => {
  for (const d of demos) {
    assert.ok(byId.has(d.factId), d.factId);
    assert.equal(d.completion, d.completion.trim());
  }
  for (const n of PROMPT_SETS) for (const p of sets[n]) assert.ok(byId.has(p.factId), `${n}: ${p.factId}`);
});

test('no prompt string appears in two sets (demonstrations included), nor twice in one set', () => {
  const owner = new Map<string, string>();
  for (const d of demos) owner.set(d.prompt, 'demonstrations');
  for (const n of PROMPT_SETS) {
    const inSet = new Set<string>();
    for (const p of sets[n]) {
      assert.ok(!inSet.has(p.prompt), `twice in ${n}: ${p.prompt}`);
      inSet.add(p.prompt);
      assert.equal(owner.get(p.prompt), undefined, `${p.prompt} is in ${owner.get(p.prompt)} and ${n}`);
      owner.set(p.prompt, n);
    }
  }
});

test('about 20 % of facts are held out of the demonstrations and appear in every prompt set', () => {
  assert.ok(Math.abs(heldOut.size / facts.length - 0.2) < 0.01, `${heldOut.size} of ${facts.length}`);
  for (const d of demos) assert.ok(!heldOut.has(d.factId), `held-out ${d.factId} in demonstrations`);
  for (const n of PROMPT_SETS) {
    const share = sets[n].filter((p) => heldOut.has(p.factId)).length / sets[n].length;
    assert.ok(share > 0.12 && share < 0.28, `${n}: ${share}`);
  }
  // Every fact is asked about in the ranking and PPO sets.
  for (const n of ['ranking', 'ppo'] as const) assert.equal(new Set(sets[n].map((p) => p.factId)).size, facts.length);
});

test('prompts ask about their own fact', () => {
  for (const n of PROMPT_SETS) {
    for (const p of sets[n]) assert.ok(questionsFor(byId.get(p.factId) as Fact).includes(p.prompt), p.prompt);
  }
  assert.equal(subjectPhrase(byId.get('capital:US') as Fact), 'the United States');
  assert.equal(subjectPhrase(byId.get('capital:PE') as Fact), 'Peru');
});

test('the gold judge scores the demonstrations as their styles intend (good ≥ 6, wrong ≤ 2.5, rude ≤ 3.5, rude and wrong ≤ 1.5, mean 4–5)', () => {
  const sum: Record<string, number> = {};
  const n: Record<string, number> = {};
  let total = 0;
  for (const d of demos) {
    const j = judge(d.prompt, d.completion, byId.get(d.factId) as Fact);
    sum[d.style] = (sum[d.style] ?? 0) + j.likert;
    n[d.style] = (n[d.style] ?? 0) + 1;
    total += j.likert;
    if (d.style === 'wrong' || d.style === 'rude_and_wrong') assert.equal(j.flags.hallucination, true, d.completion);
    if (d.style === 'good') assert.equal(j.answer, 'correct', d.completion);
  }
  const mean = (s: string): number => sum[s] / n[s];
  assert.ok(mean('good') >= 6.0, `good ${mean('good')}`);
  assert.ok(mean('robotic') >= 4 && mean('robotic') <= 5, `robotic ${mean('robotic')}`);
  assert.ok(mean('rude') <= 3.5, `rude ${mean('rude')}`);
  assert.ok(mean('wrong') <= 2.5, `wrong ${mean('wrong')}`);
  assert.ok(mean('rude_and_wrong') <= 1.5, `rude_and_wrong ${mean('rude_and_wrong')}`);
  assert.ok(total / demos.length >= 4 && total / demos.length <= 5, `mean ${total / demos.length}`);
});

test('the data files round-trip byte for byte through the loaders and writeJsonl', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'world-'));
  const check = (file: string, records: unknown[]): void => {
    const copy = path.join(dir, path.basename(file));
    writeJsonl(copy, records);
    assert.equal(fs.readFileSync(copy, 'utf8'), fs.readFileSync(file, 'utf8'), file);
  };
  check(path.join(worldDir, 'demonstrations.jsonl'), demos);
  for (const n of PROMPT_SETS) check(promptSetFile(n), sets[n]);
  const candidatesFile = path.join(worldDir, 'candidates_sample.jsonl');
  check(candidatesFile, loadCandidates(candidatesFile));
  fs.rmSync(dir, { recursive: true });
});

test('loaders name the file and line of a bad record', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'world-bad-'));
  const file = path.join(dir, 'demos.jsonl');
  const good = JSON.stringify(demos[0]);
  fs.writeFileSync(file, `${good}\n\n${JSON.stringify({ ...demos[0], style: 'sarcastic' })}\n`);
  assert.throws(() => loadDemonstrations(file), (err: Error) => {
    assert.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: field "style" must be one of good, robotic`));
    return true;
  });
  fs.writeFileSync(file, `${JSON.stringify({ ...demos[0], completion: ' Lima.' })}\n`);
  assert.throws(() => loadDemonstrations(file), /demos\.jsonl:1: field "completion" must not start or end with spaces/);
  const prompts = path.join(dir, 'prompts.jsonl');
  fs.writeFileSync(prompts, '{"prompt":"What is the capital of Peru?","factId":"capital:PE"}\n{"prompt":"x","factId":"Peru"}\n');
  assert.throws(() => loadPromptSet('ranking', prompts), /prompts\.jsonl:2: field "factId" must look like "capital:PE"/);
  const splits = path.join(dir, 'splits.json');
  fs.writeFileSync(splits, '{"seed": 5, "heldOutFactIds": "capital:PE"}');
  assert.throws(() => loadSplits(splits), /splits\.json: field "heldOutFactIds" must be an array/);
  fs.rmSync(dir, { recursive: true });
});
