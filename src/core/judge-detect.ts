import type { Expectations } from './judge-baseline.js';
import { createRankWindow } from './judge-stats.js';

export const detectTuning = {
  /** |z| at or above this counts as a deviation. */
  threshold: 3.5,
  /** Consecutive deviating points (same direction) before a flag is raised. */
  persistence: 2,
  /** An open flag stays open while |z| stays above this. */
  releaseThreshold: 3,
  /** The smallest spread a baseline may claim, as a share of the recent 5–95 % range. */
  sigmaFloorShare: 0.02,
  /** A persistent deviation must also exceed this quantile of the series' own recent ones… */
  calibrationQuantile: 0.999,
  /** …times this margin, over this trailing span: what happens every week is not news. */
  calibrationMargin: 1,
  calibrationSpan: 7 * 86_400_000,
};

/** Each point's standing against its baseline, as columns: z is NaN where a point is not judged
 * (no baseline, or still warming up); sigma is the spread z was measured in. */
export interface Scores {
  z: Float64Array;
  sigma: Float64Array;
}

/** A run of flagged points as indices; `onset` is where the deviation began (before persistence). */
export interface DeviationRun {
  first: number;
  last: number;
  onset: number;
  peak: number;
}

export function scorePoints(
  vs: ArrayLike<number>,
  expectations: Expectations,
  spreads: ArrayLike<number>,
  judgeable: (i: number) => boolean,
): Scores {
  const scores = { z: new Float64Array(vs.length).fill(Number.NaN), sigma: new Float64Array(vs.length) };
  for (let i = 0; i < vs.length; i++) {
    if (expectations.kind[i] === 0 || !judgeable(i)) continue;
    const median = expectations.median[i] ?? 0;
    const floor = Math.max(detectTuning.sigmaFloorShare * (spreads[i] ?? 0), 1e-9 * Math.max(1, Math.abs(median)));
    const sigma = Math.max(expectations.sigma[i] ?? 0, floor);
    scores.z[i] = ((vs[i] ?? 0) - median) / sigma;
    scores.sigma[i] = sigma;
  }
  return scores;
}

/** z of a point, 0 where it is not judged. */
const zAt = (scores: Scores, i: number): number => {
  const z = scores.z[i] ?? Number.NaN;
  return Number.isNaN(z) ? 0 : z;
};

/**
 * Turns scores into flagged runs as data arrives: a point is flagged only from what came before
 * it and itself, so the runs of a prefix are the runs of the whole series cut at that prefix.
 */
export function findDeviationRuns(scores: Scores, ts: ArrayLike<number>): DeviationRun[] {
  const runs: DeviationRun[] = [];
  const { persistence, threshold } = detectTuning;
  const n = scores.z.length;
  // The persistent level: the smallest |z| of the last few points, if they all lean the same way.
  const levels = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = zAt(scores, i);
    let level = Math.abs(z);
    for (let k = 1; k < persistence && level > 0; k++) {
      const zk = zAt(scores, i - k);
      level = Math.sign(zk) === Math.sign(z) ? Math.min(level, Math.abs(zk)) : 0;
    }
    levels[i] = level;
  }
  const seen = createRankWindow(levels);
  // The judged points in the calibration window, by index: [head, tail) of this queue.
  const seenAt = new Int32Array(n);
  let head = 0;
  let tail = 0;
  let open: DeviationRun | null = null;
  for (let i = 0; i < n; i++) {
    const z = zAt(scores, i);
    const t = ts[i] ?? 0;
    const level = levels[i] ?? 0;
    while (head < tail && (ts[seenAt[head] ?? 0] ?? t) < t - detectTuning.calibrationSpan) seen.remove(seenAt[head++] ?? 0);
    const usual = seen.size() ? seen.quantile(detectTuning.calibrationQuantile) : 0;
    if (!Number.isNaN(scores.z[i] ?? Number.NaN)) {
      seen.add(i);
      seenAt[tail++] = i;
    }
    if (open) {
      if (Math.abs(z) >= detectTuning.releaseThreshold) {
        open.last = i;
        if (Math.abs(z) > Math.abs(zAt(scores, open.peak))) open.peak = i;
        continue;
      }
      runs.push(open);
      open = null;
    }
    if (level >= threshold && level > detectTuning.calibrationMargin * usual) {
      let onset = i;
      while (onset > 0 && Math.sign(zAt(scores, onset - 1)) === Math.sign(z) && Math.abs(zAt(scores, onset - 1)) >= threshold) onset--;
      open = { first: i, last: i, onset, peak: i };
    }
  }
  if (open) runs.push(open);
  return runs;
}
