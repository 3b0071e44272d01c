import type { Analysis } from './define.js';
import { errorGroup } from './error-group.js';
import { fingerprintCounts } from './fingerprint-counts.js';
import { rowsAround } from './rows-around.js';

/** The analyses Claude gets as `mcp__sentinel__<name>`, in the order it sees them. */
export const ANALYSES: readonly Analysis[] = [errorGroup, rowsAround, fingerprintCounts];

export const ANALYSIS_NAMES: readonly string[] = ANALYSES.map((a) => a.name);
