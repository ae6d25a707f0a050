/**
 * The KL coefficient β of PPO's reward r = score − β·KL (Ziegler et al. 2019, "Fine-tuning language models from
 * human preferences"). A fixed controller keeps β; the adaptive one steers the measured KL toward a target:
 *   err = clip(KL/target − 1, −0.2, 0.2),   β ← β·(1 + err·n/horizon),
 * where n is the number of samples (responses) in the batch the KL was measured on.
 */
export interface KlController {
  /** The current coefficient β. */
  readonly beta: number;
  /** Feeds the mean KL per response (nats) measured on a batch of n samples; returns the new β. */
  update(kl: number, n: number): number;
}

/** Configuration of either controller. */
export type KlControllerConfig =
  | {
      kind: 'fixed';
      /** β, constant. */
      beta: number;
    }
  | {
      kind: 'adaptive';
      /** Initial β. */
      beta: number;
      /** Target KL per response, nats (Ziegler et al.: 6 for stylistic tasks). */
      target: number;
      /** Samples over which β may change by up to ±20 % per unit error (Ziegler et al.: 10 000). */
      horizon: number;
    };

/** The clipped proportional error of the adaptive controller: clip(kl/target − 1, −0.2, 0.2). */
export function klProportionalError(kl: number, target: number): number {
  return Math.min(0.2, Math.max(-0.2, kl / target - 1));
}

function checkUpdate(kl: number, n: number): void {
  if (!Number.isFinite(kl)) throw new Error(`KlController.update: kl must be a finite number, got ${kl}`);
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`KlController.update: n must be a sample count (integer ≥ 0), got ${n}`);
}

/** β stays where it was set. */
export class FixedKlController implements KlController {
  readonly beta: number;

  constructor(beta: number) {
    if (!(beta >= 0)) throw new Error(`FixedKlController: beta must be ≥ 0, got ${beta}`);
    this.beta = beta;
  }

  update(kl: number, n: number): number {
    checkUpdate(kl, n);
    return this.beta;
  }
}

/** β grows while the KL is above the target and shrinks while it is below (by at most 20 %·n/horizon a step). */
export class AdaptiveKlController implements KlController {
  private value: number;
  readonly target: number;
  readonly horizon: number;

  constructor(beta: number, target: number, horizon: number) {
    if (!(beta > 0)) throw new Error(`AdaptiveKlController: beta must be > 0, got ${beta}`);
    if (!(target > 0)) throw new Error(`AdaptiveKlController: target must be > 0, got ${target}`);
    if (!(horizon > 0)) throw new Error(`AdaptiveKlController: horizon must be > 0, got ${horizon}`);
    this.value = beta;
    this.target = target;
    this.horizon = horizon;
  }

  get beta(): number {
    return this.value;
  }

  update(kl: number, n: number): number {
    checkUpdate(kl, n);
    this.value *= 1 + (klProportionalError(kl, this.target) * n) / this.horizon;
    return this.value;
  }
}

/** Builds the controller a config asks for. */
export function makeKlController(config: KlControllerConfig): KlController {
  if (config.kind === 'fixed') return new FixedKlController(config.beta);
  if (config.kind === 'adaptive') return new AdaptiveKlController(config.beta, config.target, config.horizon);
  throw new Error(`makeKlController: kind must be 'fixed' or 'adaptive', got ${String((config as { kind: unknown }).kind)}`);
}
