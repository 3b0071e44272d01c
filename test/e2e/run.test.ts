import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';

interface RunJson {
  rows_read: number;
  ignored: number;
  groups: { fingerprint: string; count: number; level: string; template: string; trigger: string | null }[];
  incident: string | null;
  notified: number;
  dry_run: boolean;
}

const runJson = async (dir: string, extra: string[] = []) => {
  const result = await runCli(['run', '--json', ...extra], { cwd: dir });
  expect(result.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as RunJson;
};

describe('sentinel run over a database written by real loguru', () => {
  it('groups new WARNING+ rows by fingerprint, then has nothing new on the next run', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [
      { level: 'INFO', message: 'started worker 1', repeat: 5 },
      { level: 'WARNING', message: 'Timeout calling gemini after 31s (job 1234)', logger: 'app.api', function: 'call' },
      { level: 'WARNING', message: 'Timeout calling gemini after 45s (job 98)', logger: 'app.api', function: 'call' },
      { level: 'ERROR', message: 'job 77 failed', logger: 'app.jobs', function: 'run', exception: 'ZeroDivisionError: division by zero' },
      { level: 'ERROR', message: 'job 78 failed', logger: 'app.jobs', function: 'run', exception: 'ZeroDivisionError: division by zero' },
      { level: 'ERROR', message: 'job 79 failed', logger: 'app.jobs', function: 'run', exception: 'KeyError: voice' },
    ]);
    const first = await runJson(dir);
    expect(first.rows_read).toBe(5);
    expect(first.ignored).toBe(0);
    const counts = first.groups.map((g) => [g.level, g.count, g.trigger]).sort();
    expect(counts).toEqual([
      ['ERROR', 1, 'new'],
      ['ERROR', 2, 'new'],
      ['WARNING', 2, 'new'],
    ]);
    expect(first.dry_run).toBe(false);

    const second = await runJson(dir);
    expect(second).toMatchObject({ rows_read: 0, groups: [], incident: null, notified: 0 });

    await writeWithLoguru(db, [
      { level: 'ERROR', message: 'job 80 failed', logger: 'app.jobs', function: 'run', exception: 'ZeroDivisionError: division by zero' },
    ]);
    const third = await runJson(dir);
    expect(third.groups).toHaveLength(1);
    expect(third.groups[0]).toMatchObject({ count: 1, trigger: null });
    expect(third.groups[0]!.fingerprint).toBe(first.groups.find((g) => g.count === 2 && g.level === 'ERROR')!.fingerprint);
  });

  it('reads another schema through source.columns (epoch-float times, numeric levels, rollback journal)', async () => {
    const { dir, db } = makeProject({
      source: {
        table: 'events',
        time_format: 'unix',
        columns: {
          id: 'event_id',
          time: 'ts',
          level: 'severity',
          message: 'text',
          logger: 'source',
          function: 'func',
          line: 'lineno',
          exception: 'tb',
          extra: 'ctx',
        },
      },
    });
    await writeWithLoguru(
      db,
      [
        { level: 'DEBUG', message: 'noise' },
        { level: 'ERROR', message: 'upload of /data/u/17/a.wav failed', logger: 'app.storage', exception: 'OSError: disk full' },
        { level: 'CRITICAL', message: 'upload of /data/u/99/b.wav failed', logger: 'app.storage', exception: 'OSError: disk full' },
      ],
      'alt',
    );
    const run = await runJson(dir);
    expect(run.rows_read).toBe(2);
    expect(run.groups).toHaveLength(1);
    expect(run.groups[0]).toMatchObject({ count: 2, level: 'CRITICAL', trigger: 'new' });
  });

  it('a dry run changes nothing at all', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'boom' }]);
    // SQLite's own -wal/-shm companions of the log database may appear; nothing of sentinel's does.
    const files = () =>
      readdirSync(dir)
        .filter((f) => !/^logs\.db-(wal|shm)$/.test(f))
        .sort();
    const before = files();
    const dry = await runJson(dir, ['--dry-run']);
    expect(dry).toMatchObject({ rows_read: 1, dry_run: true });
    expect(files()).toEqual(before);
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: dir })).stdout) as {
      checkpoint: number | null;
      source: { rows_behind: number };
    };
    expect(status).toMatchObject({ checkpoint: null, source: { rows_behind: 1 } });
    const real = await runJson(dir);
    expect(real.groups[0]).toMatchObject({ count: 1, trigger: 'new' });
  });

  it('a resolved group seen again is "regressed"', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'payment webhook 500' }]);
    const first = await runJson(dir);
    const fp = first.groups[0]!.fingerprint;
    const resolved = await runCli(['resolve', fp], { cwd: dir });
    expect(resolved.exitCode).toBe(0);
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'payment webhook 500' }]);
    const again = await runJson(dir);
    expect(again.groups[0]).toMatchObject({ fingerprint: fp, trigger: 'regressed' });
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: dir })).stdout) as {
      groups: { fingerprint: string; status: string; total: number }[];
    };
    expect(status.groups.find((g) => g.fingerprint === fp)).toMatchObject({ status: 'active', total: 2 });
  });

  it('a database replaced under the checkpoint is read from the start, with a warning status shows', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'first db error', repeat: 3 }]);
    await runJson(dir);
    rmSync(db);
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'second db error' }]);
    const result = await runCli(['run', '--json'], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/replaced or truncated/);
    expect((JSON.parse(result.stdout) as RunJson).rows_read).toBe(1);
    const status = await runCli(['status'], { cwd: dir });
    expect(status.stdout).toMatch(/source-reset: .*replaced or truncated/);
  });
});

