// The judge's types: what a series is, how it is judged, and the verdict.

/** One observation: epoch milliseconds and a value. */
export interface SeriesPoint {
  t: number;
  v: number;
}

export interface JudgeOptions {
  /** Shown in reasons: "queue depth 153, above …". */
  name: string;
  /** Appended to values in reasons ("ms", " GB", "%"). */
  unit?: string;
  /** A hard ceiling (quota, disk size): adds utilisation and a time-to-limit forecast. */
  limit?: number;
  /** The values are a monotonic counter: judge its per-second rate (resets are handled). */
  counter?: boolean;
  /** History needed before any point is judged; default one day, so daily cycles are seen once. */
  warmupMs?: number;
  /** Offset of the series' local clock from UTC, for "Tuesdays 14:00" in reasons. */
  utcOffsetMinutes?: number;
}

export type FlagKind = 'above' | 'below' | 'limit';

export interface Flag {
  /** First and last flagged time (epoch ms); the flag was raised at `start` from data up to `start`. */
  start: number;
  end: number;
  /** Robust z-score at the run's peak; for limit flags, the share of the limit reached. */
  score: number;
  kind: FlagKind;
  reason: string;
}

export interface Judgement {
  verdict: 'normal' | 'concerning';
  flags: Flag[];
  summary: string;
  limit?: LimitReport;
  /** No point could be judged against a baseline yet: how much history there is, and how much it needs.
   * A limit is judged from the first point all the same. */
  warmingUp?: { haveMs: number; needMs: number };
}

export interface LimitReport {
  limit: number;
  peak: number;
  /** peak / limit. */
  peakShare: number;
  /** Time spent at or above 80 % of the limit (each point counts until the next). */
  timeAbove80Ms: number;
  /** At the last point: the trend's time to reach the limit, null when not rising towards it or already at it. */
  timeToLimitMs: number | null;
  text: string;
}
