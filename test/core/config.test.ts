import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.js';

describe('parseConfig', () => {
  it('fills every default from a minimal config', () => {
    const parsed = parseConfig({ source: { path: '/srv/app/logs.db' } });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.source).toMatchObject({ table: 'logs', min_level: 30, first_run_lookback: 3_600_000, time_format: 'iso' });
    expect(parsed.config.source.columns).toMatchObject({ id: 'id', logger: 'name', extra: 'extra' });
    expect(parsed.config.claude).toMatchObject({ enabled: true, model: 'sonnet', max_turns: 12, timeout: 600_000, daily_max_runs: 24 });
    expect(parsed.config.investigate).toEqual({ cooldown: 21_600_000, max_attempts: 3, first_push_within: 60_000 });
  });

  it.each([
    [{}, /source: /],
    [{ source: { path: 'x', min_level: 'LOUD' } }, /^source\.min_level: unknown level "LOUD"/],
    [{ source: { path: 'x', first_run_lookback: 'soon' } }, /^source\.first_run_lookback: expected a duration/],
    [{ source: { path: 'x', columns: { id: 'id; DROP TABLE logs' } } }, /^source\.columns\.id: must be a plain column name/],
    [{ source: { path: 'x' }, claude: { max_turns: 'many' } }, /^claude\.max_turns: /],
    [{ source: { path: 'x' }, claude: { bogus: true } }, /^claude\.bogus: unknown key/],
    [{ source: { path: 'x' }, redact: { patterns: ['(unclosed'] } }, /^redact\.patterns\.0: invalid regular expression/],
    [{ source: { path: 'x' }, notify: { ntfy: { topic: 'bad topic!' } } }, /^notify\.ntfy\.topic: /],
    [{ source: { path: 'x' }, fingerprint: { rules: [{ match: { logger: 'a' } }] } }, /give either name \(merge\) or split_by \(split\)/],
  ])('rejects %j naming the key path', (raw, message) => {
    const parsed = parseConfig(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.join('\n')).toMatch(message);
  });
});
