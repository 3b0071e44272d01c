import { computeExpectations, DAY, expectationAt, type Expectations } from './judge-baseline.js';
import { findDeviationRuns, scorePoints, type DeviationRun, type Scores } from './judge-detect.js';
import { describeSpan, formatPhase, formatValue } from './judge-format.js';
import { assessLimit } from './judge-limit.js';
import type { Flag, Judgement, JudgeOptions, LimitReport, SeriesPoint } from './judge-types.js';
import type { Expectation } from './judge-baseline.js';

const MIN_POINTS = 24;
/** Scores against a flat baseline are astronomically large; past this they say nothing more. */
const MAX_SCORE = 1000;

/** A series as two columns: times (epoch ms) and values. */
export interface SeriesColumns {
  t: Float64Array;
  v: Float64Array;
}

/** Sorted by time, one value per timestamp (the last wins), finite values only; counters as rates. */
export function prepareColumns(t: ArrayLike<number>, v: ArrayLike<number>, counter: boolean): SeriesColumns {
  const kept: number[] = [];
  let ordered = true;
  for (let i = 0; i < t.length; i++) {
    if (!Number.isFinite(t[i]) || !Number.isFinite(v[i])) continue;
    if (kept.length && (t[i] as number) < (t[kept[kept.length - 1] as number] as number)) ordered = false;
    kept.push(i);
  }
  // Sorting is stable, so among equal times the later row stays later and wins below.
  if (!ordered) kept.sort((a, b) => (t[a] as number) - (t[b] as number));
  const ts = new Float64Array(kept.length);
  const vs = new Float64Array(kept.length);
  let n = 0;
  for (const i of kept) {
    if (n > 0 && ts[n - 1] === t[i]) n--;
    ts[n] = t[i] as number;
    vs[n] = v[i] as number;
    n++;
  }
  if (!counter) return { t: ts.subarray(0, n), v: vs.subarray(0, n) };
  const rates = { t: new Float64Array(Math.max(0, n - 1)), v: new Float64Array(Math.max(0, n - 1)) };
  for (let i = 1; i < n; i++) {
    const [a, b] = [vs[i - 1] as number, vs[i] as number];
    // A drop means the counter restarted from zero, so everything counted since is the increase.
    const increase = b >= a ? b - a : b;
    rates.t[i - 1] = ts[i] as number;
    rates.v[i - 1] = (increase * 1000) / ((ts[i] as number) - (ts[i - 1] as number));
  }
  return rates;
}

/** `prepareColumns` for points. */
export function prepareSeries(points: readonly SeriesPoint[], counter: boolean): SeriesPoint[] {
  const { t, v } = prepareColumns(
    points.map((p) => p.t),
    points.map((p) => p.v),
    counter,
  );
  return Array.from(t, (time, i) => ({ t: time, v: v[i] as number }));
}

function medianGap(ts: ArrayLike<number>): number {
  const gaps: number[] = [];
  for (let i = 1; i < Math.min(ts.length, MIN_POINTS); i++) gaps.push((ts[i] ?? 0) - (ts[i - 1] ?? 0));
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? 0;
}

/**
 * Judges a metric series as it would have been judged live: every flag uses only the points up
 * to its own time. Robust baselines (recent, daily, weekly; the best recent predictor wins),
 * persistence before flagging, and an optional limit with a time-to-limit forecast.
 */
export function judge(points: readonly SeriesPoint[], options: JudgeOptions): Judgement {
  return judgeColumns(
    points.map((p) => p.t),
    points.map((p) => p.v),
    options,
  );
}

