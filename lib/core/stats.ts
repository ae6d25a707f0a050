/** The arithmetic mean of `xs`, summed left to right; NaN for an empty list. */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
