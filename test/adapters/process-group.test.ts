import { build } from 'esbuild';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endRecordedGroup, groupIdentity, settleWithin } from '../../src/adapters/process-group.js';

import { isAlive as alive, survivors } from '../support/processes.js';

// Killed is dead: a zombie waiting for whoever adopted it to reap it counts as gone.
const gone = async (pid: number): Promise<boolean> => (await survivors([pid], 2000)).length === 0;

describe('settleWithin', () => {
  it('kills what a child that exited left running in its group', async () => {
    const child = execa('/bin/sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], { detached: true, reject: false });
    const { result, timedOut } = await settleWithin(child, 10_000);
    expect(timedOut).toBe(false);
    expect(result.exitCode).toBe(0);
    expect(await gone(Number(result.stdout))).toBe(true);
  });

  /** A shell that waits on a background sleep it started, under settleWithin with a 300 ms timeout. */
  async function timedOutGroup(prelude: string) {
    const child = execa('/bin/sh', ['-c', `${prelude} sleep 30 & echo $!; wait`], { detached: true, reject: false, buffer: false });
    let background = 0;
    child.stdout.on('data', (chunk: Buffer) => (background = Number(String(chunk).trim())));
    const { result, timedOut } = await settleWithin(child, 300);
    expect(timedOut).toBe(true);
    expect(background).toBeGreaterThan(0);
    return { signal: result.signal, backgroundGone: await gone(background) };
  }

  it('stops the whole group at the timeout (SIGTERM) and says so', async () => {
    expect(await timedOutGroup('')).toEqual({ signal: 'SIGTERM', backgroundGone: true });
  });

  it('lets what a child left behind stop what it runs itself: SIGTERM first, as at a timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-left-'));
    const marker = join(dir, 'stopped');
    // The subshell plays Claude's MCP server: on SIGTERM it passes the stop on, then exits.
    const script = `(trap 'echo passed-on > ${marker}; exit 0' TERM; sleep 30 & wait) >/dev/null 2>&1 & echo $!`;
    const child = execa('/bin/sh', ['-c', script], { detached: true, reject: false });
    const { result } = await settleWithin(child, 10_000);
    expect(await gone(Number(result.stdout))).toBe(true);
    expect(readFileSync(marker, 'utf8')).toBe('passed-on\n');
    rmSync(dir, { recursive: true });
  });

  it('kills a group that ignores SIGTERM once the grace has passed', async () => {
    expect(await timedOutGroup('trap "" TERM;')).toEqual({ signal: 'SIGKILL', backgroundGone: true });
  });
});

describe('a stop signal while a detached child runs', () => {
  // The fixture as a process of its own: the signal must not reach the test runner.
  let dir: string;
  let script: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sentinel-stop-'));
    script = join(dir, 'settle-then-report.mjs');
    const entry = fileURLToPath(new URL('../fixtures/settle-then-report.ts', import.meta.url));
    // Bundled whole: beside it under the temp dir there is no node_modules to resolve a package from;
    // the require its CommonJS dependencies make of Node's modules is given to them.
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: script,
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      logLevel: 'error',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The fixture, once its child runs; `output()` is what it printed so far. */
  async function started(...args: string[]) {
    const proc = execa('node', [script, ...args], { reject: false, buffer: false });
    let out = '';
    const child = await new Promise<number>((resolve) =>
      proc.stdout.on('data', (chunk: Buffer) => {
        out += String(chunk);
        const pid = /^child (\d+)$/m.exec(out)?.[1];
        if (pid) resolve(Number(pid));
      }),
    );
    return { proc, child, output: () => out };
  }

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    '%s ends the child first, then the process by the same signal; the caller never sees the child end',
    async (signal) => {
      const { proc, child, output } = await started();
      proc.kill(signal); // this process only, as Ctrl-C reaches it: the child is in a group of its own
      expect((await proc).signal).toBe(signal);
      expect(output()).not.toMatch(/settled/);
      expect(await gone(child)).toBe(true);
    },
  );

  it('a second Ctrl-C does not wait out the grace of a child that ignores SIGTERM', async () => {
    const { proc, child, output } = await started('deaf');
    proc.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 200)); // the first one's grace is running
    const second = performance.now();
    proc.kill('SIGINT');
    expect((await proc).signal).toBe('SIGINT');
    expect(performance.now() - second).toBeLessThan(1000); // the grace is 1.5 s
    expect(output()).not.toMatch(/settled/);
    expect(await gone(child)).toBe(true);
  });

  it('a child that ignores SIGTERM is killed when the grace is over, and the process still ends by the signal', async () => {
    const { proc, child } = await started('deaf');
    proc.kill('SIGTERM');
    expect((await proc).signal).toBe('SIGTERM');
    expect(await gone(child)).toBe(true);
  });
});

describe('endRecordedGroup', () => {
  const start = (script: string) => execa('/bin/sh', ['-c', script], { detached: true, reject: false, buffer: false });

  it('kills the group it recorded, its leader and what the leader started', async () => {
    const child = start('sleep 30 & echo $!; wait');
    const background = await firstLine(child);
    const identity = groupIdentity(child.pid!)!;
    expect(await endRecordedGroup(identity)).toBe(true);
    await child;
    expect(await gone(background)).toBe(true);
  });

  it('kills what is left of it once its leader has exited (an id is not reused while its group lives)', async () => {
    const child = start('sleep 30 >/dev/null 2>&1 & echo $!');
    const identity = groupIdentity(child.pid!)!;
    const background = await firstLine(child);
    await child;
    expect(alive(background)).toBe(true);
    expect(await endRecordedGroup(identity)).toBe(true);
    expect(await gone(background)).toBe(true);
  });

  it('leaves a live group alone when its leader started at another time than the one recorded', async () => {
    const child = start('sleep 30 & echo $!; wait');
    const background = await firstLine(child);
    const [pid, ticks] = groupIdentity(child.pid!)!.split(' ');
    expect(await endRecordedGroup(`${pid} ${Number(ticks) - 1}`)).toBe(false);
    expect(alive(child.pid!) && alive(background)).toBe(true);
    process.kill(-child.pid!, 'SIGKILL');
    await child;
  });

  it('is done with a group that is gone', async () => {
    const child = start('exit 0');
    const identity = groupIdentity(child.pid!)!;
    await child;
    expect(await endRecordedGroup(identity)).toBe(true);
  });
});

function firstLine(child: { stdout: NodeJS.ReadableStream | null }): Promise<number> {
  return new Promise((resolve) => child.stdout!.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim()))));
}