/** `judge` for a series held as columns (a large file, read into typed arrays). */
export function judgeColumns(times: ArrayLike<number>, values: ArrayLike<number>, options: JudgeOptions): Judgement {
  const { t: ts, v: vs } = prepareColumns(times, values, options.counter ?? false);
  const name = options.name;
  const count = ts.length;
  const t0 = ts[0] ?? 0;
  const warmup = options.warmupMs ?? DAY;
  const warmingUp = { haveMs: (ts[count - 1] ?? t0) - t0, needMs: warmup };
  if (count < MIN_POINTS) {
    const limit = options.limit === undefined || count === 0 ? undefined : assessLimit(ts, vs, options.limit, options);
    const flags = limit?.flags ?? [];
    const verdict = flags.length ? 'concerning' : 'normal';
    const summary = `${name}: warming up — ${count} points; a baseline needs ${MIN_POINTS} and ${describeSpan(warmup)} of history${flags.length ? `; ${flags[flags.length - 1]?.reason}` : ''}`;
    return { verdict, flags, summary, warmingUp, ...(limit ? { limit: limit.report } : {}) };
  }
  const { expectations, spreads } = computeExpectations(ts, vs, medianGap(ts), MIN_POINTS);
  const scores = scorePoints(vs, expectations, spreads, (i) => (ts[i] ?? 0) - t0 >= warmup);
  let judged = 0;
  for (const z of scores.z) if (!Number.isNaN(z)) judged++;
  const deviationFlags = findDeviationRuns(scores, ts).map((run) => describeRun(run, ts, vs, expectations, scores, options));
  const limit = options.limit === undefined ? undefined : assessLimit(ts, vs, options.limit, options);
  const flags = [...deviationFlags, ...(limit?.flags ?? [])].sort((a, b) => a.start - b.start);
  const verdict = flags.length ? 'concerning' : 'normal';
  const summary = summarize(name, verdict, count, warmingUp.haveMs, judged, flags, warmup, limit?.report);
  return { verdict, flags, summary, ...(limit ? { limit: limit.report } : {}), ...(judged === 0 ? { warmingUp } : {}) };
}

/** "8–15", "-24.5 to -15.9", or "0" for a flat baseline; rounded for people (3.03–8.97 reads 3–9),
 * unless that would put `value`, the reading flagged as outside it, inside it. */
function formatRange(lo: number, hi: number, unit: string, value: number): string {
  const step = niceStep((hi - lo) / 10);
  const [roundLo, roundHi] = [Math.round(lo / step) * step, Math.round(hi / step) * step];
  const rounded = step > 0 && (value < roundLo || value > roundHi);
  const [a, b] = rounded ? [formatValue(roundLo), formatValue(roundHi)] : [formatValue(lo), formatValue(hi)];
  if (a === b) return `${a}${unit}`;
  return lo < 0 || hi < 0 ? `${a}${unit} to ${b}${unit}` : `${a}–${b}${unit}`;
}

/** 1, 2 or 5 times a power of ten, the nearest to `x`; 0 for no width. */
function niceStep(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 0;
  const power = 10 ** Math.floor(Math.log10(x));
  const f = x / power;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * power;
}

function describeRun(
  run: DeviationRun,
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  expectations: Expectations,
  scores: Scores,
  options: JudgeOptions,
): Flag {
  const { median, kind, min, max } = expectationAt(expectations, run.first) as Expectation;
  const z = scores.z[run.first] ?? 0;
  const sigma = scores.sigma[run.first] ?? 0;
  const unit = options.unit ?? '';
  // The band a person can check in the data: the bulk of the baseline, never beyond what it held.
  const band = 2 * sigma > 1e-6 * Math.max(1, Math.abs(median)) ? 2 * sigma : 0;
  const usual = formatRange(Math.max(median - band, min), Math.min(median + band, max), unit, vs[run.first] ?? 0);
  const t = ts[run.first] ?? 0;
  const phase = formatPhase(t, kind === 'weekly', options.utcOffsetMinutes ?? 0);
  const context = kind === 'recent' ? 'over the last 7 days' : kind === 'weekly' ? `for ${phase}` : `at ${phase}`;
  const direction = z > 0 ? 'above' : 'below';
  const lasted = describeSpan(t - (ts[run.onset] ?? t));
  return {
    start: t,
    end: ts[run.last] ?? t,
    score: Math.min(Math.abs(scores.z[run.peak] ?? z), MAX_SCORE),
    kind: direction,
    reason: `${options.name} ${formatValue(vs[run.first] ?? 0)}${unit}, ${direction} its usual ${usual} ${context} for ${lasted}`,
  };
}

function summarize(
  name: string,
  verdict: string,
  count: number,
  spanMs: number,
  judged: number,
  flags: readonly Flag[],
  warmup: number,
  limit: LimitReport | undefined,
): string {
  const parts = [
    `${name}: ${judged === 0 && verdict === 'normal' ? 'warming up' : verdict} — ${count} points over ${describeSpan(spanMs)}`,
  ];
  if (judged === 0)
    parts.push(`none judged yet: the judge needs ${describeSpan(warmup)} of history and ${MIN_POINTS} points in its last 7 days`);
  else parts.push(`${judged} judged after a ${describeSpan(warmup)} warm-up`);
  if (flags.length) parts.push(`${flags.length} flag${flags.length === 1 ? '' : 's'}, latest: ${flags[flags.length - 1]?.reason}`);
  if (limit) parts.push(limit.text);
  return parts.join('; ');
}
