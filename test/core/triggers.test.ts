import { describe, expect, it } from 'vitest';
import { decideTrigger } from '../../src/core/triggers.js';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 10, 29, 12, 30);
const old = { status: 'active' as const, firstSeen: now - 10 * 24 * HOUR };

describe('decideTrigger', () => {
  it.each([
    ['never seen', null, null, 1, 0, 'new'],
    ['resolved, seen again', { status: 'resolved' as const, firstSeen: old.firstSeen }, null, 1, 0, 'regressed'],
    ['over an ignore rule bound (even if never grouped before)', null, 'rule-3', 50, 0, 'escalating'],
    ['steady: 3 this hour, about 3 an hour all week', old, null, 3, 3 * 168, null],
    ['5× its weekly average and at least 10', old, null, 15, 3 * 168, 'escalating'],
    ['4× its average: not yet', old, null, 12, 3 * 168, null],
    ['a quiet group waking up with 9 rows: below the minimum', old, null, 9, 0, null],
    ['a quiet group waking up with 10 rows', old, null, 10, 0, 'escalating'],
    ['only 2 hours of history: no baseline yet', { status: 'active' as const, firstSeen: now - 2 * HOUR }, null, 500, 0, null],
  ])('%s', (_label, known, rule, current, week, trigger) => {
    expect(decideTrigger({ known, escalatedByRule: rule, currentHourCount: current, previousWeekCount: week, now }).trigger).toBe(trigger);
  });

  it('says why, in numbers a person can check', () => {
    expect(decideTrigger({ known: old, escalatedByRule: null, currentHourCount: 40, previousWeekCount: 168, now }).reason).toBe(
      '40 this hour against 1.0 an hour over the previous 7 days',
    );
  });
});
