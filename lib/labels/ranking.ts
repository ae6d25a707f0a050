import { panelWith, type Assignment, type LabelerConfig } from './labelers';
import { type CandidateSet, type RankingRecord } from './preferences';
import { pairOrder } from './agreement';
import { checkConfig, countOrAll, int, num, oneOf, posInt, requirePosInt } from '../core/validate';
import { mean } from '../core/stats';

/**
 * Stage 2, sampling and ranking (notebooks/02_sampling_and_ranking.ipynb): its settings, how K samples per prompt
 * become candidate sets, and a few statistics of the labels.
 */

/** Settings of the ranking stage. */
export interface RankingConfig {
  /** Ranking prompts used, the first n of data/world/prompts_ranking.jsonl (Infinity = all 1,344). */
  prompts: number;
  /** Samples per prompt, K (InstructGPT: 4 to 9). Each label then gives up to C(K, 2) comparison pairs. */
  k: number;
  /** Sampling temperature (1 = the model's own distribution). */
  temperature: number;
  /** Keep only the k most likely next tokens (0 = no limit). */
  topK: number;
  /** Keep the smallest set of next tokens whose probability reaches p (1 = no limit). */
  topP: number;
  /** Longest reply, in tokens (EOS included). */
  maxNewTokens: number;
  /** Prompts per generate() call (each prompt becomes K rows of the batch). */
  batchSize: number;
  /** Seed of the sampler (the panel's noise has its own seeds, one per labeler). */
  seed: number;
  /** Changes to every simulated labeler of the default panel (lib/labels/labelers.ts panelWith), e.g. { sigma: 0 }. */
  panel: Partial<Omit<LabelerConfig, 'id' | 'seed'>>;
  /**
   * Who ranks which prompt: 'all', the whole panel ranks every prompt and training uses their consensus
   * (lib/labels/consensus.ts); 'rotation', one labeler per prompt, taking turns (most of InstructGPT's comparisons had one).
   */
  assignment: Assignment;
  /** Prompts that every labeler labels, for the agreement statistics (Infinity = all). With 'rotation', not used for training. */
  agreementPrompts: number;
  /** Prompts a person ranks in the page when the notebook runs with RLHF_HUMAN=1 (the cell waits for them). */
  humanPrompts: number;
  /** Minutes the human-ranking cell waits at most before it carries on. */
  humanMinutes: number;
}

export const defaultRankingConfig: RankingConfig = {
  prompts: Infinity,
  k: 4,
  temperature: 1,
  topK: 0,
  topP: 1,
  maxNewTokens: 32,
  batchSize: 64,
  seed: 2,
  panel: {},
  assignment: 'all',
  agreementPrompts: Infinity,
  humanPrompts: 5,
  humanMinutes: 30,
};

/** The config shrunk for smoke mode (CI runs every notebook in seconds): the same code paths, tiny sizes. */
export function smokeRankingConfig(c: RankingConfig): RankingConfig {
  return { ...c, prompts: 8, maxNewTokens: 12, humanPrompts: 2 };
}

/** Checks a ranking config; throws an error naming the bad field. Returns the config. */
export function validateRankingConfig(c: RankingConfig): RankingConfig {
  checkConfig('RankingConfig', c, {
    prompts: countOrAll, k: (v) => int(4, 9)(v) && "an integer from 4 to 9 (InstructGPT's range)", temperature: num('(0, ∞)'),
    topK: int(0), topP: num('(0, 1]'), maxNewTokens: posInt, batchSize: posInt, seed: int(),
    panel: (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? null : 'an object of labeler fields, e.g. { sigma: 0 }'),
    assignment: oneOf(['all', 'rotation']), agreementPrompts: countOrAll, humanPrompts: posInt, humanMinutes: num('(0, ∞)'),
  });
  try {
    panelWith(c.panel);
  } catch (err) {
    throw new Error(`RankingConfig.panel: ${(err as Error).message}`);
  }
  return c;
}

/** Every item k times in a row: [a, b], 2 → [a, a, b, b] (the rows of one sampling batch). */
export function repeatEach<T>(items: readonly T[], k: number): T[] {
  requirePosInt('repeatEach: k', k);
  return items.flatMap((x) => new Array<T>(k).fill(x));
}

/**
 * Replies sampled for repeatEach(prompts, k), in that order, grouped back into one candidate set per prompt:
 * replies[i·k .. i·k + k − 1] belong to prompts[i].
 */
export function groupIntoSets(prompts: readonly { prompt: string; factId: string }[], replies: readonly string[], k: number): CandidateSet[] {
  if (replies.length !== prompts.length * k) throw new Error(`groupIntoSets: ${replies.length} replies for ${prompts.length} prompts × K = ${k} (expected ${prompts.length * k})`);
  return prompts.map((p, i) => ({ prompt: p.prompt, factId: p.factId, responses: replies.slice(i * k, (i + 1) * k) }));
}

/** Share of response pairs that labels leave tied (over every label of every record). */
export function labelTieShare(records: readonly RankingRecord[]): number {
  let tied = 0;
  let pairs = 0;
  for (const r of records) {
    const k = r.responses.length;
    for (const l of r.labels) {
      for (let i = 0; i < k; i++) {
        for (let j = i + 1; j < k; j++) {
          pairs++;
          if (pairOrder(l.ranking, i, j) === 0) tied++;
        }
      }
    }
  }
  return pairs === 0 ? NaN : tied / pairs;
}

/** Mean and standard deviation (population) of numbers; NaN for none. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: NaN, std: NaN };
  const m = mean(xs);
  const variance = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
  return { mean: m, std: Math.sqrt(variance) };
}

/** Per prompt, best minus worst score of its K responses: 0 means the labeler had nothing to choose between. */
export function scoreSpreads(scores: readonly (readonly number[])[]): number[] {
  return scores.map((s, i) => {
    if (s.length === 0) throw new Error(`scoreSpreads: prompt ${i} has no scores`);
    return Math.max(...s) - Math.min(...s);
  });
}
