import type Database from 'better-sqlite3';
import * as z from '../core/zod.js';
import { openLogDatabase } from '../adapters/log-database.js';
import { openLogSource, requireSqliteFile } from '../adapters/log-source.js';
import { describeSqliteError } from '../adapters/sqlite-error.js';
import type { Config, MetricConfig } from '../core/config.js';
import { SentinelError } from '../core/errors.js';
import { judge } from '../core/judge.js';
import type { SeriesPoint } from '../core/judge-types.js';
import { parseRowTime } from '../core/row-time.js';
import { defineAnalysis } from './define.js';
import { bucketRange, countPerBucket, MAX_SQL_ROWS, sinceParam, type MetricReader, type MetricSeries } from './metric-reader.js';
import { renderSeries } from './render-series.js';
import { plural } from '../core/plural.js';

const HOUR = 3_600_000;
/** The metric reader of the first source: its SQLite file, or its PostgreSQL table. */
export async function openAnyMetricReader(
  file: string | null,
  source: Config['source'],
  env: NodeJS.ProcessEnv,
  runSnapshotDir?: string,
): Promise<MetricReader> {
  if (source.kind === 'sqlite') return openMetricReader(file, source, runSnapshotDir);
  const { openPostgresMetricReader } = await import('./metric-postgres.js');
  return openPostgresMetricReader(source, env);
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The app's log database on a read-only, query-only connection, for operator-defined series
 * (`runSnapshotDir`: as for `openLogRows`). */
export function openMetricReader(file: string | null, source: Config['source'], runSnapshotDir?: string): MetricReader {
  const path = requireSqliteFile(file);
  const opened = openLogDatabase(path, { queryOnly: true, runSnapshotDir });
  const { db } = opened;
  const c = source.columns;
  // The condition is the operator's own SQL from the config: it only ever sits inside parentheses
  // after our WHERE, and the statement must still be one read-only SELECT.
  const firstTimeStmt = db
    .prepare(`SELECT ${quote(c.time)} FROM ${quote(source.table)} WHERE ${quote(c.id)} > ? ORDER BY ${quote(c.id)} LIMIT 1`)
    .pluck();
  // A row whose `extra` is not valid JSON (or nested past SQLite's limit) would make json_extract fail
  // the whole query: such rows are left out of the count, so one bad log line cannot blind a metric.
  const guarded = (cond: string) =>
    c.extra ? `CASE WHEN ${quote(c.extra)} IS NULL OR json_valid(${quote(c.extra)}) THEN (${cond}) END` : `(${cond})`;
  const countSql = (cond: string) => `SELECT ${quote(c.time)} FROM ${quote(source.table)} WHERE ${quote(c.id)} > ? AND ${guarded(cond)}`;

  const prepare = (metric: MetricConfig): { ok: true; stmt: Database.Statement } | { ok: false; reason: string } => {
    let stmt: Database.Statement;
    try {
      stmt = db.prepare(metric.sql ?? countSql(metric.count_where ?? 'false'));
    } catch (error) {
      return { ok: false, reason: describeSqliteError(error) };
    }
    if (!stmt.reader || !stmt.readonly || (metric.sql !== undefined && !/^\s*(select|with)\b/i.test(metric.sql))) {
      return { ok: false, reason: 'must be a single read-only SELECT' };
    }
    if (metric.sql !== undefined && stmt.columns().length < 2) {
      return { ok: false, reason: 'must return two columns, time then value' };
    }
    return { ok: true, stmt };
  };

  const readSql = (stmt: Database.Statement, since: number, until: number): MetricSeries => {
    const points: SeriesPoint[] = [];
    let skipped = 0;
    let rows = 0;
    for (const row of stmt.raw(true).iterate({ since: sinceParam(since, source.time_format) }) as Iterable<unknown[]>) {
      if (++rows > MAX_SQL_ROWS) break;
      const t = parseRowTime(row[0], source.time_format) ?? parseRowTime(row[0], 'iso');
      const v = typeof row[1] === 'string' && row[1].trim() === '' ? Number.NaN : Number(row[1]);
      if (t === null || !Number.isFinite(v)) skipped++;
      else if (t >= since && t < until) points.push({ t, v });
    }
    const notes = [
      rows > MAX_SQL_ROWS ? `cut at ${MAX_SQL_ROWS} rows: add a time filter on :since or aggregate in SQL` : '',
      skipped ? `${plural(skipped, 'row')} skipped: first column not a time or second not a number` : '',
    ].filter(Boolean);
    return { kind: 'ok', points, note: notes.join('; ') || null };
  };

  const readCounts = (stmt: Database.Statement, bucket: number, since: number, until: number): MetricSeries => {
    const logSource = openLogSource(path, source, { runSnapshotDir });
    let firstId: number;
    try {
      firstId = logSource.firstIdSince(since);
    } finally {
      logSource.close();
    }
    const firstRow = parseRowTime(firstTimeStmt.get(firstId), source.time_format) ?? since;
    const { first, end } = bucketRange(since, until, bucket, firstRow);
    const times = function* () {
      for (const time of stmt.pluck(true).iterate(firstId) as Iterable<unknown>) yield parseRowTime(time, source.time_format);
    };
    return { kind: 'ok', points: countPerBucket(times(), bucket, first, end), note: null };
  };

  return {
    check: async (metric) => {
      const prepared = prepare(metric);
      return prepared.ok ? null : prepared.reason;
    },
    async read(metric, since, until) {
      const prepared = prepare(metric);
      if (!prepared.ok)
        return {
          kind: 'invalid',
          message: `metric ${metric.name}: ${metric.sql !== undefined ? 'sql' : 'count_where'}: ${prepared.reason}`,
        };
      try {
        return metric.sql !== undefined ? readSql(prepared.stmt, since, until) : readCounts(prepared.stmt, metric.bucket, since, until);
      } catch (error) {
        if (error instanceof SentinelError) throw error;
        return { kind: 'invalid', message: `metric ${metric.name}: ${describeSqliteError(error)}` };
      }
    },
    close: async () => opened.close(),
  };
}

/** The `metric` analysis reads the log database named by `database` (the config's resolved path). */
export function createMetricAnalysis(database: string | null, env: NodeJS.ProcessEnv, runSnapshotDir?: string) {
  return defineAnalysis({
    name: 'metric',
    description:
      'One operator-defined metric series from the config (a SQL query or a count of matching log rows per bucket), ' +
      'judged against its own history (daily and weekly patterns), with its limit if it has one: peak use, time above ' +
      '80 %, time to reach the limit. Answers with the verdict, a sparkline and the last values.',
    inputSchema: z.strictObject({
      name: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,63}$/)
        .describe('the metric name, as in the config'),
      hours: z.number().int().min(1).max(720).default(168).describe('hours of history, 1–720 (default 168)'),
    }),
    async run({ name, hours }, { config, clock }) {
      const metric = config.metrics.find((m) => m.name === name);
      if (!metric) {
        const known = config.metrics.map((m) => m.name).join(', ') || 'none configured';
        return { kind: 'rejected', text: `no metric named ${name}; known: ${known}` };
      }
      const now = clock.now();
      const reader = await openAnyMetricReader(database, config.source, env, runSnapshotDir);
      try {
        const series = await reader.read(metric, now - hours * HOUR, now + 1);
        if (series.kind === 'invalid') return { kind: 'rejected', text: series.message };
        const unit = metric.unit ?? '';
        const options = { name, unit, counter: metric.counter, ...(metric.limit === undefined ? {} : { limit: metric.limit }) };
        const chart = { ...options, points: series.points, judgement: judge(series.points, options) };
        const out = renderSeries(chart, 8);
        if (metric.description) out.splice(1, 0, `  (${metric.description})`);
        if (series.note) out.push(`  note: ${series.note}`);
        return { kind: 'ok', text: out.join('\n'), truncated: false, series: [chart] };
      } finally {
        await reader.close();
      }
    },
  });
}
