import { normWords } from '../core/textNormalize';
import { requirePosInt } from '../core/validate';
import { mean } from '../core/stats';

/**
 * How different are the K samples of one prompt? A ranking is only informative when the samples differ: K copies
 * of one reply give the labeler nothing to compare. Two standard measures, per prompt, averaged over prompts:
 *   distinct replies  how many different texts among the K (compared after normalising case, accents and
 *                     punctuation, so "Lima." and "lima" are the same reply)
 *   distinct-n        distinct word n-grams / all word n-grams of the K replies (Li et al., 2016): 1 = no n-gram
 *                     repeats across the samples, 1/K = all K samples identical
 */

/** The word n-grams of a text (normalised words joined by spaces); none when the text has fewer than n words. */
export function wordNgrams(text: string, n: number): string[] {
  requirePosInt('wordNgrams: n', n);
  const words = normWords(text);
  const out: string[] = [];
  for (let i = 0; i + n <= words.length; i++) out.push(words.slice(i, i + n).join(' '));
  return out;
}

/** Distinct n-grams / all n-grams over the texts together; NaN when they hold no n-gram at all. */
export function distinctN(texts: readonly string[], n: number): number {
  const all = texts.flatMap((t) => wordNgrams(t, n));
  return all.length === 0 ? NaN : new Set(all).size / all.length;
}

/** How many different replies (after normalisation; an empty reply counts as one reply too). */
export function distinctReplies(texts: readonly string[]): number {
  return new Set(texts.map((t) => normWords(t).join(' '))).size;
}

/** Diversity of one set of K samples. */
export interface SetDiversity {
  k: number;
  /** Different replies among the K (1..K). */
  distinct: number;
  distinct1: number;
  distinct2: number;
}

/** Diversity of one prompt's K samples. */
export function setDiversity(texts: readonly string[]): SetDiversity {
  return { k: texts.length, distinct: distinctReplies(texts), distinct1: distinctN(texts, 1), distinct2: distinctN(texts, 2) };
}

/** Averages over prompts (NaN values, e.g. distinct-2 of one-word replies, are left out of their mean). */
export interface DiversitySummary {
  sets: number;
  /** Mean number of different replies per prompt. */
  distinctMean: number;
  /** Share of prompts whose K samples are all the same reply. */
  allSameShare: number;
  distinct1: number;
  distinct2: number;
}

/** Diversity of many prompts' samples (each inner array: one prompt's K replies). */
export function diversityOf(sets: readonly (readonly string[])[]): DiversitySummary {
  const per = sets.map(setDiversity);
  const meanOfNumbers = (xs: number[]) => mean(xs.filter((x) => !Number.isNaN(x)));
  return {
    sets: sets.length,
    distinctMean: meanOfNumbers(per.map((d) => d.distinct)),
    allSameShare: meanOfNumbers(per.map((d) => (d.distinct === 1 ? 1 : 0))),
    distinct1: meanOfNumbers(per.map((d) => d.distinct1)),
    distinct2: meanOfNumbers(per.map((d) => d.distinct2)),
  };
}
