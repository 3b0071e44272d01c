import type { Sample } from './tally.js';
import type { KnownGroup } from './triggers.js';

/** Rows of the state DB, as the core sees them. */
export interface GroupRecord extends KnownGroup {
  fingerprint: string;
  template: string;
  exceptionType: string | null;
  logger: string | null;
  function: string | null;
  levelName: string;
  samples: Sample[];
  lastSeen: number;
  total: number;
  lastInvestigatedAt: number | null;
  lastInvestigatedRate: number | null;
}

export interface Checkpoint {
  id: number;
  /** Hash of the row at `id` when it was read, to notice a replaced database. */
  identity: string | null;
}

export interface RunRecord {
  id: number;
  kind: string;
  startedAt: number;
  finishedAt: number | null;
  rowsRead: number;
  ignored: number;
  groups: number;
  triggered: number;
  outcome: string;
  message: string | null;
  /** The run's process; null for runs recorded before it was kept. */
  pid: number | null;
}
