/**
 * The fault-injection suite's cases (tools/faults/run.ts). Each module of tools/faults/cases/ exports
 * `badInputs` and/or `interruptions`; the runner imports every module there, so a new category is a new file.
 */

/** How an attempt with a bad input ended. */
export interface Attempt {
  /** The input was taken: the command succeeded, the request was answered as done, or something was written. */
  accepted: boolean;
  /** What the user saw (the error message, the command's output). */
  message: string;
}

/**
 * A bad input, tried as a user would (a command, a file, a request). It must be refused, and refused clearly: the
 * message names the thing (file and line, field, tensor, stage and step) — every entry of `names` matches it.
 */
export interface BadInputCase {
  category: string;
  /** What is tried, in a few words. */
  name: string;
  names: RegExp[];
  attempt(): Promise<Attempt>;
}

/** An interruption: a stage killed at some moment. `lost` lists every artifact lost or left half-written. */
export interface InterruptionCase {
  category: string;
  name: string;
  run(): Promise<{ lost: string[] }>;
}

/** What a module of tools/faults/cases/ may export. */
export interface CaseModule {
  badInputs?: BadInputCase[];
  interruptions?: InterruptionCase[];
}
