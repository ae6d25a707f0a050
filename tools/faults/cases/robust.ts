import { robustBadInputCases } from '../bad-inputs-robust';
import type { BadInputCase } from '../types';

/** The ranking server, checkpoint and data-file cases of tools/faults/bad-inputs-robust.ts. */
export const badInputs: BadInputCase[] = robustBadInputCases();
