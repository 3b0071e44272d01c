/** Small order statistics used by the judge: pure, allocation-light. */

/** Quantile of an ascending array (linear interpolation); NaN when empty. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[Math.min(lo + 1, n - 1)] ?? a;
  return a + (b - a) * (pos - lo);
}

export interface SampleSummary {
  median: number;
  /** A robust standard deviation: IQR / 1.349. */
  sigma: number;
  min: number;
  max: number;
}

export function describeSorted(sorted: readonly number[]): SampleSummary {
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  return { median: quantileSorted(sorted, 0.5), sigma: (q3 - q1) / 1.349, min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** Index of the first element of ascending `xs` that is >= x. */
export function lowerBound(xs: readonly number[], x: number, from = 0, to = xs.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] ?? Number.POSITIVE_INFINITY) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A sorted multiset for sliding windows: insert and remove are a binary search plus one memmove,
 * far cheaper than re-sorting a week of points at every step.
 */
export function createSortedWindow(): {
  add(x: number): void;
  remove(x: number): void;
  values(): readonly number[];
} {
  const xs: number[] = [];
  return {
    add(x) {
      xs.splice(lowerBound(xs, x), 0, x);
    },
    remove(x) {
      const i = lowerBound(xs, x);
      if (xs[i] === x) xs.splice(i, 1);
    },
    values: () => xs,
  };
}
