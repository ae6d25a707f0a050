import * as fs from 'fs';
import { writeFileAtomic, appendLinesAtomic } from './atomic';

/**
 * JSON Lines: one JSON value per line. Readers validate every record and name the file and line of the
 * first bad one, so a malformed data file fails with a message a person can act on. Lines may end in LF, CRLF or
 * a lone CR (a JSON value cannot hold a raw CR or LF, so each of them ends a line), and line numbers count the
 * lines an editor shows under any of the three conventions. A file without a single record is an error unless
 * the caller allows it (a file that only collects records, like a person's rankings, may start empty).
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

/** Options of readJsonl. */
export interface ReadJsonlOptions {
  /** Accept a file with no records (default false: an empty file is an error naming it). */
  allowEmpty?: boolean;
}

/** A record and the 1-based line it was read from. */
export interface NumberedRecord<T> {
  value: T;
  line: number;
}

/**
 * Reads a JSONL file; blank lines are skipped. Throws JsonlError for bad JSON or a record the validator rejects,
 * and an error naming the file if it holds no record (unless `allowEmpty`).
 */
export function readJsonl<T>(file: string, validate: Validator<T>, options: ReadJsonlOptions = {}): T[] {
  return readJsonlNumbered(file, validate, options).map((r) => r.value);
}

/** readJsonl, each record with its line number (for checks across lines that name both lines). */
export function readJsonlNumbered<T>(file: string, validate: Validator<T>, options: ReadJsonlOptions = {}): NumberedRecord<T>[] {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found`);
  const text = fs.readFileSync(file, 'utf8');
  const records = parseJsonlNumbered(text, validate, file);
  if (records.length === 0 && !options.allowEmpty) {
    throw new Error(`${file}: no records (the file is ${text.length === 0 ? 'empty' : 'blank'}); it must hold at least one JSON line`);
  }
  return records;
}

/** Parses JSONL text (see readJsonl; an empty text gives no records); `name` is used in error messages. */
export function parseJsonl<T>(text: string, validate: Validator<T>, name = '<text>'): T[] {
  return parseJsonlNumbered(text, validate, name).map((r) => r.value);
}

/** The lines of a text under any line-ending convention: LF, CRLF or a lone CR. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** parseJsonl, each record with its line number. */
export function parseJsonlNumbered<T>(text: string, validate: Validator<T>, name = '<text>'): NumberedRecord<T>[] {
  const out: NumberedRecord<T>[] = [];
  const lines = splitLines(text.startsWith('\uFEFF') ? text.slice(1) : text);
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
      out.push({ value: validate(value), line: i + 1 });
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
