import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';

describe('messages written for people', () => {
  it('sentinel --version prints the version of package.json', async () => {
    const { dir } = makeProject();
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await runCli(['--version'], { cwd: dir })).toMatchObject({ exitCode: 0, stdout: version });
  });

  it('config errors say "required", suggest the key meant, and name a metric by its name', async () => {
    const { dir, configFile } = makeProject();
    writeFileSync(
      configFile,
      stringify({
        source: { path: './logs.db', min_levle: 'ERROR' },
        claude: { enabled: false },
        notify: { ntfy: { url: 'https://ntfy.sh' } },
        metrics: [{ name: 'gemini_rpm', count_where: "message = 'x'", bucket: 'often' }],
      }),
    );
    const result = await runCli(['config', 'check'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('source.min_levle: unknown key (did you mean min_level?)');
    expect(result.stderr).toContain('notify.ntfy.topic: required');
    expect(result.stderr).toContain('metrics[gemini_rpm].bucket: expected a duration');
    expect(result.stderr).not.toMatch(/received undefined|metrics\.0/);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a fingerprint prefix of several groups is refused with the candidates', async () => {
    const { dir, db } = makeProject({
      fingerprint: {
        rules: [
          { match: { logger: 'app.a' }, name: 'queue-a' },
          { match: { logger: 'app.b' }, name: 'queue-b' },
        ],
      },
    });
    await writeWithLoguru(db, [
      { level: 'ERROR', message: 'stuck', logger: 'app.a' },
      { level: 'ERROR', message: 'stuck', logger: 'app.b' },
    ]);
    expect((await runCli(['run'], { cwd: dir })).exitCode).toBe(0);
    for (const args of [
      ['resolve', 'queue'],
      ['ignore', 'add', '--from-group', 'queue', '--reason', 'x'],
      ['analyze', 'error_group', 'queue'],
    ]) {
      const result = await runCli(args, { cwd: dir });
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/: "queue" is the start of several fingerprints \(queue-a, queue-b\); give more of it$/);
    }
    expect((await runCli(['resolve', 'queue-b'], { cwd: dir })).stdout).toBe('resolved queue-b: seeing it again will trigger "regressed"');
  });

  it('counts in the singular when there is one: 1 row read, 1 group, 1 secret redacted', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'login failed for token sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789' }]);
    const run = await runCli(['run'], { cwd: dir });
    expect(run.stdout).toMatch(/^1 row read, 0 ignored, 1 group, 1 triggered \(rows 1…1, 1 secret redacted\)$/m);
    const file = readFileSync(join(dir, 'incidents', run.stdout.match(/incident: .*\/([^/\n]+\.md)/)![1]!), 'utf8');
    expect(file).toContain('1 group (1 new), 1 row ·');
    expect(file).not.toMatch(/\b1 (rows|groups)\b/);
  });

  it('systemd print --interval 90s names the flag, and no template placeholder', async () => {
    const { dir } = makeProject();
    const result = await runCli(['systemd', 'print', '--interval', '90s'], { cwd: dir });
    expect(result).toMatchObject({
      exitCode: 2,
      stderr: 'sentinel: cannot render the units: --interval: must be whole minutes or hours from 1m to 24h, like 5m or 1h (got "90s")',
    });
  });
});
