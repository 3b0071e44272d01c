import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeNtfy } from '../fakes/fake-ntfy.js';
import { makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function setup(config: Record<string, unknown> = {}) {
  const ntfy = await startFakeNtfy();
  servers.push(ntfy);
  const project = makeProject({ notify: { ntfy: { url: ntfy.url, topic: 'sentinel-alerts' } }, ...config });
  const run = async (...args: string[]) => {
    const result = await runCli(['run', ...args], { cwd: project.dir, timeoutMs: 90_000 });
    expect(result.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    expect(result.exitCode, result.stderr).toBe(0);
    return result;
  };
  const status = async () => (await runCli(['status'], { cwd: project.dir })).stdout;
  return { ntfy, ...project, run, status };
}

const incidents = (dir: string) => readdirSync(join(dir, 'incidents')).sort();

describe('every alert on time', () => {
  it('a regression after `sentinel resolve` alerts inside the cooldown', async () => {
    const t = await setup();
    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'payment webhook returned 500', logger: 'app.pay', exception: 'RuntimeError: upstream 500', repeat: 3 }]);
    const first = JSON.parse((await t.run('--json')).stdout) as { groups: { fingerprint: string }[] };
    expect(t.ntfy.messages).toHaveLength(1);
    const fingerprint = first.groups[0]!.fingerprint;
    const resolved = await runCli(['resolve', fingerprint], { cwd: t.dir });
    expect(resolved.exitCode, resolved.stderr).toBe(0);

    await writeWithLoguru(t.db, [{ level: 'ERROR', message: 'payment webhook returned 500', logger: 'app.pay', exception: 'RuntimeError: upstream 500' }]);
    const again = await t.run();
    expect(again.stdout).toMatch(/regressed/);
    expect(again.stdout).toMatch(/^incident: /m);
    expect(again.stdout).not.toMatch(/held back/);
    expect(incidents(t.dir)).toHaveLength(2);
    expect(t.ntfy.messages).toHaveLength(2);
    expect(t.ntfy.messages[1]!.title).toMatch(/^Regressed ERROR RuntimeError/);
  });

  it('a trigger held back by the cooldown is said by `run` in one line and listed by `status` with its end', async () => {
    const t = await setup();
    const add = await runCli(['ignore', 'add', '--message', '^Retrying upload', '--reason', 'retries are expected', '--unless', '5/1h', '--author', 'ops'], { cwd: t.dir });
    expect(add.exitCode, add.stderr).toBe(0);
    await writeWithLoguru(t.db, [{ level: 'WARNING', message: 'Retrying upload of job 1', repeat: 20 }]);
    expect((await t.run()).stdout).toMatch(/^incident: /m);
    await writeWithLoguru(t.db, [{ level: 'WARNING', message: 'Retrying upload of job 1', repeat: 20 }]);
    const held = await t.run();
    const lines = held.stdout.split('\n').filter((l) => l.startsWith('held back:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^held back: in cooldown until \d\d:\d\d UTC: [0-9a-f]{16} \(escalating\)/);
    expect(t.ntfy.messages).toHaveLength(1);
    expect(await t.status()).toMatch(/held back {2}1 triggered group\n {2}[0-9a-f]{16} {2}escalating +in cooldown until \d\d:\d\d UTC/);
  });
});
