import { GPT } from '../model/gpt';
import { Tokenizer } from '../model/tokenizer';
import { Fact } from '../world/facts';
import { recallPrompt } from '../world/corpus';
import { generate } from '../model/sampling';
import { chunks } from '../model/batches';

/**
 * Does the model know the facts? For every fact, greedy completion of its plain-sentence prompt
 * ("The capital of Peru is") must start with the right answer (" Lima"). This is how the base model's
 * knowledge is measured, before and after fine-tuning.
 */
export interface RecallResult {
  /** Share of facts recalled (0..1). */
  rate: number;
  /** One row per fact: the prompt, what the model wrote, and whether it starts with the answer. */
  rows: { factId: string; prompt: string; completion: string; correct: boolean }[];
}

/** True if the completion starts with the fact's answer or one of its aliases (whole word). */
export function startsWithAnswer(completion: string, fact: Fact): boolean {
  const text = completion.trim();
  return [fact.answer, ...fact.aliases].some((a) => {
    if (!text.startsWith(a)) return false;
    const next = text.charAt(a.length);
    return next === '' || !/[A-Za-z0-9]/.test(next);
  });
}

/** Measures recall greedily, `batchSize` prompts at a time (12 new tokens: long names can take many BPE pieces). */
export function factRecall(model: GPT, tokenizer: Tokenizer, facts: readonly Fact[], opts: { batchSize?: number; maxNewTokens?: number } = {}): RecallResult {
  const rows: RecallResult['rows'] = [];
  for (const group of chunks(facts, opts.batchSize ?? 64)) {
    const prompts = group.map((f) => recallPrompt(f));
    const g = generate(model, prompts.map((p) => tokenizer.encode(p)), tokenizer.eosId, { greedy: true, maxNewTokens: opts.maxNewTokens ?? 12 });
    group.forEach((f, i) => {
      const completion = tokenizer.decode(g.responses[i], { skipSpecial: true });
      rows.push({ factId: f.id, prompt: prompts[i], completion, correct: startsWithAnswer(completion, f) });
    });
  }
  return { rate: rows.length === 0 ? 0 : rows.filter((r) => r.correct).length / rows.length, rows };
}
