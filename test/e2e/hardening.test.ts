import Database from 'better-sqlite3';
import { execa } from 'execa';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FAKE_SECRETS } from '../fixtures/secrets.js';
import { CLI, makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';
import { tempDir } from '../support/temp.js';

const NOBODY = 65534;

/** Runs the built CLI as uid/gid nobody: root reads and writes anything, the service user does not. */
async function runAsNobody(args: string[], cwd: string, home: string) {
  const result = await execa('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: home },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The README's layout: the app's directory and database readable, not writable, by sentinel. */
async function stoppedApp() {
  const dir = tempDir('sentinel-ro-');
  chmodSync(dir, 0o755);
  const appDir = join(dir, 'app');
  mkdirSync(appDir, { mode: 0o755 });
  const db = join(appDir, 'logs.db');
  await writeWithLoguru(db, [
    { level: 'ERROR', message: 'job 7 failed', logger: 'app.jobs', function: 'run', exception: 'KeyError: voice' },
    { level: 'WARNING', message: 'slow upstream', logger: 'app.api', function: 'call' },
  ]);
  chmodSync(db, 0o644);
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir, { mode: 0o700 });
  chownSync(stateDir, NOBODY, NOBODY);
  const config = join(dir, 'sentinel.yaml');
  writeFileSync(
    config,
    stringify({
      source: { path: db, first_run_lookback: '30d' },
      state_dir: stateDir,
      incidents_dir: join(stateDir, 'incidents'),
      claude: { enabled: false },
    }),
  );
  chmodSync(config, 0o644);
  return { dir, appDir, db, stateDir, config };
}

describe('a WAL database whose app stopped cleanly', () => {
  it('is read by a service user who may not write its directory, and doctor says it is readable', async () => {
    const app = await stoppedApp();
    // The precondition the bug needs: loguru's last connection closed and took -wal and -shm along.
    expect(readdirSync(app.appDir)).toEqual(['logs.db']);
    expect(readFileSync(app.db)[18]).toBe(2); // still a WAL database (sqlite.org/fileformat.html)

    const run = await runAsNobody(['run', '--json', '--config', app.config], app.dir, app.stateDir);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows_read: 2 });
    expect(readdirSync(app.appDir)).toEqual(['logs.db']);

    const doctor = await runAsNobody(['doctor', '--config', app.config], app.dir, app.stateDir);
    expect(doctor.stdout).toMatch(new RegExp(`log database ${app.db} is readable: 2 rows`));
    expect(doctor.stdout).not.toMatch(/chmod g\+r/);
  });

  it('is read from a fresh copy after the app wrote again, and in place while the app runs', async () => {
    const { dir, db } = makeProject();
    const snapshot = join(dir, '.sentinel', 'source-snapshot', 'main');
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'job 1 failed', logger: 'app.jobs', function: 'run' }]);
    expect(JSON.parse((await runCli(['run', '--json'], { cwd: dir })).stdout)).toMatchObject({ rows_read: 1 });
    expect(readdirSync(snapshot)).toContain('source.db');
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'job 2 failed', logger: 'app.jobs', function: 'run', repeat: 2 }]);
    expect(JSON.parse((await runCli(['run', '--json'], { cwd: dir })).stdout)).toMatchObject({ rows_read: 2 });

    // The app is running: its connection keeps a -wal, which holds rows the main file does not yet.
    const app = new Database(db);
    app
      .prepare(
        "INSERT INTO logs (time, level, level_no, message, name, function) VALUES (?, 'ERROR', 40, 'job 3 failed', 'app.jobs', 'run')",
      )
      .run(new Date().toISOString());
    try {
      expect(readdirSync(dir)).toContain('logs.db-wal');
      expect(JSON.parse((await runCli(['run', '--json'], { cwd: dir })).stdout)).toMatchObject({ rows_read: 1 });
      expect(existsSync(snapshot)).toBe(false);
    } finally {
      app.close();
    }
  });

  it('is read by status, doctor and the analyses from the copy the run keeps while it is current, not copied again, and afresh once the app wrote', async () => {
    const { dir, db } = makeProject({ metrics: [{ name: 'failures', count_where: "level = 'ERROR'", bucket: '1h' }] });
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'job 1 failed', logger: 'app.jobs', function: 'run' }]);
    expect(JSON.parse((await runCli(['run', '--json'], { cwd: dir })).stdout)).toMatchObject({ rows_read: 1 });
    // No room for a copy of their own: what they read is the run's.
    const noTmp = { TMPDIR: join(dir, 'no-such-dir') };
    const status = await runCli(['status', '--json'], { cwd: dir, env: noTmp });
    expect(JSON.parse(status.stdout).source).toMatchObject({ max_id: 1, rows_behind: 0, error: null });
    const doctor = await runCli(['doctor'], { cwd: dir, env: noTmp });
    expect(doctor.stdout).toMatch(new RegExp(`log database ${db} is readable: 1 row`));
    const around = await runCli(['analyze', 'rows_around', '1', '--json'], { cwd: dir, env: noTmp });
    expect(around.exitCode, around.stderr).toBe(0);
    expect(around.stdout).toContain('job 1 failed');
    const metric = await runCli(['analyze', 'metric', 'failures', '--json'], { cwd: dir, env: noTmp });
    expect(metric.exitCode, metric.stderr).toBe(0);

    // The app ran and stopped again: the run's copy is stale, so status reads the file as it is now.
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'job 2 failed', logger: 'app.jobs', function: 'run', repeat: 2 }]);
    expect(readdirSync(dir).filter((name) => name.startsWith('logs.db'))).toEqual(['logs.db']);
    const after = await runCli(['status', '--json'], { cwd: dir });
    expect(JSON.parse(after.stdout).source).toMatchObject({ max_id: 3, rows_behind: 2, error: null });
    const stale = await runCli(['status', '--json'], { cwd: dir, env: noTmp });
    expect(JSON.parse(stale.stdout).source.error).toMatch(/^log database .*logs\.db: /);
  });

  it('is read by the analyses (rows around a row, a metric) through the same opener: no -wal or -shm appears beside it', async () => {
    const { dir, db } = makeProject({ metrics: [{ name: 'failures', count_where: "level = 'ERROR'", bucket: '1h' }] });
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'job 4 failed', logger: 'app.jobs', function: 'run', repeat: 3 }]);
    expect(readdirSync(dir).filter((name) => name.startsWith('logs.db'))).toEqual(['logs.db']);
    const around = await runCli(['analyze', 'rows_around', '2', '--json'], { cwd: dir });
    expect(around.exitCode, around.stderr).toBe(0);
    expect(around.stdout).toContain('job 4 failed');
    const metric = await runCli(['analyze', 'metric', 'failures', '--json'], { cwd: dir });
    expect(metric.exitCode, metric.stderr).toBe(0);
    expect(readdirSync(dir).filter((name) => name.startsWith('logs.db'))).toEqual(['logs.db']);
  });

  it('is replayed from a copy on a laptop without leaving -shm or -wal beside the copy', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'job 9 failed', logger: 'app.jobs', function: 'run' }]);
    const copy = join(dir, 'copy.db');
    copyFileSync(db, copy);
    const result = await runCli(['run', '--dry-run', '--json', '--db', copy, '--since', '2h'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ rows_read: 1, dry_run: true });
    expect(readdirSync(dir).filter((name) => name.startsWith('copy.db'))).toEqual(['copy.db']);
  });
});

