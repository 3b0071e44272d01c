import Database from 'better-sqlite3';
import type { Config } from '../core/config.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import type { LogRow } from '../core/types.js';
import { describeSqliteError, requireSqliteFile } from '../adapters/log-source.js';
import { logRowColumns, quoteIdentifier, toLogRow } from '../adapters/log-row-shape.js';

export interface RowsAround {
  target: LogRow;
  before: LogRow[];
  after: LogRow[];
}

export interface LogRows {
  /** The row with this id and up to `before`/`after` rows of ANY level on each side, in id order;
   * null when there is no such row. */
  around(id: number, before: number, after: number): RowsAround | null;
  maxId(): number;
  close(): void;
}


/** The app's log database, read-only, for the analyses: unlike the log source it reads every level. */
export function openLogRows(file: string | null, source: Config['source']): LogRows {
  const path = requireSqliteFile(file);
  const fail = (what: string, error: unknown): never => {
    throw new SentinelError(`log database ${path}: ${what}: ${describeSqliteError(error)}`, ExitCode.source, { cause: error });
  };
  const table = quoteIdentifier(source.table);
  const id = quoteIdentifier(source.columns.id);
  // Table and column names come from the validated config only; values are always bound.
  const columns = logRowColumns(source);
  let db!: Database.Database;
  let statements!: Record<'one' | 'before' | 'after' | 'max', Database.Statement>;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
  } catch (error) {
    fail('cannot open', error);
  }
  try {
    statements = {
      one: db.prepare(`SELECT ${columns} FROM ${table} WHERE ${id} = ?`),
      before: db.prepare(`SELECT ${columns} FROM ${table} WHERE ${id} < ? ORDER BY ${id} DESC LIMIT ?`),
      after: db.prepare(`SELECT ${columns} FROM ${table} WHERE ${id} > ? ORDER BY ${id} LIMIT ?`),
      max: db.prepare(`SELECT max(${id}) AS max FROM ${table}`),
    };
    for (const statement of [statements.one, statements.before, statements.after]) statement.raw(true);
  } catch (error) {
    db.close();
    fail('cannot read (check source.table and source.columns)', error);
  }
  const toRow = (raw: unknown[]) => toLogRow(raw, source, 0);
  const readAll = (stmt: Database.Statement, ...params: number[]) => (stmt.all(...params) as unknown[][]).map(toRow);

  return {
    around(rowId, before, after) {
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
    maxId() {
      try {
        return Number((statements.max.get() as { max: number | null }).max ?? 0);
      } catch (error) {
        return fail('read max id', error);
      }
    },
    close: () => db.close(),
  };
}

/** `openLogRows` on first use: an analysis that never reads a row (system, metric) must work even
 * when the log database is unreadable. */
export function openLogRowsLazily(path: string | null, source: Config['source']): LogRows {
  let logs: LogRows | null = null;
  return {
    around: (...args) => (logs ??= openLogRows(path, source)).around(...args),
    maxId: () => (logs ??= openLogRows(path, source)).maxId(),
    close: () => logs?.close(),
  };
}
