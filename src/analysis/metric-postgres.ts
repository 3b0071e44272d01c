import { openReadOnlySession, postgresUrl } from '../adapters/postgres-source.js';
import { readSecret } from '../adapters/secrets.js';
import type { MetricConfig, PostgresSourceConfig } from '../core/config.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import type { SeriesPoint } from '../core/judge-types.js';
import { parseRowTime } from '../core/row-time.js';
import { bucketRange, countPerBucket, MAX_SQL_ROWS, sinceParam, type MetricReader, type MetricSeries } from './metric-reader.js';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
/** `:since` in the operator's SQL becomes the bound parameter (`::type` casts are left alone). */
const bindSince = (sql: string) => sql.replace(/(?<!:):since\b/g, '$1');

/** Operator-defined series on a PostgreSQL source, written in PostgreSQL's SQL. Each read is one
 * read-only transaction with the statement timeout: a metric cannot write, nor run for long. */
export async function openPostgresMetricReader(source: PostgresSourceConfig, env: NodeJS.ProcessEnv): Promise<MetricReader> {
  const session = await openReadOnlySession(
    source,
    postgresUrl(source, (from) => readSecret(env, from)),
  );
  const table = quote(source.table);
  const time = quote(source.columns.time);
  const statementOf = (metric: MetricConfig) =>
    metric.sql !== undefined
      ? `SELECT * FROM (${bindSince(metric.sql)}) AS metric LIMIT ${MAX_SQL_ROWS + 1}`
      : `SELECT ${time} FROM ${table} WHERE ${time} >= $1 AND (${metric.count_where})`;
  // A `sql` without `:since` takes no parameter (PostgreSQL refuses a surplus one).
  const paramsOf = (metric: MetricConfig, since: number) =>
    metric.sql !== undefined && bindSince(metric.sql) === metric.sql ? [] : [sinceParam(since, source.time_format)];
  const problemOf = async (metric: MetricConfig): Promise<string | null> => {
    if (metric.sql !== undefined && !/^\s*(select|with)\b/i.test(metric.sql)) return 'must be a single read-only SELECT';
    try {
      // Run for one row, read-only: syntax, names and any write (nextval, a data-modifying CTE) fail here.
      await session.readOnly('check metric', (q) => q(`SELECT * FROM (${statementOf(metric)}) AS checked LIMIT 1`, paramsOf(metric, 0)));
    } catch (error) {
      return error instanceof SentinelError ? error.message.replace(/^.*?check metric: /, '') : String(error);
    }
    return null;
  };

  return {
    check: problemOf,
    async read(metric, since, until): Promise<MetricSeries> {
      const what = metric.sql !== undefined ? 'sql' : 'count_where';
      let rows: unknown[][];
      let firstRow: unknown = null;
      try {
        rows = await session.readOnly('read metric', async (q) => {
          // The log's first row in the window, of any kind: before it, buckets are unknown, not zero.
          if (metric.count_where !== undefined)
            firstRow =
              (await q(`SELECT min(${time}) FROM ${table} WHERE ${time} >= $1`, [sinceParam(since, source.time_format)]))[0]?.[0] ?? null;
          return q(statementOf(metric), paramsOf(metric, since));
        });
      } catch (error) {
        if (!(error instanceof SentinelError) || error.code !== ExitCode.source || /cannot connect/.test(error.message)) throw error;
        return { kind: 'invalid', message: `metric ${metric.name}: ${what}: ${error.message.replace(/^.*?read metric: /, '')}` };
      }
      if (metric.sql !== undefined) {
        if (rows.length > 0 && rows[0]!.length < 2)
          return { kind: 'invalid', message: `metric ${metric.name}: sql: must return two columns, time then value` };
        const points: SeriesPoint[] = [];
        let skipped = 0;
        for (const row of rows.slice(0, MAX_SQL_ROWS)) {
          const t = parseRowTime(row[0], source.time_format) ?? parseRowTime(row[0], 'iso');
          const v = typeof row[1] === 'string' && row[1].trim() === '' ? Number.NaN : Number(row[1]);
          if (t === null || !Number.isFinite(v)) skipped++;
          else if (t >= since && t < until) points.push({ t, v });
        }
        const notes = [
          rows.length > MAX_SQL_ROWS ? `cut at ${MAX_SQL_ROWS} rows: add a time filter on :since or aggregate in SQL` : '',
          skipped ? `${skipped} rows skipped: first column not a time or second not a number` : '',
        ].filter(Boolean);
        return { kind: 'ok', points, note: notes.join('; ') || null };
      }
      const times = rows.map((r) => parseRowTime(r[0], source.time_format));
      const { first, end } = bucketRange(since, until, metric.bucket, parseRowTime(firstRow, source.time_format) ?? since);
      return { kind: 'ok', points: countPerBucket(times, metric.bucket, first, end), note: null };
    },
    close: session.close,
  };
}
