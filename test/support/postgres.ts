import { execa } from 'execa';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgCluster {
  /** A superuser's URL (the app's writer role in these tests). */
  url: string;
  /** A role with SELECT on the tables the tests create through `grantRead`, as sentinel should have. */
  readUrl: string;
  dir: string;
  connect(url?: string): Promise<pg.Client>;
  /** Lets the read-only role read a table. */
  grantRead(table: string): Promise<void>;
  stop(): Promise<void>;
}

const POSTGRES_BINS = '/usr/lib/postgresql';

/** A throwaway cluster on a unix socket in a temp dir (no TCP at all), fsync off. A missing
 * PostgreSQL fails the test that needs it, loudly: CI always installs it. */
export async function startPostgres(): Promise<PgCluster> {
  const versions = existsSync(POSTGRES_BINS)
    ? readdirSync(POSTGRES_BINS).filter((v) => existsSync(join(POSTGRES_BINS, v, 'bin', 'initdb')))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL is not installed (no ${POSTGRES_BINS}/*/bin/initdb): apt-get install postgresql — the PostgreSQL tests cannot run without it`,
    );
  }
  const bin = join(POSTGRES_BINS, versions.sort((a, b) => Number(a) - Number(b)).at(-1)!, 'bin');
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-pg-'));
  // initdb refuses to run as root: the cluster belongs to the postgres system user then.
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) =>
    asRoot ? execa('runuser', ['-u', 'postgres', '--', join(bin, command), ...args]) : execa(join(bin, command), args);
  if (asRoot) {
    const { stdout } = await execa('id', ['-u', 'postgres']);
    const { stdout: gid } = await execa('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout), Number(gid));
  }
  const data = join(dir, 'data');
  await run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  await run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-o',
    `-c listen_addresses='' -c unix_socket_directories=${dir} -c fsync=off -p 5432`,
    'start',
  ]);
  const url = `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}`;
  const readUrl = `postgresql://sentinel_reader@/postgres?host=${encodeURIComponent(dir)}`;
  const connect = async (to = url) => {
    const client = new pg.Client({ connectionString: to });
    await client.connect();
    return client;
  };
  const admin = await connect();
  await admin.query('CREATE ROLE sentinel_reader LOGIN');
  await admin.end();
  return {
    url,
    readUrl,
    dir,
    connect,
    async grantRead(table) {
      const client = await connect();
      await client.query(`GRANT SELECT ON ${table} TO sentinel_reader`);
      await client.end();
    },
    async stop() {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** sentinel's default table, as examples/loguru_postgres_sink.py creates it. */
export const LOGS_TABLE = `
CREATE TABLE logs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  received_at timestamptz NOT NULL DEFAULT now(),
  time timestamptz NOT NULL,
  host text NOT NULL,
  level text NOT NULL, level_no integer NOT NULL, message text NOT NULL,
  name text, function text, line integer, module text, process integer, thread text,
  exception text, extra jsonb);
CREATE INDEX logs_cursor ON logs (txid, id);`;

/** Inserts one ERROR row through `client` (its transaction, if one is open). */
export async function insertRow(
  client: pg.Client,
  message: string,
  opts: { level?: string; host?: string; time?: Date } = {},
): Promise<number> {
  const level = opts.level ?? 'ERROR';
  const levelNo = { WARNING: 30, ERROR: 40, INFO: 20 }[level] ?? 40;
  const { rows } = await client.query<{ id: string }>(
    'INSERT INTO logs (time, host, level, level_no, message, name, function) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id',
    [opts.time ?? new Date(), opts.host ?? 'app-1', level, levelNo, message, 'app.jobs', 'work'],
  );
  return Number(rows[0]!.id);
}
