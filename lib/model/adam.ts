import * as tf from '@tensorflow/tfjs';
import { fastPaths } from '../engine/fusedOpRegistry';
import { checkConfig, num, oneOf } from '../core/validate';

/**
 * Adam, in the two forms the RLHF literature uses:
 * - 'pytorch' (PyTorch, tfjs): p ← p − lr · m̂ / (√v̂ + ε), with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
 * - 'tf1' (TensorFlow 1, OpenAI's original RLHF code): p ← p − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε), i.e. ε sits
 *   inside the bias-corrected denominator. Written alike, the forms differ only in ε: 'pytorch' divides by
 *   √v + ε·√(1−β₂ᵗ), 'tf1' by √v + ε, so they part most in the first steps and where gradients are tiny, enough to
 *   change early PPO updates measurably.
 * Optional decoupled weight decay (AdamW): p ← p − lr·wd·p.
 */
export interface AdamConfig {
  /** Step size (can be overridden per step, for schedules). */
  learningRate: number;
  /** Decay of the first-moment average. */
  beta1: number;
  /** Decay of the second-moment average. */
  beta2: number;
  /** Denominator guard. */
  epsilon: number;
  /** Decoupled weight decay (0 = plain Adam). */
  weightDecay: number;
  /** Which update rule (see above). */
  form: 'pytorch' | 'tf1';
}

export const defaultAdamConfig: AdamConfig = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, form: 'pytorch' };

export function validateAdamConfig(c: AdamConfig): AdamConfig {
  return checkConfig('AdamConfig', c, {
    learningRate: num('[0, ∞)'), beta1: num('[0, 1)'), beta2: num('[0, 1)'), epsilon: num('(0, ∞)'), weightDecay: num('[0, ∞)'),
    form: oneOf(['pytorch', 'tf1']),
  });
}

export class Adam {
  readonly config: AdamConfig;
  private readonly vars: tf.Variable[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  /** Optimises the given trainable variables (frozen ones are skipped). */
  constructor(vars: Iterable<tf.Variable>, config: Partial<AdamConfig> = {}) {
    this.config = validateAdamConfig({ ...defaultAdamConfig, ...config });
    this.vars = [...vars].filter((v) => v.trainable);
    this.m = this.vars.map((v) => tf.variable(tf.zerosLike(v), false));
    this.v = this.vars.map((v) => tf.variable(tf.zerosLike(v), false));
  }

  /** Number of steps taken. */
  get steps(): number {
    return this.t;
  }

  /**
   * One update from gradients keyed by variable name (what tf.variableGrads returns). Variables without a
   * gradient are left alone. `learningRate` overrides the configured one for this step.
   */
  step(grads: tf.NamedTensorMap, learningRate = this.config.learningRate): void {
    const { beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd, form } = this.config;
    this.t++;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    tf.tidy(() => {
      const idx = this.vars.map((p, i) => (grads[p.name] ? i : -1)).filter((i) => i >= 0);
      const fast = fastPaths.adam?.(
        idx.map((i) => this.vars[i]), idx.map((i) => this.m[i]), idx.map((i) => this.v[i]), idx.map((i) => grads[this.vars[i].name]),
        { learningRate, beta1: b1, beta2: b2, epsilon: eps, c1, c2, weightDecay: wd, form },
      );
      if (fast) {
        // The same update for every variable, in one native kernel (lib/engine/nativeFusedOps.ts).
        idx.forEach((i, j) => {
          this.vars[i].assign(fast[j][0]);
          this.m[i].assign(fast[j][1]);
          this.v[i].assign(fast[j][2]);
        });
        return;
      }
      this.vars.forEach((p, i) => {
        const g = grads[p.name];
        if (!g) return;
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const update =
          form === 'pytorch'
            ? tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps))
            : tf.mul(tf.div(m, tf.add(tf.sqrt(v), eps)), Math.sqrt(c2) / c1);
        let next = tf.sub(p, tf.mul(update, learningRate));
        if (wd > 0) next = tf.sub(next, tf.mul(p, learningRate * wd));
        p.assign(next);
      });
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/**
 * Scales gradients so that their global L2 norm is at most maxNorm. Returns new tensors (the inputs are not
 * disposed) and the norm before clipping.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; norm: number } {
  const names = Object.keys(grads);
  const normT = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))));
  const norm = normT.dataSync()[0];
  normT.dispose();
  const scale = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
  const out: tf.NamedTensorMap = {};
  for (const n of names) out[n] = scale === 1 ? tf.clone(grads[n]) : tf.mul(grads[n], scale);
  return { grads: out, norm };
}
