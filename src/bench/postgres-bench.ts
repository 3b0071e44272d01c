import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const BINS = '/usr/lib/postgresql';

/** A throwaway cluster on a unix socket in a temp dir of its own (no TCP), as the tests start one;
 * null when PostgreSQL is not installed. */
export function startBenchPostgres(): { url: string; stop(): void } | null {
  const version = existsSync(BINS)
    ? readdirSync(BINS)
        .filter((v) => existsSync(join(BINS, v, 'bin', 'initdb')))
        .sort((a, b) => Number(a) - Number(b))
        .at(-1)
    : undefined;
  if (version === undefined) return null;
  const bin = join(BINS, version, 'bin');
  // Its own temp dir: the postgres user must reach it, and the bench's dir is private to root.
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-pg-'));
  // initdb refuses root: the cluster then belongs to the postgres system user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const run = (command: string, args: string[]) => {
    const result = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, command), ...args])
      : spawnSync(join(bin, command), args);
    if (result.status !== 0) throw new Error(`${command}: ${result.stderr?.toString() ?? ''}`);
  };
  run('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  run('pg_ctl', [
    '-D',
    join(dir, 'data'),
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-o',
    `-c listen_addresses='' -c unix_socket_directories=${dir} -c fsync=off`,
    'start',
  ]);
  return {
    url: `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}`,
    stop: () => {
      run('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The rows of a bench SQLite database, copied into the reference sink's PostgreSQL table. */
export async function copyToPostgres(sqlitePath: string, url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE logs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
      received_at timestamptz NOT NULL DEFAULT now(), time timestamptz NOT NULL, host text NOT NULL, level text NOT NULL, level_no integer NOT NULL,
      message text NOT NULL, name text, function text, line integer, module text, process integer, thread text, exception text, extra jsonb);
      CREATE INDEX logs_cursor ON logs (txid, id)`);
    const db = new Database(sqlitePath, { readonly: true });
    const rows = db
      .prepare('SELECT time, level, level_no, message, name, function, line, exception, extra FROM logs ORDER BY id')
      .raw(true)
      .all() as unknown[][];
    db.close();
    for (let from = 0; from < rows.length; from += 5000) {
      const batch = rows.slice(from, from + 5000);
      const column = (i: number) => batch.map((r) => r[i]);
      await client.query(
        `INSERT INTO logs (time, host, level, level_no, message, name, function, line, exception, extra)
         SELECT t, 'bench-' || (n % 3), l, ln, m, na, f, li, e, x::jsonb FROM unnest($1::timestamptz[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[])
           WITH ORDINALITY AS r(t, l, ln, m, na, f, li, e, x, n)`,
        [column(0), column(1), column(2), column(3), column(4), column(5), column(6), column(7), column(8)],
      );
    }
  } finally {
    await client.end();
  }
}
