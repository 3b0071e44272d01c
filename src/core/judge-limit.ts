import { describeSpan, formatValue } from './judge-format.js';
import type { Flag, JudgeOptions, LimitReport } from './judge-types.js';

const HOUR = 3_600_000;

export const limitTuning = {
  /** The trend is a least-squares line over this trailing span. */
  trendSpan: 24 * HOUR,
  /** …and needs at least this much of it covered, and this many points. */
  minTrendSpan: 2 * HOUR,
  minTrendPoints: 12,
  /** Flag when the trend reaches the limit within this horizon. */
  horizon: 24 * HOUR,
  /** Consecutive points meeting a limit condition before a flag is raised. */
  persistence: 3,
  highShare: 0.8,
};

/** Running least squares over a sliding window; times in hours from the first point keep it exact. */
function createTrend() {
  let n = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  const update = (x: number, y: number, w: number) => {
    n += w;
    sx += w * x;
    sy += w * y;
    sxx += w * x * x;
    sxy += w * x * y;
  };
  return {
    add: (x: number, y: number) => update(x, y, 1),
    remove: (x: number, y: number) => update(x, y, -1),
    count: () => n,
    /** Slope per hour and the fitted value at x, or null when the points are all at one time. */
    fit(x: number): { slope: number; at: number } | null {
      const d = n * sxx - sx * sx;
      if (n < 2 || d <= 1e-12) return null;
      const slope = (n * sxy - sx * sy) / d;
      return { slope, at: (sy - slope * sx) / n + slope * x };
    },
  };
}

/** Utilisation of a limit and, as data arrives, flags for reaching it or trending into it soon. */
export function assessLimit(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  limit: number,
  options: JudgeOptions,
): { report: LimitReport; flags: Flag[] } {
  const unit = options.unit ?? '';
  const t0 = ts[0] ?? 0;
  const hours = (t: number) => (t - t0) / HOUR;
  const trend = createTrend();
  const flags: Flag[] = [];
  let tail = 0;
  let streak = 0;
  let open: Flag | null = null;
  let timeAbove = 0;
  let timeToLimit: number | null = null;
  let slope: number | null = null;
  let overSince: number | null = null;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i] ?? 0;
    const v = vs[i] ?? 0;
    if (i > 0 && (vs[i - 1] ?? 0) >= limitTuning.highShare * limit) timeAbove += t - (ts[i - 1] ?? t);
    trend.add(hours(t), v);
    while ((ts[tail] ?? t) < t - limitTuning.trendSpan) trend.remove(hours(ts[tail] ?? 0), vs[tail++] ?? 0);
    const fit = trend.count() >= limitTuning.minTrendPoints && t - (ts[tail] ?? t) >= limitTuning.minTrendSpan ? trend.fit(hours(t)) : null;
    slope = fit?.slope ?? null;
    const reached = v >= limit;
    overSince = reached ? (overSince ?? t) : null;
    // Over the limit, there is nothing left to reach: the fitted line can lag a jump above it.
    timeToLimit = !reached && fit && fit.slope > 0 && fit.at < limit ? ((limit - fit.at) / fit.slope) * HOUR : null;
    const soon = timeToLimit !== null && timeToLimit <= limitTuning.horizon;
    streak = reached || soon ? streak + 1 : 0;
    if (open && streak > 0) {
      open.end = t;
      open.score = Math.max(open.score, v / limit);
      continue;
    }
    if (open) flags.push(open);
    open = null;
    if (streak < limitTuning.persistence) continue;
    const share = `${Math.round((100 * v) / limit)} % of its limit ${formatValue(limit)}${unit}`;
    const why = reached
      ? 'at or above it'
      : `rising ${formatValue(fit?.slope ?? 0)}${unit} per hour: at this rate it reaches the limit in about ${describeSpan(timeToLimit ?? 0)}`;
    open = { start: t, end: t, score: v / limit, kind: 'limit', reason: `${options.name} ${formatValue(v)}${unit}, ${share}, ${why}` };
  }
  if (open) flags.push(open);
  let peak = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < vs.length; i++) peak = Math.max(peak, vs[i] ?? peak);
  const lastT = ts[ts.length - 1] ?? 0;
  const forecast =
    overSince !== null
      ? `${overSince === lastT ? 'above it at the last point' : `above it for the last ${describeSpan(lastT - overSince)}`}${describeSlope(slope, unit)}`
      : timeToLimit === null
        ? 'not trending towards it'
        : `reaches it in about ${describeSpan(timeToLimit)} at the current trend`;
  const text = `limit ${formatValue(limit)}${unit}: peak ${formatValue(peak)}${unit} (${Math.round((100 * peak) / limit)} %), ${describeSpan(timeAbove)} above 80 %, ${forecast}`;
  return { report: { limit, peak, peakShare: peak / limit, timeAbove80Ms: timeAbove, timeToLimitMs: timeToLimit, text }, flags };
}

/** `, still rising 2 GB per hour` or `, falling 3 per hour`; nothing without a trend. */
function describeSlope(slope: number | null, unit: string): string {
  if (slope === null || slope === 0) return '';
  return slope > 0 ? `, still rising ${formatValue(slope)}${unit} per hour` : `, falling ${formatValue(-slope)}${unit} per hour`;
}
