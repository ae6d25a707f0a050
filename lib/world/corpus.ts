import * as path from 'path';
import { dataDir } from '../core/paths';
import { readJsonl, requireObject, requireString } from '../core/jsonl';

/**
 * The pre-training corpus (data/corpus/, built by tools/data/build-corpus.ts): short documents of plain English,
 * never in the chat format. Two sources: paragraphs of State of the Union addresses 1990–2016 ("sotu") and
 * paragraphs that state the quiz world's facts in many paraphrases ("facts").
 */

/** One document of the corpus. */
export interface CorpusDoc {
  /** Stable id, e.g. "sotu-1990-004" or "facts-train-0172". */
  id: string;
  /** Where the text comes from: "sotu" or "facts". */
  source: string;
  /** The text (one paragraph, no trailing newline). */
  text: string;
}

/** The corpus splits: "val" is held out of training. */
export type CorpusSplit = 'train' | 'val';

/** The file of one split, e.g. data/corpus/train.jsonl. */
export function corpusFile(split: CorpusSplit, dir = path.join(dataDir, 'corpus')): string {
  return path.join(dir, `${split}.jsonl`);
}

/** Validates one record of a corpus file. */
export function parseCorpusDoc(value: unknown): CorpusDoc {
  const o = requireObject(value);
  return { id: requireString(o, 'id'), source: requireString(o, 'source'), text: requireString(o, 'text') };
}

/** Reads one split of the corpus. */
export function loadCorpus(split: CorpusSplit, dir?: string): CorpusDoc[] {
  return readJsonl(corpusFile(split, dir), parseCorpusDoc);
}

/**
 * The prompt that tests whether the base model knows a fact, completed greedily:
 * "The capital of Peru is" → " Lima", "The chemical symbol for iron is" → " Fe".
 * The corpus states every fact in exactly this form (among other paraphrases).
 */
export function recallPrompt(fact: { kind: 'capital' | 'symbol'; subject: string }): string {
  return fact.kind === 'capital' ? `The capital of ${fact.subject} is` : `The chemical symbol for ${fact.subject} is`;
}
