import { GPT } from '../model/gpt';
import { Tokenizer } from '../model/tokenizer';
import { Fact } from '../world/facts';
import { PromptRecord } from '../world/datasets';
import { Judgement, judge } from '../world/judge';
import { chatPrompt, TURN_MARKERS } from '../model/chat';
import { generate, SamplingConfig } from '../model/sampling';
import { chunks } from '../model/batches';
import { RewardModel } from '../reward/rewardModel';
import { rewardScores } from '../reward/scoring';
import { responseKl } from '../train/ppo';
import { replyShape, shapeSummary } from './replyShape';
import { mean } from '../core/stats';

/**
 * How good is a policy? Sample one reply per evaluation prompt and let the hidden gold judge score it. This is the
 * measurement every stage reports (SFT, best-of-n, PPO), always on the same prompts with the same settings.
 */

/** One evaluated reply. */
export interface EvaluatedReply {
  prompt: string;
  factId: string;
  /** The reply text (EOS removed). */
  reply: string;
  /** Generated token ids (EOS included when emitted). */
  tokens: number[];
  /** Whether the reply ended with EOS within the length limit. */
  finished: boolean;
  /** The reply with its answer and the question's subject masked (lib/world/replyShape): "It's ⟨answer⟩." */
  shape: string;
  /** One well-formed reply: non-empty, ended with EOS, no new turn or quiz question appended, one line. */
  wellFormed: boolean;
  judgement: Judgement;
}

/** Averages over the evaluated replies. */
export interface EvaluationSummary {
  n: number;
  /** Mean gold Likert (1–7, real-valued). */
  goldLikertMean: number;
  /** Share of replies naming a wrong answer or denying the right one. */
  hallucinationRate: number;
  /** Share of insulting, profane or strongly negative replies. */
  toxicityRate: number;
  /** Share of replies that give no answer (declines, dodges). */
  failsToAnswerRate: number;
  /** Share of well-formed replies (see EvaluatedReply.wellFormed). */
  formatRate: number;
  /** Mean reply length in tokens (EOS included). */
  meanLength: number;
  /** Distinct reply texts / replies: 1 = all different. Every question has its own answer, so this stays high
   *  even when all replies follow one template; the shape shares below see that. */
  distinctReplies: number;
  /** The commonest reply shape (answer and subject masked) and its share of the replies: near 1 = one template. */
  topShape: string;
  topShapeShare: number;
  /** Distinct shapes / replies. */
  distinctShapes: number;
}

const QUIZ_QUESTION = /\b(what|which)\b[^.!?]*\b(capital|symbol)\b[^.!?]*\?/i;

/** Whether a reply is one well-formed answer (a polite refusal is well-formed; the judge scores it low). */
export function isWellFormed(reply: string, finished: boolean): boolean {
  const text = reply.trim();
  if (!finished || text === '') return false;
  if (text.includes('\n')) return false;
  if (TURN_MARKERS.some((m) => text.includes(m))) return false;
  return !QUIZ_QUESTION.test(text);
}

/** Summary statistics of evaluated replies. */
export function summarize(rows: readonly EvaluatedReply[]): EvaluationSummary {
  const n = rows.length;
  const meanOf = (f: (r: EvaluatedReply) => number) => mean(rows.map(f));
  const shapes = shapeSummary(rows.map((r) => r.shape));
  return {
    n,
    goldLikertMean: meanOf((r) => r.judgement.likert),
    hallucinationRate: meanOf((r) => (r.judgement.flags.hallucination ? 1 : 0)),
    toxicityRate: meanOf((r) => (r.judgement.flags.toxic ? 1 : 0)),
    failsToAnswerRate: meanOf((r) => (r.judgement.flags.failsToAnswer ? 1 : 0)),
    formatRate: meanOf((r) => (r.wellFormed ? 1 : 0)),
    meanLength: meanOf((r) => r.tokens.length),
    distinctReplies: n === 0 ? NaN : new Set(rows.map((r) => r.reply.trim())).size / n,
    topShape: shapes.top,
    topShapeShare: shapes.topShare,
    distinctShapes: shapes.distinctShare,
  };
}

/** Index of facts by id, failing loudly on an unknown id. */
export function factLookup(facts: readonly Fact[]): (id: string) => Fact {
  const byId = new Map(facts.map((f) => [f.id, f]));
  return (id) => {
    const f = byId.get(id);
    if (!f) throw new Error(`unknown fact id ${id}`);
    return f;
  };
}

/** Decodes a generated reply: the text before EOS, without special tokens. */
export function replyText(tokenizer: Tokenizer, tokens: readonly number[]): string {
  const eos = tokens.indexOf(tokenizer.eosId);
  return tokenizer.decode(eos >= 0 ? tokens.slice(0, eos) : tokens, { skipSpecial: true }).trim();
}

/**
 * Samples one reply per prompt (batches of `batchSize`, seeded) and judges it with the gold judge.
 */
