import * as fs from 'fs';
import * as path from 'path';
import { dataDir } from '../core/paths';
import { readJsonl, requireObject, requireString } from '../core/jsonl';
import { withKnownFact } from './facts';
import { STYLES, type Style } from './responseStyles';

/**
 * The quiz-assistant world's shipped data (data/world/, built by tools/data/build-world.ts; schemas in
 * data/world/README.md): SFT demonstrations, four disjoint prompt sets and the split of facts. Every loader
 * validates every record and names the file and line of a bad one; a file without records and a fact id that is
 * not in data/facts.json are errors too.
 */

export const worldDir = path.join(dataDir, 'world');

/** One SFT demonstration: a user question and a reply written in one of the styles. */
export interface Demonstration {
  /** The user's question, e.g. "What is the capital of Peru?". */
  prompt: string;
  /** The reply, without a leading space (lib/model/chat.ts adds it). */
  completion: string;
  style: Style;
  /** The fact asked about, e.g. "capital:PE". */
  factId: string;
}

/** One prompt of a prompt set. */
export interface PromptRecord {
  prompt: string;
  factId: string;
}

/** The prompt sets; no prompt string is in two of them, nor among the demonstrations' prompts. */
export const PROMPT_SETS = ['ranking', 'ppo', 'validation', 'evaluation'] as const;
export type PromptSetName = (typeof PROMPT_SETS)[number];

/** How the facts were split (data/world/splits.json). */
export interface Splits {
  /** The seed tools/data/build-world.ts used. */
  seed: number;
  /** Facts that never appear in the demonstrations (≈ 20 %), to test generalisation. */
  heldOutFactIds: string[];
}

/** Throws unless `factId` looks like "capital:PE" / "symbol:Fe". */
function requireFactId(obj: Record<string, unknown>): string {
  const id = requireString(obj, 'factId');
  if (!/^(capital|symbol):[A-Za-z]+$/.test(id)) throw new Error(`field "factId" must look like "capital:PE" or "symbol:Fe", got ${JSON.stringify(id)}`);
  return id;
}

function requireText(obj: Record<string, unknown>, key: string): string {
  const s = requireString(obj, key);
  if (s.trim() === '') throw new Error(`field "${key}" must not be empty`);
  return s;
}

/** Validator for a demonstration line. */
export function validateDemonstration(value: unknown): Demonstration {
  const o = requireObject(value);
  const style = requireString(o, 'style');
  if (!(STYLES as readonly string[]).includes(style)) throw new Error(`field "style" must be one of ${STYLES.join(', ')}, got ${JSON.stringify(style)}`);
  const completion = requireText(o, 'completion');
  if (completion !== completion.trim()) throw new Error('field "completion" must not start or end with spaces (lib/model/chat.ts adds the leading space)');
  return { prompt: requireText(o, 'prompt'), completion, style: style as Style, factId: requireFactId(o) };
}

/** Validator for a prompt line. */
export function validatePrompt(value: unknown): PromptRecord {
  const o = requireObject(value);
  return { prompt: requireText(o, 'prompt'), factId: requireFactId(o) };
}

/** Reads data/world/demonstrations.jsonl (or `file`); `factIds` defaults to the world's (data/facts.json). */
export function loadDemonstrations(file = path.join(worldDir, 'demonstrations.jsonl'), factIds?: ReadonlySet<string>): Demonstration[] {
  return readJsonl(file, withKnownFact(validateDemonstration, factIds));
}

/** The file of a prompt set: data/world/prompts_<name>.jsonl. */
export function promptSetFile(name: PromptSetName): string {
  return path.join(worldDir, `prompts_${name}.jsonl`);
}

/** Reads one prompt set; `factIds` defaults to the world's (data/facts.json). */
export function loadPromptSet(name: PromptSetName, file = promptSetFile(name), factIds?: ReadonlySet<string>): PromptRecord[] {
  if (!(PROMPT_SETS as readonly string[]).includes(name)) throw new Error(`loadPromptSet: unknown set "${name}" (one of ${PROMPT_SETS.join(', ')})`);
  return readJsonl(file, withKnownFact(validatePrompt, factIds));
}

/** Reads data/world/splits.json. */
export function loadSplits(file = path.join(worldDir, 'splits.json')): Splits {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found (build it with: npx tsx tools/data/build-world.ts)`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  try {
    const o = requireObject(raw);
    const ids = o.heldOutFactIds;
    if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) throw new Error('field "heldOutFactIds" must be an array of fact ids');
    if (typeof o.seed !== 'number') throw new Error('field "seed" must be a number');
    return { seed: o.seed, heldOutFactIds: ids as string[] };
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}
