import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, type CliResult } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';

/** A broken environment is one line on stderr with its documented exit code, never a stack trace. */
function expectOneLine(result: CliResult, code: number, line: RegExp): void {
  expect(result.stderr).toMatch(line);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.exitCode).toBe(code);
}

/** A project whose state dir holds one run's groups. */
async function projectWithState() {
  const project = makeProject();
  await writeWithLoguru(project.db, [{ level: 'ERROR', message: 'payment webhook returned 500', logger: 'app.billing' }]);
  const run = await runCli(['run'], { cwd: project.dir });
  expect(run.exitCode, run.stderr).toBe(0);
  return { ...project, stateDb: join(project.dir, '.sentinel', 'state.db') };
}

describe('errors that once escaped as stack traces', () => {
  it('a file where the state dir should be: the run lock says so, exit 5', async () => {
    const { dir, db } = makeProject();
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'disk quota exceeded', logger: 'app.storage' }]);
    writeFileSync(join(dir, '.sentinel'), 'not a directory\n');
    for (const command of ['run', 'health']) {
      const result = await runCli([command], { cwd: dir });
      expectOneLine(result, 5, /^sentinel: cannot take the run lock .*\/\.sentinel\/run\.lock: .*(EEXIST|ENOTDIR)/);
    }
  });

  it('a damaged state database read by the errors series: exit 5 naming it', async () => {
    const { dir, stateDb } = await projectWithState();
    const state = new Database(stateDb);
    state.exec('DROP TABLE group_hours');
    state.close();
    const result = await runCli(['analyze', 'errors'], { cwd: dir });
    expectOneLine(result, 5, /^sentinel: state database .*state\.db: read counts: no such table: group_hours \(SQLITE_ERROR\)$/);
  });

  it('ignore test with a corrupt learner snapshot answers as a run would: learned again, no crash', async () => {
    const { dir, stateDb } = await projectWithState();
    const state = new Database(stateDb);
    state.prepare("UPDATE meta SET value = '{\"version\": ' WHERE key = 'learner'").run();
    state.close();
    const result = await runCli(['ignore', 'test', 'payment webhook returned 500', '--logger', 'app.billing'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/no rule matches: it would be reported/);
    expect(result.exitCode).toBe(1);
  });

  it('ignore add into a directory that does not exist: the ignore file named, exit 2', async () => {
    const { dir } = makeProject({ ignore_file: './missing/ignore.yaml' });
    const result = await runCli(['ignore', 'add', '--logger', 'app.noise', '--reason', 'vendor noise'], { cwd: dir });
    expectOneLine(result, 2, /^sentinel: ignore file .*\/missing\/ignore\.yaml: cannot write it: ENOENT/);
  });
});
