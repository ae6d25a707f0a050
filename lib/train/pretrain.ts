import { GPTConfig, validateGPTConfig } from '../model/gpt';
import { checkConfig, int, num, posInt } from '../core/validate';

/** Settings of the pre-training stage (notebooks/00_pretrain.ipynb). */
export interface PretrainConfig {
  /** The model's size; vocabSize must equal the tokenizer's. */
  model: GPTConfig;
  /** Optimiser steps. What matters for learning facts is the number of steps, not epochs. */
  steps: number;
  /** Sequences per step (each contextLength + 1 tokens). Small batches learn facts in fewer tokens. */
  batchSize: number;
  /** Peak learning rate (after warm-up). */
  learningRate: number;
  /** Steps of linear warm-up. */
  warmupSteps: number;
  /** Final learning rate as a fraction of the peak (cosine decay). */
  minLearningRateRatio: number;
  /** Adam's β₂ (0.95 is usual for GPTs). */
  beta2: number;
  /** Clip the gradients' global norm to this (0 = no clipping). */
  gradClip: number;
  /** Measure validation loss, recall and samples every this many steps. */
  evalEvery: number;
  /** Facts checked for recall at each evaluation (all facts at the end). */
  evalFacts: number;
  /** Seed of weights, batches and sampling. */
  seed: number;
}

/** Checks a pre-training config; throws an error naming the bad field. */
export function validatePretrainConfig(c: PretrainConfig): PretrainConfig {
  checkConfig('PretrainConfig', c, {
    model: (v: unknown) => (typeof v === 'object' && v !== null ? null : 'a GPTConfig object'),
    steps: posInt, batchSize: posInt, learningRate: num('(0, 1)'), warmupSteps: int(0, c.steps), minLearningRateRatio: num('[0, 1]'),
    beta2: num('(0, 1)'), gradClip: num('[0, ∞)'), evalEvery: posInt, evalFacts: posInt, seed: int(),
  });
  validateGPTConfig(c.model);
  return c;
}
