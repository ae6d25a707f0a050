/**
 * Learning-rate schedules: a function from the step number (0-based) to the learning rate.
 */
export type Schedule = (step: number) => number;

/** Linear warm-up from 0 to `peak` over `warmupSteps`, then cosine decay to `peak·minRatio` at `totalSteps`. */
export function warmupCosine(opts: { peak: number; warmupSteps: number; totalSteps: number; minRatio?: number }): Schedule {
  const { peak, warmupSteps, totalSteps } = opts;
  const minRatio = opts.minRatio ?? 0.1;
  if (!(peak > 0)) throw new Error(`warmupCosine: peak must be > 0, got ${peak}`);
  if (!(totalSteps > 0 && warmupSteps >= 0 && warmupSteps <= totalSteps)) {
    throw new Error(`warmupCosine: need 0 ≤ warmupSteps (${warmupSteps}) ≤ totalSteps (${totalSteps}) and totalSteps > 0`);
  }
  return (step: number) => {
    if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
    const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  };
}

/** The same learning rate at every step. */
export function constant(lr: number): Schedule {
  return () => lr;
}
