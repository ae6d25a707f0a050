/**
 * Short, stable text for numbers and durations in tables, progress bars and plot labels.
 */

/**
 * A number with `digits` significant digits, without exponent noise for everyday magnitudes:
 * formatNumber(0.123456) = "0.1235", formatNumber(1234.5678) = "1235", formatNumber(3) = "3",
 * formatNumber(1.5e-7) = "1.5e-7".
 */
export function formatNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const ax = Math.abs(x);
  if (ax !== 0 && (ax < 1e-4 || ax >= 1e15)) return x.toExponential(digits - 1).replace(/\.?0+e/, 'e').replace('e+', 'e');
  if (ax >= 10 ** digits) return Math.round(x).toString();
  return String(Number(x.toPrecision(digits)));
}

/** A duration for humans: formatDuration(5) = "5s", formatDuration(185) = "3m05s", formatDuration(3725) = "1h02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Metrics as "loss=1.234 kl=0.01" (insertion order, numbers via formatNumber). */
export function formatMetrics(metrics: Record<string, number | string>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : v}`)
    .join(' ');
}
