import type { Trigger } from './triggers.js';

/** What severity ordering reads of a group; rows are `count`. */
export interface OrderedGroup {
  levelNo: number;
  trigger: Trigger | null;
  count: number;
}

// New and regressed are a change in what fails; escalating is more of what was already known.
const TRIGGER_RANK: Record<Trigger, number> = { new: 0, regressed: 0, escalating: 1 };

/** Most severe first, the same everywhere (title, push, table, analyses): level, then trigger, then rows. */
export function bySeverity(a: OrderedGroup, b: OrderedGroup): number {
  return b.levelNo - a.levelNo || triggerRank(a.trigger) - triggerRank(b.trigger) || b.count - a.count;
}

const triggerRank = (trigger: Trigger | null) => (trigger === null ? 2 : TRIGGER_RANK[trigger]);
