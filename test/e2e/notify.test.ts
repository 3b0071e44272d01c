import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeNtfy, type FakeNtfy } from '../fakes/fake-ntfy.js';
import { makeProject, runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const TOKEN = 'tk_failurenotice0123456789abc';
const KEY = `sk-ant-api03-${'Zq9'.repeat(12)}`;
const servers: FakeNtfy[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function ntfy(): Promise<FakeNtfy> {
  const server = await startFakeNtfy({ token: TOKEN });
  servers.push(server);
  return server;
}

/** A PATH holding only node and, if given, a journalctl stand-in that records its argv. */
function binDir(journalctl?: string): { path: string; argsFile: string } {
  const dir = tempDir('sentinel-bin-');
  symlinkSync(process.execPath, join(dir, 'node'));
  const argsFile = join(dir, 'journalctl.args');
  if (journalctl !== undefined) {
    writeFileSync(join(dir, 'journalctl'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${argsFile}\n${journalctl}\n`);
    chmodSync(join(dir, 'journalctl'), 0o755);
  }
  return { path: dir, argsFile };
}

const projectFor = (server: FakeNtfy, extra: Record<string, unknown> = {}) =>
  makeProject({
    notify: { ntfy: { url: server.url, topic: 'ops', token_env: 'NTFY_TOKEN' } },
    redact: { patterns: ['hunter[0-9]+'] },
    ...extra,
  });

describe('sentinel notify test', () => {
  it('sends one test message to each channel and reports each', async () => {
    const server = await ntfy();
    const p = projectFor(server);
    const result = await runCli(['notify', 'test'], { cwd: p.dir, env: { NTFY_TOKEN: TOKEN } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('✓ ntfy: sent');
    expect(server.messages).toEqual([expect.objectContaining({ topic: 'ops', title: 'sentinel test notification', priority: 3 })]);
  });

  it('exits 6 (a channel failed) and says why when a channel fails', async () => {
    const server = await ntfy();
    const p = projectFor(server);
    const wrong = await runCli(['notify', 'test'], { cwd: p.dir, env: { NTFY_TOKEN: 'tk_wrong' } });
    expect(wrong.exitCode).toBe(6);
    expect(wrong.stdout).toBe('✗ ntfy: HTTP 401 unauthorized (code 40101)');
    const missing = await runCli(['notify', 'test'], { cwd: p.dir });
    expect(missing.exitCode).toBe(6);
    expect(missing.stdout).toBe('✗ ntfy: HTTP 403 forbidden (code 40301) (no token in $NTFY_TOKEN, sent without one)');
    expect(server.messages).toEqual([]);
  });

  it('a bug (an error sentinel did not expect) still exits 1, with its stack, apart from a failed channel', async () => {
    const server = await ntfy();
    const p = projectFor(server);
    // Simulates the bug: the host name sentinel puts into the test message cannot be read.
    const bug = join(p.dir, 'bug.mjs');
    writeFileSync(
      bug,
      "import os from 'node:os'; import { syncBuiltinESMExports } from 'node:module';\n" +
        "os.hostname = () => { throw new TypeError('simulated bug'); }; syncBuiltinESMExports();\n",
    );
    const result = await runCli(['notify', 'test'], { cwd: p.dir, env: { NTFY_TOKEN: TOKEN, NODE_OPTIONS: `--import=${bug}` } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^sentinel: internal error: TypeError: simulated bug\n\s+at /);
    expect(server.messages).toEqual([]);
  });

  it('is a usage error without any channel', async () => {
    const p = makeProject();
    const result = await runCli(['notify', 'test'], { cwd: p.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('no channel configured');
  });
});

describe('sentinel notify failure', () => {
  it('pushes "sentinel failed" with the unit\'s last journal lines, redacted, at high priority', async () => {
    const server = await ntfy();
    const p = projectFor(server);
    const bin = binDir(
      `echo 'sentinel: state database /var/lib/sentinel/state.db: cannot open: disk I/O error'\necho 'ANTHROPIC_API_KEY=${KEY} pw hunter42'`,
    );
    const result = await runCli(['notify', 'failure', '--unit', 'sentinel.service'], {
      cwd: p.dir,
      env: { PATH: bin.path, NTFY_TOKEN: TOKEN },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const [message] = server.messages;
    expect(server.messages).toHaveLength(1);
    expect(message).toMatchObject({ title: 'sentinel failed: sentinel.service', priority: 4 });
    expect(message!.message).toContain('disk I/O error');
    expect(message!.message).not.toContain(KEY);
    expect(message!.message).not.toContain('hunter42');
    expect(readFileSync(bin.argsFile, 'utf8').trim().split('\n')).toEqual([
      '-u',
      'sentinel.service',
      '-n',
      '20',
      '--no-pager',
      '-o',
      'cat',
    ]);
  });

  it('reads the user journal for --scope user', async () => {
    const server = await ntfy();
    const p = projectFor(server);
    const bin = binDir('echo boom');
    const result = await runCli(['notify', 'failure', '--unit', 'sentinel-health.service', '--scope', 'user'], {
      cwd: p.dir,
      env: { PATH: bin.path, NTFY_TOKEN: TOKEN },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readFileSync(bin.argsFile, 'utf8').split('\n').slice(0, 3)).toEqual(['--user', '-u', 'sentinel-health.service']);
  });

  it.each([
    ['journalctl is missing', undefined, 'journalctl is not installed'],
    [
      'journalctl fails',
      "echo 'Failed to get journal access: Permission denied' >&2; exit 1",
      'journalctl exited with 1: Failed to get journal access: Permission denied',
    ],
  ])('still pushes when %s, with the reason', async (_what, script, reason) => {
    const server = await ntfy();
    const p = projectFor(server);
    const result = await runCli(['notify', 'failure', '--unit', 'sentinel.service'], {
      cwd: p.dir,
      env: { PATH: binDir(script).path, NTFY_TOKEN: TOKEN },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(reason);
    expect(server.messages[0]?.title).toBe('sentinel failed: sentinel.service');
    expect(server.messages[0]?.message).toContain(`Its journal could not be read (${reason}`);
  });

  it('sends directly even when the state database is broken', async () => {
    const server = await ntfy();
    const p = projectFor(server, { state_dir: './state' });
    mkdirSync(join(p.dir, 'state'));
    writeFileSync(join(p.dir, 'state', 'state.db'), 'not a database');
    const result = await runCli(['notify', 'failure', '--unit', 'sentinel.service'], {
      cwd: p.dir,
      env: { PATH: binDir('echo boom').path, NTFY_TOKEN: TOKEN },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(server.messages).toHaveLength(1);
  });

  it('refuses a unit name that journalctl would read as an option', async () => {
    const server = await ntfy();
    const p = projectFor(server);
    const result = await runCli(['notify', 'failure', '--unit=--since=today'], { cwd: p.dir, env: { NTFY_TOKEN: TOKEN } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('not a systemd unit name');
    expect(server.messages).toEqual([]);
  });
});
