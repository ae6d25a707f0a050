/**
 * Reward over-optimisation curves (Gao, Schulman & Hilton 2022, "Scaling laws for reward model
 * over-optimization"). With d = √KL(π ‖ π_start), the gold reward gained over the starting policy follows
 *   best-of-n   R(d) = d · (α − β · d)
 *   RL          R(d) = d · (α − β · ln d)
 * with best-of-n's KL taken as ln n − (n − 1)/n (lib/train/bestOfN.ts bestOfNKl). Both forms are linear in (α, β), so they are
 * fitted by least squares without an intercept (R(0) = 0 by construction).
 */

/** One fitted curve: its parameters and the share of the gains' variance it explains. */
export interface GaoFit {
  alpha: number;
  beta: number;
  /** 1 − SS_res / SS_tot over the points fitted (SS_tot around the points' mean). */
  r2: number;
  /** Points used. */
  n: number;
}

export type GaoForm = 'bestOfN' | 'rl';

/** The curve's value at distance d = √KL (0 at d = 0). */
export function gaoCurve(form: GaoForm, alpha: number, beta: number, d: number): number {
  if (d <= 0) return 0;
  return form === 'bestOfN' ? d * (alpha - beta * d) : d * (alpha - beta * Math.log(d));
}

/**
 * Fits a Gao curve to points (d, gain): d = √KL ≥ 0, gain = gold − gold of the starting policy. Needs two points
 * with d > 0 that are not proportional in the curve's two features.
 */
export function fitGao(form: GaoForm, points: readonly { d: number; gain: number }[]): GaoFit {
  const pts = points.filter((p) => Number.isFinite(p.d) && Number.isFinite(p.gain) && p.d > 0);
  if (pts.length < 2) throw new Error(`fitGao: need at least 2 points with d > 0, got ${pts.length}`);
  // features: gain ≈ α·f1 − β·f2, f1 = d, f2 = d² (best-of-n) or d·ln d (RL)
  const f2 = (d: number) => (form === 'bestOfN' ? d * d : d * Math.log(d));
  let s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0;
  for (const { d, gain } of pts) {
    const a = d, b = -f2(d);
    s11 += a * a; s12 += a * b; s22 += b * b; s1y += a * gain; s2y += b * gain;
  }
  const det = s11 * s22 - s12 * s12;
  if (Math.abs(det) < 1e-12 * Math.max(1, s11 * s22)) throw new Error('fitGao: the points do not determine both parameters');
  const alpha = (s1y * s22 - s2y * s12) / det;
  const beta = (s11 * s2y - s12 * s1y) / det;
  const mean = pts.reduce((s, p) => s + p.gain, 0) / pts.length;
  let ssRes = 0, ssTot = 0;
  for (const p of pts) {
    ssRes += (p.gain - gaoCurve(form, alpha, beta, p.d)) ** 2;
    ssTot += (p.gain - mean) ** 2;
  }
  return { alpha, beta, r2: ssTot > 0 ? 1 - ssRes / ssTot : ssRes === 0 ? 1 : 0, n: pts.length };
}
