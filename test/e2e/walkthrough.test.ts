import Database from 'better-sqlite3';
import { execa } from 'execa';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { writeWithLoguru } from '../support/loguru.js';
import { tempDir } from '../support/temp.js';

/** A new operator's first hour, in the README's order, on a fresh project: each answer checked. */
const root = fileURLToPath(new URL('../..', import.meta.url));
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const dir = tempDir('sentinel-walkthrough-');
const prefix = tempDir('sentinel-npm-');
const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, HOME: dir, LOGNAME: 'dana' };

/** `sentinel …` as typed: the command `npm link` put on PATH, not `node dist/cli.js`. */
const sentinel = async (...args: string[]) => {
  const result = await execa('sentinel', args, { cwd: dir, env, extendEnv: false, reject: false, timeout: 60_000 });
  expect(result.stderr, `sentinel ${args.join(' ')}`).not.toMatch(/internal error|\n\s+at /);
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
};

beforeAll(async () => {
  // "In the clone, `npm link` puts the `sentinel` command on your PATH" — into a throwaway prefix here.
  await execa('npm', ['link', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: root,
    env: { ...process.env, npm_config_prefix: prefix },
  });
}, 120_000);

describe('the README, command by command, for a new operator', () => {
  it('installs, replays, reports, mutes, resolves and closes, each step answering as documented', { timeout: 180_000 }, async () => {
    expect((await sentinel('--version')).stdout).toBe(version);

    // cp examples/sentinel.yaml sentinel.yaml, then edit it: this app's database, nothing sent anywhere.
    const config = parse(readFileSync(join(root, 'examples', 'sentinel.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    config.source!.path = './logs.db';
    config.claude!.enabled = false;
    config.notify = { max_age: '24h' };
    config.state_dir = './state' as never;
    writeFileSync(join(dir, 'sentinel.yaml'), stringify(config));
    const check = await sentinel('config', 'check');
    expect(check.stderr).toMatch(/warning: source\.path .*\/logs\.db: no such file/);
    expect(check.exitCode).toBe(0);

    await writeWithLoguru(join(dir, 'logs.db'), [
      {
        level: 'ERROR',
        message: 'Inworld TTS rate limited (429) for voice Ashley, retry in 14s',
        logger: 'app.tts',
        function: 'synthesize',
        repeat: 3,
      },
      { level: 'WARNING', message: 'Retrying upload of job 42', logger: 'app.storage', function: 'upload' },
    ]);
    expect((await sentinel('config', 'check')).stderr).toBe('');
    const doctor = await sentinel('doctor');
    expect(doctor.stdout).toMatch(/^✓ log database .*\/logs\.db is readable: 4 rows, newest /m);

    const replay = await sentinel('run', '--dry-run', '--since', '2h');
    expect(replay).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^dry run: 4 rows read, 0 ignored, 2 groups, 2 triggered/) });

    // sentinel ignore add … --message '^Retrying upload of job' …, then ignore test says what a run would do.
    expect(
      (
        await sentinel(
          'ignore',
          'add',
          '--message',
          '^Retrying upload of job',
          '--reason',
          'retries succeed on the second attempt',
          '--for',
          '30d',
          '--unless',
          '50/1h',
        )
      ).stdout,
    ).toMatch(/^added rule-1 to /);
    const test = await sentinel('ignore', 'test', 'Retrying upload of job 42', '--logger', 'app.storage');
    expect(test).toMatchObject({
      exitCode: 0,
      stdout: expect.stringMatching(/^ignored by rule-1: retries succeed on the second attempt \(unless more than 50 per 1h\)$/m),
    });

    const run = await sentinel('run');
    expect(run.stdout).toMatch(/^4 rows read, 1 ignored, 1 group, 1 triggered/);
    const fingerprint = /\b([0-9a-f]{16})\b/.exec(run.stdout)![1]!;
    expect((await sentinel('status')).stdout).toContain(fingerprint);

    const list = await sentinel('incidents');
    expect(list.stdout).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} {2}incident-1 .* New ERROR in app\.tts/);
    const shown = await sentinel('incidents', 'show', 'incident-1');
    expect(shown.stdout).toMatch(/^---\nid: incident-1\n/);
    const file = /^incident: (.*\.md)$/m.exec(run.stdout)![1]!;
    expect((await sentinel('incidents', 'show', file)).stdout).toBe(shown.stdout);
    // On a laptop: the copies of both databases, replayed read-only, give the server's fingerprints.
    const copy = (from: string, to: string) => new Database(join(dir, from), { readonly: true }).backup(join(dir, to));
    await copy('logs.db', 'copy.db');
    await copy('state/state.db', 'state-copy.db');
    const laptop = await sentinel('run', '--dry-run', '--db', './copy.db', '--state', './state-copy.db', '--since', '2h', '--json');
    const replayed = JSON.parse(laptop.stdout) as { groups: { fingerprint: string; trigger: string | null }[] };
    // …and its triggers: the group is known there, so the replay does not call it new.
    expect(replayed.groups.find((g) => g.fingerprint === fingerprint)).toMatchObject({ trigger: null });
    // The report ends with a ready command for the group: run as written, with a real reason.
    const ready = /## Ignore a group\n\n```sh\n# 1\. ERROR, 3 rows\n(sentinel ignore add .*)\n```$/.exec(shown.stdout)?.[1];
    expect(ready).toBe(`sentinel ignore add --from-group ${fingerprint} --reason 'why this is not worth an alert'`);
    const added = await execa('sh', ['-c', ready!.replace('why this is not worth an alert', 'Inworld limits are retried')], {
      cwd: dir,
      env,
      extendEnv: false,
    });
    expect(added.stdout).toMatch(/^added rule-2 to /);
    const rules = readFileSync(join(dir, 'ignore.yaml'), 'utf8');
    expect(rules).toMatch(
      /- id: rule-2\n {2}match:\n {4}fingerprint: [0-9a-f]{16}\n {2}reason: Inworld limits are retried\n {2}added:\n {4}date: \d{4}-\d{2}-\d{2}\n {4}author: dana\n/,
    );
    expect((await sentinel('ignore', 'list')).stdout.split('\n')).toEqual([
      expect.stringMatching(/^rule-1 {2}24h {3}1 {2}7d {3}1 {2}last hit .* until \d{4}-\d{2}-\d{2} {2}— retries succeed/),
      expect.stringMatching(/^rule-2 {2}24h {3}0 {2}7d {3}0 {2}never hit {2}— Inworld limits are retried$/),
    ]);

    const short = fingerprint.slice(0, 8);
    expect((await sentinel('analyze', 'error_group', short)).stdout).toMatch(new RegExp(`^Group ${fingerprint}: ERROR, active, 3 rows`));
    expect((await sentinel('analyze', 'error_group', '00000000')).stderr).toBe(
      'sentinel: analyze error_group: no error group with fingerprint "00000000"; `sentinel status` lists them',
    );
    expect((await sentinel('resolve', short)).stdout).toBe(`resolved ${fingerprint}: seeing it again will trigger "regressed"`);

    expect((await sentinel('incidents', 'close', 'incident-1', '--note', 'raised the Inworld quota')).stdout).toMatch(
      /^closed \d{4}-\d{2}-\d{2}-incident-.*\.md: raised the Inworld quota$/,
    );
    expect((await sentinel('incidents')).stdout).toMatch(/^no open incidents in .* \(1 more with --all\)$/);
    expect((await sentinel('incidents', '--all', '--since', '1h')).stdout).toMatch(/^\S+ \S+ {2}closed {2}incident-1 /);
    expect(await sentinel('incidents', '--since', 'lately')).toMatchObject({
      exitCode: 2,
      stderr: 'sentinel: --since: expected a duration such as 7d, got "lately"',
    });
    expect((await sentinel('incidents', 'show', 'incident-1')).stdout).toMatch(
      /\nstatus: closed\n[\s\S]*\nclosed_by: dana\nclosing_note: raised the Inworld quota\n---\n/,
    );
  });

  it('runs the laptop section exactly as written: the example config as it is, a copy of the database', { timeout: 60_000 }, async () => {
    const laptop = tempDir('sentinel-laptop-');
    await writeWithLoguru(join(laptop, 'app.db'), [{ level: 'ERROR', message: 'job 7 failed', logger: 'app.jobs' }]);
    await new Database(join(laptop, 'app.db'), { readonly: true }).backup(join(laptop, 'copy.db'));
    const shell = async (line: string) =>
      execa('sh', ['-c', line], { cwd: laptop, env: { ...env, HOME: laptop }, extendEnv: false, reject: false });
    expect((await shell(`cp ${join(root, 'examples', 'sentinel.yaml')} sentinel.yaml`)).exitCode).toBe(0);
    const replay = await shell('sentinel run --dry-run --db ./copy.db --since 2h');
    expect(replay.stderr).toBe('');
    expect(replay).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^dry run: 1 row read, 0 ignored, 1 group, 1 triggered/) });
    // Nothing is written anywhere: no state, no incident, no ignore file (only SQLite's own -wal/-shm of the copies).
    expect(readdirSync(laptop).filter((f) => !/^(app|copy)\.db(-wal|-shm)?$/.test(f))).toEqual(['sentinel.yaml']);
  });
});
