import { baseModelDir, hasStage, LoadedModel, LoadedRewardModel, loadModel, loadRewardModel } from './artifacts';
import { chatPrompt } from '../model/chat';
import { replyText } from '../eval/evaluate';
import { Fact, loadFacts } from '../world/facts';
import { judge } from '../world/judge';
import { responseKl } from '../train/ppo';
import { rewardScores } from '../reward/scoring';
import { generate } from '../model/sampling';
import { normWords } from '../core/textNormalize';

/**
 * "Ask your own question": every trained model of the run folder answers one question, side by side — a few
 * seeded samples at temperature 1 and the greedy reply — each reply with the gold judge's Likert (when the question
 * is about a fact of the world), the reward model's score (when stage 03 has run) and its KL to SFT. The fixed
 * evaluation prompts measure the models; this lets a learner poke at them.
 */

/** The models ask() shows, in pipeline order: display name → stage folder ("base": the run's or the shipped one). */
export const ASK_MODELS: readonly (readonly [string, string])[] = [
  ['base', 'base'], ['SFT', 'sft'], ['PPO', 'ppo'], ['DPO', 'dpo'], ['online DPO', 'online-dpo'],
];

/** Options of ask(). */
export interface AskOptions {
  /** Samples per model at temperature 1 (default 3); the greedy reply comes on top. */
  samples?: number;
  /** Seed of the samples (default 0): the same seed gives the same replies. */
  seed?: number;
  /** Most tokens per reply (default 32, as in the stages' evaluations). */
  maxNewTokens?: number;
}

/** One reply of one model. */
export interface AskRow {
  model: string;
  /** "sample 1", …, or "greedy". */
  draw: string;
  reply: string;
  /** The gold judge's Likert (1–7), null when the question is no quiz question. */
  goldLikert: number | null;
  /** The reward model's (normalised) score, null without a reward model. */
  rmScore: number | null;
  /**
   * Σ over the reply's tokens of log π − log π_SFT at temperature 1, in nats: this reply's contribution to the KL
   * to SFT (its mean over samples estimates the KL). 0 for SFT itself; null without an SFT model.
   */
  klToSft: number | null;
}

/** What ask() found. */
export interface AskResult {
  question: string;
  /** The fact of the world the question is about, or null. */
  fact: Fact | null;
  rows: AskRow[];
  /** Why a column is empty (no SFT model, no reward model, not a quiz question). */
  notes: string[];
}

const CAPITAL_CUES = ['capital'];
const SYMBOL_CUES = ['symbol', 'element', 'periodic'];

/**
 * The fact a question is about: the question must say what it asks ("capital", or "symbol" / "element" /
 * "periodic") and name a subject of that kind as whole words (accents, case and "'s" ignored); the longest such
 * subject wins ("Papua New Guinea" over "Guinea"). Null when the question asks neither or names no subject.
 */
export function factForQuestion(question: string, facts: readonly Fact[] = loadFacts()): Fact | null {
  const words = normWords(question);
  const kinds = new Set<Fact['kind']>();
  if (words.some((w) => CAPITAL_CUES.includes(w))) kinds.add('capital');
  if (words.some((w) => SYMBOL_CUES.includes(w))) kinds.add('symbol');
  let best: { fact: Fact; length: number } | null = null;
  for (const fact of facts) {
    if (!kinds.has(fact.kind)) continue;
    const subject = normWords(fact.subject);
    if (subject.length === 0 || (best && subject.length <= best.length)) continue;
    if (containsRun(words, subject)) best = { fact, length: subject.length };
  }
  return best?.fact ?? null;
}

/** Whether `needle` occurs in `words` as consecutive words. */
function containsRun(words: readonly string[], needle: readonly string[]): boolean {
  for (let i = 0; i + needle.length <= words.length; i++) {
    if (needle.every((w, j) => words[i + j] === w)) return true;
  }
  return false;
}

/** A table of every model's replies to one question, ready for lib/ui's showTable. */
export interface AskTable {
  caption: string;
  rows: Record<string, string | number | null>[];
}

/**
 * Every model's replies to `question` side by side (see askModels), e.g. ask('What is the capital of Peru?'): a row
 * per reply, captioned with the fact gold judges against; prints a line per empty column saying why. A notebook
 * shows it with showTable(t.rows, { caption: t.caption }) (the library does not display: lib/ui is the notebooks').
 */
