import { describe, expect, it } from 'vitest';
import { createRankWindow, medianOf, quantileSorted } from '../../src/core/judge-stats.js';

// A fixed pseudo-random sequence with many repeated values, as a metric of rounded readings has.
const readings = Array.from({ length: 400 }, (_, i) => Math.round(((i * 7919) % 101) / 4) - 10);

describe('medianOf', () => {
  it.each([1, 2, 3, 8, 55, 56, 400])('gives the sorted median of %i values', (count) => {
    const values = Float64Array.from(readings.slice(0, count));
    const sorted = Float64Array.from(values).sort();
    expect(medianOf(values, count)).toBe(quantileSorted(sorted, 0.5));
  });

  it('reads only the first count values', () => {
    expect(medianOf(Float64Array.from([3, 1, 2, -100, -100]), 3)).toBe(2);
  });
});

describe('createRankWindow', () => {
  it('gives the quantiles of the sorted window as values come and go', () => {
    const window = createRankWindow(readings);
    for (let i = 0; i < readings.length; i++) {
      window.add(i);
      if (i >= 50) window.remove(i - 50);
      const sorted = Float64Array.from(readings.slice(Math.max(0, i - 49), i + 1)).sort();
      for (const q of [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1]) expect(window.quantile(q)).toBe(quantileSorted(sorted, q));
    }
  });
});
