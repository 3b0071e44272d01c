import Database from 'better-sqlite3';
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, SentinelError } from '../core/errors.js';
import { describeSqliteError } from './sqlite-error.js';

export interface LogDatabase {
  readonly db: Database.Database;
  close(): void;
}

/** A failure reading the app's log database: one line naming the file, exit 3. */
export function logDatabaseError(path: string, error: unknown, what?: string): SentinelError {
  return new SentinelError(`log database ${path}: ${what ? `${what}: ` : ''}${describeSqliteError(error)}`, ExitCode.source, {
    cause: error,
  });
}

/** The one way sentinel opens the app's log database, for the run's source and the analyses alike:
 * read-only (`queryOnly` as well: the operator's own SQL runs on it), a stopped app's WAL database
 * read from a copy (see `openReadOnly`), a writer's brief lock waited for, a first read to prove it
 * is a database. Any failure is one line naming the file, exit 3. `snapshotDir`: where a copy may be
 * kept between runs; without it a copy lives in a temporary directory until `close`. */
export function openLogDatabase(path: string, options: { snapshotDir?: string | undefined; queryOnly?: boolean } = {}): LogDatabase {
  let opened: { db: Database.Database; release: () => void } | undefined;
  try {
    opened = openReadOnly(path, options.snapshotDir);
    const { db } = opened;
    db.pragma('busy_timeout = 5000'); // a writer committing under a rollback journal holds the lock briefly
    // A run reads each page once, in id order: better-sqlite3's 16 MB page cache would only fill
    // the process's memory (15 MB of peak RSS on a 100k-row run). SQLite's own default, 2 MB.
    db.pragma('cache_size = -2000');
    if (options.queryOnly) db.pragma('query_only = 1');
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
  } catch (error) {
    opened?.db.close();
    opened?.release();
    throw logDatabaseError(path, error);
  }
  const { db, release } = opened;
  return {
    db,
    close: () => {
      db.close();
      release();
    },
  };
}

/**
 * A read-only connection that creates nothing beside the database. A WAL database whose app closed
 * its last connection has no -wal or -shm, and reading it in place creates them: impossible on the
 * unit's read-only bind, and elsewhere files owned by sentinel that the app may then be unable to
 * write. (SQLite's immutable=1 needs URI filenames, which better-sqlite3 is built without.) With no
 * -wal the main file holds every committed row, so a copy of it is read instead, in `snapshotDir`
 * (kept while the file is unchanged) or a temporary directory. A copy that the app came back
 * during (a -wal appeared, the file changed) is refused: the next run reads it shared.
 */
function openReadOnly(path: string, snapshotDir: string | undefined): { db: Database.Database; release: () => void } {
  const stat = statSync(path); // ENOENT is reported by the caller like any open error
  // A FIFO or a device would block the open forever, or read endless bytes.
  if (!stat.isFile()) throw new Error('not a regular file');
  if (!isWalMode(path) || existsSync(`${path}-wal`)) {
    if (snapshotDir !== undefined) rmSync(snapshotDir, { recursive: true, force: true }); // the app is back: the copy is stale
    return { db: new Database(path, { readonly: true, fileMustExist: true }), release: () => {} };
  }
  const dir = snapshotDir ?? mkdtempSync(join(tmpdir(), 'sentinel-snapshot-'));
  const release = snapshotDir === undefined ? () => rmSync(dir, { recursive: true, force: true }) : () => {};
  try {
    const copy = takeSnapshot(path, stat, dir);
    return { db: new Database(copy, { readonly: true, fileMustExist: true }), release };
  } catch (error) {
    release();
    throw error;
  }
}

function takeSnapshot(path: string, before: Stats, dir: string): string {
  const copy = join(dir, 'source.db');
  const stampFile = join(dir, 'source.json');
  const stamp = JSON.stringify({ path, dev: before.dev, ino: before.ino, size: before.size, mtimeMs: before.mtimeMs });
  if (existsSync(copy) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return copy;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of ['source.db', 'source.db-wal', 'source.db-shm', 'source.json']) rmSync(join(dir, name), { force: true });
  const partial = join(dir, 'source.db.partial');
  copyFileSync(path, partial, constants.COPYFILE_FICLONE);
  const after = statSync(path);
  if (existsSync(`${path}-wal`) || after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.ino !== before.ino) {
    rmSync(partial, { force: true });
    throw new Error('its app opened it while sentinel copied it (no -wal before, one after); the next run reads it in place');
  }
  renameSync(partial, copy);
  writeFileSync(stampFile, stamp);
  return copy;
}

/** Bytes 18 and 19 of the header are 2 for a database in WAL mode (sqlite.org/fileformat.html). */
function isWalMode(path: string): boolean {
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try {
    return (
      readSync(fd, header, 0, 20, 0) === 20 && header.subarray(0, 16).toString('latin1') === 'SQLite format 3\u0000' && header[18] === 2
    );
  } finally {
    closeSync(fd);
  }
}
