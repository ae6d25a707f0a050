import { requirePosInt } from '../core/validate';

/**
 * Intervals for the few-seed comparisons of the leaderboard: the mean of a handful of runs with Student's t,
 * and a win rate with Wilson's score interval.
 */

/** Two-sided 95 % critical values of Student's t for 1..30 degrees of freedom. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** The 95 % two-sided critical value of t with `df` degrees of freedom (1.96 past 30). */
export function t95(df: number): number {
  requirePosInt('t95: df', df);
  return df <= 30 ? T95[df - 1] : 1.96;
}

/** A mean with its 95 % interval half-width (t over n − 1 degrees of freedom; 0 with one value). */
export interface MeanInterval {
  mean: number;
  halfWidth: number;
  n: number;
}

/** Mean and 95 % interval of a few values (e.g. one figure over seeds). */
export function meanInterval(values: readonly number[]): MeanInterval {
  const xs = values.filter(Number.isFinite);
  if (xs.length === 0) throw new Error('meanInterval: no finite values');
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length === 1) return { mean, halfWidth: 0, n: 1 };
  const variance = xs.reduce((a, v) => a + (v - mean) ** 2, 0) / (xs.length - 1);
  return { mean, halfWidth: t95(xs.length - 1) * Math.sqrt(variance / xs.length), n: xs.length };
}

/** A win rate (ties count half) and its 95 % Wilson score interval. */
export interface WinRate {
  rate: number;
  low: number;
  high: number;
  wins: number;
  ties: number;
  losses: number;
}

/** Win rate of A over B from counts; ties count as half a win (InstructGPT's convention for preference rates). */
export function winRate(wins: number, ties: number, losses: number): WinRate {
  for (const [k, v] of Object.entries({ wins, ties, losses })) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`winRate: ${k} must be a non-negative integer, got ${v}`);
  }
  const n = wins + ties + losses;
  if (n === 0) throw new Error('winRate: no comparisons');
  const p = (wins + ties / 2) / n;
  const z = 1.96;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return { rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half), wins, ties, losses };
}
