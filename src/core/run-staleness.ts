import { formatDuration } from './duration.js';
import { formatRoughly } from './silence.js';

export const DEFAULT_INTERVAL_MS = 5 * 60_000;
const STALE_AFTER_INTERVALS = 3;
const GAPS_USED = 9;

export interface RunStaleness {
  /** The timer's interval as the runs show it, or the default when there are too few runs. */
  intervalMs: number;
  inferred: boolean;
  /** Null when all is well. */
  warning: string | null;
}

/**
 * Whether `sentinel run` has stopped succeeding: the last success is older than three intervals.
 * The interval is not configured anywhere sentinel reads (the timer owns it), so it is the median
 * gap between the last runs' starts: a manual run in between does not shorten it.
 */
export function judgeRunStaleness(input: { runStarts: number[]; lastSuccess: number | null; now: number }): RunStaleness {
  const starts = [...input.runStarts].sort((a, b) => b - a).slice(0, GAPS_USED + 1);
  const gaps = starts
    .slice(1)
    .map((start, i) => starts[i]! - start)
    .filter((gap) => gap > 0);
  const median = gaps.length >= 2 ? [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]! : null;
  // Timers fire with a random delay: whole minutes are what the operator configured.
  const intervalMs = median === null ? DEFAULT_INTERVAL_MS : Math.max(60_000, Math.round(median / 60_000) * 60_000);
  const result = { intervalMs, inferred: median !== null };
  if (input.lastSuccess === null) {
    return { ...result, warning: starts.length > 0 ? 'no run has succeeded yet: see the runs below and `sentinel doctor`' : null };
  }
  const age = input.now - input.lastSuccess;
  if (age <= STALE_AFTER_INTERVALS * intervalMs) return { ...result, warning: null };
  const interval = `${formatDuration(intervalMs)}${median === null ? ' (assumed)' : ''}`;
  return {
    ...result,
    warning: `the last successful run was ${formatRoughly(age)} ago, more than three intervals of ${interval}: is the timer running (systemctl status sentinel.timer)?`,
  };
}
