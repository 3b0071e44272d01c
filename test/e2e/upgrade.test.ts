import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';
import { generateStorm } from '../support/storm.js';

// Written by the release before normalizer 2: `sentinel run` over a 1200-row storm (generateStorm(1, 1200)),
// which it split into 471 groups.
const FIXTURE = fileURLToPath(new URL('../fixtures/normalizer-v1', import.meta.url));

interface RunJson {
  groups: { fingerprint: string; count: number; trigger: string | null }[];
  incident: string | null;
}

describe('upgrading a state database written by normalizer 1', () => {
  it('folds its splinter groups on the first run and alerts nothing for the storm it already knew', async () => {
    const { dir, db } = makeProject();
    mkdirSync(join(dir, '.sentinel'));
    copyFileSync(join(FIXTURE, 'logs.db'), db);
    copyFileSync(join(FIXTURE, 'state.db'), join(dir, '.sentinel', 'state.db'));
    const state = () => new Database(join(dir, '.sentinel', 'state.db'), { readonly: true });
    const before = state();
    const { groups: groupsBefore, rows: rowsBefore } = before
      .prepare('SELECT count(*) AS groups, sum(total) AS rows FROM groups')
      .get() as { groups: number; rows: number };
    const oldFingerprints = (before.prepare('SELECT fingerprint FROM groups').all() as { fingerprint: string }[]).map((r) => r.fingerprint);
    before.close();
    expect(groupsBefore).toBe(471);
    mkdirSync(join(dir, 'incidents'));

    await writeWithLoguru(
      db,
      generateStorm(2, 1200).map(({ problem: _, ...spec }) => spec),
    );
    const result = await runCli(['run', '--json'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/normalizer version 1 → version 2: \d+ splinter groups folded into \d+ groups/);
    const first = JSON.parse(result.stdout) as RunJson;
    expect(first.groups.filter((g) => g.trigger !== null)).toEqual([]);
    expect(first.incident).toBeNull();
    expect(readdirSync(join(dir, 'incidents'))).toHaveLength(0);

    const after = state();
    const { groups, rows } = after.prepare('SELECT count(*) AS groups, sum(total) AS rows FROM groups').get() as {
      groups: number;
      rows: number;
    };
    const folds = (after.prepare('SELECT count(*) AS n FROM folds').get() as { n: number }).n;
    // Every fingerprint of before still names a group: its own, or the one it was folded into.
    const resolves = after.prepare(
      'SELECT 1 FROM groups WHERE fingerprint = ? OR fingerprint = (SELECT fingerprint FROM aliases WHERE alias = ?)',
    );
    const lost = oldFingerprints.filter((f) => !resolves.get(f, f));
    after.close();
    expect(lost).toEqual([]);
    expect(groups).toBeLessThanOrEqual(30);
    expect(folds).toBe(groupsBefore - groups);
    expect(rows).toBe(rowsBefore + 1200); // counts follow the survivors
    console.log(`upgrade: ${groupsBefore} groups → ${groups}, ${folds} folds, ${first.groups.length} groups in the run, 0 triggered`);

    const status = await runCli(['status'], { cwd: dir });
    expect(status.stdout).toContain(`groups  ${groups}; ${folds} splinter groups folded into`);
    expect(status.stdout).toMatch(/ \(\+\d+ folded\)/);

    await writeWithLoguru(
      db,
      generateStorm(3, 1200).map(({ problem: _, ...spec }) => spec),
    );
    const next = JSON.parse((await runCli(['run', '--json'], { cwd: dir })).stdout) as RunJson;
    expect(next.groups.filter((g) => g.trigger !== null)).toEqual([]);

    // Rules and `resolve` by a splinter's fingerprint act on the group it was folded into.
    const db2 = state();
    const { alias, fingerprint } = db2.prepare('SELECT alias, fingerprint FROM folds ORDER BY rows DESC LIMIT 1').get() as {
      alias: string;
      fingerprint: string;
    };
    db2.close();
    expect((await runCli(['resolve', alias], { cwd: dir })).exitCode).toBe(0);
    const resolved = state();
    expect(resolved.prepare('SELECT status FROM groups WHERE fingerprint = ?').get(fingerprint)).toEqual({ status: 'resolved' });
    resolved.close();
    const added = await runCli(['ignore', 'add', '--fingerprint', alias, '--reason', 'muted by a splinter fingerprint'], { cwd: dir });
    expect(added.exitCode, added.stderr).toBe(0);
    await writeWithLoguru(
      db,
      generateStorm(4, 1200).map(({ problem: _, ...spec }) => spec),
    );
    const muted = JSON.parse((await runCli(['run', '--json'], { cwd: dir })).stdout) as RunJson & { ignored: number };
    expect(muted.ignored).toBeGreaterThan(0);
    expect(muted.groups.map((g) => g.fingerprint)).not.toContain(fingerprint);
    expect(muted.groups.filter((g) => g.trigger !== null)).toEqual([]);
  }, 120_000);
});
