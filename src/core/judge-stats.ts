/** Small order statistics used by the judge: pure, allocation-light. */

/** Quantile of an ascending array (linear interpolation); NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
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

export function describeSorted(sorted: ArrayLike<number>): SampleSummary {
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  return {
    median: quantileSorted(sorted, 0.5),
    sigma: (q3 - q1) / 1.349,
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Index of the first element of ascending `xs` that is >= x. */
export function lowerBound(xs: ArrayLike<number>, x: number, from = 0, to = xs.length): number {
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
 * A multiset for sliding windows over values known in advance (the series itself): counts in a
 * Fenwick tree over the distinct values, so add, remove and any quantile cost O(log n) however wide
 * the window. Quantiles interpolate exactly as `quantileSorted` does on the sorted window.
 */
export function createRankWindow(universe: ArrayLike<number>): {
  add(x: number): void;
  remove(x: number): void;
  size(): number;
  quantile(q: number): number;
  describe(): SampleSummary;
} {
  const sorted = new Float64Array(universe).sort();
  // The distinct finite values, ascending (NaN sorts last; ±Infinity are dropped as well).
  const distinct = new Float64Array(sorted.length);
  let count = 0;
  for (const x of sorted) if (Number.isFinite(x) && (count === 0 || distinct[count - 1] !== x)) distinct[count++] = x;
  const values = distinct.subarray(0, count);
  const n = count;
  const tree = new Int32Array(n + 1);
  const counts = new Int32Array(n);
  let size = 0;
  let top = 1;
  while (top * 2 <= n) top *= 2;
  const change = (x: number, delta: 1 | -1): void => {
    const index = lowerBound(values, x);
    if (values[index] !== x || (delta < 0 && counts[index] === 0)) return;
    counts[index]! += delta;
    size += delta;
    for (let i = index + 1; i <= n; i += i & -i) tree[i]! += delta;
  };
  // The k-th smallest (0-based) element in the window.
  const kth = (k: number): number => {
    let pos = 0;
    let rest = k + 1;
    for (let step = top; step > 0; step >>= 1) {
      if (pos + step <= n && tree[pos + step]! < rest) {
        pos += step;
        rest -= tree[pos]!;
      }
    }
    return values[pos] ?? Number.NaN;
  };
  const quantile = (q: number): number => {
    if (size === 0) return Number.NaN;
    const at = (size - 1) * q;
    const lo = Math.floor(at);
    const a = kth(lo);
    const b = kth(Math.min(lo + 1, size - 1));
    return a + (b - a) * (at - lo);
  };
  return {
    add: (x) => change(x, 1),
    remove: (x) => change(x, -1),
    size: () => size,
    quantile,
    describe: () => ({ median: quantile(0.5), sigma: (quantile(0.75) - quantile(0.25)) / 1.349, min: kth(0), max: kth(size - 1) }),
  };
}