describe('the first run', () => {
  it('starts first_run_lookback back, and a row with a garbage time does not make it skip recent rows', async () => {
    const { dir, db } = makeProject({ source: { first_run_lookback: '1h' } });
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'boot' }]);
    const raw = new Database(db);
    const insert = raw.prepare("INSERT INTO logs (time, level, level_no, message) VALUES (?, 'ERROR', 40, ?)");
    raw.prepare('UPDATE logs SET time = ?').run(new Date(Date.now() - 3 * 3_600_000).toISOString()); // older than the lookback
    // Row 51 is where the search looks first.
    for (let i = 0; i < 99; i++) insert.run(i === 49 ? 'not a time' : new Date(Date.now() - (99 - i) * 1000).toISOString(), `recent ${i}`);
    raw.close();
    const run = await runJson(dir);
    expect(run.rows_read).toBe(99);
  });
});

describe('a normalizer upgrade', () => {
  it('keeps the fingerprints of known groups as aliases, so nothing known re-alerts', async () => {
    const { dir, db } = makeProject();
    const row = { level: 'ERROR', message: 'Upstream 502 from tts-gateway for job 31', logger: 'app.tts', function: 'call' };
    await writeWithLoguru(db, [row]);
    const first = await runJson(dir);
    // What an older normalizer version left: other fingerprints, another learner snapshot.
    const state = new Database(join(dir, '.sentinel', 'state.db'));
    state.prepare('UPDATE groups SET fingerprint = ? WHERE fingerprint = ?').run('legacy0000000001', first.groups[0]!.fingerprint);
    state.prepare('UPDATE group_hours SET fingerprint = ?').run('legacy0000000001');
    state.prepare("UPDATE meta SET value = json_set(value, '$.version', 0) WHERE key = 'learner'").run();
    state.close();

    await writeWithLoguru(db, [{ ...row, message: 'Upstream 502 from tts-gateway for job 32' }]);
    const result = await runCli(['run', '--json'], { cwd: dir });
    expect(result.stderr).toMatch(
      /normalizer version 0 → version \d+: 0 splinter groups folded into 0 groups, 1 changed fingerprints kept as aliases/,
    );
    const after = JSON.parse(result.stdout) as RunJson;
    expect(after.groups).toEqual([expect.objectContaining({ fingerprint: 'legacy0000000001', count: 1, trigger: null })]);
  });

  it('a dry run right after the upgrade uses the aliases without writing them', async () => {
    const { dir, db } = makeProject();
    const row = { level: 'ERROR', message: 'Upstream 502 from tts-gateway for job 31', logger: 'app.tts', function: 'call' };
    await writeWithLoguru(db, [row]);
    const first = await runJson(dir);
    const stateFile = join(dir, '.sentinel', 'state.db');
    const state = new Database(stateFile);
    state.prepare('UPDATE groups SET fingerprint = ? WHERE fingerprint = ?').run('legacy0000000001', first.groups[0]!.fingerprint);
    state.prepare('UPDATE group_hours SET fingerprint = ?').run('legacy0000000001');
    state.prepare("UPDATE meta SET value = json_set(value, '$.version', 0) WHERE key = 'learner'").run();
    state.close();

    await writeWithLoguru(db, [{ ...row, message: 'Upstream 502 from tts-gateway for job 32' }]);
    const dry = await runJson(dir, ['--dry-run']);
    expect(dry.groups).toEqual([expect.objectContaining({ fingerprint: 'legacy0000000001', count: 1, trigger: null })]);
    const after = new Database(stateFile, { readonly: true });
    expect(after.prepare('SELECT count(*) AS n FROM aliases').get()).toEqual({ n: 0 });
    after.close();
  });
});

