import { describe, expect, it } from 'vitest';
import { buildSilenceGroup, decideSilence, formatRoughly, SILENCE_FINGERPRINT } from '../../src/core/silence.js';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 4, 1, 12, 0);

describe('decideSilence', () => {
  it.each([
    ['rows within the limit', now - HOUR, null, { kind: 'logging' }],
    ['exactly at the limit', now - 2 * HOUR, null, { kind: 'logging' }],
    ['an empty table', null, null, { kind: 'logging' }],
    [
      'a first silence',
      now - 3 * HOUR,
      null,
      { kind: 'silent', since: now - 3 * HOUR, forMs: 3 * HOUR, report: true, key: String(now - 3 * HOUR) },
    ],
    [
      'the same silence, reported',
      now - 3 * HOUR,
      String(now - 3 * HOUR),
      { kind: 'silent', since: now - 3 * HOUR, forMs: 3 * HOUR, report: false, key: String(now - 3 * HOUR) },
    ],
    [
      'a later silence after an earlier one',
      now - 3 * HOUR,
      String(now - 30 * HOUR),
      { kind: 'silent', since: now - 3 * HOUR, forMs: 3 * HOUR, report: true, key: String(now - 3 * HOUR) },
    ],
  ])('%s', (_what, newestRowTime, reportedFor, expected) => {
    expect(decideSilence({ newestRowTime, now, silenceAfterMs: 2 * HOUR, reportedFor })).toEqual(expected);
  });
});

describe('buildSilenceGroup', () => {
  it('is a new ERROR group without rows whose template says since when', () => {
    const group = buildSilenceGroup(now - 3 * HOUR - 13 * 60_000, now, 2 * HOUR);
    expect(group).toMatchObject({ fingerprint: SILENCE_FINGERPRINT, trigger: 'new', levelNo: 40, count: 0, samples: [], lastSeen: now });
    expect(group.template).toBe(
      'the app stopped logging: no log rows since 2026-05-01T08:47:00Z (3h 13m, more than source.silence_after 2h)',
    );
  });
});

describe('formatRoughly', () => {
  it.each([
    [59_000, '0m'],
    [5 * 60_000, '5m'],
    [2 * HOUR, '2h'],
    [2 * HOUR + 13 * 60_000, '2h 13m'],
    [49 * HOUR, '2d 1h'],
    [72 * HOUR + 5 * 60_000, '3d'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatRoughly(ms)).toBe(text);
  });
});
