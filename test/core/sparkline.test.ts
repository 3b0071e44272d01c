import { describe, expect, it } from 'vitest';
import { renderSparkline } from '../../src/core/sparkline.js';

describe('renderSparkline', () => {
  it.each([
    { name: 'empty', values: [], expected: '' },
    { name: 'flat', values: [5, 5, 5, 5], expected: '▁▁▁▁' },
    { name: 'rising', values: [0, 1, 2, 3, 4, 5, 6, 7], expected: '▁▂▃▄▅▆▇█' },
    { name: 'a gap', values: [0, Number.NaN, 10], expected: '▁ █' },
    { name: 'all gaps', values: [Number.NaN, Number.NaN], expected: '  ' },
    { name: 'negative', values: [-10, 0, -5], expected: '▁█▅' },
  ])('$name', ({ values, expected }) => {
    expect(renderSparkline(values)).toBe(expected);
  });

  it('resamples a long series to the width, keeping a one-point spike', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => (i === 4321 ? 100 : 1));
    const line = renderSparkline(values, 60);
    expect([...line]).toHaveLength(60);
    expect(line.match(/█/g)).toHaveLength(1);
    expect(line.replace('█', '')).toMatch(/^▁+$/);
  });
});
