import { describe, expect, it } from 'vitest';
import { configCheckCommand } from '../../src/commands/config.js';
import type { CommandContext } from '../../src/core/types.js';
import { ExitCode } from '../../src/core/errors.js';
import { writeLogDb } from '../analysis/support.js';
import { makeProject } from '../support/cli.js';

function context(cwd: string): CommandContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    env: {},
    cwd,
    clock: { now: () => 0 },
    pid: 1,
    cliPath: 'dist/cli.js',
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    progress: () => {},
    out,
    err,
  };
}

const good = {
  name: 'queue_depth',
  sql: "SELECT time, json_extract(extra, '$.depth') FROM logs WHERE message = 'queue depth' AND time >= :since",
};

describe('sentinel config check', () => {
  it("prepares each metric's query once on the log database: a broken one is a config error naming its key", async () => {
    const p = makeProject({
      metrics: [good, { name: 'broken_sql', sql: 'SELECT time, depth FROM logs' }, { name: 'broken_count', count_where: "nope = 'x'" }],
    });
    writeLogDb(p.db, [{ time: Date.UTC(2026, 4, 1), message: 'queue depth' }]);
    const ctx = context(p.dir);
    const error = await configCheckCommand({ config: p.configFile }, ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ExitCode.usage,
      message: `${p.configFile}: metrics[broken_sql].sql: no such column: depth (SQLITE_ERROR); metrics[broken_count].count_where: no such column: nope (SQLITE_ERROR)`,
    });
  });

  it('is valid when every query prepares', async () => {
    const p = makeProject({ metrics: [good, { name: 'calls', count_where: "message = 'api call'", bucket: '1m' }] });
    writeLogDb(p.db, []);
    const ctx = context(p.dir);
    expect(await configCheckCommand({ config: p.configFile }, ctx)).toBe(ExitCode.ok);
    expect(ctx.out[0]).toMatch(/sentinel\.yaml: valid \(0 ignore rules in /);
    expect(ctx.err).toEqual([]);
  });

  it('without the log database (a laptop, CI) the file is still checked, and it says the path is not there', async () => {
    const p = makeProject({ metrics: [good] });
    const ctx = context(p.dir);
    expect(await configCheckCommand({ config: p.configFile }, ctx)).toBe(ExitCode.ok);
    expect(ctx.err).toEqual([
      expect.stringMatching(/^sentinel: warning: source\.path \/.*logs\.db: no such file \(metrics not checked\)$/),
    ]);
  });
});
