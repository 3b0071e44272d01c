import pg from 'pg';
import type { PostgresSourceConfig } from '../core/config.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { levelNamesBelow } from '../core/levels.js';
import type { Checkpoint } from '../core/records.js';
import { parseRowTime } from '../core/row-time.js';
import type { LogRow } from '../core/types.js';
import type { RunSource, SourceWarning } from './log-source.js';
import { logRowColumns, quoteIdentifier, toLogRow } from './log-row-shape.js';

// The cursor is (txid, id), and only rows of transactions below the snapshot's xmin are read: every
// such transaction has ended, and every one that can still commit sorts after them. A late commit
// stalls the reader; it is never skipped (a serial id alone would skip it). The txid is kept as
// text end to end, so no 64-bit value passes through a JS number.
const HORIZON = 'pg_snapshot_xmin(pg_current_snapshot())';
const TXID_PREFIX = 'txid:';

const TIMESTAMPTZ = 1184;
const TIMESTAMP = 1114;
const JSON_OID = 114;
const JSONB = 3802;

/** Times as epoch ms (a timestamp without zone is UTC, as for SQLite) and JSON as its text, the
 * shapes the SQLite reader hands on. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TIMESTAMPTZ) return (text: string) => Date.parse(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
    if (oid === TIMESTAMP) return (text: string) => parseRowTime(text, 'iso');
    if (oid === JSON_OID || oid === JSONB) return (text: string) => text;
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as typeof pg.types.getTypeParser,
};

/** The txid a PostgreSQL checkpoint keeps beside the row id (its `identity`). */
export const txidOf = (checkpoint: Checkpoint): string | null =>
  checkpoint.identity?.startsWith(TXID_PREFIX) ? checkpoint.identity.slice(TXID_PREFIX.length) : null;
const checkpointAt = (txid: string, id: number): Checkpoint => ({ id, identity: `${TXID_PREFIX}${txid}` });

/** The connection URL from the configured variable, else the systemd credential. */
export function postgresUrl(
  config: PostgresSourceConfig,
  readSecret: (from: { envName: string; credential: string }) => string | null,
): string {
  const url = readSecret({ envName: config.url_env, credential: config.url_credential });
  if (url) return url;
  throw new SentinelError(
    `source ${config.name}: no PostgreSQL URL: set $${config.url_env} or the systemd credential ${config.url_credential}`,
    ExitCode.source,
  );
}

/** Connects, checks the table and columns, and opens the run's one read-only transaction. */
export async function openPostgresSource(config: PostgresSourceConfig, url: string): Promise<RunSource> {
  const label = `PostgreSQL table ${config.table}`;
  const fail = (what: string, error: unknown): never => {
    throw new SentinelError(`source ${config.name} (${label}): ${what}: ${describePgError(error)}`, ExitCode.source, { cause: error });
  };
  const client = new pg.Client({ connectionString: url, types, application_name: 'sentinel', connectionTimeoutMillis: 10_000 });
  client.on('error', () => {}); // a dropped connection fails the next query, which says so
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    fail('cannot connect', error);
  }
  const query = async <T extends unknown[] = unknown[]>(what: string, sql: string, params: unknown[] = []): Promise<T[]> => {
    try {
      return (await client.query<T>({ text: sql, values: params, rowMode: 'array' })).rows;
    } catch (error) {
      return fail(what, error);
    }
  };
  try {
    // One snapshot for the whole run: the horizon and every batch agree. Read only: the role
    // should not be able to write, and this transaction could not even if it can.
    await query('begin read', `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`);
    await query('set timeout', `SELECT set_config('statement_timeout', $1, true)`, [String(config.statement_timeout)]);
    const levelFilter = await checkSchema(config, query);
    return createReader(config, label, query, levelFilter, async () => {
      await client.end().catch(() => {});
    });
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
}

type Query = <T extends unknown[] = unknown[]>(what: string, sql: string, params?: unknown[]) => Promise<T[]>;

