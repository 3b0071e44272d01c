import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordClaudeGroup, removeStaleRunDirs } from '../../src/adapters/claude-run-dirs.js';
import { groupIdentity } from '../../src/adapters/process-group.js';
import { isAlive, survivors } from '../support/processes.js';

let privateDir: string;
beforeEach(() => (privateDir = mkdtempSync(join(tmpdir(), 'sentinel-runs-'))));
afterEach(() => rmSync(privateDir, { recursive: true, force: true }));

/** The pid of a process that has exited: a sentinel run that was killed. */
async function deadPid(): Promise<number> {
  const child = execa('true');
  await child;
  return child.pid!;
}

function runDir(pid: number, group?: string): string {
  const dir = join(privateDir, `run-${pid}-abc123`);
  mkdirSync(join(dir, 'home'), { recursive: true });
  if (group !== undefined) writeFileSync(join(dir, 'claude.group'), group);
  return dir;
}

/** A stand-in for an orphaned Claude: a group leader with a child of its own. */
function orphanGroup() {
  return execa('/bin/sh', ['-c', 'sleep 30 & wait'], { detached: true, reject: false });
}

describe('removeStaleRunDirs', () => {
  it('ends the Claude a killed run left and removes its directory', async () => {
    const orphan = orphanGroup();
    const dir = runDir(await deadPid(), groupIdentity(orphan.pid!)!);
    await removeStaleRunDirs(privateDir);
    expect((await orphan).signal).toBe('SIGKILL');
    expect(existsSync(dir)).toBe(false);
  });

  it('keeps the directory of a group it cannot show to be the recorded one, and leaves that group alone', async () => {
    const other = orphanGroup();
    const [pid, ticks] = groupIdentity(other.pid!)!.split(' ');
    const dir = runDir(await deadPid(), `${pid} ${Number(ticks) + 7}`);
    await removeStaleRunDirs(privateDir);
    expect(existsSync(dir)).toBe(true);
    expect(isAlive(other.pid!)).toBe(true);
    process.kill(-other.pid!, 'SIGKILL');
    await other;
  });

  it('keeps a live run’s directory and removes a killed one’s whose Claude is gone', async () => {
    const live = runDir(process.pid);
    const finished = orphanGroup();
    const group = groupIdentity(finished.pid!)!;
    process.kill(-finished.pid!, 'SIGKILL');
    await finished;
    expect(await survivors([finished.pid!])).toEqual([]);
    const stale = runDir(await deadPid(), group);
    await removeStaleRunDirs(privateDir);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(stale)).toBe(false);
  });

  it('is content with no directory at all (no run has asked Claude yet)', async () => {
    await expect(removeStaleRunDirs(join(privateDir, 'claude'))).resolves.toBeUndefined();
  });

  it('records the group of a running Claude, and a note that cannot be written never fails the run', async () => {
    const dir = runDir(process.pid);
    recordClaudeGroup(dir, process.pid);
    expect(readFileSync(join(dir, 'claude.group'), 'utf8')).toBe(groupIdentity(process.pid));
    const blocked = runDir(process.pid + 1);
    mkdirSync(join(blocked, 'claude.group')); // where the note goes, a directory: EISDIR
    expect(() => recordClaudeGroup(blocked, process.pid)).not.toThrow();
  });
});
