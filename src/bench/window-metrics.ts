/**
 * The window metrics of NAB's window_eval.py, ported line for line so a test can hold the judge
 * to them without Python: window recall, and false-alarm runs per 1000 points outside windows.
 */
import { lowerBound } from '../core/judge-stats.js';

export interface SeriesScore {
  windows: number;
  detected: number;
  outsideRows: number;
  falseAlarms: number;
  falseAlarmRuns: number;
  /** Any flag in the scored part (after NAB's probation). */
  flagged: boolean;
}

/** Index of the first element of ascending `xs` that is > x (Python's bisect_right). */
function upperBound(xs: readonly number[], x: number): number {
  let i = lowerBound(xs, x);
  while (xs[i] === x) i++;
  return i;
}

/** NAB's probation: min(floor(0.15 n), 750) rows whose flags are ignored. */
export function probationRows(n: number): number {
  return Math.floor(Math.min(Math.floor(0.15 * n), 750));
}

/** `times` in file order; `windows` and `flags` as [start, end] epoch-ms ranges, inclusive. */
export function scoreSeries(
  times: readonly number[],
  windows: readonly [number, number][],
  flags: readonly [number, number][],
): SeriesScore {
  const scored = times.slice(probationRows(times.length)).sort((a, b) => a - b);
  const t0 = scored[0] ?? 0;
  const wins = [...windows].sort((a, b) => a[0] - b[0] || a[1] - b[1]).filter((w) => w[1] >= t0);
  const inWindow = (t: number): number => wins.findIndex(([a, b]) => a <= t && t <= b);
  const flagged = new Set<number>();
  for (const [from, to] of flags) {
    const [a, b] = from <= to ? [from, to] : [to, from];
    for (let i = lowerBound(scored, a); i < upperBound(scored, b); i++) flagged.add(scored[i] ?? 0);
  }
  const sortedFlags = [...flagged].sort((a, b) => a - b);
  const detected = new Set<number>();
  const outside: number[] = [];
  for (const t of sortedFlags) {
    const w = inWindow(t);
    if (w < 0) outside.push(t);
    else detected.add(w);
  }
  let runs = 0;
  outside.forEach((t, k) => {
    const prev = outside[k - 1];
    if (prev === undefined || lowerBound(scored, t) - upperBound(scored, prev) > 0) runs++;
  });
  return {
    windows: wins.length,
    detected: detected.size,
    outsideRows: scored.filter((t) => inWindow(t) < 0).length,
    falseAlarms: outside.length,
    falseAlarmRuns: runs,
    flagged: sortedFlags.length > 0,
  };
}

export interface CorpusScore {
  windows: number;
  detected: number;
  recall: number;
  falseAlarmRunsPer1000: number;
  falseAlarmsPer1000: number;
  flaggedWithoutWindows: number;
  seriesWithoutWindows: number;
}

export function aggregateScores(scores: readonly SeriesScore[]): CorpusScore {
  const sum = (f: (s: SeriesScore) => number) => scores.reduce((acc, s) => acc + f(s), 0);
  const outside = sum((s) => s.outsideRows);
  const empty = scores.filter((s) => s.windows === 0);
  return {
    windows: sum((s) => s.windows),
    detected: sum((s) => s.detected),
    recall:
      sum((s) => s.detected) /
      Math.max(
        1,
        sum((s) => s.windows),
      ),
    falseAlarmRunsPer1000: (1000 * sum((s) => s.falseAlarmRuns)) / Math.max(1, outside),
    falseAlarmsPer1000: (1000 * sum((s) => s.falseAlarms)) / Math.max(1, outside),
    flaggedWithoutWindows: empty.filter((s) => s.flagged).length,
    seriesWithoutWindows: empty.length,
  };
}
