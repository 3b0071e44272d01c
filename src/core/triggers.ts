export type Trigger = 'new' | 'regressed' | 'escalating';

export const HOUR = 3_600_000;
/** Escalating: this hour has at least this many rows … */
export const ESCALATION_MIN_COUNT = 10;
/** … and at least this many times the group's average hour over the previous 7 days. */
export const ESCALATION_FACTOR = 5;
const BASELINE_HOURS = 7 * 24;
/** A baseline needs a day of history; younger groups were `new` recently anyway. */
const MIN_HISTORY_HOURS = 24;

export interface KnownGroup {
  status: 'active' | 'resolved';
  firstSeen: number;
}

export interface TriggerInput {
  known: KnownGroup | null;
  /** An ignore rule's `unless` bound was exceeded by this group's rows. */
  escalatedByRule: string | null;
  /** Rows in the current clock hour, this run's included. */
  currentHourCount: number;
  /** Rows in the previous 7 × 24 hours, before the current one. */
  previousWeekCount: number;
  now: number;
}

export interface TriggerDecision {
  trigger: Trigger | null;
  reason: string;
}

export function decideTrigger(input: TriggerInput): TriggerDecision {
  const { known } = input;
  // Rows an operator muted are not "new" even the first time they reach a group: they were seen.
  if (input.escalatedByRule) {
    return { trigger: 'escalating', reason: `above the rate allowed by ignore rule ${input.escalatedByRule}` };
  }
  if (!known) return { trigger: 'new', reason: 'never seen before' };
  if (known.status === 'resolved') return { trigger: 'regressed', reason: 'seen again after it was resolved' };
  const historyHours = Math.min(BASELINE_HOURS, Math.floor((hourStart(input.now) - known.firstSeen) / HOUR));
  if (historyHours >= MIN_HISTORY_HOURS) {
    const baseline = input.previousWeekCount / historyHours;
    const threshold = Math.max(ESCALATION_MIN_COUNT, ESCALATION_FACTOR * baseline);
    if (input.currentHourCount >= threshold) {
      return {
        trigger: 'escalating',
        reason: `${input.currentHourCount} this hour against ${formatRate(baseline)} an hour over the previous ${Math.round(historyHours / 24)} days`,
      };
    }
  }
  return { trigger: null, reason: '' };
}

export const hourStart = (ms: number) => Math.floor(ms / HOUR) * HOUR;

const formatRate = (n: number) => (n >= 10 ? n.toFixed(0) : n.toFixed(1));
