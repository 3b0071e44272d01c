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

/** Where a stopped app's WAL database is read from a copy (see `openReadOnly`). */
export interface SnapshotDirs {
  /** The copy is kept here between runs (a run's). */
  snapshotDir?: string | undefined;
  /** A run's `snapshotDir`, for the other readers (status, doctor): its copy is read while it is
   * current, so a stopped app's database is not copied again for each of them; never written. */
  runSnapshotDir?: string | undefined;
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
export function openLogDatabase(path: string, options: SnapshotDirs & { queryOnly?: boolean } = {}): LogDatabase {
  let opened: { db: Database.Database; release: () => void } | undefined;
  try {
    opened = openReadOnly(path, options.snapshotDir, options.runSnapshotDir);
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
function openReadOnly(
  path: string,
  snapshotDir: string | undefined,
  runSnapshotDir: string | undefined,
): { db: Database.Database; release: () => void } {
  const stat = statSync(path); // ENOENT is reported by the caller like any open error
  // A FIFO or a device would block the open forever, or read endless bytes.
  if (!stat.isFile()) throw new Error('not a regular file');
  if (!isWalMode(path) || existsSync(`${path}-wal`)) {
    if (snapshotDir !== undefined) rmSync(snapshotDir, { recursive: true, force: true }); // the app is back: the copy is stale
    return { db: new Database(path, { readonly: true, fileMustExist: true }), release: () => {} };
  }
  const kept = runSnapshotDir === undefined ? null : openKeptSnapshot(path, stat, runSnapshotDir);
  if (kept !== null) return { db: kept, release: () => {} };
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

/** Whether `dir` holds a copy of the database as it is now (same file, size and mtime). */
function isCurrentSnapshot(dir: string, stamp: string): boolean {
  try {
    return existsSync(join(dir, 'source.db')) && readFileSync(join(dir, 'source.json'), 'utf8') === stamp;
  } catch {
    return false; // not ours to read, or gone: not a copy this reader can use
  }
}

const stampOf = (path: string, stat: Stats) =>
  JSON.stringify({ path, dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs });

/** The run's current copy, opened, or null. Only with its -wal and -shm there already (the run's
 * read left them): opening it creates nothing in a folder that is not this reader's. */
function openKeptSnapshot(path: string, stat: Stats, dir: string): Database.Database | null {
  const copy = join(dir, 'source.db');
  if (!isCurrentSnapshot(dir, stampOf(path, stat)) || !existsSync(`${copy}-wal`) || !existsSync(`${copy}-shm`)) return null;
  let db: Database.Database | undefined;
  try {
    db = new Database(copy, { readonly: true, fileMustExist: true });
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
    return db;
  } catch {
    db?.close();
    return null; // replaced while it was opened, or unreadable to this user: copy it afresh
  }
}

function takeSnapshot(path: string, before: Stats, dir: string): string {
  const copy = join(dir, 'source.db');
  if (isCurrentSnapshot(dir, stampOf(path, before))) return copy;
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
  writeFileSync(join(dir, 'source.json'), stampOf(path, before));
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
