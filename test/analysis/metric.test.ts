import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openStateStore } from '../../src/adapters/state-store.js';
import type { AnalysisDeps } from '../../src/analysis/define.js';
import { openLogRows } from '../../src/analysis/log-rows.js';
import { createMetricAnalysis, openMetricReader } from '../../src/analysis/metric.js';
import { parseConfig, type Config, type MetricConfig } from '../../src/core/config.js';
import { createRedactor } from '../../src/core/redact.js';
import { writeWithLoguru } from '../support/loguru.js';
import { tempDir } from '../support/temp.js';

const MINUTE = 60_000;

function configFor(db: string, metrics: unknown[], source: Record<string, unknown> = {}): Config {
  const parsed = parseConfig({ source: { path: db, ...source }, metrics });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

function depsFor(config: Config, db: string, now: number): AnalysisDeps {
  const state = openStateStore(tempDir('sentinel-state-'), { readonly: true });
  const logs = openLogRows(db, config.source);
  onTestFinished(async () => {
    await logs.close();
    state.close();
  });
  return { config, state, logs, redactor: createRedactor(), clock: { now: () => now } };
}

/** A log database in the reference sink's schema, with rows at chosen times. */
function writeRows(rows: { time: string; message: string; extra?: object }[]): string {
  const path = join(tempDir('sentinel-metric-'), 'logs.db');
  const db = new Database(path);
  db.exec(`CREATE TABLE logs (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, level TEXT NOT NULL, level_no INTEGER NOT NULL,
    message TEXT NOT NULL, name TEXT, function TEXT, line INTEGER, module TEXT, process INTEGER, thread TEXT, exception TEXT, extra TEXT)`);
  const insert = db.prepare("INSERT INTO logs (time, level, level_no, message, name, extra) VALUES (?, 'INFO', 20, ?, 'app', ?)");
  for (const r of rows) insert.run(r.time, r.message, r.extra ? JSON.stringify(r.extra) : null);
  db.close();
  return path;
}

describe('metric series on a database written by real loguru', () => {
  it('reads a sql series from extra, and counts matching rows per bucket', async () => {
    const db = join(tempDir('sentinel-loguru-'), 'logs.db');
    await writeWithLoguru(db, [
      ...[3, 7, 12].map((depth) => ({ level: 'INFO', message: 'queue depth', extra: { depth } })),
      { level: 'INFO', message: 'api call', extra: { api: 'gemini' }, repeat: 5 },
      { level: 'INFO', message: 'api call', extra: { api: 'inworld' }, repeat: 2 },
    ]);
    // Two minutes on, on a whole minute: the rows' minute is a finished bucket.
    const now = Math.ceil((Date.now() + 2 * MINUTE) / MINUTE) * MINUTE;
    const config = configFor(db, [
      {
        name: 'queue_depth',
        sql: "SELECT time, json_extract(extra, '$.depth') FROM logs WHERE message = 'queue depth' AND time >= :since",
        limit: 10,
      },
      { name: 'gemini_rpm', count_where: "json_extract(extra, '$.api') = 'gemini'", bucket: '1m', limit: 60 },
    ]);
    const reader = openMetricReader(db, config.source);
    const [depth, gemini] = config.metrics as [MetricConfig, MetricConfig];
    const series = await reader.read(depth, now - 60 * MINUTE, now);
    expect(series.kind === 'ok' && series.points.map((p) => p.v)).toEqual([3, 7, 12]);
    const counts = await reader.read(gemini, now - 10 * MINUTE, now);
    // The log began a minute or two ago: the buckets before its first row are unknown, not zeros.
    expect(counts.kind === 'ok' && counts.points.length).toBeGreaterThanOrEqual(2);
    expect(counts.kind === 'ok' && counts.points.length).toBeLessThanOrEqual(4);
    expect(counts.kind === 'ok' && counts.points[0]!.v).toBeGreaterThan(0);
    expect(counts.kind === 'ok' && counts.points.reduce((a, p) => a + p.v, 0)).toBe(5);
    await reader.close();

    const result = await createMetricAnalysis(db, {}).run({ name: 'queue_depth', hours: 1 }, depsFor(config, db, now));
    expect(result.kind).toBe('ok');
    expect(result.text).toMatch(/^queue_depth: warming up — \d points; a baseline needs 24 and 24 hours of history/);
    expect(result.text).toMatch(/last: .*3, .*7, .*12$/m);
  });
});

describe('count_where buckets', () => {
  it('fills empty buckets with 0 and leaves the unfinished current bucket out', async () => {
    const base = Date.UTC(2025, 4, 1, 12, 0);
    const at = (minute: number, second = 0) => new Date(base + minute * MINUTE + second * 1000).toISOString();
    const db = writeRows([
      { time: at(0, 5), message: 'api call' },
      { time: at(0, 50), message: 'api call' },
      { time: at(1, 10), message: 'api call' },
      { time: at(1, 20), message: 'something else' },
      { time: at(5, 0), message: 'api call' },
      { time: at(6, 30), message: 'api call' }, // the current minute: still filling
    ]);
    const config = configFor(db, [{ name: 'calls', count_where: "message = 'api call'", bucket: '1m' }]);
    const reader = openMetricReader(db, config.source);
    const series = await reader.read(config.metrics[0] as MetricConfig, base, base + 6 * MINUTE + 45_000);
    await reader.close();
    expect(series).toEqual({
      kind: 'ok',
      note: null,
      points: [0, 1, 2, 3, 4, 5].map((m, i) => ({ t: base + m * MINUTE, v: [2, 1, 0, 0, 0, 1][i] })),
    });
  });

  it('a row whose extra is not JSON is left out of the count instead of failing the metric', async () => {
    const base = Date.UTC(2025, 4, 1, 12, 0);
    const db = writeRows([
      { time: new Date(base + 5_000).toISOString(), message: 'api call', extra: { api: 'gemini' } },
      { time: new Date(base + 9_000).toISOString(), message: 'api call', extra: { api: 'gemini' } },
    ]);
    const raw = new Database(db);
    raw
      .prepare("INSERT INTO logs (time, level, level_no, message, extra) VALUES (?, 'INFO', 20, 'api call', '{\"api\": ')")
      .run(new Date(base + 7_000).toISOString());
    raw.close();
    const config = configFor(db, [{ name: 'gemini', count_where: "json_extract(extra, '$.api') = 'gemini'", bucket: '1m' }]);
    const reader = openMetricReader(db, config.source);
    const series = await reader.read(config.metrics[0] as MetricConfig, base, base + 2 * MINUTE);
    await reader.close();
    expect(series).toMatchObject({
      kind: 'ok',
      points: [
        { t: base, v: 2 },
        { t: base + MINUTE, v: 0 },
      ],
    });
  });

  it("starts at the bucket of the log's first row when the log is younger than the window", async () => {
    const base = Date.UTC(2025, 4, 1, 12, 0);
    const db = writeRows([
      { time: new Date(base + 3 * MINUTE + 20_000).toISOString(), message: 'api call' },
      { time: new Date(base + 4 * MINUTE).toISOString(), message: 'api call' },
    ]);
    const config = configFor(db, [{ name: 'calls', count_where: "message = 'api call'", bucket: '1m' }]);
    const reader = openMetricReader(db, config.source);
    const series = await reader.read(config.metrics[0] as MetricConfig, base - 60 * MINUTE, base + 6 * MINUTE);
    await reader.close();
    expect(series.kind === 'ok' && series.points.map((p) => [(p.t - base) / MINUTE, p.v])).toEqual([
      [3, 1],
      [4, 1],
      [5, 0],
    ]);
  });

  it('works on epoch-second times too', async () => {
    const path = join(tempDir('sentinel-metric-'), 'events.db');
    const db = new Database(path);
    db.exec('CREATE TABLE events (event_id INTEGER PRIMARY KEY, ts REAL, severity INTEGER, text TEXT)');
    const base = Date.UTC(2025, 4, 1, 12, 0) / 1000;
    for (const offset of [10, 20, 3700]) db.prepare("INSERT INTO events (ts, severity, text) VALUES (?, 20, 'tick')").run(base + offset);
    db.close();
    const config = configFor(path, [{ name: 'ticks', count_where: "text = 'tick'", bucket: '1h' }], {
      table: 'events',
      time_format: 'unix',
      columns: {
        id: 'event_id',
        time: 'ts',
        level: 'severity',
        message: 'text',
        logger: null,
        function: null,
        line: null,
        exception: null,
        extra: null,
      },
    });
    const reader = openMetricReader(path, config.source);
    const series = await reader.read(config.metrics[0] as MetricConfig, base * 1000, base * 1000 + 3 * 3_600_000);
    await reader.close();
    expect(series.kind === 'ok' && series.points.map((p) => p.v)).toEqual([2, 1, 0]);
  });
});

describe('a sql series must be one read-only SELECT', () => {
  const db = writeRows([{ time: new Date().toISOString(), message: 'x' }]);
  it.each([
    ['DELETE FROM logs', /must be a single read-only SELECT/],
    ["UPDATE logs SET message = 'y'", /must be a single read-only SELECT/],
    ['SELECT time, 1 FROM logs; DELETE FROM logs', /more than one statement/],
    ["ATTACH DATABASE '/tmp/x.db' AS x", /must be a single read-only SELECT|attempt to write/],
    ['PRAGMA table_info(logs)', /must be a single read-only SELECT/],
    ['SELECT time FROM logs', /must return two columns/],
    ['SELECT nope, 1 FROM logs', /no such column: nope/],
  ])('%s is refused', async (sql, message) => {
    const config = configFor(db, [{ name: 'm', sql }]);
    const reader = openMetricReader(db, config.source);
    expect(await reader.check(config.metrics[0] as MetricConfig)).toMatch(message);
    await reader.close();
    const result = await createMetricAnalysis(db, {}).run({ name: 'm' }, depsFor(config, db, Date.now()));
    expect(result).toEqual({ kind: 'rejected', text: expect.stringMatching(message) });
    expect(new Database(db, { readonly: true }).prepare('SELECT count(*) AS n FROM logs').get()).toEqual({ n: 1 });
  });

  it('a count_where condition cannot smuggle in a second statement', async () => {
    const config = configFor(db, [{ name: 'm', count_where: '1); DELETE FROM logs; SELECT (1' }]);
    const reader = openMetricReader(db, config.source);
    expect(await reader.check(config.metrics[0] as MetricConfig)).toMatch(/more than one statement|syntax error/);
    await reader.close();
  });

  it('an unknown metric name is refused with the known ones', async () => {
    const config = configFor(db, [{ name: 'm', sql: 'SELECT time, 1 FROM logs' }]);
    expect(await createMetricAnalysis(db, {}).run({ name: 'other' }, depsFor(config, db, Date.now()))).toEqual({
      kind: 'rejected',
      text: 'no metric named other; known: m',
    });
  });
});
