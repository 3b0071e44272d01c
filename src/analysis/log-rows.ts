import type Database from 'better-sqlite3';
import type { Config } from '../core/config.js';
import type { LogRow } from '../core/types.js';
import { logDatabaseError, openLogDatabase } from '../adapters/log-database.js';
import { requireSqliteFile } from '../adapters/log-source.js';
import { readSecret } from '../adapters/secrets.js';
import { logRowColumns, quoteIdentifier, toLogRow } from '../adapters/log-row-shape.js';

export interface RowsAround {
  target: LogRow;
  before: LogRow[];
  after: LogRow[];
}

export interface LogRows {
  /** The row with this id and up to `before`/`after` rows of ANY level on each side, in id order;
   * null when there is no such row. */
  around(id: number, before: number, after: number): Promise<RowsAround | null>;
  maxId(): Promise<number>;
  close(): Promise<void>;
}

/** The app's log database, read-only, for the analyses: unlike the log source it reads every level.
 * `runSnapshotDir`: the run's copy of a stopped app's database, read while it is current. */
export function openLogRows(file: string | null, source: Config['source'], runSnapshotDir?: string): LogRows {
  const path = requireSqliteFile(file);
  const fail = (what: string, error: unknown): never => {
    throw logDatabaseError(path, error, what);
  };
  const table = quoteIdentifier(source.table);
  const id = quoteIdentifier(source.columns.id);
  // Table and column names come from the validated config only; values are always bound.
  const columns = logRowColumns(source);
  const opened = openLogDatabase(path, { runSnapshotDir });
  const { db } = opened;
  let statements!: Record<'one' | 'before' | 'after' | 'max', Database.Statement>;
  try {
    statements = {
      one: db.prepare(`SELECT ${columns} FROM ${table} WHERE ${id} = ?`),
      before: db.prepare(`SELECT ${columns} FROM ${table} WHERE ${id} < ? ORDER BY ${id} DESC LIMIT ?`),
      after: db.prepare(`SELECT ${columns} FROM ${table} WHERE ${id} > ? ORDER BY ${id} LIMIT ?`),
      max: db.prepare(`SELECT max(${id}) AS max FROM ${table}`),
    };
    for (const statement of [statements.one, statements.before, statements.after]) statement.raw(true);
  } catch (error) {
    opened.close();
    fail('cannot read (check source.table and source.columns)', error);
  }
  const toRow = (raw: unknown[]) => toLogRow(raw, source, 0);
  const readAll = (stmt: Database.Statement, ...params: number[]) => (stmt.all(...params) as unknown[][]).map(toRow);

  return {
    async around(rowId, before, after) {
      try {
        // One read transaction: the three reads see the same snapshot while the app keeps writing.
        return db.transaction(() => {
          const target = statements.one.get(rowId) as unknown[] | undefined;
          if (!target) return null;
          return {
            target: toRow(target),
            before: readAll(statements.before, rowId, before).reverse(),
            after: readAll(statements.after, rowId, after),
          };
        })();
      } catch (error) {
        return fail('read rows', error);
      }
    },
    async maxId() {
      try {
        return Number((statements.max.get() as { max: number | null }).max ?? 0);
      } catch (error) {
        return fail('read max id', error);
      }
    },
    close: async () => opened.close(),
  };
}

/** `openLogRows` on first use: an analysis that never reads a row (system, metric) must work even
 * when the log database is unreadable. */
export function openLogRowsLazily(
  path: string | null,
  source: Config['source'],
  env: NodeJS.ProcessEnv = {},
  runSnapshotDir?: string,
): LogRows {
  let logs: Promise<LogRows> | null = null;
  const open = () => (logs ??= openAnyLogRows(path, source, env, runSnapshotDir));
  return {
    around: async (...args) => (await open()).around(...args),
    maxId: async () => (await open()).maxId(),
    close: async () => {
      const opened = await logs?.catch(() => null);
      await opened?.close();
    },
  };
}

/** The first source's rows: its SQLite file, or its PostgreSQL table (the client loaded only then). */
async function openAnyLogRows(
  path: string | null,
  source: Config['source'],
  env: NodeJS.ProcessEnv,
  runSnapshotDir: string | undefined,
): Promise<LogRows> {
  if (source.kind === 'sqlite') return openLogRows(path, source, runSnapshotDir);
  const { openPostgresLogRows, postgresUrl } = await import('../adapters/postgres-source.js');
  return openPostgresLogRows(
    source,
    postgresUrl(source, (from) => readSecret(env, from)),
  );
}
