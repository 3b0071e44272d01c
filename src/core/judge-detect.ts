import type { Expectation } from './judge-baseline.js';
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

/** One point's standing against its baseline. */
export interface PointScore {
  z: number;
  expectation: Expectation;
  sigma: number;
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
  expectations: readonly (Expectation | null)[],
  spreads: ArrayLike<number>,
  judgeable: (i: number) => boolean,
): (PointScore | null)[] {
  const scores: (PointScore | null)[] = new Array(vs.length);
  for (let i = 0; i < vs.length; i++) {
    const e = expectations[i];
    if (!e || !judgeable(i)) {
      scores[i] = null;
      continue;
    }
    const floor = Math.max(detectTuning.sigmaFloorShare * (spreads[i] ?? 0), 1e-9 * Math.max(1, Math.abs(e.median)));
    const sigma = Math.max(e.sigma, floor);
    scores[i] = { z: ((vs[i] ?? 0) - e.median) / sigma, expectation: e, sigma };
  }
  return scores;
}

/**
 * Turns scores into flagged runs as data arrives: a point is flagged only from what came before
 * it and itself, so the runs of a prefix are the runs of the whole series cut at that prefix.
 */
export function findDeviationRuns(scores: readonly (PointScore | null)[], ts: ArrayLike<number>): DeviationRun[] {
  const runs: DeviationRun[] = [];
  const { persistence, threshold } = detectTuning;
  // The persistent level: the smallest |z| of the last few points, if they all lean the same way.
  const levels = scores.map((score, i) => {
    const z = score?.z ?? 0;
    let level = Math.abs(z);
    for (let k = 1; k < persistence && level > 0; k++) {
      const zk = scores[i - k]?.z ?? 0;
      level = Math.sign(zk) === Math.sign(z) ? Math.min(level, Math.abs(zk)) : 0;
    }
    return level;
  });
  const seen = createRankWindow(levels);
  const seenAt: { t: number; level: number }[] = [];
  let head = 0;
  let open: DeviationRun | null = null;
  for (let i = 0; i < scores.length; i++) {
    const z = scores[i]?.z ?? 0;
    const t = ts[i] ?? 0;
    const level = levels[i] ?? 0;
    while ((seenAt[head]?.t ?? t) < t - detectTuning.calibrationSpan) seen.remove(seenAt[head++]?.level ?? 0);
    const usual = seen.size() ? seen.quantile(detectTuning.calibrationQuantile) : 0;
    if (scores[i]) {
      seen.add(level);
      seenAt.push({ t, level });
    }
    if (open) {
      if (Math.abs(z) >= detectTuning.releaseThreshold) {
        open.last = i;
        if (Math.abs(z) > Math.abs(scores[open.peak]?.z ?? 0)) open.peak = i;
        continue;
      }
      runs.push(open);
      open = null;
    }
    if (level >= threshold && level > detectTuning.calibrationMargin * usual) {
      let onset = i;
      while (onset > 0 && Math.sign(scores[onset - 1]?.z ?? 0) === Math.sign(z) && Math.abs(scores[onset - 1]?.z ?? 0) >= threshold)
        onset--;
      open = { first: i, last: i, onset, peak: i };
    }
  }
  if (open) runs.push(open);
  return runs;
}
