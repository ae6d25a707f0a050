import * as tf from '@tensorflow/tfjs';

/**
 * The guard of every training loop: a step whose loss or gradients are not finite (NaN or ±Infinity) stops the
 * stage before the optimiser applies it, with a message naming the stage, the step and the last checkpoint on disk (where the stage started).
 * The notebooks save only after training, so a stopped stage writes nothing after the bad step.
 *
 *   const { value, grads } = tf.variableGrads(...);
 *   assertFinite({ stage: 'sft', step, lastCheckpoint: base.dir }, value, grads);   // one line per loop
 *   optimizer.step(grads, lr);
 *
 * The gradient check is one reduction: the global L2 norm of all gradients is finite exactly when every entry is
 * (a NaN or an Infinity anywhere makes the sum of squares non-finite; finite entries large enough to overflow
 * float32 are reported too, and such a step would be useless anyway).
 */

/** Where a step happens: for the message of a {@link NonFiniteError}. */
export interface StepContext {
  /** The stage (e.g. 'sft', 'ppo', 'dpo'). */
  stage: string;
  /** The step being taken (1-based, as the progress bar counts). */
  step: number;
  /** The last checkpoint on disk: the model the stage started from (or a phrase saying there is none). */
  lastCheckpoint: string;
}

/** Thrown when a training step's loss or gradients are not finite. */
export class NonFiniteError extends Error {
  readonly stage: string;
  readonly step: number;
  readonly lastCheckpoint: string;
  /** What was not finite: 'loss', 'gradient norm' or 'learning rate'. */
  readonly quantity: string;
  readonly value: number;

  constructor(ctx: StepContext, quantity: string, value: number) {
    super(`stage ${ctx.stage} stopped at step ${ctx.step}: the ${quantity} is ${value} (not finite), so the step is not applied ` +
      `and nothing of this stage is saved; the last checkpoint on disk is ${ctx.lastCheckpoint}, where the stage started. ` +
      'Lower the learning rate or check that checkpoint, then run the stage again.');
    this.name = 'NonFiniteError';
    this.stage = ctx.stage;
    this.step = ctx.step;
    this.lastCheckpoint = ctx.lastCheckpoint;
    this.quantity = quantity;
    this.value = value;
  }
}

/** The global L2 norm of a set of gradients (one reduction, one read). */
export function globalGradNorm(grads: tf.NamedTensorMap): number {
  const names = Object.keys(grads);
  if (names.length === 0) return 0;
  const normT = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))));
  const norm = normT.dataSync()[0];
  normT.dispose();
  return norm;
}

/**
 * Throws a {@link NonFiniteError} unless `loss` is finite and — when given — the gradients are: `grads` is either the
 * gradients themselves or their global norm already computed (e.g. by clipByGlobalNorm). `learningRate`, when
 * given, must be finite too (a NaN learning rate would turn every weight into NaN at this step). Disposes nothing.
 */
export function assertFinite(ctx: StepContext, loss: number | tf.Tensor, grads?: tf.NamedTensorMap | number, learningRate?: number): void {
  const lossValue = typeof loss === 'number' ? loss : loss.dataSync()[0];
  if (!Number.isFinite(lossValue)) throw new NonFiniteError(ctx, 'loss', lossValue);
  if (grads !== undefined) {
    const norm = typeof grads === 'number' ? grads : globalGradNorm(grads);
    if (!Number.isFinite(norm)) throw new NonFiniteError(ctx, 'gradient norm', norm);
  }
  if (learningRate !== undefined && !Number.isFinite(learningRate)) throw new NonFiniteError(ctx, 'learning rate', learningRate);
}

/**
 * Throws a {@link NonFiniteError} unless every named value is finite: for what a loop measures besides its loss.
 * Online DPO needs it: on a policy with NaN weights every reply is the same, no pair forms, no step is taken, and only
 * the reward-model scores and the KL to the reference show the damage.
 */
export function assertFiniteValues(ctx: StepContext, values: Record<string, number>): void {
  for (const [quantity, v] of Object.entries(values)) if (!Number.isFinite(v)) throw new NonFiniteError(ctx, quantity, v);
}
