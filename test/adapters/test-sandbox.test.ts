import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTestsInSandbox, type TestSandboxOptions } from '../../src/adapters/test-sandbox.js';
import { git, makeAppRemote } from '../support/autofix-repo.js';
import { tempDir } from '../support/temp.js';

const UNITTEST = ['/usr/bin/python3', '-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'];

function worktree(): string {
  const remote = makeAppRemote();
  const dir = join(remote.dir, 'wt');
  git(remote.dir, 'clone', '--quiet', remote.bare, dir);
  return dir;
}

const run = (change: Partial<TestSandboxOptions> & { worktree: string }) =>
  runTestsInSandbox({
    command: UNITTEST,
    timeoutMs: 30_000,
    env: {},
    isolation: 'bwrap',
    readOnlyPaths: [],
    redact: (t) => t.replaceAll('sekret-value', '[REDACTED]'),
    ...change,
  });

describe('runTestsInSandbox (bubblewrap)', () => {
  it("runs the app's real tests: the bug's test fails on the base commit", async () => {
    const result = await run({ worktree: worktree() });
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(result.tail).toContain('FAILED (errors=1)');
    expect(result.tail).toContain('ZeroDivisionError');
  });

  it('has no network: a connection to a server on 127.0.0.1 fails, and the server sees nothing', async () => {
    let connections = 0;
    const server = createServer((socket) => {
      connections += 1;
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const probe = `import socket\ntry:\n    socket.create_connection(("127.0.0.1", ${port}), timeout=3)\n    print("CONNECTED")\nexcept OSError as e:\n    print("REFUSED", e)\n`;
    const result = await run({ worktree: worktree(), command: ['/usr/bin/python3', '-c', probe] });
    server.close();
    expect(result.tail).toContain('REFUSED');
    expect(connections).toBe(0);
  });

  it('passes only the allow-listed environment: no token, no API key', async () => {
    const dir = worktree();
    const result = await run({ worktree: dir, command: ['/usr/bin/env'], env: { APP_MODE: 'test' } });
    expect(result.outcome).toBe('passed');
    expect(result.tail.split('\n').filter(Boolean).sort()).toEqual([
      'APP_MODE=test',
      'HOME=/tmp',
      'LANG=C.UTF-8',
      'PATH=/usr/local/bin:/usr/bin:/bin',
      `PWD=${dir}`,
    ]);
  });

  it('never hands the command to a shell', async () => {
    const dir = worktree();
    const result = await run({ worktree: dir, command: ['/bin/echo', `; touch ${join(dir, 'injected')}`] });
    expect(result.outcome).toBe('passed');
    expect(existsSync(join(dir, 'injected'))).toBe(false);
  });

  it('writes only the worktree: the system is read-only, the rest of the machine is not there', async () => {
    const dir = worktree();
    const secretDir = tempDir('sentinel-state-');
    writeFileSync(join(secretDir, 'state.db'), 'sekret-value');
    const script = `for p in /usr/planted ${secretDir}/state.db /etc/credstore ${join(dir, 'ok')}; do if touch "$p" 2>/dev/null; then echo "wrote $p"; else echo "refused $p"; fi; done; cat ${secretDir}/state.db 2>&1 || true`;
    const result = await run({ worktree: dir, command: ['/bin/sh', '-c', script] });
    expect(result.tail).toContain('refused /usr/planted');
    expect(result.tail).toContain(`refused ${secretDir}/state.db`);
    expect(result.tail).toContain(`wrote ${join(dir, 'ok')}`);
    expect(result.tail).not.toContain('sekret-value');
    expect(existsSync('/usr/planted')).toBe(false);
  });

  it('kills the whole process group at the timeout', async () => {
    const dir = worktree();
    const result = await run({
      worktree: dir,
      timeoutMs: 1_000,
      command: ['/bin/sh', '-c', `(sleep 3; touch ${join(dir, 'late')}) & sleep 30`],
    });
    expect(result.outcome).toBe('timed_out');
    expect(result.durationMs).toBeLessThan(10_000);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(existsSync(join(dir, 'late'))).toBe(false);
  });

  it('redacts the kept output', async () => {
    const result = await run({ worktree: worktree(), command: ['/bin/echo', 'token=sekret-value'] });
    expect(result.tail).toBe('token=[REDACTED]');
  });
});
