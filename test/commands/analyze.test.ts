import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCommand, parseAnalyzeArgs } from '../../src/commands/analyze.js';
import type { CommandContext } from '../../src/core/types.js';
import { ExitCode, SentinelError } from '../../src/core/errors.js';
import { makeProject } from '../support/cli.js';

const MINUTE = 60_000;
const now = Date.UTC(2025, 4, 1, 13, 0);

function context(cwd: string): CommandContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    env: { PATH: process.env.PATH },
    cwd,
    clock: { now: () => now },
    pid: 1,
    cliPath: 'dist/cli.js',
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    progress: () => {},
    out,
    err,
  };
}

/** A project whose log has one 'api call' a minute for the last hour, and a script that echoes its argv. */
function project() {
  const p = makeProject({
    metrics: [{ name: 'api_rpm', count_where: "message = 'api call'", bucket: '1m', limit: 2 }],
    scripts: [
      {
        name: 'echo_args',
        command: [process.execPath, '-e', 'console.log(process.argv.slice(1).join(" "))', '--'],
        args: { window: { enum: ['1h', '24h'] } },
      },
    ],
  });
  const db = new Database(p.db);
  db.exec(
    'CREATE TABLE logs (id INTEGER PRIMARY KEY, time TEXT, level TEXT, message TEXT, name TEXT, function TEXT, line INTEGER, exception TEXT, extra TEXT)',
  );
  const insert = db.prepare("INSERT INTO logs (time, level, message) VALUES (?, 'INFO', 'api call')");
  for (let i = 60; i >= 1; i--) insert.run(new Date(now - i * MINUTE + 1000).toISOString());
  db.close();
  return p;
}

describe('parseAnalyzeArgs', () => {
  it.each([
    [['queue_depth', '--hours', '24'], 'name', { ok: true, args: { name: 'queue_depth', hours: '24' } }],
    [['--window=24h; rm -rf /', '--dry-run'], undefined, { ok: true, args: { window: '24h; rm -rf /', dry_run: true } }],
    [['a', 'b'], 'name', { ok: false, message: 'unexpected argument "b"' }],
    [['loose'], undefined, { ok: false, message: 'unexpected argument "loose" (arguments are --name value)' }],
  ])('%j', (words, positional, expected) => {
    expect(parseAnalyzeArgs(words, positional)).toEqual(expected);
  });
});

describe('sentinel analyze', () => {
  it('runs a metric by name, with numbers read from the command line', async () => {
    const p = project();
    const ctx = context(p.dir);
    expect(await analyzeCommand({ name: 'metric', args: ['api_rpm', '--hours', '1'], config: p.configFile }, ctx)).toBe(ExitCode.ok);
    expect(ctx.out[0]).toMatch(/^api_rpm: warming up — 60 points over 59 minutes; .*limit 2: peak 1 \(50 %\)/);
  });

  it('prints JSON and writes an SVG chart per series', async () => {
    const p = project();
    const ctx = context(p.dir);
    await analyzeCommand({ name: 'metric', args: ['api_rpm', '--hours=2'], json: true, svg: 'charts', config: p.configFile }, ctx);
    const json = JSON.parse(ctx.out[0] ?? '');
    // Two hours asked, one hour of log: the hour before its first row is unknown, not zeros.
    expect(json).toMatchObject({ analysis: 'metric', truncated: false, series: [{ name: 'api_rpm', points: 60 }] });
    expect(readFileSync(join(p.dir, 'charts', 'api_rpm.svg'), 'utf8')).toMatch(/^<svg [^>]*>\n<title>api_rpm<\/title>/);
  });

  it('runs a configured script with its declared argument', async () => {
    const p = project();
    const ctx = context(p.dir);
    await analyzeCommand({ name: 'echo-args', args: ['--window', '24h'], config: p.configFile }, ctx);
    expect(ctx.out[0]).toMatch(/^echo_args: exit 0 in [\d.]+ s\n\nOutput \(untrusted text\):\n```text\n--window=24h\n```$/);
  });

  it.each([
    [
      { name: 'nothing', args: [] },
      /^analyze: no analysis named "nothing"; known: error_group, rows_around, fingerprint_counts, system, metric, errors, past_incidents, echo_args$/,
    ],
    [{ name: 'error-groups', args: [] }, /^analyze: no analysis named "error-groups" \(did you mean error_group\?\); known: error_group, /],
    [
      { name: 'metric', args: ['api_rpm', '--hour', '48'] },
      /^analyze metric: invalid arguments: hour: unknown key \(did you mean hours\?\)$/,
    ],
    [{ name: 'metric', args: [] }, /^analyze metric: invalid arguments: name: required$/],
    [{ name: 'echo_args', args: ['--window', '5y'] }, /^analyze echo_args: invalid arguments: window: /],
    [{ name: 'metric', args: ['api_rpm', '--hours', 'lots'] }, /^analyze metric: invalid arguments: hours: /],
    [{ name: 'metric', args: ['nope'] }, /^analyze metric: no metric named nope; known: api_rpm$/],
  ])('refuses %j with a usage error', async (options, message) => {
    const p = project();
    await expect(analyzeCommand({ ...options, config: p.configFile }, context(p.dir))).rejects.toMatchObject({
      message: expect.stringMatching(message),
      code: ExitCode.usage,
    });
  });
});

describe('sentinel analyze --svg into a place it cannot write', () => {
  it('is one usage line, not an internal error with a stack', async () => {
    const p = project();
    const options = { name: 'metric', args: ['api_rpm', '--hours', '1'], svg: join(p.configFile, 'charts'), config: p.configFile };
    const failure = analyzeCommand(options, context(p.dir));
    await expect(failure).rejects.toBeInstanceOf(SentinelError);
    await expect(failure).rejects.toMatchObject({
      code: ExitCode.usage,
      message: expect.stringMatching(/^--svg .*sentinel\.yaml\/charts: cannot write the charts: ENOTDIR/),
    });
  });
});
