import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { Config } from '../core/config.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { levelNamesBelow } from '../core/levels.js';
import { parseRowTime } from '../core/row-time.js';
import type { Checkpoint } from '../core/records.js';
import type { LogRow } from '../core/types.js';
import { logDatabaseError, openLogDatabase, type SnapshotDirs } from './log-database.js';
import { logRowColumns, quoteIdentifier, toLogRow } from './log-row-shape.js';

export interface LogSource {
  /** Rows with id > afterId and level ≥ min_level, in id order, `batchSize` at a time, from one
   * consistent snapshot of the database. */
  readSince(afterId: number, batchSize?: number): Iterable<LogRow[]>;
  /** Whether the read goes through an index (`levelIndexSql`'s), not past every row below min_level. */
  levelIndexUsed(): boolean;
  maxId(): number;
  /** How many rows `readSince(afterId)` would read: what `status` calls rows behind. */
  countSince(afterId: number): number;
  /** A hash of the row with this id, to notice a replaced database; null when there is no such row. */
  rowIdentity(id: number): string | null;
  /** The first id whose time is at or after `since` (binary search: ids grow with time, roughly). */
  firstIdSince(since: number): number;
  /** Time of the newest row of any level, for "the app stopped logging". */
  newestRowTime(): number | null;
  close(): void;
}

type SourceConfig = Config['source'];
/** What the level filter and its index depend on. */
type LevelFilterConfig = Pick<SourceConfig, 'table' | 'min_level'> & { columns: Pick<SourceConfig['columns'], 'id' | 'level'> };

export interface SourceWarning {
  kind: string;
  message: string;
}

/** One configured source as a run reads it, SQLite or PostgreSQL: checked against its stored
 * checkpoint, its new rows in cursor order, and where it stands after the rows read so far. */
export interface RunSource {
  readonly name: string;
  /** What it is, for messages: a file or a PostgreSQL table. */
  readonly label: string;
  /** Where to read from: the stored checkpoint, checked against the source; without one (a first
   * run, a replay) the first row at or after `since`. */
  start(stored: Checkpoint | null, since: number): Promise<{ from: Checkpoint; warnings: SourceWarning[] }>;
  /** Rows after `from` at level ≥ min_level, in cursor order, in bounded batches, from one snapshot. */
  read(from: Checkpoint): AsyncIterable<LogRow[]>;
  /** The checkpoint after the last batch `read` yielded (also when a later one failed). */
  position(): Checkpoint;
  /** Time of the newest row of any level, for "the app stopped logging". */
  newestRowTime(): Promise<number | null>;
  /** Rows already committed but held back behind an older transaction still open; 0 for SQLite. */
  waiting(): Promise<number>;
  /** WARNING+ rows after this checkpoint: what `status` calls rows behind. */
  countSince(checkpoint: Checkpoint): Promise<number>;
  close(): Promise<void>;
}

/** `snapshots`: where a stopped app's WAL database is read from a copy (see `openLogDatabase`);
 * without them a copy lives in a temporary directory until `close`. */
