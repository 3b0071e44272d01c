import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/adapters/state-store.js';
import { errorsSeries, readErrorHours } from '../../src/analysis/errors-series.js';
import { openLogRows } from '../../src/analysis/log-rows.js';
import { parseConfig } from '../../src/core/config.js';
import { createRedactor } from '../../src/core/redact.js';
import { tempDir } from '../support/temp.js';

const HOUR = 3_600_000;
const now = Date.UTC(2025, 4, 8, 12, 30);
const currentHour = Date.UTC(2025, 4, 8, 12);

/** A state DB with two groups: `steady` (5 rows an hour for a week, one hour none, the last 3 hours 80) and `rare`. */
function makeState(): string {
  const dir = tempDir('sentinel-state-');
  openStateStore(dir).close(); // the schema, migrated by the real store
  const db = new Database(join(dir, 'state.db'));
  const group = db.prepare(
    "INSERT INTO groups (fingerprint, template, level_no, level_name, samples, first_seen, last_seen, total) VALUES (?, 't', 40, 'ERROR', '[]', 0, 0, 0)",
  );
  group.run('steady');
  group.run('rare');
  const hours = db.prepare('INSERT INTO group_hours (fingerprint, hour, count) VALUES (?, ?, ?)');
  for (let i = 1; i <= 7 * 24; i++) {
    if (i === 30) continue; // an hour without rows
    hours.run('steady', currentHour - i * HOUR, i <= 3 ? 80 : 5);
  }
  hours.run('steady', currentHour, 3); // the current hour, still filling
  hours.run('rare', currentHour - 2 * HOUR, 1);
  db.close();
  return dir;
}

describe('readErrorHours', () => {
  it('sums the groups per hour, fills hours without rows with 0, and leaves out the current hour', () => {
    const state = openStateStore(makeState(), { readonly: true });
    const all = readErrorHours(state, null, 48, now);
    expect(all).toHaveLength(48);
    expect(all[47]).toEqual({ t: currentHour - HOUR, v: 80 });
    expect(all[46]).toEqual({ t: currentHour - 2 * HOUR, v: 81 });
    expect(all[18]).toEqual({ t: currentHour - 30 * HOUR, v: 0 });
    expect(readErrorHours(state, 'rare', 3, now).map((p) => p.v)).toEqual([0, 1, 0]);
    state.close();
  });
});

describe('the errors analysis', () => {
  const stateDir = makeState();
  const logDb = join(stateDir, 'logs.db');
  new Database(logDb).exec(
    'CREATE TABLE logs (id INTEGER PRIMARY KEY, time TEXT, level TEXT, message TEXT, name TEXT, function TEXT, line INTEGER, exception TEXT, extra TEXT)',
  );
  const parsed = parseConfig({ source: { path: logDb } });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const deps = () => ({
    config: parsed.config,
    state: openStateStore(stateDir, { readonly: true }),
    logs: openLogRows(logDb, parsed.config.source),
    redactor: createRedactor(),
    clock: { now: () => now },
  });

  it('judges one group against its own baseline: three hours at 80 is concerning', async () => {
    const result = await errorsSeries.run({ fingerprint: 'steady' }, deps());
    expect(result.kind).toBe('ok');
    expect(result.text.split('\n')[0]).toMatch(
      /^rows per hour of steady: concerning — 168 points over 7 days; .*latest: rows per hour of steady 80, above its usual 5/,
    );
    expect(result.text).toContain('1060 rows in the last 168 full hours');
  });

  it('refuses an unknown or malformed fingerprint', async () => {
    expect(await errorsSeries.run({ fingerprint: 'nope' }, deps())).toMatchObject({
      kind: 'rejected',
      text: expect.stringMatching(/^no error group with fingerprint nope/),
    });
    expect(await errorsSeries.run({ fingerprint: "x' OR 1=1 --" }, deps())).toMatchObject({
      kind: 'rejected',
      text: expect.stringMatching(/^invalid arguments: fingerprint/),
    });
  });
});