describe('an incident the service user may read but not write', () => {
  it('incidents close says it cannot record the closing, in one line, exit 1', async () => {
    const { dir } = makeProject({ incidents_dir: './incidents' });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'sentinel.yaml'), 0o644);
    const incidents = join(dir, 'incidents');
    mkdirSync(incidents, { mode: 0o755 });
    const file = join(incidents, '2026-11-29-incident-billing-down.md');
    writeFileSync(file, '---\nid: incident-1\nstatus: open\n---\n# Billing down\n', { mode: 0o644 });
    const result = await runAsNobody(['incidents', 'close', file, '--config', join(dir, 'sentinel.yaml')], dir, dir);
    expect(result.stderr).toBe(`sentinel: ${file}: cannot record the closing: EACCES`);
    expect(result.exitCode).toBe(1);
    expect(readFileSync(file, 'utf8')).toMatch(/^status: open$/m);
  });
});

describe('files that are not regular files', () => {
  it('a FIFO as source.path is refused at once, not waited on', async () => {
    const { dir, db } = makeProject();
    await execa('mkfifo', [db]);
    const result = await runCli(['run'], { cwd: dir, timeoutMs: 20_000 });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe(`sentinel: log database ${db}: not a regular file`);
  });

  it('a FIFO as source.path is refused by the analyses too (exit 3), not waited on', async () => {
    const { dir, db } = makeProject();
    await execa('mkfifo', [db]);
    const result = await runCli(['analyze', 'rows_around', '1'], { cwd: dir, timeoutMs: 20_000 });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe(`sentinel: log database ${db}: not a regular file`);
  });

  it('a FIFO as judge --csv is refused at once (exit 2), not waited on', async () => {
    const { dir } = makeProject();
    await execa('mkfifo', [join(dir, 'series.csv')]);
    const result = await runCli(['judge', '--csv', 'series.csv'], { cwd: dir, timeoutMs: 20_000 });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('sentinel: series.csv: not a regular file');
  });

  it('a judge --csv file that is one 50 MB line is refused at its first 64 KB (exit 2, one line), not held', async () => {
    const { dir } = makeProject();
    writeFileSync(join(dir, 'series.csv'), `timestamp,value\n2026-01-01T00:00:00Z,${'7'.repeat(50 << 20)}`);
    const result = await runCli(['judge', '--csv', 'series.csv'], { cwd: dir, timeoutMs: 20_000 });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`sentinel: series.csv:2: line longer than 65536 bytes: 2026-01-01T00:00:00Z,${'7'.repeat(59)}…`);
  });

  it('a FIFO or a device as the config file is refused at once (exit 2, one line), not waited on or read without end', async () => {
    const { dir } = makeProject();
    await execa('mkfifo', [join(dir, 'fifo.yaml')]);
    for (const [config, shown] of [
      ['fifo.yaml', join(dir, 'fifo.yaml')],
      ['/dev/zero', '/dev/zero'],
    ]) {
      const result = await runCli(['--config', config!, 'run'], { cwd: dir, timeoutMs: 20_000 });
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toBe(`sentinel: ${shown}: cannot read config: not a regular file`);
    }
  });

  it('a FIFO, a link to /dev/zero or a 5 MB file as the ignore file is refused (exit 2, one line)', async () => {
    const { dir } = makeProject();
    const ignore = join(dir, 'ignore.yaml');
    await execa('mkfifo', [ignore]);
    const fifo = await runCli(['run'], { cwd: dir, timeoutMs: 20_000 });
    expect(fifo.exitCode, fifo.stderr).toBe(2);
    expect(fifo.stderr).toBe(`sentinel: ${ignore}: cannot read ignore file: not a regular file`);
    rmSync(ignore);
    symlinkSync('/dev/zero', ignore);
    expect((await runCli(['ignore', 'list'], { cwd: dir, timeoutMs: 20_000 })).stderr).toBe(
      `sentinel: ${ignore}: cannot read ignore file: not a regular file`,
    );
    rmSync(ignore);
    writeFileSync(ignore, `# ${'x'.repeat(5 << 20)}\n[]\n`);
    const large = await runCli(['run'], { cwd: dir, timeoutMs: 20_000 });
    expect(large.exitCode, large.stderr).toBe(2);
    expect(large.stderr).toBe(`sentinel: ${ignore}: cannot read ignore file: larger than 4 MB`);
  });

  it('a FIFO as a credential file is a missing credential, not a hang', async () => {
    const { dir } = makeProject({ notify: { ntfy: { url: 'http://127.0.0.1:9', topic: 'ops' } } });
    const credentials = join(dir, 'credentials');
    mkdirSync(credentials);
    await execa('mkfifo', [join(credentials, 'ntfy-token')]);
    const result = await runCli(['notify', 'test'], { cwd: dir, env: { CREDENTIALS_DIRECTORY: credentials }, timeoutMs: 20_000 });
    // Sent without a token (to a port nothing listens on): the channel fails, exit 6, in one line.
    expect(result.exitCode, result.stderr).toBe(6);
    expect(result.stdout).toMatch(/^✗ ntfy: network error/);
  });

  it('a device as source.path is refused', async () => {
    const { dir } = makeProject({ source: { path: '/dev/zero' } });
    const result = await runCli(['run'], { cwd: dir, timeoutMs: 20_000 });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe('sentinel: log database /dev/zero: not a regular file');
  });
});

