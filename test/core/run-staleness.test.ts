import { describe, expect, it } from 'vitest';
import { judgeRunStaleness } from '../../src/core/run-staleness.js';

const MIN = 60_000;
const now = Date.UTC(2026, 4, 1, 12, 0);
/** Run starts every `every` minutes, the newest `ago` minutes before now. */
const starts = (count: number, every: number, ago = 0) => Array.from({ length: count }, (_, i) => now - (ago + i * every) * MIN);

describe('judgeRunStaleness', () => {
  it('takes the median gap between runs as the interval, rounded to whole minutes', () => {
    const jittered = starts(6, 10).map((t, i) => t + (i % 2 ? 17_000 : -9_000));
    expect(judgeRunStaleness({ runStarts: jittered, lastSuccess: now, now })).toEqual({
      intervalMs: 10 * MIN,
      inferred: true,
      warning: null,
    });
  });

  it('is not fooled by a manual run between two timer runs', () => {
    const runs = [...starts(5, 5), now - 7 * MIN].sort((a, b) => b - a);
    expect(judgeRunStaleness({ runStarts: runs, lastSuccess: now, now }).intervalMs).toBe(5 * MIN);
  });

  it('assumes 5 minutes with fewer than three runs', () => {
    expect(judgeRunStaleness({ runStarts: starts(2, 60), lastSuccess: now, now })).toMatchObject({ intervalMs: 5 * MIN, inferred: false });
  });

  it.each([
    ['three intervals exactly', 15, null],
    ['just over three intervals', 16, /last successful run was 16m ago, more than three intervals of 5m: is the timer running/],
  ])('%s', (_what, minutesAgo, warning) => {
    const result = judgeRunStaleness({ runStarts: starts(4, 5, minutesAgo), lastSuccess: now - minutesAgo * MIN, now });
    if (warning === null) expect(result.warning).toBeNull();
    else expect(result.warning).toMatch(warning);
  });

  it('warns when runs fail while the timer still fires', () => {
    const result = judgeRunStaleness({ runStarts: starts(10, 5), lastSuccess: now - 2 * 60 * MIN, now });
    expect(result.warning).toMatch(/2h ago, more than three intervals of 5m/);
  });

  it('says when no run ever succeeded, and nothing before the first run', () => {
    expect(judgeRunStaleness({ runStarts: starts(3, 5), lastSuccess: null, now }).warning).toMatch(/no run has succeeded yet/);
    expect(judgeRunStaleness({ runStarts: [], lastSuccess: null, now }).warning).toBeNull();
  });

  it('marks an assumed interval', () => {
    expect(judgeRunStaleness({ runStarts: [now - 60 * MIN], lastSuccess: now - 60 * MIN, now }).warning).toMatch(
      /intervals of 5m \(assumed\)/,
    );
  });
});
