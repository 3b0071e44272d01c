import { describe, expect, it } from 'vitest';
import { budgetRefusal, isCoolingDown, retryDelay, startOfUtcDay } from '../../src/core/investigation-policy.js';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 10, 29, 12);

describe('cooldown', () => {
  it.each([
    ['never investigated', null, null, 5, false],
    ['investigated 7 h ago (cooldown 6 h)', now - 7 * HOUR, 5, 5, false],
    ['investigated 1 h ago at the same rate', now - HOUR, 5, 5, true],
    ['investigated 1 h ago, rate up ninefold', now - HOUR, 5, 45, true],
    ['investigated 1 h ago, rate up tenfold', now - HOUR, 5, 50, false],
    ['investigated at rate 0 (treated as 1), now 10', now - HOUR, 0, 10, false],
  ] as const)('%s', (_label, lastAt, lastRate, rate, cooling) => {
    expect(isCoolingDown({ lastInvestigatedAt: lastAt, lastInvestigatedRate: lastRate, rate, cooldownMs: 6 * HOUR, now })).toBe(cooling);
  });
});

describe('retries and budget', () => {
  it('backs off 5, 10, 20 minutes … up to 6 hours', () => {
    expect([1, 2, 3, 10].map(retryDelay)).toEqual([300_000, 600_000, 1_200_000, 6 * HOUR]);
  });

  it.each([
    [{ callsToday: 23, costToday: 9.99 }, null],
    [{ callsToday: 24, costToday: 0 }, /daily limit of 24 Claude runs/],
    [{ callsToday: 1, costToday: 10 }, /\$10\.00, reached claude\.daily_budget_usd/],
  ])('budget %o', (usage, refusal) => {
    const result = budgetRefusal({ ...usage, dailyMaxRuns: 24, dailyBudgetUsd: 10 });
    if (refusal === null) expect(result).toBeNull();
    else expect(result).toMatch(refusal);
  });

  it('the day resets at midnight UTC', () => {
    expect(new Date(startOfUtcDay(now)).toISOString()).toBe('2026-11-29T00:00:00.000Z');
  });
});
