import { buildAnswerIndex, findMentions, isAllCaps } from './answerMentions';
import type { Fact } from './facts';
import { tokenize } from '../core/textNormalize';

/**
 * A verifiable reward for the quiz world (RLVR): 1 when the reply names the right answer and no other candidate
 * answer of the same kind (no other capital, or no other chemical symbol), else 0. A plain check of the answer,
 * as a unit test checks code or a math grader checks a number: it knows nothing of tone, manners or fluency,
 * which only the gold judge (hidden) and the reward model (learned) see. A denied answer ("not Lima") does not count.
 */
export type Verifier = (reply: string, fact: Fact) => 0 | 1;

/** Builds the verifier over every fact of the world (the candidates a reply may name). */
export function createVerifier(facts: readonly Fact[]): Verifier {
  const index = buildAnswerIndex(facts);
  return (reply, fact) => {
    const { mentions } = findMentions(tokenize(reply), fact, index, isAllCaps(reply));
    const asserted = mentions.filter((m) => !m.negated);
    return asserted.some((m) => m.right) && asserted.every((m) => m.right) ? 1 : 0;
  };
}
