import * as tf from '@tensorflow/tfjs';
import type { GPT } from '../model/gpt';

/**
 * The best weights of a model seen so far, by a score where higher is better: stages 04–06 keep the policy whose
 * replies to the validation prompts the gold judge scored highest (lib/eval/evaluate.validationGold), the stand-in for
 * the periodic human evaluation that real teams use to pick a checkpoint.
 *
 *   const best = new BestCheckpoint(policy, validationGold(...));   // step 0: the starting weights
 *   best.offer(step, validationGold(...));                            // keeps a copy if the score is higher
 *   best.restore(); … best.dispose();
 */
export class BestCheckpoint {
  /** The step the kept weights come from, and their score. */
  step: number;
  score: number;
  private weights: Map<string, tf.Tensor>;

  constructor(private readonly model: GPT, score: number, step = 0) {
    this.step = step;
    this.score = score;
    this.weights = this.copyWeights();
  }

  /** Keeps a copy of the model's current weights if `score` beats the best so far; returns whether it did. */
  offer(step: number, score: number): boolean {
    if (!(score > this.score)) return false;
    this.weights.forEach((t) => t.dispose());
    this.weights = this.copyWeights();
    this.step = step;
    this.score = score;
    return true;
  }

  /** Puts the kept weights back into the model. */
  restore(): void {
    for (const [name, t] of this.weights) this.model.param(name).assign(t);
  }

  /** Releases the kept copy. */
  dispose(): void {
    this.weights.forEach((t) => t.dispose());
    this.weights.clear();
  }

  private copyWeights(): Map<string, tf.Tensor> {
    return new Map([...this.model.params()].map(([name, v]) => [name, tf.clone(v)]));
  }
}