function createReader(
  config: PostgresSourceConfig,
  label: string,
  query: Query,
  levelFilter: string,
  close: () => Promise<void>,
): RunSource {
  const c = config.columns;
  const table = quoteIdentifier(config.table);
  // Qualified: a bare name in ORDER BY means the output column first, and `txid::text` is one,
  // which would sort 1000 before 999.
  const txid = `${table}.${quoteIdentifier(c.txid)}`;
  const id = `${table}.${quoteIdentifier(c.id)}`;
  const time = quoteIdentifier(c.time);
  const select = `SELECT ${txid}::text AS cursor_txid, ${logRowColumns(config)} FROM ${table}
    WHERE (${txid}, ${id}) > ($1::xid8, $2::bigint) AND ${txid} < ${HORIZON} AND ${levelFilter}
    ORDER BY ${txid}, ${id} LIMIT $3`;
  let position: Checkpoint = checkpointAt('0', 0);
  const sinceParam = (since: number) =>
    config.time_format === 'iso' ? new Date(since).toISOString() : config.time_format === 'unix' ? since / 1000 : since;

  return {
    name: config.name,
    label,
    async start(stored, since) {
      const warnings: SourceWarning[] = [];
      const [[horizon, next]] = (await query<[string, string]>(
        'read snapshot',
        `SELECT ${HORIZON}::text, pg_snapshot_xmax(pg_current_snapshot())::text`,
      )) as [[string, string]];
      const storedTxid = stored ? txidOf(stored) : null;
      if (stored && storedTxid === null) {
        throw new SentinelError(
          `source ${config.name} (${label}): the stored checkpoint (row ${stored.id}) is not a PostgreSQL one (was this source SQLite before?): start it from now with \`sentinel run --rebaseline ${config.name}\``,
          ExitCode.source,
        );
      }
      if (stored && storedTxid !== null) {
        // A txid this cluster has not handed out yet: the cursor comes from another cluster, or
        // from before a dump and restore (which does not carry the transaction counter).
        if (BigInt(storedTxid) >= BigInt(next)) {
          throw new SentinelError(
            `source ${config.name} (${label}): the checkpoint (txid ${storedTxid}) is ahead of this cluster (next txid ${next}): ` +
              `the database was restored or replaced; check it, then start this source from now with \`sentinel run --rebaseline ${config.name}\``,
            ExitCode.source,
          );
        }
        position = stored;
        return { from: position, warnings };
      }
      // No checkpoint: just before the first finished row at or after `since`, else the horizon.
      const [first] = await query<[string, string]>(
        'find the first row since',
        `SELECT ${txid}::text AS cursor_txid, ${id}::text AS cursor_id FROM ${table} WHERE ${time} >= $1 AND ${txid} < ${HORIZON} ORDER BY ${txid}, ${id} LIMIT 1`,
        [sinceParam(since)],
      );
      position = first ? checkpointAt(first[0], Number(first[1]) - 1) : checkpointAt(horizon, 0);
      return { from: position, warnings };
    },
    async *read(from) {
      position = from;
      for (;;) {
        const raw = await query<unknown[]>('read rows', select, [txidOf(position) ?? '0', position.id, config.batch_limit]);
        if (raw.length === 0) return;
        const rows: LogRow[] = raw.map((r) => toLogRow(r.slice(1), config, config.min_level));
        const last = raw[raw.length - 1]!;
        const next = checkpointAt(String(last[0]), Number(last[1]));
        yield rows;
        position = next;
        if (raw.length < config.batch_limit) return;
      }
    },
    position: () => position,
    async newestRowTime() {
      const [row] = await query<[unknown]>('read newest row', `SELECT ${time} FROM ${table} ORDER BY ${txid} DESC, ${id} DESC LIMIT 1`);
      return row ? parseRowTime(row[0], config.time_format) : null;
    },
    async waiting() {
      const [[n]] = (await query<[string]>('count waiting rows', `SELECT count(*)::text FROM ${table} WHERE ${txid} >= ${HORIZON}`)) as [
        [string],
      ];
      return Number(n);
    },
    async countSince(checkpoint) {
      const [[n]] = (await query<[string]>(
        'count rows',
        `SELECT count(*)::text FROM ${table} WHERE (${txid}, ${id}) > ($1::xid8, $2::bigint) AND ${levelFilter}`,
        [txidOf(checkpoint) ?? '0', checkpoint.id],
      )) as [[string]];
      return Number(n);
    },
    async close() {
      await query('end read', 'COMMIT').catch(() => {});
      await close();
    },
  };
}

/** Every mapped column must exist and the cursor's txid must be xid8; returns the level filter,
 * which depends on whether the level column holds names or numbers. */
