import { Rng } from '../core/rng';

/**
 * Batches for language-model training: the corpus as one long stream of token ids (documents separated by
 * EOS), cut into windows of `length` tokens (inputs are the first length−1, targets the last length−1).
 */

/** Concatenates encoded documents into one stream, each followed by EOS. */
export function tokenStream(docs: readonly number[][], eosId: number): Int32Array {
  const total = docs.reduce((s, d) => s + d.length + 1, 0);
  const out = new Int32Array(total);
  let at = 0;
  for (const d of docs) {
    out.set(d, at);
    at += d.length;
    out[at++] = eosId;
  }
  return out;
}

/** `batch` windows of `length` tokens at random offsets of the stream (seeded by `rng`). */
export function randomWindows(stream: Int32Array, batch: number, length: number, rng: Rng): number[][] {
  if (stream.length < length) throw new Error(`randomWindows: stream of ${stream.length} tokens is shorter than a window (${length})`);
  const rows: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const start = rng.int(stream.length - length + 1);
    rows.push(Array.from(stream.subarray(start, start + length)));
  }
  return rows;
}

/**
 * Consecutive windows for evaluation: window i starts at i·(length−1), so every token after the first is a
 * target exactly once. The last partial window is dropped.
 */
export function sequentialWindows(stream: Int32Array, length: number, maxWindows = Infinity): number[][] {
  const rows: number[][] = [];
  for (let start = 0; start + length <= stream.length && rows.length < maxWindows; start += length - 1) {
    rows.push(Array.from(stream.subarray(start, start + length)));
  }
  return rows;
}

/** Splits items into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new Error(`chunks: size must be ≥ 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
