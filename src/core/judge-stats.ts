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

/**
 * The median of values[0, count), as `quantileSorted` gives it on them sorted, by selection: about
 * a third of the time of a sort. Reorders them.
 */
export function medianOf(values: Float64Array, count: number): number {
  const at = (count - 1) * 0.5;
  const k = Math.floor(at);
  const a = selectInPlace(values, count, k);
  // Everything after k is at least a; the smallest of it is the next in order.
  let b = a;
  if (k + 1 < count) {
    b = Number.POSITIVE_INFINITY;
    for (let i = k + 1; i < count; i++) b = Math.min(b, values[i] ?? b);
  }
  return a + (b - a) * (at - k);
}

/** Quickselect (Hoare partition, median-of-three pivot): the k-th smallest of values[0, count),
 * left at index k with nothing smaller after it. */
function selectInPlace(values: Float64Array, count: number, k: number): number {
  let left = 0;
  let right = count - 1;
  while (right > left) {
    const [x, y, z] = [values[left] ?? 0, values[(left + right) >>> 1] ?? 0, values[right] ?? 0];
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    let i = left;
    let j = right;
    while (i <= j) {
      while ((values[i] ?? 0) < pivot) i++;
      while ((values[j] ?? 0) > pivot) j--;
      if (i <= j) {
        const swap = values[i] ?? 0;
        values[i++] = values[j] ?? 0;
        values[j--] = swap;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k] ?? Number.NaN;
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
 * `add(i)` and `remove(i)` put in and take out the universe's i-th value.
 */
export function createRankWindow(universe: ArrayLike<number>): {
  add(at: number): void;
  remove(at: number): void;
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
  // Each universe value's index in `values`, -1 for one left out: searched for once, not on every
  // add and remove.
  const places = new Int32Array(universe.length);
  for (let i = 0; i < universe.length; i++) {
    const x = universe[i] ?? Number.NaN;
    const index = lowerBound(values, x);
    places[i] = values[index] === x ? index : -1;
  }
  const change = (at: number, delta: 1 | -1): void => {
    const index = places[at] ?? -1;
    if (index < 0 || (delta < 0 && counts[index] === 0)) return;
    counts[index]! += delta;
    size += delta;
    for (let i = index + 1; i <= n; i += i & -i) tree[i]! += delta;
  };
  // Where the k-th smallest (0-based) element in the window is: its index in `values`; `copiesAfter`
  // is left holding how many more of that value the window has beyond it.
  let copiesAfter = 0;
  const locate = (k: number): number => {
    let pos = 0;
    let rest = k + 1;
    for (let step = top; step > 0; step >>= 1) {
      if (pos + step <= n && tree[pos + step]! < rest) {
        pos += step;
        rest -= tree[pos]!;
      }
    }
    copiesAfter = (counts[pos] ?? 0) - rest;
    return pos;
  };
  const kth = (k: number): number => values[locate(k)] ?? Number.NaN;
  const quantile = (q: number): number => {
    if (size === 0) return Number.NaN;
    const at = (size - 1) * q;
    const lo = Math.floor(at);
    const a = kth(lo);
    // The next element is most often another copy of the same value: no second descent then.
    const b = lo + 1 >= size || copiesAfter > 0 ? a : kth(lo + 1);
    return a + (b - a) * (at - lo);
  };
  return {
    add: (at) => change(at, 1),
    remove: (at) => change(at, -1),
    size: () => size,
    quantile,
    describe: () => ({ median: quantile(0.5), sigma: (quantile(0.75) - quantile(0.25)) / 1.349, min: kth(0), max: kth(size - 1) }),
  };
}
