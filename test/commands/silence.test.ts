import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/core/types.js';
import { runCommand } from '../../src/commands/run.js';
import { statusCommand } from '../../src/commands/status.js';
import { makeProject } from '../support/cli.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const t0 = Date.UTC(2026, 4, 1, 8, 0);

function context(cwd: string, now: number): CommandContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    env: { PATH: process.env.PATH },
    cwd,
    clock: { now: () => now },
    pid: 4242,
    cliPath: 'dist/cli.js',
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    progress: () => {},
    out,
    err,
  };
}

function project() {
  const p = makeProject({ source: { silence_after: '2h' } });
  const db = new Database(p.db);
  db.exec(
    'CREATE TABLE logs (id INTEGER PRIMARY KEY, time TEXT, level TEXT, message TEXT, name TEXT, function TEXT, line INTEGER, exception TEXT, extra TEXT)',
  );
  db.close();
  const log = (at: number, level = 'INFO') => {
    const writer = new Database(p.db);
    writer.prepare('INSERT INTO logs (time, level, message) VALUES (?, ?, ?)').run(new Date(at).toISOString(), level, 'request served');
    writer.close();
  };
  const run = async (at: number, extra: { dryRun?: boolean; db?: string } = {}) => {
    const ctx = context(p.dir, at);
    const code = await runCommand({ ...extra }, ctx);
    return { code, ...ctx };
  };
  const incidents = () => {
    try {
      return readdirSync(join(p.dir, 'incidents')).sort();
    } catch {
      return [];
    }
  };
  return { ...p, log, run, incidents };
}

describe('silence: the app stopped logging', () => {
  it('is one incident per silence, a warning on every silent run, and again after the next silence', async () => {
    const p = project();
    p.log(t0);
    expect((await p.run(t0 + HOUR)).err).toEqual([]);
    expect(p.incidents()).toEqual([]);

    const silent = await p.run(t0 + 3 * HOUR);
    expect(silent.code).toBe(0);
    expect(silent.err).toEqual([
      'sentinel: warning: the app has written no log rows since 2026-05-01T08:00:00Z (3h, more than source.silence_after 2h)',
    ]);
    expect(p.incidents()).toHaveLength(1);
    const file = readFileSync(join(p.dir, 'incidents', p.incidents()[0]!), 'utf8');
    expect(file).toContain('the app stopped logging: no log rows since 2026-05-01T08:00:00Z');
    expect(file).toMatch(/fingerprints:\n\s+- app-silence\n/);

    const still = await p.run(t0 + 3 * HOUR + 5 * MIN);
    expect(still.err[0]).toContain('no log rows since 2026-05-01T08:00:00Z (3h 5m');
    expect(p.incidents()).toHaveLength(1);

    p.log(t0 + 4 * HOUR);
    expect((await p.run(t0 + 4 * HOUR + 5 * MIN)).err).toEqual([]);
    await p.run(t0 + 7 * HOUR);
    expect(p.incidents()).toHaveLength(2);
  });

  it('a dry run warns but records nothing, so the real run still reports it; a copied database is not judged', async () => {
    const p = project();
    p.log(t0, 'ERROR');
    await p.run(t0 + 10 * MIN);
    const dry = await p.run(t0 + 3 * HOUR, { dryRun: true });
    expect(dry.err[0]).toContain('no log rows since');
    expect((await p.run(t0 + 3 * HOUR, { dryRun: true, db: p.db })).err).toEqual([]);
    const before = p.incidents().length;
    await p.run(t0 + 3 * HOUR);
    expect(p.incidents().length).toBe(before + 1);
  });
});

describe('status: runs that stopped succeeding', () => {
  it('warns when the last successful run is older than three of the intervals the runs show', async () => {
    const p = project();
    for (let i = 0; i < 4; i++) {
      p.log(t0 + i * 10 * MIN);
      await p.run(t0 + i * 10 * MIN);
    }
    const lastRun = t0 + 30 * MIN;
    const status = async (at: number) => {
      const ctx = context(p.dir, at);
      await statusCommand({ json: true }, ctx);
      return JSON.parse(ctx.out[0]!) as { stale: string | null };
    };
    expect((await status(lastRun + 30 * MIN)).stale).toBeNull();
    expect((await status(lastRun + 31 * MIN)).stale).toMatch(/^the last successful run was 31m ago, more than three intervals of 10m/);
    const ctx = context(p.dir, lastRun + 31 * MIN);
    await statusCommand({}, ctx);
    expect(ctx.out[0]).toMatch(/last successful run {2}2026-05-01T08:30:00Z\n {2}✗ the last successful run was 31m ago/);
  });
});