export function ask(question: string, opts: AskOptions = {}): AskTable {
  const r = askModels(question, opts);
  const about = r.fact ? `gold judges against: the ${r.fact.kind} of ${r.fact.subject} is ${r.fact.answer}` : 'no gold: not a quiz question';
  for (const n of r.notes.filter((n) => !n.startsWith('no gold'))) console.log(n);
  return {
    caption: `${question} (${about})`,
    rows: r.rows.map((x) => ({ model: x.model, draw: x.draw, reply: x.reply, 'gold Likert': x.goldLikert, 'RM score': x.rmScore, 'KL to SFT': x.klToSft })),
  };
}

/**
 * Asks every model of the run folder (ASK_MODELS, whichever exist) `question`: its samples and greedy reply, each
 * with gold, RM score and KL to SFT.
 */
export function askModels(question: string, opts: AskOptions = {}): AskResult {
  const samples = opts.samples ?? 3;
  if (!Number.isInteger(samples) || samples < 0) throw new Error(`askModels: samples must be an integer ≥ 0, got ${samples}`);
  if (question.trim() === '') throw new Error('askModels: the question is empty');
  const fact = factForQuestion(question);
  const notes: string[] = [];
  if (!fact) notes.push('no gold: not a quiz question (ask for the capital of a country or the chemical symbol of an element)');
  const sft = hasStage('sft') ? loadModel('sft', { trainable: false }) : null;
  if (!sft) notes.push('no KL to SFT: the run folder has no SFT model (notebook 01)');
  let rm: LoadedRewardModel | null = null;
  try {
    if (hasStage('rm')) rm = loadRewardModel('rm', sft ? { reference: sft } : {});
    else notes.push('no RM score: the run folder has no reward model (notebook 03)');
  } catch (err) {
    notes.push(`no RM score: ${(err as Error).message}`);
  }
  const rows: AskRow[] = [];
  try {
    for (const [name, stage] of ASK_MODELS) {
      if (stage === 'sft' ? !sft : stage !== 'base' && !hasStage(stage)) continue;
      let loaded: LoadedModel;
      try {
        loaded = stage === 'sft' ? sft! : loadModel(stage === 'base' ? baseModelDir() : stage, { trainable: false });
      } catch (err) {
        // e.g. a named run's own ppo/ beside the upstream run's dpo/, made from the upstream's ppo: not comparable
        notes.push(`${name} not asked: ${(err as Error).message}`);
        continue;
      }
      try {
        rows.push(...replies(name, loaded, question, fact, sft, rm, { samples, seed: opts.seed ?? 0, maxNewTokens: opts.maxNewTokens ?? 32 }));
      } finally {
        if (loaded !== sft) loaded.model.dispose();
      }
    }
  } finally {
    rm?.model.dispose();
    sft?.model.dispose();
  }
  return { question, fact, rows, notes };
}

/** One model's samples and greedy reply to `question`, scored. */
function replies(name: string, m: LoadedModel, question: string, fact: Fact | null, sft: LoadedModel | null, rm: LoadedRewardModel | null,
  cfg: { samples: number; seed: number; maxNewTokens: number }): AskRow[] {
  const { tokenizer } = m;
  if (sft && m.model.config.vocabSize !== sft.model.config.vocabSize) {
    throw new Error(`askModels: ${m.dir} has a vocabulary of ${m.model.config.vocabSize} tokens, SFT (${sft.dir}) of ${sft.model.config.vocabSize}: they are not from the same run`);
  }
  const prompt = tokenizer.encode(chatPrompt(question));
  const sampled = generate(m.model, Array.from({ length: cfg.samples }, () => prompt), tokenizer.eosId,
    { temperature: 1, seed: cfg.seed, maxNewTokens: cfg.maxNewTokens });
  const greedy = generate(m.model, [prompt], tokenizer.eosId, { greedy: true, maxNewTokens: cfg.maxNewTokens });
  const responses = [...sampled.responses, ...greedy.responses];
  const prompts = responses.map(() => prompt);
  const scores = rm ? rewardScores(rm.reward, responses.map((r) => prompt.concat(r)), { padId: tokenizer.padId, replyStarts: prompts.map((p) => p.length) }) : null;
  const kl = sft ? responseKl(m.model, sft.model, prompts, responses, 1, tokenizer.padId) : null;
  return responses.map((tokens, i) => {
    const reply = replyText(tokenizer, tokens);
    return {
      model: name,
      draw: i < cfg.samples ? `sample ${i + 1}` : 'greedy',
      reply,
      goldLikert: fact ? judge(question, reply, fact).likert : null,
      rmScore: scores ? scores[i] : null,
      klToSft: kl ? kl[i] : null,
    };
  });
}
