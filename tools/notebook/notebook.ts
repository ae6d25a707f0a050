import * as fs from 'fs';

/**
 * The parts of the Jupyter notebook format (nbformat 4) that the workbook's tools read and write.
 */

/** One output of a code cell. */
export interface NotebookOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** A markdown, code or raw cell. */
export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

/** A whole notebook. */
export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** A cell's source as one string (nbformat allows a string or a list of lines). */
export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Splits text into nbformat's list of lines, each keeping its '\n'. */
export function toLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Parses notebook JSON and checks the shape the tools rely on; errors name the file (and cell). */
export function parseNotebook(text: string, file: string): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: not a notebook (expected a JSON object)`);
  const nb = raw as Partial<Notebook>;
  if (!Array.isArray(nb.cells)) throw new Error(`${file}: not a notebook (no "cells" array)`);
  if (nb.nbformat !== 4) throw new Error(`${file}: nbformat ${String(nb.nbformat)} is not supported (need 4)`);
  nb.cells.forEach((c, i) => {
    const ok = typeof c === 'object' && c !== null && ['code', 'markdown', 'raw'].includes(c.cell_type) &&
      (typeof c.source === 'string' || (Array.isArray(c.source) && c.source.every((s) => typeof s === 'string')));
    if (!ok) throw new Error(`${file}: cell ${i + 1} is malformed (needs cell_type and a string source)`);
  });
  return { cells: nb.cells, metadata: nb.metadata ?? {}, nbformat: 4, nbformat_minor: nb.nbformat_minor ?? 5 };
}

/** Reads and checks a notebook file. */
export function readNotebook(file: string): Notebook {
  if (!fs.existsSync(file)) throw new Error(`${file}: not found`);
  if (fs.statSync(file).isDirectory()) throw new Error(`${file}: is a folder, not a notebook`);
  return parseNotebook(fs.readFileSync(file, 'utf8'), file);
}

/** Notebook JSON the way Jupyter writes it (1-space indent, trailing newline), for small diffs. */
export function formatNotebook(nb: Notebook): string {
  return JSON.stringify(nb, null, 1) + '\n';
}

/** A copy without outputs and execution counts: the form notebooks are committed in. */
export function stripOutputs(nb: Notebook): Notebook {
  return {
    ...nb,
    cells: nb.cells.map((c) => (c.cell_type === 'code' ? { ...c, outputs: [], execution_count: null } : c)),
  };
}
