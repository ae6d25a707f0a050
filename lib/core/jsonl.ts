import * as fs from 'fs';
import { writeFileAtomic, appendLinesAtomic } from './atomic';

/**
 * JSON Lines: one JSON value per line. Readers validate every record and name the file and line of the
 * first bad one, so a malformed data file fails with a message a person can act on.
 */

/** Thrown for a malformed or invalid record; `file` and `line` (1-based) say where. */
export class JsonlError extends Error {
  constructor(readonly file: string, readonly line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'JsonlError';
  }
}

/**
 * A validator turns an unknown parsed value into a typed record, or throws an Error whose message says what
 * is wrong (the reader prefixes file and line).
 */
export type Validator<T> = (value: unknown) => T;

/** Reads a JSONL file; blank lines are skipped. Throws JsonlError for bad JSON or a record the validator rejects. */
export function readJsonl<T>(file: string, validate: Validator<T>): T[] {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found`);
  const text = fs.readFileSync(file, 'utf8');
  return parseJsonl(text, validate, file);
}

/** Parses JSONL text (see readJsonl); `name` is used in error messages. */
export function parseJsonl<T>(text: string, validate: Validator<T>, name = '<text>'): T[] {
  const out: T[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new JsonlError(name, i + 1, `not valid JSON (${(err as Error).message})`);
    }
    try {
      out.push(validate(value));
    } catch (err) {
      throw new JsonlError(name, i + 1, (err as Error).message);
    }
  }
  return out;
}

/** Writes records as JSONL atomically (temp file + rename). */
export function writeJsonl(file: string, records: readonly unknown[]): void {
  writeFileAtomic(file, records.map((r) => JSON.stringify(r) + '\n').join(''));
}

/** Appends records to a JSONL file atomically. */
export function appendJsonl(file: string, records: readonly unknown[]): void {
  appendLinesAtomic(file, records.map((r) => JSON.stringify(r)));
}

/** Validator helpers: each returns the field or throws a message naming it. */
export function requireObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

export function requireString(obj: Record<string, unknown>, key: string): string {
  const v = obj[key];
  if (typeof v !== 'string') throw new Error(`field "${key}" must be a string, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  return `${JSON.stringify(v)}`.slice(0, 60);
}
