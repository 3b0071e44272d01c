import { writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { endRecordedGroup, groupIdentity } from './process-group.js';

/** Where `sentinel run` gives each Claude run its directory. */
export const claudeRunsDir = (stateDir: string): string => join(stateDir, 'claude');

/** `fn` with a fresh directory under `privateDir` for one run's HOME, TMPDIR and files, removed after it. */
export async function inRunDir<T>(privateDir: string, fn: (runDir: string) => Promise<T>): Promise<T> {
  await mkdir(privateDir, { recursive: true });
  await removeStaleRunDirs(privateDir);
  const runDir = await mkdtemp(join(privateDir, `run-${process.pid}-`));
  try {
    return await fn(runDir);
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

/** Notes in `runDir` which process group its Claude is, for `removeStaleRunDirs`. Claude is running
 * by now: a note that cannot be written (a full disk) only costs that clean-up, never the run. */
export function recordClaudeGroup(runDir: string, pid: number): void {
  const group = groupIdentity(pid);
  try {
    if (group !== null) writeFileSync(join(runDir, GROUP_FILE), group);
  } catch {
    // without it, an orphaned Claude is not ended; its directory is still removed
  }
}

/** A killed run never reaches its `finally`: its directory (a HOME and the MCP config) is removed
 * by a later run once the process that made it is gone. Its Claude may not be (a SIGKILL by hand,
 * or the OOM killer, takes one process): that group is ended first, never left to spend its budget
 * on an answer nobody reads, and a group that cannot be shown to be it keeps its directory. */
export async function removeStaleRunDirs(privateDir: string): Promise<void> {
  const names = await readdir(privateDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const name of names) {
    const pid = /^run-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    const dir = join(privateDir, name);
    const group = await readFile(join(dir, GROUP_FILE), 'utf8').catch(() => null);
    if (group !== null && !(await endRecordedGroup(group))) continue;
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

const GROUP_FILE = 'claude.group';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}
