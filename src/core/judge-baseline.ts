import { createRankWindow, describeSorted, medianOf, type SampleSummary } from './judge-stats.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

/** Which history a point is compared with. */
export type BaselineKind = 'recent' | 'daily' | 'weekly';
const BASELINE_KINDS: readonly BaselineKind[] = ['recent', 'daily', 'weekly'];

/** What the history says about one point: its usual centre and spread, from earlier points only. */
export interface Expectation extends SampleSummary {
  kind: BaselineKind;
}

/** The expectation of every point of a series, as columns: a million points make no objects. */
export interface Expectations {
  /** 1 + the kind's index in BASELINE_KINDS; 0 where no baseline is trusted. */
  kind: Uint8Array;
  median: Float64Array;
  sigma: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

export function expectationAt(e: Expectations, i: number): Expectation | null {
  const kind = BASELINE_KINDS[(e.kind[i] ?? 0) - 1];
  if (kind === undefined) return null;
  return { kind, median: e.median[i] ?? 0, sigma: e.sigma[i] ?? 0, min: e.min[i] ?? 0, max: e.max[i] ?? 0 };
}

export const baselineTuning = {
  /** Trailing window of the non-seasonal baseline. */
  recentSpan: 7 * DAY,
  dailyCycles: 7,
  weeklyCycles: 4,
  /** Seasonal baselines need this many earlier cycles with points at the same phase. */
  minCycles: 2,
  /** Models are compared by their mean absolute error over this trailing span. */
  selectionSpan: DAY,
  /** Half-width of the same-phase neighbourhood: at least this, and 1.5 sampling intervals. */
  phaseTolerance: 15 * MINUTE,
  /** Seasonal must beat the recent baseline's error by this factor to be chosen. */
  seasonalAdvantage: 0.8,
  /** Points of error history a seasonal baseline needs before it can be chosen. */
  minSeasonalEvidence: 12,
  /** Points taken from one cycle's same-phase neighbourhood, evenly spread: a dense series (a point a
   * second) would otherwise sort thousands per point; a 5-minute series has a handful anyway. */
  maxPhasePoints: 8,
};

/** Trailing mean absolute error of one baseline, over a time window; at most `capacity` pushes. */
function createErrorTracker(span: number, capacity: number) {
  const times = new Float64Array(capacity);
  const errors = new Float64Array(capacity);
  let head = 0;
  let size = 0;
  let sum = 0;
  return {
    push(t: number, err: number) {
      times[size] = t;
      errors[size++] = err;
      sum += err;
      while (head < size && (times[head] ?? t) < t - span) sum -= errors[head++] ?? 0;
    },
    mean: (): number => (size - head > 0 ? sum / (size - head) : Number.POSITIVE_INFINITY),
    count: (): number => size - head,
  };
}

/**
 * The same-phase neighbourhoods `k` periods back, for points taken in time order: each bound only
 * moves forward, so finding them costs O(1) amortised, and at most `maxPhasePoints` are taken from
 * each, so summarising a point costs the same for a series of a point a second as of one an hour.
 */
function createSeasonalSampler(ts: ArrayLike<number>, vs: ArrayLike<number>, period: number, cycles: number, tol: number) {
  const lows = new Array<number>(cycles + 1).fill(0);
  const highs = new Array<number>(cycles + 1).fill(0);
  // Reused for every point: at most maxPhasePoints from each cycle.
  const sample = new Float64Array(cycles * baselineTuning.maxPhasePoints);
  return {
    sample,
    /** Puts point i's same-phase values first in `sample`: their count, 0 if too few cycles have any. */
    gather(i: number): number {
      const t = ts[i] ?? 0;
      let taken = 0;
      let cyclesSeen = 0;
      for (let k = 1; k <= cycles; k++) {
        let lo = lows[k]!;
        while (lo < i && (ts[lo] ?? 0) < t - k * period - tol) lo++;
        let hi = Math.max(highs[k]!, lo);
        while (hi < i && (ts[hi] ?? 0) < t - k * period + tol + 1) hi++;
        lows[k] = lo;
        highs[k] = hi;
        if (hi > lo) cyclesSeen++;
        const stride = Math.ceil((hi - lo) / baselineTuning.maxPhasePoints);
        for (let j = lo; j < hi; j += stride) sample[taken++] = vs[j] ?? 0;
      }
      return cyclesSeen < baselineTuning.minCycles ? 0 : taken;
    },
  };
}

const [RECENT, DAILY, WEEKLY] = [1, 2, 3];

/**
 * The expectation for every point of a time-sorted series, each from the points before it only,
 * so judging a prefix gives the same answers as judging the whole series up to that point.
 */
export function computeExpectations(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  spacing: number,
  minPoints: number,
): {
  expectations: Expectations;
  /** Spread of the recent window, the scale for "flat" guards. */
  spreads: Float64Array;
} {
  const tol = Math.max(baselineTuning.phaseTolerance, 1.5 * spacing);
  const window = createRankWindow(vs);
  const daily = createSeasonalSampler(ts, vs, DAY, baselineTuning.dailyCycles, tol);
  const weekly = createSeasonalSampler(ts, vs, WEEK, baselineTuning.weeklyCycles, tol);
  let tail = 0;
  const trackers = {
    recent: createErrorTracker(baselineTuning.selectionSpan, ts.length),
    daily: createErrorTracker(baselineTuning.selectionSpan, ts.length),
    weekly: createErrorTracker(baselineTuning.selectionSpan, ts.length),
  };
  const n = ts.length;
  const expectations: Expectations = {
    kind: new Uint8Array(n),
    median: new Float64Array(n),
    sigma: new Float64Array(n),
    min: new Float64Array(n),
    max: new Float64Array(n),
  };
  const keep = (i: number, summary: SampleSummary): number => {
    expectations.median[i] = summary.median;
    expectations.sigma[i] = summary.sigma;
    expectations.min[i] = summary.min;
    expectations.max[i] = summary.max;
    return summary.median;
  };
  const spreads = new Float64Array(n);
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i] ?? 0;
    const v = vs[i] ?? 0;
    while ((ts[tail] ?? t) < t - baselineTuning.recentSpan) window.remove(tail++);
    spreads[i] = window.size() ? window.quantile(0.95) - window.quantile(0.05) : 0;
    // Too few recent points (a sparse or young series): no baseline is trusted, seasonal or not.
    if (window.size() >= minPoints) {
      const [dailyCount, weeklyCount] = [daily.gather(i), weekly.gather(i)];
      const best = chooseBaseline(dailyCount > 0, weeklyCount > 0, trackers);
      expectations.kind[i] = best;
      // Only the chosen baseline is summarised in full; the others' medians feed their error trackers.
      const recent = best === RECENT ? keep(i, window.describe()) : window.quantile(0.5);
      trackers.recent.push(t, Math.abs(v - recent));
      if (dailyCount > 0) {
        const median =
          best === DAILY ? keep(i, describeSorted(daily.sample.subarray(0, dailyCount).sort())) : medianOf(daily.sample, dailyCount);
        trackers.daily.push(t, Math.abs(v - median));
      }
      if (weeklyCount > 0) {
        const median =
          best === WEEKLY ? keep(i, describeSorted(weekly.sample.subarray(0, weeklyCount).sort())) : medianOf(weekly.sample, weeklyCount);
        trackers.weekly.push(t, Math.abs(v - median));
      }
    }
    window.add(i);
  }
  return { expectations, spreads };
}

type Trackers = Record<BaselineKind, ReturnType<typeof createErrorTracker>>;

/** The baseline with the smallest recent error: 1 + its index in BASELINE_KINDS. */
function chooseBaseline(daily: boolean, weekly: boolean, trackers: Trackers): number {
  // A seasonal baseline must prove itself over a full selection span before it is trusted.
  const seasonalError = (tracker: Trackers['daily']): number =>
    tracker.count() >= baselineTuning.minSeasonalEvidence ? tracker.mean() / baselineTuning.seasonalAdvantage : Number.POSITIVE_INFINITY;
  let best = RECENT;
  let bestErr = trackers.recent.mean();
  if (daily && seasonalError(trackers.daily) < bestErr) {
    best = DAILY;
    bestErr = seasonalError(trackers.daily);
  }
  if (weekly && seasonalError(trackers.weekly) < bestErr) best = WEEKLY;
  return best;
}