export function openLogSource(path: string, source: SourceConfig, snapshots: SnapshotDirs = {}): LogSource {
  const opened = openLogDatabase(path, snapshots);
  const { db } = opened;
  const c = source.columns;
  checkSchema(db, path, source.table, c);

  const table = quoteIdentifier(source.table);
  const id = quoteIdentifier(c.id);
  const levelFilter = levelFilterSql(source);
  const selectSql = readBatchSql(source);
  const select = db.prepare(selectSql);
  select.raw(true); // arrays, not objects: a third cheaper per row
  const maxIdStmt = db.prepare(`SELECT max(${id}) AS max FROM ${table}`);
  const countStmt = db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${id} > ? AND ${levelFilter}`);
  const identityStmt = db.prepare(
    `SELECT ${quoteIdentifier(c.time)} AS time, ${quoteIdentifier(c.message)} AS message FROM ${table} WHERE ${id} = ?`,
  );
  const timeAtStmt = db.prepare(
    `SELECT ${id} AS id, ${quoteIdentifier(c.time)} AS time FROM ${table} WHERE ${id} >= ? ORDER BY ${id} LIMIT 1`,
  );

  const run = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw logDatabaseError(path, error, what);
    }
  };
  // A level name nobody told us about is read at the minimum level rather than dropped.
  const toRow = (raw: unknown[]) => toLogRow(raw, source, source.min_level);

  return {
    *readSince(afterId, batchSize = 2000) {
      // One read transaction: every batch sees the same snapshot while the app keeps writing.
      run('begin read', () => db.exec('BEGIN'));
      try {
        let cursor = afterId;
        for (;;) {
          const batch = run('read rows', () => select.all(cursor, batchSize) as unknown[][]);
          if (batch.length === 0) return;
          const rows = batch.map(toRow);
          cursor = rows[rows.length - 1]!.id;
          yield rows;
          if (batch.length < batchSize) return;
        }
      } finally {
        if (db.inTransaction) db.exec('COMMIT');
      }
    },
    levelIndexUsed: () =>
      run('plan the read', () =>
        (db.prepare(`EXPLAIN QUERY PLAN ${selectSql}`).all(0, 1) as { detail: string }[]).some((step) =>
          /\bUSING (COVERING )?INDEX\b/.test(step.detail),
        ),
      ),
    maxId: () => run('read max id', () => Number((maxIdStmt.get() as { max: number | null }).max ?? 0)),
    countSince: (afterId) => run('count rows', () => (countStmt.get(afterId) as { n: number }).n),
    rowIdentity(rowId) {
      const row = run('read checkpoint row', () => identityStmt.get(rowId) as { time: unknown; message: unknown } | undefined);
      if (!row) return null;
      return createHash('sha256')
        .update(`${String(row.time)}\u0000${String(row.message)}`)
        .digest('hex')
        .slice(0, 16);
    },
    firstIdSince(since) {
      let low = 0;
      let high = this.maxId();
      while (low < high) {
        const mid = Math.floor((low + high) / 2);
        const row = run('search by time', () => timeAtStmt.get(mid + 1) as { id: number; time: unknown } | undefined);
        if (!row) break;
        const time = parseRowTime(row.time, source.time_format);
        // An unreadable time counts as recent: reading a few rows too many beats skipping some.
        if (time === null || time >= since) high = mid;
        else low = Math.min(Number(row.id), high);
      }
      return low;
    },
    newestRowTime() {
      const max = this.maxId();
      const row = run('read newest row', () => timeAtStmt.get(max) as { time: unknown } | undefined);
      return row ? parseRowTime(row.time, source.time_format) : null;
    },
    close: () => opened.close(),
  };
}

/** A run's read: the next batch of rows at or above min_level after an id (bound: id, batch size). */
export function readBatchSql(source: SourceConfig): string {
  const id = quoteIdentifier(source.columns.id);
  return `SELECT ${logRowColumns(source)} FROM ${quoteIdentifier(source.table)} WHERE ${id} > ? AND ${levelFilterSql(source)} ORDER BY ${id} LIMIT ?`;
}

/** The level filter: a number compares, a name is kept unless it is a known level below min_level
 * (a level sentinel does not know is read, never dropped). */
function levelFilterSql(source: LevelFilterConfig): string {
  const level = quoteIdentifier(source.columns.level);
  const below =
    levelNamesBelow(source.min_level)
      .map((n) => `'${n}'`)
      .join(', ') || "''";
  return `(CASE WHEN typeof(${level}) IN ('integer', 'real') THEN ${level} >= ${source.min_level} ELSE upper(trim(${level})) NOT IN (${below}) END)`;
}

const levelIndexName = (source: LevelFilterConfig) => `${source.table}_level_${source.min_level}`;

/** The partial index of the ids whose rows pass the level filter: with it a run (and `status`'s count)
 * visits only those rows, not the INFO rows between them. SQLite uses it when the query's WHERE
 * repeats the index's WHERE, so it is built from the same expression. For the app's side to create:
 * sentinel never writes the app's database. */
export function levelIndexSql(source: LevelFilterConfig): string {
  return `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(levelIndexName(source))} ON ${quoteIdentifier(source.table)} (${quoteIdentifier(source.columns.id)}) WHERE ${levelFilterSql(source)}`;
}

function checkSchema(db: Database.Database, path: string, table: string, columns: SourceConfig['columns']): void {
  const present = new Set((db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).map((r) => r.name));
  if (present.size === 0) {
    throw new SentinelError(`log database ${path}: no table ${JSON.stringify(table)} (source.table)`, ExitCode.source);
  }
  for (const [field, name] of Object.entries(columns)) {
    if (name !== null && !present.has(name)) {
      throw new SentinelError(
        `log database ${path}: table ${JSON.stringify(table)} has no column ${JSON.stringify(name)} (source.columns.${field})`,
        ExitCode.source,
      );
    }
  }
}

/** The analyses (metrics, MCP tools, `analyze`) read the first source when it is SQLite. */
export function requireSqliteFile(path: string | null): string {
  if (path !== null) return path;
  throw new SentinelError('log database: the first source is PostgreSQL, and this analysis reads SQLite sources only', ExitCode.source);
}