async function checkSchema(config: PostgresSourceConfig, query: Query): Promise<string> {
  const present = new Map(
    await query<[string, string]>(
      'read the table',
      `SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_name = $1 AND table_schema = ANY (current_schemas(false))`,
      [config.table],
    ),
  );
  const where = `source ${config.name}`;
  if (present.size === 0)
    throw new SentinelError(`${where}: no table ${JSON.stringify(config.table)} readable by this role (table)`, ExitCode.source);
  for (const [field, name] of Object.entries(config.columns)) {
    if (name !== null && !present.has(name)) {
      throw new SentinelError(
        `${where}: table ${JSON.stringify(config.table)} has no column ${JSON.stringify(name)} (columns.${field})`,
        ExitCode.source,
      );
    }
  }
  if (present.get(config.columns.txid) !== 'xid8') {
    throw new SentinelError(
      `${where}: column ${JSON.stringify(config.columns.txid)} is ${present.get(config.columns.txid)}, not xid8 (columns.txid): add \`txid xid8 NOT NULL DEFAULT pg_current_xact_id()\`, as examples/loguru_postgres_sink.py does`,
      ExitCode.source,
    );
  }
  const level = quoteIdentifier(config.columns.level);
  if (/^(smallint|integer|bigint|numeric|real|double precision)$/.test(present.get(config.columns.level)!))
    return `${level} >= ${config.min_level}`;
  const below = levelNamesBelow(config.min_level).map((n) => `'${n}'`);
  return below.length ? `upper(trim(${level}::text)) NOT IN (${below.join(', ')})` : 'true';
}

export function describePgError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    return code ? `${error.message} (${code})` : error.message || String(error);
  }
  return String(error);
}

/** The write privileges the connecting role has on the table (doctor warns about any). */
export async function writePrivileges(config: PostgresSourceConfig, url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'sentinel doctor', connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    const kinds = ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];
    const { rows } = await client.query<{ kind: string; granted: boolean }>(
      `SELECT kind, has_table_privilege(current_user, $1::regclass, kind) AS granted FROM unnest($2::text[]) AS kind`,
      [quoteIdentifier(config.table), kinds],
    );
    return rows.filter((r) => r.granted).map((r) => r.kind);
  } finally {
    await client.end().catch(() => {});
  }
}

export type ReadOnlyQuery = (sql: string, params: unknown[]) => Promise<unknown[][]>;

/** A connection for the analyses: each `readOnly` call is one read-only transaction with the
 * source's statement timeout, so an operator's metric SQL cannot write or run away. */
export async function openReadOnlySession(config: PostgresSourceConfig, url: string) {
  const client = new pg.Client({ connectionString: url, types, application_name: 'sentinel analysis', connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  const fail = (what: string, error: unknown): never => {
    throw new SentinelError(
      `source ${config.name} (PostgreSQL table ${config.table}): ${what}: ${describePgError(error)}`,
      ExitCode.source,
      { cause: error },
    );
  };
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    fail('cannot connect', error);
  }
  const readOnly = async <T>(what: string, fn: (q: ReadOnlyQuery) => Promise<T>): Promise<T> => {
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(config.statement_timeout)]);
      const result = await fn(async (sql, params) => (await client.query<unknown[]>({ text: sql, values: params, rowMode: 'array' })).rows);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      return fail(what, error);
    }
  };
  return { readOnly, close: () => client.end().catch(() => {}) };
}

/** The table's rows of every level around one row, for the analyses. */
export async function openPostgresLogRows(config: PostgresSourceConfig, url: string) {
  const { readOnly, close } = await openReadOnlySession(config, url);
  const table = quoteIdentifier(config.table);
  const id = `${table}.${quoteIdentifier(config.columns.id)}`;
  const columns = logRowColumns(config);
  const toRow = (raw: unknown[]) => toLogRow(raw, config, 0);
  return {
    around: (rowId: number, before: number, after: number) =>
      readOnly('read rows', async (q) => {
        const [target] = await q(`SELECT ${columns} FROM ${table} WHERE ${id} = $1`, [rowId]);
        if (!target) return null;
        return {
          target: toRow(target),
          before: (await q(`SELECT ${columns} FROM ${table} WHERE ${id} < $1 ORDER BY ${id} DESC LIMIT $2`, [rowId, before]))
            .map(toRow)
            .reverse(),
          after: (await q(`SELECT ${columns} FROM ${table} WHERE ${id} > $1 ORDER BY ${id} LIMIT $2`, [rowId, after])).map(toRow),
        };
      }),
    maxId: () => readOnly('read max id', async (q) => Number((await q(`SELECT max(${id})::text FROM ${table}`, []))[0]?.[0] ?? 0)),
    close,
  };
}