describe('sentinel run refuses bad input with one line and a documented exit code', () => {
  it('exit 3 naming a missing column', async () => {
    const { dir, db } = makeProject({ source: { columns: { extra: 'context' } } });
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'x' }]);
    const result = await runCli(['run'], { cwd: dir });
    expect(result.exitCode).toBe(3);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/no column "context" \(source\.columns\.extra\)/);
  });

  it.each([
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['bogus'], /unknown command 'bogus'/],
    [['ignore', 'add', '--message', 'x'], /required option '--reason <text>' not specified/],
    [['ignore', 'add', '--level', 'LOUD', '--reason', 'x'], /--level: unknown level "LOUD"/],
  ])('exit 2 with one line for a usage error: %j', async (args, message) => {
    const { dir } = makeProject();
    const result = await runCli(args, { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
  });

  it('exit 3 naming a missing database', async () => {
    const { dir } = makeProject();
    const result = await runCli(['run'], { cwd: dir });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/logs\.db/);
  });

  it('exit 2 naming the file and key path of a config error', async () => {
    const { dir, configFile } = makeProject();
    writeFileSync(configFile, 'source:\n  path: ./logs.db\n  min_level: LOUD\nclaude:\n  max_turns: "many"\n  bogus: 1\n');
    const result = await runCli(['run'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(configFile);
    expect(result.stderr).toMatch(/source\.min_level: unknown level "LOUD"/);
    expect(result.stderr).toMatch(/claude\.max_turns/);
    expect(result.stderr).toMatch(/claude\.bogus: unknown key/);
  });

  it('exit 4 naming the holder while another run holds the lock', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'x' }]);
    await runJson(dir); // creates the state dir
    const holder = new Database(join(dir, '.sentinel', 'run.lock'), { timeout: 0 });
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.exec('BEGIN EXCLUSIVE');
    writeFileSync(join(dir, '.sentinel', 'run.pid'), '424242\n');
    try {
      const result = await runCli(['run'], { cwd: dir });
      expect(result.exitCode).toBe(4);
      expect(result.stderr).toMatch(/another sentinel run holds the lock .* \(pid 424242\)/);
    } finally {
      holder.close();
    }
    expect((await runCli(['run'], { cwd: dir })).exitCode).toBe(0);
  });
});

