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

  it('reads one source or several: `sources` lists them all, `source` is the first', () => {
    const one = parseConfig({ source: { kind: 'postgres' } });
    expect(one.ok && one.config.sources).toEqual([one.ok && one.config.source]);
    expect(one.ok && one.config.source).toMatchObject({
      kind: 'postgres',
      name: 'main',
      url_env: 'SENTINEL_PG_URL',
      url_credential: 'postgres-url',
      batch_limit: 5000,
      statement_timeout: 30_000,
      columns: { txid: 'txid', host: 'host', id: 'id' },
    });
    const two = parseConfig({
      sources: [
        { name: 'app', path: 'a.db' },
        { name: 'central', kind: 'postgres', table: 'events' },
      ],
    });
    expect(two.ok && two.config.sources.map((s) => [s.name, s.kind, s.table])).toEqual([
      ['app', 'sqlite', 'logs'],
      ['central', 'postgres', 'events'],
    ]);
    expect(two.ok && two.config.source.name).toBe('app');
    expect(two.ok && two.config.source.columns.host).toBeNull();
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
    [{ source: { path: 'x' }, sources: [{ path: 'y' }] }, /^source: give either source \(one\) or sources \(a list\)$/],
    [{ sources: [{ path: 'x' }, { kind: 'postgres' }] }, /^sources\.1\.name: two sources are named "main"$/],
    [{ source: { kind: 'postgres', path: 'x' } }, /^source\.path: unknown key$/],
    [{ source: { kind: 'mysql' } }, /^source\.kind: /],
    [{ source: { kind: 'postgres', columns: { txid: 'x"y' } } }, /^source\.columns\.txid: must be a plain column name/],
  ])('rejects %j naming the key path', (raw, message) => {
    const parsed = parseConfig(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.join('\n')).toMatch(message);
  });
});
