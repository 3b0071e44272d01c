// What reads an operator-defined metric, whichever database holds it, and the helpers both readers share.
import type { Config, MetricConfig } from '../core/config.js';
import type { SeriesPoint } from '../core/judge-types.js';

/** A `sql` series returns at most this many rows; the rest is reported as cut. */
export const MAX_SQL_ROWS = 100_000;

export type MetricSeries = { kind: 'ok'; points: SeriesPoint[]; note: string | null } | { kind: 'invalid'; message: string };

export interface MetricReader {
  /** Prepares the metric's statement without running it: null when it is usable, else why not
   * (about its `sql` or `count_where`, whichever it has). */
  check(metric: MetricConfig): Promise<string | null>;
  /** The series over [since, until): `sql` rows as returned, `count_where` rows per bucket with
   * empty buckets as 0 and the unfinished current bucket left out. */
  read(metric: MetricConfig, since: number, until: number): Promise<MetricSeries>;
  close(): Promise<void>;
}

/** Rows per bucket over [first, end) from their times; empty buckets are 0. */
export function countPerBucket(times: Iterable<number | null>, bucket: number, first: number, end: number): SeriesPoint[] {
  const counts = new Map<number, number>();
  for (const t of times) {
    if (t === null || t < first || t >= end) continue;
    const start = Math.floor(t / bucket) * bucket;
    counts.set(start, (counts.get(start) ?? 0) + 1);
  }
  const points: SeriesPoint[] = [];
  for (let t = first; t < end; t += bucket) points.push({ t, v: counts.get(t) ?? 0 });
  return points;
}

/** The first bucket that counts: before the log's first row nothing was counted (unknown, not zero);
 * the last one is left out while it still fills. */
export function bucketRange(since: number, until: number, bucket: number, firstRow: number): { first: number; end: number } {
  return {
    first: Math.max(Math.ceil(since / bucket) * bucket, Math.floor(firstRow / bucket) * bucket),
    end: Math.floor(until / bucket) * bucket,
  };
}

/** `:since` in the log's own time format, so `WHERE time >= :since` compares like with like. */
export function sinceParam(since: number, format: Config['source']['time_format']): string | number {
  if (format === 'unix') return since / 1000;
  if (format === 'unix_ms') return since;
  return new Date(since).toISOString();
}