describe('samples an older sentinel stored', () => {
  it('are redacted again by the first run of a version that knows more secret formats', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'deploy failed', logger: 'app.deploy', function: 'push' }]);
    expect((await runCli(['run'], { cwd: dir })).exitCode).toBe(0);
    // What a version without the npm_ format left behind: the token verbatim, no redaction marker.
    const token = FAKE_SECRETS.find((s) => s.kind === 'npm_token')!.secret;
    const state = new Database(join(dir, '.sentinel', 'state.db'));
    const samples = JSON.stringify([
      { id: 1, time: 0, message: `deploy failed: npm ERR! 403 for ${token}`, exception: null, extra: JSON.stringify({ token }) },
    ]);
    state.prepare('UPDATE groups SET samples = ?, template = ?').run(samples, `deploy failed: npm ERR! 403 for ${token}`);
    state.prepare("DELETE FROM meta WHERE key = 'redaction'").run();
    state.close();

    const rerun = await runCli(['run'], { cwd: dir });
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    const after = new Database(join(dir, '.sentinel', 'state.db'), { readonly: true });
    const group = after.prepare('SELECT template, samples FROM groups').get() as { template: string; samples: string };
    after.close();
    expect(`${group.template}${group.samples}`).not.toContain(token.slice(4, 16));
    expect(group.template).toBe('deploy failed: npm ERR! 403 for [REDACTED:npm_token]');
    expect(JSON.parse(group.samples)[0].message).toBe('deploy failed: npm ERR! 403 for [REDACTED:npm_token]');
  });
});