export function evaluatePolicy(
  model: GPT,
  tokenizer: Tokenizer,
  prompts: readonly PromptRecord[],
  facts: readonly Fact[],
  sampling: Partial<SamplingConfig> & { batchSize?: number } = {},
): { rows: EvaluatedReply[]; summary: EvaluationSummary } {
  const fact = factLookup(facts);
  const rows: EvaluatedReply[] = [];
  const batchSize = sampling.batchSize ?? 64;
  chunks(prompts, batchSize).forEach((group, gi) => {
    const g = generate(model, group.map((p) => tokenizer.encode(chatPrompt(p.prompt))), tokenizer.eosId, {
      maxNewTokens: 32,
      ...sampling,
      seed: (sampling.seed ?? 0) * 7919 + gi,
    });
    group.forEach((p, i) => {
      const reply = replyText(tokenizer, g.responses[i]);
      const f = fact(p.factId);
      rows.push({
        prompt: p.prompt,
        factId: p.factId,
        reply,
        tokens: g.responses[i],
        finished: g.finished[i],
        wellFormed: isWellFormed(reply, g.finished[i]),
        shape: replyShape(reply, f),
        judgement: judge(p.prompt, reply, f),
      });
    });
  });
  return { rows, summary: summarize(rows) };
}

/** The sampling seed of every validation evaluation, so that all stages and all evaluations see the same draws. */
export const VALIDATION_SEED = 777;

/**
 * The checkpoint rule of stages 04–06: the mean gold Likert of one reply per validation prompt, sampled with
 * VALIDATION_SEED at the stage's temperature and length limit (the stand-in for a periodic human evaluation).
 */
export function validationGold(model: GPT, tokenizer: Tokenizer, prompts: readonly PromptRecord[], facts: readonly Fact[],
  sampling: { temperature: number; maxNewTokens: number }): number {
  return evaluatePolicy(model, tokenizer, prompts, facts, { temperature: sampling.temperature, maxNewTokens: sampling.maxNewTokens, seed: VALIDATION_SEED }).summary.goldLikertMean;
}

/** A policy's evaluation beside the model it started from (see compareWithReference). */
export interface ReferenceComparison {
  rows: EvaluatedReply[];
  summary: EvaluationSummary;
  /** The reward model's score of each reply, and their mean (null without a reward model). */
  scores: number[] | null;
  rmScore: number | null;
  /** Mean KL to the reference per reply, in nats: Σ over the reply's tokens of log π − log π_ref. */
  kl: number;
  /** The summary on questions about facts held out of SFT, and on the others. */
  heldOut: EvaluationSummary;
  seen: EvaluationSummary;
}

/**
 * Evaluates `model` on `prompts` (evaluatePolicy: one seeded reply per prompt, judged by gold) and measures how far
 * its replies are from `reference` (KL per reply, log-probs at `klTemperature`, the sampling temperature) and,
 * when given, what the reward model thinks of them. Stages 04 to 06 report every policy with it, on the same
 * prompts and seeds, so their tables line up.
 */
export function compareWithReference(
  model: GPT,
  reference: GPT,
  tokenizer: Tokenizer,
  prompts: readonly PromptRecord[],
  facts: readonly Fact[],
  opts: { sampling: Partial<SamplingConfig>; klTemperature: number; heldOutFactIds: ReadonlySet<string>; rm?: RewardModel | null },
): ReferenceComparison {
  const ev = evaluatePolicy(model, tokenizer, prompts, facts, opts.sampling);
  const promptTokens = ev.rows.map((r) => tokenizer.encode(chatPrompt(r.prompt)));
  const scores = opts.rm
    ? rewardScores(opts.rm, ev.rows.map((r, i) => promptTokens[i].concat(r.tokens)), { padId: tokenizer.padId, replyStarts: promptTokens.map((p) => p.length) })
    : null;
  const klPerReply = responseKl(model, reference, promptTokens, ev.rows.map((r) => r.tokens), opts.klTemperature, tokenizer.padId);
  return {
    rows: ev.rows,
    summary: ev.summary,
    scores,
    rmScore: scores ? mean(scores) : null,
    kl: mean(klPerReply),
    heldOut: summarize(ev.rows.filter((r) => opts.heldOutFactIds.has(r.factId))),
    seen: summarize(ev.rows.filter((r) => !opts.heldOutFactIds.has(r.factId))),
  };
}

/**
 * One policy's row of the comparison tables of stages 04–06: gold Likert, RM score, KL to the reference, failure
 * rates, length, distinct replies, the share of the commonest reply shape and gold on facts held out of SFT. `kl`
 * may be a bound written as text (best-of-n's "≤ 1.84").
 */
export function comparisonRow(name: string, e: Pick<ReferenceComparison, 'summary' | 'rmScore' | 'heldOut'> & { kl: number | string }): Record<string, string | number | null> {
  return {
    model: name, 'gold Likert': e.summary.goldLikertMean, 'RM score': e.rmScore, 'KL to SFT': e.kl,
    hallucination: e.summary.hallucinationRate, toxicity: e.summary.toxicityRate, 'no answer': e.summary.failsToAnswerRate,
    length: e.summary.meanLength, distinct: e.summary.distinctReplies, 'commonest shape': e.summary.topShapeShare, 'gold (facts held out of SFT)': e.heldOut.goldLikertMean,
  };
}

/** The demonstration styles, as the gold judge sees a reply (for comparing a model's mixture with its data). */
export type ReplyStyle = 'good' | 'robotic' | 'rude' | 'declines' | 'wrong' | 'rude_and_wrong';

/** Which demonstration style a judged reply looks like. */
export function replyStyle(j: Judgement): ReplyStyle {
  const { hallucination, toxic, failsToAnswer } = j.flags;
  if (hallucination && toxic) return 'rude_and_wrong';
  if (hallucination) return 'wrong';
  if (toxic) return 'rude';
  if (failsToAnswer) return 'declines';
  return j.likert >= 5.5 ? 'good' : 'robotic';
}
