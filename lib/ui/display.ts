import { randomBytes } from 'crypto';

/**
 * Rich output for notebooks. Inside the tslab kernel a MIME bundle goes to Jupyter as display_data (or
 * update_display_data, for outputs that change in place, such as progress bars); elsewhere (tests, scripts, a
 * terminal) its text/plain form is printed. Plots, tables and progress bars are built on this one function.
 */

/** A MIME bundle: MIME type → value (a string for text/*, a JSON value for application/*+json). */
export type MimeBundle = Record<string, unknown>;

/** What tslab's display channel takes (the content of a display_data message). */
interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

type WriteDisplayData = (content: DisplayContent, update: boolean) => void;

/**
 * tslab's current display writer, or null outside a kernel. Looked up in the module cache only: inside the kernel
 * tslab has loaded its jupyter module already, and elsewhere requiring it would load a TypeScript compiler for
 * nothing.
 */
function kernelWriter(): WriteDisplayData | null {
  let resolved: string;
  try {
    resolved = require.resolve('tslab/dist/jupyter');
  } catch {
    return null;
  }
  const mod = require.cache[resolved];
  const write: unknown = mod?.exports?.lastWriteDisplayData;
  return typeof write === 'function' ? (write as WriteDisplayData) : null;
}

/** True inside a notebook kernel that can show rich output. */
export function inNotebook(): boolean {
  return kernelWriter() !== null;
}

/** Options of {@link display}. */
export interface DisplayOptions {
  /** Names the output so that later calls with `update: true` replace it in place. */
  displayId?: string;
  /** Replace the output named by `displayId` instead of adding a new one. */
  update?: boolean;
}

/**
 * Shows a MIME bundle: in a notebook as rich output (the front end picks the richest type it can draw),
 * elsewhere by printing its text/plain entry. Returns nothing, so a cell ending in a display call prints nothing
 * more.
 */
export function display(bundle: MimeBundle, opts: DisplayOptions = {}): void {
  const write = kernelWriter();
  if (write) {
    const transient = opts.displayId ? { display_id: opts.displayId } : {};
    write({ data: bundle, metadata: {}, transient }, opts.update === true);
    return;
  }
  const text = bundle['text/plain'];
  console.log(typeof text === 'string' ? text : `[output of type ${Object.keys(bundle).join(', ')}]`);
}

/** A fresh id for an output that will be updated in place. */
export function newDisplayId(): string {
  return randomBytes(8).toString('hex');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
