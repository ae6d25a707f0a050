import type { Fact } from '../world/facts';
import { judgeAnswerIndex } from '../world/judge';
import { findMentions, isAllCaps, type AnswerIndex } from '../world/answerMentions';
import { foldText, tokenize } from '../core/textNormalize';

/**
 * A reply's shape: the reply with every answer it names replaced by ⟨answer⟩ and the question's subject by
 * ⟨subject⟩, so replies that differ only in the answer compare equal:
 *
 *   "It's Taipei."                              → "It's ⟨answer⟩."
 *   "It's Port Vila."                           → "It's ⟨answer⟩."
 *   "The capital of Peru is Lima. Hope that helps!" → "The capital of ⟨subject⟩ is ⟨answer⟩. Hope that helps!"
 *
 * Distinct replies cannot see a policy collapse onto one template when every question has its own answer; the
 * share of replies in the commonest shape can. Answers and subjects are found as the gold judge finds them
 * (lib/world/answerMentions): answers of the question's kind, right or wrong (a capital named in answer to a symbol
 * question stays as written). Accents and apostrophes are folded and runs of spaces made one; case and
 * punctuation are kept ("IT'S ⟨answer⟩!!!" is another shape).
 */

let defaultIndex: AnswerIndex | undefined;

/** The judge's answer index over the default fact table and lexicons (built once). */
function judgeIndex(): AnswerIndex {
  if (!defaultIndex) defaultIndex = judgeAnswerIndex();
  return defaultIndex;
}

/** The shape of `reply` to a question about `fact` (see the file comment). */
export function replyShape(reply: string, fact: Fact, index: AnswerIndex = judgeIndex()): string {
  const text = foldText(reply);
  const tokens = tokenize(reply);
  const { spans } = findMentions(tokens, fact, index, isAllCaps(reply));
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, tokens[s.start].start) + (s.kind === 'answer' ? '⟨answer⟩' : '⟨subject⟩');
    at = tokens[s.end - 1].end;
  }
  return (out + text.slice(at)).replace(/\s+/g, ' ').trim();
}

/** How concentrated a set of replies is on few shapes. */
export interface ShapeSummary {
  /** The commonest shape (the first seen among equally common ones) and its share of the replies. */
  top: string;
  topShare: number;
  /** Different shapes / replies: 1 = every reply has its own shape. */
  distinctShare: number;
}

/** Shape statistics of `shapes` (one per reply); NaN shares for none. */
export function shapeSummary(shapes: readonly string[]): ShapeSummary {
  const counts = new Map<string, number>();
  for (const s of shapes) counts.set(s, (counts.get(s) ?? 0) + 1);
  let top = '';
  let topCount = 0;
  for (const [s, c] of counts) if (c > topCount) [top, topCount] = [s, c];
  const n = shapes.length;
  return { top, topShare: n === 0 ? NaN : topCount / n, distinctShare: n === 0 ? NaN : counts.size / n };
}
