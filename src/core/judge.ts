import { computeExpectations, DAY } from './judge-baseline.js';
import { findDeviationRuns, scorePoints, type DeviationRun, type PointScore } from './judge-detect.js';
import { describeSpan, formatPhase, formatValue } from './judge-format.js';
import { assessLimit } from './judge-limit.js';
import type { Flag, Judgement, JudgeOptions, LimitReport, SeriesPoint } from './judge-types.js';

const MIN_POINTS = 24;
/** Scores against a flat baseline are astronomically large; past this they say nothing more. */
const MAX_SCORE = 1000;

/** Sorted by time, one value per timestamp (the last wins), finite values only; counters as rates. */
export function prepareSeries(points: readonly SeriesPoint[], counter: boolean): SeriesPoint[] {
  const sorted = points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
  const unique: SeriesPoint[] = [];
  for (const p of sorted) {
    if (unique.length && unique[unique.length - 1]?.t === p.t) unique[unique.length - 1] = p;
    else unique.push(p);
  }
  if (!counter) return unique;
  const rates: SeriesPoint[] = [];
  for (let i = 1; i < unique.length; i++) {
    const a = unique[i - 1] as SeriesPoint;
    const b = unique[i] as SeriesPoint;
    // A drop means the counter restarted from zero, so everything counted since is the increase.
    const increase = b.v >= a.v ? b.v - a.v : b.v;
    rates.push({ t: b.t, v: (increase * 1000) / (b.t - a.t) });
  }
  return rates;
}

function medianGap(ts: readonly number[]): number {
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
  const series = prepareSeries(points, options.counter ?? false);
  const name = options.name;
  const ts = series.map((p) => p.t);
  const vs = series.map((p) => p.v);
  const t0 = ts[0] ?? 0;
  const warmup = options.warmupMs ?? DAY;
  const warmingUp = { haveMs: (ts[ts.length - 1] ?? t0) - t0, needMs: warmup };
  if (series.length < MIN_POINTS) {
    const limit = options.limit === undefined || series.length === 0 ? undefined : assessLimit(ts, vs, options.limit, options);
    const flags = limit?.flags ?? [];
    const verdict = flags.length ? 'concerning' : 'normal';
    const summary = `${name}: warming up — ${series.length} points; a baseline needs ${MIN_POINTS} and ${describeSpan(warmup)} of history${flags.length ? `; ${flags[flags.length - 1]?.reason}` : ''}`;
    return { verdict, flags, summary, warmingUp, ...(limit ? { limit: limit.report } : {}) };
  }
  const { expectations, spreads } = computeExpectations(ts, vs, medianGap(ts), MIN_POINTS);
  const scores = scorePoints(vs, expectations, spreads, (i) => (ts[i] ?? 0) - t0 >= warmup);
  const judged = scores.filter((s) => s !== null).length;
  const deviationFlags = findDeviationRuns(scores, ts).map((run) => describeRun(run, ts, vs, scores, options));
  const limit = options.limit === undefined ? undefined : assessLimit(ts, vs, options.limit, options);
  const flags = [...deviationFlags, ...(limit?.flags ?? [])].sort((a, b) => a.start - b.start);
  const verdict = flags.length ? 'concerning' : 'normal';
  const summary = summarize(name, verdict, series, judged, flags, warmup, limit?.report);
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
  ts: readonly number[],
  vs: readonly number[],
  scores: readonly (PointScore | null)[],
  options: JudgeOptions,
): Flag {
  const s = scores[run.first] as PointScore;
  const unit = options.unit ?? '';
  const { median, kind, min, max } = s.expectation;
  // The band a person can check in the data: the bulk of the baseline, never beyond what it held.
  const band = 2 * s.sigma > 1e-6 * Math.max(1, Math.abs(median)) ? 2 * s.sigma : 0;
  const usual = formatRange(Math.max(median - band, min), Math.min(median + band, max), unit, vs[run.first] ?? 0);
  const t = ts[run.first] ?? 0;
  const phase = formatPhase(t, kind === 'weekly', options.utcOffsetMinutes ?? 0);
  const context = kind === 'recent' ? 'over the last 7 days' : kind === 'weekly' ? `for ${phase}` : `at ${phase}`;
  const direction = s.z > 0 ? 'above' : 'below';
  const lasted = describeSpan(t - (ts[run.onset] ?? t));
  return {
    start: t,
    end: ts[run.last] ?? t,
    score: Math.min(Math.abs(scores[run.peak]?.z ?? s.z), MAX_SCORE),
    kind: direction,
    reason: `${options.name} ${formatValue(vs[run.first] ?? 0)}${unit}, ${direction} its usual ${usual} ${context} for ${lasted}`,
  };
}

function summarize(
  name: string,
  verdict: string,
  series: readonly SeriesPoint[],
  judged: number,
  flags: readonly Flag[],
  warmup: number,
  limit: LimitReport | undefined,
): string {
  const span = describeSpan((series[series.length - 1]?.t ?? 0) - (series[0]?.t ?? 0));
  const parts = [`${name}: ${judged === 0 && verdict === 'normal' ? 'warming up' : verdict} — ${series.length} points over ${span}`];
  if (judged === 0)
    parts.push(`none judged yet: the judge needs ${describeSpan(warmup)} of history and ${MIN_POINTS} points in its last 7 days`);
  else parts.push(`${judged} judged after a ${describeSpan(warmup)} warm-up`);
  if (flags.length) parts.push(`${flags.length} flag${flags.length === 1 ? '' : 's'}, latest: ${flags[flags.length - 1]?.reason}`);
  if (limit) parts.push(limit.text);
  return parts.join('; ');
}