describe('incident names already taken by things that are not incidents', () => {
  it('a FIFO and a link to /dev/zero under the incident name are passed by, never read', async () => {
    const rows = [{ level: 'ERROR', message: 'job 5 failed', logger: 'app.jobs', function: 'run', exception: 'KeyError: voice' }];
    const first = makeProject();
    await writeWithLoguru(first.db, rows);
    expect((await runCli(['run'], { cwd: first.dir })).exitCode).toBe(0);
    const [name] = readdirSync(join(first.dir, 'incidents'));
    expect(name).toMatch(/^\d{4}-\d{2}-\d{2}-incident-.+\.md$/);

    const { dir, db } = makeProject();
    await writeWithLoguru(db, rows);
    const incidents = join(dir, 'incidents');
    mkdirSync(incidents);
    await execa('mkfifo', [join(incidents, name!)]);
    symlinkSync('/dev/zero', join(incidents, name!.replace(/\.md$/, '-2.md')));
    const result = await runCli(['run'], { cwd: dir, timeoutMs: 30_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readdirSync(incidents).sort()).toEqual([name, name!.replace(/\.md$/, '-2.md'), name!.replace(/\.md$/, '-3.md')].sort());
    expect(readFileSync(join(incidents, name!.replace(/\.md$/, '-3.md')), 'utf8')).toMatch(/^---\nid: incident-1\n/);
  });
});
