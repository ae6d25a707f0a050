import * as fs from 'fs';
import * as path from 'path';
import { dataDir } from '../core/paths';
import type { Validator } from '../core/jsonl';

/** One fact of the quiz world: "the capital of Peru is Lima" or "the chemical symbol for iron is Fe". */
export interface Fact {
  /** Stable id, e.g. "capital:PE" or "symbol:Fe". */
  id: string;
  /** What is asked. */
  kind: 'capital' | 'symbol';
  /** The country name ("Peru") or the element name in lower case ("iron"). */
  subject: string;
  /** The right answer ("Lima", "Fe"). */
  answer: string;
  /** Other accepted spellings of the answer. */
  aliases: string[];
}

/** Reads data/facts.json (built by tools/data/build-facts.ts) and checks its shape. */
export function loadFacts(file = path.join(dataDir, 'facts.json')): Fact[] {
  if (!fs.existsSync(file)) throw new Error(`${file}: not found (build it with: npx tsx tools/data/build-facts.ts)`);
  const raw: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(raw)) throw new Error(`${file}: expected a JSON array of facts`);
  const seen = new Set<string>();
  return raw.map((f, i) => {
    const ok =
      typeof f === 'object' && f !== null &&
      typeof f.id === 'string' && (f.kind === 'capital' || f.kind === 'symbol') &&
      typeof f.subject === 'string' && typeof f.answer === 'string' &&
      Array.isArray(f.aliases) && f.aliases.every((a: unknown) => typeof a === 'string');
    if (!ok) throw new Error(`${file}: fact #${i} is malformed: ${JSON.stringify(f).slice(0, 120)}`);
    if (seen.has(f.id)) throw new Error(`${file}: duplicate fact id ${f.id}`);
    seen.add(f.id);
    return f as Fact;
  });
}

const factIdCache = new Map<string, ReadonlySet<string>>();

/** The ids of the world's facts (data/facts.json, or `file`), read once per file. */
export function knownFactIds(file = path.join(dataDir, 'facts.json')): ReadonlySet<string> {
  let ids = factIdCache.get(file);
  if (!ids) {
    ids = new Set(loadFacts(file).map((f) => f.id));
    factIdCache.set(file, ids);
  }
  return ids;
}

/**
 * Throws unless `id` is a fact of the world (`ids`, default data/facts.json's): a record about a fact the world
 * does not have cannot be judged. Data readers call it per record, so the error gets the file and line.
 */
export function requireKnownFact(id: string, ids: ReadonlySet<string> = knownFactIds()): string {
  if (!ids.has(id)) throw new Error(`unknown fact id ${JSON.stringify(id)}: not a fact of the world (data/facts.json)`);
  return id;
}

/** A record validator that also requires the record's factId to be one of `factIds` (default: the world's). */
export function withKnownFact<T extends { factId: string }>(validate: Validator<T>, factIds?: ReadonlySet<string>): Validator<T> {
  return (value) => {
    const record = validate(value);
    requireKnownFact(record.factId, factIds);
    return record;
  };
}
