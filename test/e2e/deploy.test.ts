import { execa } from 'execa';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeNtfy, type FakeNtfy } from '../fakes/fake-ntfy.js';
import { makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';
import { tempDir } from '../support/temp.js';

const TOKEN = 'tk_fromthecredentialsdirectory1';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A dead man's switch stand-in: records each request, answers `status`. */
async function startHeartbeat(status = 200): Promise<{ url: string; requests: { method: string; url: string }[] }> {
  const requests: { method: string; url: string }[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    res.writeHead(status).end('OK');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping/3f2a-uuid`, requests };
}

async function startNtfy(): Promise<FakeNtfy> {
  const ntfy = await startFakeNtfy({ token: TOKEN });
  closers.push(() => ntfy.close());
  return ntfy;
}

describe('the rendered sentinel.service, run as systemd would', () => {
  it("runs its ExecStart= line with the unit's environment: an incident in the state dir, a notification, a heartbeat", async () => {
    const ntfy = await startNtfy();
    const heartbeat = await startHeartbeat();
    const root = tempDir('sentinel-unit-');
    const stateDir = join(root, 'state');
    // The config as the README has it: no state_dir (systemd's $STATE_DIRECTORY), incidents inside it.
    const p = makeProject({
      incidents_dir: join(stateDir, 'incidents'),
      notify: { ntfy: { url: ntfy.url, topic: 'ops' } },
      heartbeat: { url: heartbeat.url },
    });
    await writeWithLoguru(p.db, [
      {
        level: 'ERROR',
        message: 'payment webhook returned 500',
        logger: 'app.billing',
        exception: 'RuntimeError: upstream 500',
        repeat: 3,
      },
    ]);

    const printed = await runCli(['--config', p.configFile, 'systemd', 'print'], { cwd: root });
    expect(printed.exitCode, printed.stderr).toBe(0);
    const service = printed.stdout.split(/^# ==> /m).find((part) => part.startsWith('sentinel.service <=='))!;
    const execStart = /^ExecStart=(.*)$/m.exec(service)![1]!.split(' ');
    expect(execStart.slice(2)).toEqual(['run', '--config', p.configFile]);

    const credentials = join(root, 'credentials');
    mkdirSync(credentials, { mode: 0o700 });
    writeFileSync(join(credentials, 'ntfy-token'), `${TOKEN}\n`, { mode: 0o400 });
    const result = await execa(execStart[0]!, execStart.slice(1), {
      cwd: '/',
      env: { PATH: process.env.PATH ?? '', HOME: join(root, 'cache'), STATE_DIRECTORY: stateDir, CREDENTIALS_DIRECTORY: credentials },
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
    expect(result.exitCode, result.stderr).toBe(0);

    expect(readdirSync(stateDir)).toEqual(expect.arrayContaining(['state.db', 'incidents']));
    const incidents = readdirSync(join(stateDir, 'incidents'));
    expect(incidents).toEqual([expect.stringMatching(/^\d{4}-\d{2}-\d{2}-incident-new-error-runtimeerror-in-app-billing\.md$/)]);
    expect(readFileSync(join(stateDir, 'incidents', incidents[0]!), 'utf8')).toContain('payment webhook returned 500');
    expect(ntfy.messages).toHaveLength(1);
    expect(ntfy.messages[0]!.message).toContain(incidents[0]);
    expect(ntfy.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(heartbeat.requests).toEqual([{ method: 'GET', url: '/ping/3f2a-uuid' }]);
  });
});

describe('heartbeat', () => {
  it('a failing heartbeat is a warning that status shows, never a failed run; dry runs do not ping', async () => {
    const heartbeat = await startHeartbeat(503);
    const p = makeProject({ heartbeat: { url: heartbeat.url } });
    await writeWithLoguru(p.db, [{ level: 'INFO', message: 'started' }]);
    const dry = await runCli(['run', '--dry-run'], { cwd: p.dir });
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(heartbeat.requests).toEqual([]);

    const run = await runCli(['run'], { cwd: p.dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('sentinel: warning: heartbeat: HTTP 503');
    expect(run.stderr).not.toContain('3f2a-uuid');
    expect(heartbeat.requests).toHaveLength(1);
    const status = await runCli(['status'], { cwd: p.dir });
    expect(status.stdout).toMatch(/ heartbeat: HTTP 503 Service Unavailable$/m);
  });
});
