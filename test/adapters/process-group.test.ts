import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settleWithin } from '../../src/adapters/process-group.js';

// Killed is dead: a zombie waiting for whoever adopted it to reap it counts as gone.
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return !alive(pid);
}

describe('settleWithin', () => {
  it('kills what a child that exited left running in its group', async () => {
    const child = execa('/bin/sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], { detached: true, reject: false });
    const { result, timedOut } = await settleWithin(child, 10_000);
    expect(timedOut).toBe(false);
    expect(result.exitCode).toBe(0);
    expect(await gone(Number(result.stdout))).toBe(true);
  });

  it('kills the whole group at the timeout and says so', async () => {
    const child = execa('/bin/sh', ['-c', 'sleep 30 & echo $!; wait'], { detached: true, reject: false, buffer: false });
    let background = 0;
    child.stdout.on('data', (chunk: Buffer) => (background = Number(String(chunk).trim())));
    const { result, timedOut } = await settleWithin(child, 300);
    expect(timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(background).toBeGreaterThan(0);
    expect(await gone(background)).toBe(true);
  });
});
