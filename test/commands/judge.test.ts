import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/core/types.js';
import { judgeCommand } from '../../src/commands/judge.js';
import { ExitCode, SentinelError } from '../../src/core/errors.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('sentinel-judge-');
function context(): CommandContext & { out: string[] } {
  const out: string[] = [];
  return {
    env: {},
    cwd: dir,
    clock: { now: () => 0 },
    pid: 1,
    cliPath: 'dist/cli.js',
    stdout: (t) => out.push(t),
    stderr: () => {},
    progress: () => {},
    out,
  };
}

/** Two days every 10 minutes around 20, then an hour at 90: a NAB-format file. */
function writeSeries(name: string): string {
  const t0 = Date.UTC(2014, 1, 19);
  const lines = ['timestamp,value'];
  for (let i = 0; i < 300; i++) {
    const stamp = new Date(t0 + i * 600_000).toISOString().slice(0, 19).replace('T', ' ');
    lines.push(`${stamp},${i >= 290 ? 90 : 20 + (i % 3)}`);
  }
  writeFileSync(join(dir, name), lines.join('\n'));
  return name;
}

describe('sentinel judge --csv', () => {
  it('prints the verdict, a sparkline and each flag in the input timestamp format', async () => {
    const ctx = context();
    expect(await judgeCommand({ csv: writeSeries('machine_temp.csv') }, ctx)).toBe(ExitCode.ok);
    const [summary, sparkline, ...flags] = (ctx.out[0] ?? '').split('\n');
    expect(summary).toMatch(/^machine_temp: concerning — 300 points over 2 days; /);
    expect(sparkline).toMatch(/^[▁▂▃▄▅▆▇█]{60}$/);
    expect(flags[0]).toMatch(/^2014-02-21 0\d:\d0:00 → 2014-02-21 01:50:00 {2}above {2}machine_temp 90, above its usual/);
  });

  it('prints flags as timestamps or [start, end] pairs with --json', async () => {
    const ctx = context();
    await judgeCommand({ csv: writeSeries('series.csv'), json: true }, ctx);
    const json = JSON.parse(ctx.out[0] ?? '');
    expect(json.verdict).toBe('concerning');
    expect(json.flags).toEqual([[expect.stringMatching(/^2014-02-21 0\d:\d0:00$/), '2014-02-21 01:50:00']]);
    expect(json.reasons[0]).toMatchObject({ kind: 'above', reason: expect.stringContaining('series 90') });
  });

  it.each([
    [
      'bad-value.csv',
      'timestamp,value\n2014-02-19 00:00:00,1\n2014-02-19 00:05:00,lots\n',
      'bad-value.csv:3: value "lots" is not a number',
    ],
    ['bad-time.csv', 'timestamp,value\nyesterday,1\n', 'bad-time.csv:2: unreadable timestamp "yesterday"'],
    ['empty.csv', 'timestamp,value\n', 'empty.csv:2: no data rows after the header'],
  ])('a bad file (%s) is one error naming the file and line, exit 2', async (name, text, message) => {
    writeFileSync(join(dir, name), text);
    const error = await judgeCommand({ csv: name }, context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SentinelError);
    expect((error as SentinelError).message).toContain(message);
    expect((error as SentinelError).code).toBe(ExitCode.usage);
  });

  it('reads a file of several MiB chunk by chunk: every row, CRLF lines, the bad line named by its number', async () => {
    const t0 = Date.UTC(2014, 1, 19);
    const rows = Array.from({ length: 80_000 }, (_, i) => `${new Date(t0 + i * 60_000).toISOString().slice(0, 19)}Z,${20 + (i % 7)}`);
    writeFileSync(join(dir, 'big.csv'), `timestamp,value\r\n${rows.join('\r\n')}\r\n`);
    const ctx = context();
    expect(await judgeCommand({ csv: 'big.csv', json: true }, ctx)).toBe(ExitCode.ok);
    expect(JSON.parse(ctx.out[0] ?? '').summary).toMatch(/^big: \w+ — 80000 points over /);
    rows[70_000] = `${rows[70_000]?.split(',')[0]},1e309`;
    writeFileSync(join(dir, 'big-bad.csv'), `timestamp,value\r\n${rows.join('\r\n')}\r\n`);
    await expect(judgeCommand({ csv: 'big-bad.csv' }, context())).rejects.toMatchObject({
      message: expect.stringContaining('big-bad.csv:70002: value "1e309" is too large to be a finite number'),
      code: ExitCode.usage,
    });
  });

  it('a missing file names the file, exit 2', async () => {
    await expect(judgeCommand({ csv: 'nope.csv' }, context())).rejects.toMatchObject({
      message: 'nope.csv: cannot read: ENOENT',
      code: ExitCode.usage,
    });
  });
});
