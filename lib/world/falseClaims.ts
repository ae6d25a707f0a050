import type { Fact } from './facts';
import { matchesAt, type AnswerIndex, type SubjectEntry } from './answerMentions';
import { normWords, type Token } from '../core/textNormalize';

/** Words that may stand for the question's own subject after "capital of" ("the capital of this country"). */
const SUBJECT_STAND_INS = new Set(['this', 'that', 'it', 'its', 'your', 'their', 'the', 'said', 'which', 'what', 'whose', 'each', 'every', 'any', 'a', 'an']);

/**
 * False or broken claims beside the answer: "Riga, the capital of Saudi Arabia" (another country named as the
 * subject, for a question about Latvia), "Nassau, the capital of Sr." (a fragment: an answer, a part of a
 * subject's name or word ("Saudi", "Ecua"), or nothing after "capital of" / "capital of the"), "Saudi Arabia's capital" in a reply about Peru; for symbols the
 * same after "symbol for / of". Returns one reason per claim.
 */
export function findFalseClaims(tokens: Token[], fact: Fact, index: AnswerIndex): string[] {
  const relation = fact.kind === 'capital' ? 'capital' : 'symbol';
  const own = normWords(fact.subject);
  const reasons: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].norm !== relation) continue;
    // "X's capital": X must be the subject (only another fact's subject is flagged here).
    const before = subjectEndingAt(tokens, i - 1, index);
    if (before && /'s?$/.test(tokens[i - 1].raw) && before.factId !== fact.id && !sameWords(before.words, own)) {
      reasons.push(`false claim: ${before.words.join(' ')}'s ${relation}`);
    }
    let j = i + 1;
    if (tokens[j]?.norm === 'city' && relation === 'capital') j++;
    if (!tokens[j] || !['of', 'for'].includes(tokens[j].norm) || tokens[j].clause !== tokens[i].clause) continue;
    j++;
    const claim = `${relation} ${tokens[j - 1].norm}`;
    const objectStart = tokens[j]?.norm === 'the' && tokens[j + 1]?.clause === tokens[j].clause ? j + 1 : j;
    if (!tokens[j] || tokens[j].clause !== tokens[i].clause) {
      reasons.push(`broken claim: "${claim}" names nothing`);
      continue;
    }
    if (matchesAt(tokens, objectStart, own) && !longerSubjectAt(tokens, objectStart, own.length, index)) continue;
    if (SUBJECT_STAND_INS.has(tokens[j].norm) && tokens[j + 1]?.clause !== tokens[j].clause) {
      reasons.push(`broken claim: "${claim} ${tokens[j].raw}" names nothing`);
      continue;
    }
    const other = longestSubjectAt(tokens, objectStart, index);
    const fragment = tokens[objectStart];
    if (other && !sameWords(other.words, own)) {
      reasons.push(`false claim: ${claim} ${other.words.join(' ')}`);
    } else if (index.symbolsLower.has(fragment.raw.toLowerCase()) && fragment.raw.length <= 2 && !tokens[objectStart].followedByWord) {
      reasons.push(`broken claim: ${claim} ${fragment.raw}`);
    } else if (index.capitalsByFirstWord.get(fragment.norm)?.some((e) => matchesAt(tokens, objectStart, e.words) && /^[A-Z]/.test(fragment.raw))) {
      reasons.push(`broken claim: ${claim} ${fragment.raw} (an answer, not a ${fact.kind === 'capital' ? 'country' : 'element'})`);
    } else if (!SUBJECT_STAND_INS.has(fragment.norm) && (isSubjectFragment(tokens, objectStart, index) || isWordFragment(fragment, own))) {
      reasons.push(`broken claim: ${claim} ${fragment.raw} (part of a name)`);
    }
  }
  return reasons;
}

function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((w, k) => w === b[k]);
}

function longestSubjectAt(tokens: Token[], i: number, index: AnswerIndex): SubjectEntry | undefined {
  let best: SubjectEntry | undefined;
  if (!tokens[i]) return undefined;
  for (const e of index.subjectsByFirstWord.get(tokens[i].norm) ?? []) {
    if (matchesAt(tokens, i, e.words) && (!best || e.words.length > best.words.length)) best = e;
  }
  return best;
}

function longerSubjectAt(tokens: Token[], i: number, length: number, index: AnswerIndex): boolean {
  const e = longestSubjectAt(tokens, i, index);
  return e !== undefined && e.words.length > length;
}

/** A subject's name cut short: "Saudi" (of "Saudi Arabia") ending its clause. */
function isSubjectFragment(tokens: Token[], i: number, index: AnswerIndex): boolean {
  const entries = index.subjectsByFirstWord.get(tokens[i].norm) ?? [];
  return entries.some((e) => {
    let n = 0;
    while (n < e.words.length && tokens[i + n]?.norm === e.words[n] && tokens[i + n].clause === tokens[i].clause) n++;
    return n > 0 && n < e.words.length && tokens[i + n]?.clause !== tokens[i].clause;
  });
}

/** A word cut short: "Ecua" for "Ecuador" (a strict beginning of the subject's first word, two letters or more). */
function isWordFragment(t: Token, subject: readonly string[]): boolean {
  return subject.length > 0 && t.norm.length >= 2 && t.norm.length < subject[0].length && subject[0].startsWith(t.norm);
}

function subjectEndingAt(tokens: Token[], last: number, index: AnswerIndex): SubjectEntry | undefined {
  if (last < 0) return undefined;
  for (let first = Math.max(0, last - 5); first <= last; first++) {
    const e = longestSubjectAt(tokens, first, index);
    if (e && first + e.words.length - 1 === last) return e;
  }
  return undefined;
}