describe('ignore rules', () => {
  it('ignored rows are counted as ignored, with hits shown by ignore list; unless bounds escalate', async () => {
    const { dir, db } = makeProject();
    const add = await runCli(
      ['ignore', 'add', '--message', '^Retrying upload', '--reason', 'retries are expected', '--unless', '5/1h', '--author', 'ops'],
      { cwd: dir },
    );
    expect(add.exitCode, add.stderr).toBe(0);
    await runCli(['ignore', 'add', '--logger', 'app.noisy.*', '--reason', 'vendor noise', '--for', '7d'], { cwd: dir });
    writeFileSync(join(dir, 'ignore.yaml'), `# kept by hand\n${readFileSync(join(dir, 'ignore.yaml'), 'utf8')}`);
    await writeWithLoguru(db, [
      { level: 'WARNING', message: 'Retrying upload of job 1', repeat: 3 },
      { level: 'WARNING', message: 'chatter', logger: 'app.noisy.client', repeat: 4 },
      { level: 'ERROR', message: 'real problem' },
    ]);
    const first = await runJson(dir);
    expect(first).toMatchObject({ rows_read: 8, ignored: 7 });
    expect(first.groups.map((g) => g.template)).toEqual(['real problem']);

    await writeWithLoguru(db, [{ level: 'WARNING', message: 'Retrying upload of job 2', repeat: 3 }]);
    const second = await runJson(dir);
    expect(second.ignored).toBe(0);
    expect(second.groups).toHaveLength(1);
    expect(second.groups[0]).toMatchObject({ count: 3, trigger: 'escalating' });

    const list = JSON.parse((await runCli(['ignore', 'list', '--json'], { cwd: dir })).stdout) as { id: string; hits_24h: number }[];
    expect(list).toEqual([expect.objectContaining({ id: 'rule-1', hits_24h: 6 }), expect.objectContaining({ id: 'rule-2', hits_24h: 4 })]);
    const test = await runCli(['ignore', 'test', 'chatter', '--logger', 'app.noisy.client'], { cwd: dir });
    expect(test.stdout).toMatch(/ignored by rule-2: vendor noise/);
    expect((await runCli(['ignore', 'rm', 'rule-2'], { cwd: dir })).exitCode).toBe(0);
    const file = readFileSync(join(dir, 'ignore.yaml'), 'utf8');
    expect(file).toContain('# kept by hand');
    expect(file).toMatch(/^- id: rule-1$/m); // a block list, as a person would write it
    expect(file).not.toMatch(/^- id: rule-2$/m);
    expect(file).toMatch(/^# rule-2 removed \d{4}-\d{2}-\d{2} by \S+$/m); // remembered: the id is not handed out again
  });

  it('status flags expired rules and rules unused for 30 days', async () => {
    const { dir, db } = makeProject();
    writeFileSync(
      join(dir, 'ignore.yaml'),
      [
        '- {id: old, match: {message: "^never matches"}, reason: forgotten, added: {date: 2026-01-01, author: ops}}',
        '- {id: done, match: {message: "^boom"}, reason: was noisy, until: 2026-01-31}',
        '- {id: busy, match: {message: "^retry"}, reason: expected, added: {date: 2026-01-01}}',
      ].join('\n'),
    );
    await writeWithLoguru(db, [
      { level: 'WARNING', message: 'retry 1' },
      { level: 'ERROR', message: 'boom' },
    ]);
    const run = await runJson(dir);
    expect(run).toMatchObject({ ignored: 1, groups: [expect.objectContaining({ template: 'boom' })] });
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: dir })).stdout) as { rules: Record<string, unknown>[] };
    expect(status.rules).toEqual([
      expect.objectContaining({ id: 'old', expired: false, unused_30d: true, hits_24h: 0, last_hit: null }),
      expect.objectContaining({ id: 'done', expired: true }),
      expect.objectContaining({ id: 'busy', expired: false, unused_30d: false, hits_24h: 1 }),
    ]);
  });

  it('a catastrophic-backtracking regex cannot hang a run, and a bad one is a config error naming the rule', async () => {
    const { dir, db } = makeProject();
    writeFileSync(join(dir, 'ignore.yaml'), '- id: evil\n  match: {message: "(a+)+$"}\n  reason: test\n');
    await writeWithLoguru(db, [{ level: 'ERROR', message: `${'a'.repeat(4000)}!` }]);
    const run = await runJson(dir);
    expect(run.groups).toHaveLength(1);
    writeFileSync(join(dir, 'ignore.yaml'), '- id: broken\n  match: {message: "(unclosed"}\n  reason: test\n');
    const bad = await runCli(['run'], { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/ignore\.yaml: rule broken: match\.message: invalid regular expression/);
    expect(existsSync(join(dir, '.sentinel', 'state.db'))).toBe(true);
  });
});
