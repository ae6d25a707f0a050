import { display, escapeHtml, MimeBundle } from './display';
import { formatNumber } from './format';

/**
 * Tables for notebooks: arrays of records and danfo DataFrames / Series as HTML tables (every cell escaped),
 * with an aligned plain-text fallback. danfo's own print() draws ASCII boxes that wrap badly in a notebook.
 */

/** One row: column name → value (any plain object, e.g. a typed config, works). */
export type Row = object;

/** What a danfo DataFrame or Series offers (duck-typed, so lib/ does not load danfo). */
export interface FrameLike {
  /** Column names (a Series has one). */
  columns: string[];
  /** Row-major values: rows × columns for a DataFrame, one value per row for a Series. */
  values: unknown[];
  /** Row labels. */
  index: (string | number)[];
}

/** Options of {@link tableBundle} and {@link showTable}. */
export interface TableOptions {
  /** Show at most this many rows (default 50); the rest is counted in a note. */
  maxRows?: number;
  /** A caption above the table. */
  caption?: string;
  /** Significant digits of numbers (default 4). */
  digits?: number;
  /** Show the row labels (default: true for DataFrames, false for arrays of records). */
  showIndex?: boolean;
}

/** Column-wise view the renderers share. */
interface Grid {
  columns: string[];
  index: string[];
  rows: unknown[][];
  totalRows: number;
  showIndex: boolean;
}

function isFrameLike(x: unknown): x is FrameLike {
  return typeof x === 'object' && x !== null && !Array.isArray(x) &&
    Array.isArray((x as FrameLike).columns) && Array.isArray((x as FrameLike).values) && Array.isArray((x as FrameLike).index);
}

function toGrid(table: Row[] | FrameLike, opts: TableOptions): Grid {
  const maxRows = opts.maxRows ?? 50;
  if (isFrameLike(table)) {
    const rows = table.values.map((r) => (Array.isArray(r) ? r : [r]));
    return {
      columns: table.columns.map(String),
      index: table.index.map(String),
      rows: rows.slice(0, maxRows),
      totalRows: rows.length,
      showIndex: opts.showIndex ?? true,
    };
  }
  if (!Array.isArray(table)) throw new Error('showTable: expected an array of records or a danfo DataFrame/Series');
  const columns: string[] = [];
  table.forEach((row, i) => {
    if (typeof row !== 'object' || row === null) throw new Error(`showTable: row ${i} is not an object`);
    for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  });
  return {
    columns,
    index: table.slice(0, maxRows).map((_, i) => String(i)),
    rows: table.slice(0, maxRows).map((r) => columns.map((c) => (r as Record<string, unknown>)[c])),
    totalRows: table.length,
    showIndex: opts.showIndex ?? false,
  };
}

/** A value as table text: numbers to `digits` significant digits, objects as JSON, null/undefined empty. */
export function formatCell(v: unknown, digits = 4): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return formatNumber(v, digits);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (ArrayBuffer.isView(v)) return JSON.stringify(Array.from(v as unknown as ArrayLike<number>));
  return JSON.stringify(v) ?? String(v);
}

/** The table as HTML: numbers right-aligned, text kept with its line breaks, everything escaped. */
export function toHtmlTable(table: Row[] | FrameLike, opts: TableOptions = {}): string {
  const g = toGrid(table, opts);
  const digits = opts.digits ?? 4;
  const th = (s: string) => `<th style="text-align:left">${escapeHtml(s)}</th>`;
  const td = (v: unknown) => {
    const align = typeof v === 'number' ? 'right' : 'left';
    return `<td style="text-align:${align};white-space:pre-wrap;vertical-align:top">${escapeHtml(formatCell(v, digits))}</td>`;
  };
  const head = `<tr>${g.showIndex ? '<th></th>' : ''}${g.columns.map(th).join('')}</tr>`;
  const body = g.rows.map((r, i) => `<tr>${g.showIndex ? `<th>${escapeHtml(g.index[i])}</th>` : ''}${r.map(td).join('')}</tr>`);
  const more = g.totalRows > g.rows.length ? `<p><i>… ${g.totalRows - g.rows.length} more rows (${g.totalRows} in all)</i></p>` : '';
  const caption = opts.caption ? `<caption style="text-align:left;font-weight:bold">${escapeHtml(opts.caption)}</caption>` : '';
  return `<table class="rlhf-table">${caption}<thead>${head}</thead><tbody>${body.join('')}</tbody></table>${more}`;
}

/** The table as aligned plain text (cells cut to 40 characters, line breaks shown as ⏎). */
export function toTextTable(table: Row[] | FrameLike, opts: TableOptions = {}): string {
  const g = toGrid(table, opts);
  const digits = opts.digits ?? 4;
  const cut = (s: string) => {
    const one = s.replace(/\n/g, '⏎');
    return one.length > 40 ? one.slice(0, 39) + '…' : one;
  };
  const header = [...(g.showIndex ? [''] : []), ...g.columns].map(cut);
  const lines = g.rows.map((r, i) => [...(g.showIndex ? [g.index[i]] : []), ...r.map((v) => formatCell(v, digits))].map(cut));
  const numeric = header.map((_, j) => {
    const k = g.showIndex ? j - 1 : j;
    return k >= 0 && g.rows.length > 0 && g.rows.every((r) => typeof r[k] === 'number' || r[k] === null || r[k] === undefined);
  });
  const widths = header.map((h, j) => Math.max(h.length, ...lines.map((l) => l[j].length)));
  const fmt = (cells: string[]) => cells.map((c, j) => (numeric[j] ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ').trimEnd();
  const out = [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)];
  if (opts.caption) out.unshift(opts.caption);
  if (g.totalRows > g.rows.length) out.push(`… ${g.totalRows - g.rows.length} more rows (${g.totalRows} in all)`);
  return out.join('\n');
}

/** The MIME bundle of a table (text/html and text/plain). */
export function tableBundle(table: Row[] | FrameLike, opts: TableOptions = {}): MimeBundle {
  return { 'text/html': toHtmlTable(table, opts), 'text/plain': toTextTable(table, opts) };
}

/**
 * Shows records or a danfo DataFrame as a table, e.g. showTable(df.head(10)) or
 * showTable(samples, { caption: 'samples of prompt 3', maxRows: 9 }).
 */
export function showTable(table: Row[] | FrameLike, opts: TableOptions = {}): void {
  display(tableBundle(table, opts));
}
