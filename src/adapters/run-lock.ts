import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, SentinelError } from '../core/errors.js';

export interface RunLock {
  release(): void;
}

/** One run at a time per state dir. The lock is an exclusive SQLite (fcntl) lock, which the kernel
 * drops when its holder dies, so a killed run's lock is taken over with no stale-file guessing. */
export function acquireRunLock(stateDir: string, pid: number): RunLock {
  const lockFile = join(stateDir, 'run.lock');
  const pidFile = join(stateDir, 'run.pid');
  let db: Database.Database;
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    db = new Database(lockFile, { timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new SentinelError(`another sentinel run holds the lock ${lockFile} (pid ${readHolder(pidFile)})`, ExitCode.locked);
    }
    throw new SentinelError(`cannot take the run lock ${lockFile}: ${(error as Error).message}`, ExitCode.state, { cause: error });
  }
  try {
    writeFileSync(pidFile, `${pid}\n`, { mode: 0o600 });
  } catch (error) {
    db.close();
    throw new SentinelError(`cannot record the run's pid in ${pidFile}: ${(error as Error).message}`, ExitCode.state, { cause: error });
  }
  return {
    release() {
      db.exec('COMMIT');
      db.close();
    },
  };
}

/** Whether a run's process is still there (EPERM: it is, under another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(pidFile: string): string {
  try {
    return readFileSync(pidFile, 'utf8').trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}
