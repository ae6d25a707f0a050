import { GPTConfig, validateGPTConfig } from '../model/gpt';

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
  validateGPTConfig(c.model);
  const posInt = (k: 'steps' | 'batchSize' | 'evalEvery' | 'evalFacts') => {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`PretrainConfig.${k} must be a positive integer, got ${c[k]}`);
  };
  (['steps', 'batchSize', 'evalEvery', 'evalFacts'] as const).forEach(posInt);
  if (!Number.isInteger(c.warmupSteps) || c.warmupSteps < 0 || c.warmupSteps > c.steps) {
    throw new Error(`PretrainConfig.warmupSteps must be an integer in [0, steps], got ${c.warmupSteps}`);
  }
  if (!(c.learningRate > 0 && c.learningRate < 1)) throw new Error(`PretrainConfig.learningRate must be in (0, 1), got ${c.learningRate}`);
  if (!(c.minLearningRateRatio >= 0 && c.minLearningRateRatio <= 1)) throw new Error(`PretrainConfig.minLearningRateRatio must be in [0, 1], got ${c.minLearningRateRatio}`);
  if (!(c.beta2 > 0 && c.beta2 < 1)) throw new Error(`PretrainConfig.beta2 must be in (0, 1), got ${c.beta2}`);
  if (!(c.gradClip >= 0)) throw new Error(`PretrainConfig.gradClip must be ≥ 0, got ${c.gradClip}`);
  if (!Number.isInteger(c.seed)) throw new Error(`PretrainConfig.seed must be an integer, got ${c.seed}`);
  return c;
}
