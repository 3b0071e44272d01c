import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';

interface RunJson {
  rows_read: number;
  ignored: number;
  groups: { fingerprint: string; count: number; level: string; template: string }[];
}

const run = async (dir: string) => {
  const result = await runCli(['run', '--json'], { cwd: dir });
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as RunJson;
};
const ok = async (dir: string, args: string[], env?: Record<string, string>) => {
  const result = await runCli(args, { cwd: dir, ...(env ? { env } : {}) });
  expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
};
const hits = async (dir: string) =>
  (JSON.parse(await ok(dir, ['ignore', 'list', '--json'])) as { id: string; hits_24h: number }[]).map((r) => [r.id, r.hits_24h]);

describe('ignore rules do what they say', () => {
  it('a removed rule id is never handed out again, and a new rule starts with no hits', async () => {
    const { dir, db } = makeProject();
    await ok(dir, ['ignore', 'add', '--logger', 'app.noise', '--reason', 'vendor noise']);
    await writeWithLoguru(db, [{ level: 'WARNING', message: 'chatter', logger: 'app.noise', repeat: 3 }]);
    expect((await run(dir)).ignored).toBe(3);
    await ok(dir, ['ignore', 'rm', 'rule-1']);
    // Even with the file's note of the removal edited away, the state remembers the id had hits.
    writeFileSync(join(dir, 'ignore.yaml'), '[]\n');
    expect(await ok(dir, ['ignore', 'add', '--message', '^nothing logs this', '--reason', 'x'])).toMatch(/^added rule-2 /);
    expect(await hits(dir)).toEqual([['rule-2', 0]]);
  });

  it('--level WARN is written as WARNING and matches the WARNING rows loguru writes', async () => {
    const { dir, db } = makeProject();
    await ok(dir, ['ignore', 'add', '--level', 'warn', '--logger', 'app.api', '--reason', 'timeouts are retried']);
    expect(readFileSync(join(dir, 'ignore.yaml'), 'utf8')).toMatch(/level: WARNING/);
    await writeWithLoguru(db, [
      { level: 'WARNING', message: 'Timeout calling gemini', logger: 'app.api' },
      { level: 'ERROR', message: 'Timeout calling gemini', logger: 'app.api' },
    ]);
    const result = await run(dir);
    expect(result.ignored).toBe(1);
    expect(result.groups.map((g) => g.level)).toEqual(['ERROR']);
  });

  it('a hand-written rule may say WARN or added: DATE', async () => {
    const { dir, db } = makeProject();
    writeFileSync(join(dir, 'ignore.yaml'), '- id: warn-by-hand\n  match: {level: WARN}\n  reason: noise\n  added: 2026-11-29\n');
    await writeWithLoguru(db, [{ level: 'WARNING', message: 'noise' }]);
    expect((await run(dir)).ignored).toBe(1);
  });

  it('a unique fingerprint prefix works for ignore add, ignore test, analyze and resolve; an unknown one is refused', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [
      { level: 'ERROR', message: 'job 7 failed', logger: 'app.jobs', function: 'run', exception: 'KeyError: voice' },
    ]);
    const [group] = (await run(dir)).groups;
    const prefix = group!.fingerprint.slice(0, 8);

    const analyze = await ok(dir, ['analyze', 'error_group', prefix]);
    expect(analyze).toContain(`Group ${group!.fingerprint}`);
    const test = await runCli(['ignore', 'test', '--fingerprint', prefix], { cwd: dir });
    expect(test).toMatchObject({ exitCode: 1, stdout: expect.stringContaining(`fingerprint ${group!.fingerprint}`) });
    await ok(dir, ['ignore', 'add', '--fingerprint', prefix, '--reason', 'known']);
    expect(readFileSync(join(dir, 'ignore.yaml'), 'utf8')).toContain(`fingerprint: ${group!.fingerprint}`);
    expect((await runCli(['ignore', 'test', '--fingerprint', prefix], { cwd: dir })).exitCode).toBe(0);
    expect(await ok(dir, ['resolve', prefix])).toContain(`resolved ${group!.fingerprint}`);

    const unknown = await runCli(['ignore', 'add', '--fingerprint', '00434b8b', '--reason', 'x'], { cwd: dir });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe(
      'sentinel: --fingerprint: no error group with fingerprint "00434b8b"; `sentinel status` lists them\n'.trimEnd(),
    );
    for (const args of [
      ['resolve', '00434b8b'],
      ['analyze', 'error_group', '00434b8b'],
      ['ignore', 'test', '--fingerprint', '00434b8b'],
    ]) {
      const refused = await runCli(args, { cwd: dir });
      expect(refused.exitCode, args.join(' ')).toBe(2);
      expect(refused.stderr).toMatch(/no error group with fingerprint "00434b8b"; `sentinel status` lists them$/);
      expect(refused.stderr).not.toMatch(/prompt/);
    }
  });

  it('ignore test answers what a run does: the row, the level, the function; exit 0 ignored, 1 reported', async () => {
    const { dir, db } = makeProject();
    writeFileSync(join(dir, 'ignore.yaml'), '- id: warnings-only\n  match: {message: "^Timeout", level: WARNING}\n  reason: retried\n');
    await writeWithLoguru(db, [
      { level: 'ERROR', message: 'Timeout calling gemini after 31s', logger: 'app.api', function: 'call', exception: 'TimeoutError: 31s' },
    ]);
    const [group] = (await run(dir)).groups;

    const byMessage = await runCli(
      ['ignore', 'test', 'Timeout calling gemini after 45s', '--logger', 'app.api', '--function', 'call', '--exception', 'TimeoutError'],
      { cwd: dir },
    );
    expect(byMessage.exitCode).toBe(1);
    expect(byMessage.stdout).toContain(`fingerprint ${group!.fingerprint}`);
    expect(byMessage.stdout).toMatch(/^WARNING: ignored by warnings-only: retried$/m);
    expect(byMessage.stdout).toMatch(/^ERROR, CRITICAL: no rule matches: it would be reported$/m);

    const atWarning = await runCli(['ignore', 'test', 'Timeout calling gemini', '--level', 'warn'], { cwd: dir });
    expect(atWarning).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^ignored by warnings-only: retried$/m) });

    const byRow = await runCli(['ignore', 'test', '--row', '1'], { cwd: dir });
    expect(byRow).toMatchObject({ exitCode: 1, stdout: expect.stringContaining(`fingerprint ${group!.fingerprint}`) });
    expect(byRow.stdout).toMatch(/^no rule matches: it would be reported$/m);
    expect((await runCli(['ignore', 'test', '--row', '99'], { cwd: dir })).stderr).toMatch(/--row: no row 99 /);
  });

  it('--from-group writes the narrowest rule for a group', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [
      { level: 'ERROR', message: 'job 7 failed', logger: 'app.jobs', function: 'run' },
      { level: 'ERROR', message: 'job 7 failed', logger: 'app.jobs', function: 'other' },
    ]);
    const groups = (await run(dir)).groups;
    expect(groups).toHaveLength(2);
    await ok(dir, ['ignore', 'add', '--from-group', groups[0]!.fingerprint.slice(0, 6), '--reason', 'known']);
    await writeWithLoguru(db, [
      { level: 'ERROR', message: 'job 8 failed', logger: 'app.jobs', function: 'run' },
      { level: 'ERROR', message: 'job 8 failed', logger: 'app.jobs', function: 'other' },
    ]);
    const again = await run(dir);
    expect(again.ignored).toBe(1);
    expect(again.groups.map((g) => g.fingerprint)).toEqual([groups[1]!.fingerprint]);
  });

  it('writes until as a date, the author from the login, in the flow style of the file', async () => {
    const { dir } = makeProject();
    writeFileSync(
      join(dir, 'ignore.yaml'),
      '# ours\n- id: rule-1\n  match:\n    message: ^a\n  reason: a\n  added: {date: 2026-11-01, author: ops}\n  unless: {count: 50, per: 1h}\n',
    );
    await ok(dir, ['ignore', 'add', '--message', '^b', '--reason', 'b', '--for', '30d', '--unless', '5/1h'], { LOGNAME: 'dana' });
    await ok(dir, ['ignore', 'add', '--message', '^c', '--reason', 'c'], {});
    const file = readFileSync(join(dir, 'ignore.yaml'), 'utf8');
    expect(file).toContain(
      '# ours\n- id: rule-1\n  match:\n    message: ^a\n  reason: a\n  added: {date: 2026-11-01, author: ops}\n  unless: {count: 50, per: 1h}\n',
    );
    expect(file).toMatch(
      /- id: rule-2\n {2}match:\n {4}message: \^b\n {2}reason: b\n {2}added: \{date: \d{4}-\d{2}-\d{2}, author: dana\}\n {2}until: \d{4}-\d{2}-\d{2}\n {2}unless: \{count: 5, per: 1h\}\n/,
    );
    expect(file).toContain(`author: ${userInfo().username}}`); // no SUDO_USER, USER or LOGNAME: the uid's name
    expect(file).not.toContain('unknown');
  });

  it('ignore list keeps its columns with long ids', async () => {
    const { dir } = makeProject();
    writeFileSync(
      join(dir, 'ignore.yaml'),
      '- {id: a, match: {logger: a}, reason: short}\n- {id: storage-retries-on-upload, match: {logger: b}, reason: long}\n',
    );
    const lines = (await ok(dir, ['ignore', 'list'])).split('\n');
    expect(lines.map((l) => l.indexOf('24h'))).toEqual([27, 27]);
  });
});
