/**
 * Builds the quiz-assistant world's data under data/world/ from data/facts.json (deterministic, seeded):
 *
 *   splits.json               which facts are held out of the SFT demonstrations (≈ 20 %, by kind)
 *   demonstrations.jsonl      4,400 SFT demonstrations {"prompt","completion","style","factId"} in the style mixture of lib/world/responseStyles.ts
 *   prompts_ranking.jsonl     4 prompts per fact (1,344)   for sampling, ranking and the reward model
 *   prompts_ppo.jsonl         3 prompts per fact (1,008)   for PPO
 *   prompts_validation.jsonl  150 prompts (one fact each)  for choosing checkpoints
 *   prompts_evaluation.jsonl  300 prompts (one fact each)  for the reported figures
 *   candidates_sample.jsonl   40 ranking prompts × 4 stand-in replies, so the ranking page works before any model
 *
 * Each fact has 16 question phrasings; each phrasing goes to at most one set, so no prompt string appears in two
 * sets (demonstrations included). Held-out facts appear in every prompt set but in no demonstration.
 *
 *   npx tsx tools/data/build-world.ts
 */
import * as path from 'path';
import { loadFacts, type Fact } from '../../lib/world/facts';
import { Rng } from '../../lib/core/rng';
import { writeJsonAtomic } from '../../lib/core/atomic';
import { writeJsonl } from '../../lib/core/jsonl';
import { questionsFor } from '../../lib/world/questions';
import { STYLES, STYLE_MIXTURE, standInSamples, writeReply, type Style } from '../../lib/world/responseStyles';
import { worldDir, promptSetFile, type Demonstration, type PromptRecord, type PromptSetName } from '../../lib/world/datasets';
import type { CandidateSet } from '../../lib/labels/preferences';

const SEED = 5;
const HELD_OUT_SHARE = 0.2;
const N_DEMONSTRATIONS = 4400;
const PER_FACT: Record<'ranking' | 'ppo', number> = { ranking: 4, ppo: 3 };
const N_VALIDATION = 150;
const N_EVALUATION = 300;
const SAMPLE_PROMPTS = 40;
const SAMPLE_K = 4;

const rng = new Rng(SEED);
const facts = loadFacts();

// 1. Held-out facts: 20 % of each kind.
const heldOut = new Set<string>();
for (const kind of ['capital', 'symbol'] as const) {
  const ofKind = rng.shuffle(facts.filter((f) => f.kind === kind));
  for (const f of ofKind.slice(0, Math.round(HELD_OUT_SHARE * ofKind.length))) heldOut.add(f.id);
}

// 2. Phrasings dealt to the sets, fact by fact.
const sets: Record<PromptSetName, PromptRecord[]> = { ranking: [], ppo: [], validation: [], evaluation: [] };
const validationFacts = new Set(rng.shuffle(facts).slice(0, N_VALIDATION).map((f) => f.id));
const evaluationFacts = new Set(rng.shuffle(facts).slice(0, N_EVALUATION).map((f) => f.id));
const sftPrompts = new Map<string, string[]>();
for (const f of facts) {
  const qs = rng.shuffle(questionsFor(f));
  const take = (n: number): string[] => qs.splice(0, n);
  if (evaluationFacts.has(f.id)) sets.evaluation.push(...take(1).map((prompt) => ({ prompt, factId: f.id })));
  if (validationFacts.has(f.id)) sets.validation.push(...take(1).map((prompt) => ({ prompt, factId: f.id })));
  sets.ranking.push(...take(PER_FACT.ranking).map((prompt) => ({ prompt, factId: f.id })));
  sets.ppo.push(...take(PER_FACT.ppo).map((prompt) => ({ prompt, factId: f.id })));
  if (!heldOut.has(f.id)) sftPrompts.set(f.id, qs);
}
for (const name of Object.keys(sets) as PromptSetName[]) sets[name] = rng.shuffle(sets[name]);

// 3. Demonstrations: exact style counts, facts dealt evenly, no repeated (prompt, completion).
const styleCounts = STYLES.map((s) => [s, Math.round(STYLE_MIXTURE[s] * N_DEMONSTRATIONS)] as [Style, number]);
const styles = rng.shuffle(styleCounts.flatMap(([s, n]) => Array<Style>(n).fill(s)));
const sftFacts = facts.filter((f) => !heldOut.has(f.id));
const factOrder: Fact[] = [];
while (factOrder.length < styles.length) factOrder.push(...rng.shuffle(sftFacts));
const seen = new Set<string>();
const demonstrations: Demonstration[] = styles.map((style, i) => {
  const fact = factOrder[i];
  for (let tries = 0; tries < 100; tries++) {
    const prompt = rng.pick(sftPrompts.get(fact.id) ?? []);
    const completion = writeReply(fact, style, rng, facts);
    const key = `${prompt}\u0000${completion}`;
    if (seen.has(key)) continue;
    seen.add(key);
    return { prompt, completion, style, factId: fact.id };
  }
  throw new Error(`could not write a new ${style} demonstration for ${fact.id}`);
});

// 4. Stand-in candidates for the ranking page.
const byId = new Map(facts.map((f) => [f.id, f]));
const candidates: CandidateSet[] = sets.ranking.slice(0, SAMPLE_PROMPTS).map((p) => ({
  prompt: p.prompt,
  factId: p.factId,
  responses: standInSamples(byId.get(p.factId) as Fact, SAMPLE_K, rng, facts).map((s) => s.response),
}));

// 5. Check the promises, then write.
const owner = new Map<string, string>();
const claim = (prompt: string, set: string): void => {
  const prev = owner.get(prompt);
  if (prev !== undefined && prev !== set) throw new Error(`prompt in two sets (${prev}, ${set}): ${prompt}`);
  owner.set(prompt, set);
};
for (const d of demonstrations) {
  if (heldOut.has(d.factId)) throw new Error(`held-out fact in demonstrations: ${d.factId}`);
  claim(d.prompt, 'demonstrations');
}
for (const name of Object.keys(sets) as PromptSetName[]) for (const p of sets[name]) claim(p.prompt, name);

writeJsonAtomic(path.join(worldDir, 'splits.json'), {
  seed: SEED,
  heldOutFactIds: [...heldOut].sort(),
});
writeJsonl(path.join(worldDir, 'demonstrations.jsonl'), demonstrations);
for (const name of Object.keys(sets) as PromptSetName[]) writeJsonl(promptSetFile(name), sets[name]);
writeJsonl(path.join(worldDir, 'candidates_sample.jsonl'), candidates);

const share = (xs: PromptRecord[]): string => `${Math.round((100 * xs.filter((x) => heldOut.has(x.factId)).length) / xs.length)} % held-out facts`;
console.log(`data/world: ${heldOut.size} of ${facts.length} facts held out of SFT`);
console.log(`  demonstrations.jsonl ${demonstrations.length} (${styleCounts.map(([s, n]) => `${s} ${n}`).join(', ')}), ${new Set(demonstrations.map((d) => d.prompt)).size} distinct prompts`);
for (const name of Object.keys(sets) as PromptSetName[]) console.log(`  prompts_${name}.jsonl ${sets[name].length} (${share(sets[name])})`);
console.log(`  candidates_sample.jsonl ${candidates.length} prompts × ${SAMPLE_K} replies`);
