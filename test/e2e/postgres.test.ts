import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { writeWithLoguru, writeWithLoguruToPostgres } from '../support/loguru.js';
import { insertRow, startPostgres, type PgCluster } from '../support/postgres.js';
import { tempDir } from '../support/temp.js';

let cluster: PgCluster;
const clients: pg.Client[] = [];
const dirs: string[] = [];
beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const client of clients) await client.end().catch(() => {});
  await cluster?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface RunJson {
  rows_read: number;
  sources: { name: string; rows: number; error: string | null }[];
  groups: { fingerprint: string; count: number; template: string; trigger: string | null; sources?: Record<string, number> }[];
}

/** A project whose app logs to SQLite on this host (`app`) and to a shared PostgreSQL (`pg`), in a database of its own. */
async function twoSourceProject(): Promise<{ dir: string; db: string; pgUrl: string; readUrl: string }> {
  const dir = tempDir('sentinel-pg-e2e-');
  dirs.push(dir);
  const database = `app_${Math.random().toString(36).slice(2, 10)}`;
  const admin = await cluster.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const pgUrl = cluster.url.replace('/postgres?', `/${database}?`);
  const readUrl = cluster.readUrl.replace('/postgres?', `/${database}?`);
  const db = join(dir, 'logs.db');
  await writeWithLoguru(db, [{ level: 'INFO', message: 'app started' }]);
  writeFileSync(
    join(dir, 'sentinel.yaml'),
    stringify({
      sources: [
        { name: 'app', path: db, first_run_lookback: '30d' },
        { name: 'pg', kind: 'postgres', first_run_lookback: '30d' },
      ],
      claude: { enabled: false },
    }),
  );
  return { dir, db, pgUrl, readUrl };
}

async function run(dir: string, env: Record<string, string>, args: string[] = []) {
  const result = await runCli(['run', '--json', ...args], { cwd: dir, env });
  return { ...result, json: result.stdout ? (JSON.parse(result.stdout) as RunJson) : null };
}

describe('a PostgreSQL source beside a SQLite one, in one run', () => {
  it('real loguru on three hosts at once through the reference sink, and the same bug in both sources is one group', async () => {
    const { dir, db, pgUrl, readUrl } = await twoSourceProject();
    const env = { SENTINEL_PG_URL: readUrl };
    // The table must exist before the reader is granted it: the first writer creates it.
    await writeWithLoguruToPostgres(pgUrl, 'web-1', [{ level: 'INFO', message: 'started' }]);
    const admin = await cluster.connect(pgUrl);
    clients.push(admin);
    await admin.query('GRANT SELECT ON logs TO sentinel_reader');
    const bug = { level: 'ERROR', message: 'payment webhook returned 500 for order 1234', logger: 'app.payments', function: 'notify' };
    await Promise.all([
      writeWithLoguruToPostgres(pgUrl, 'web-1', [
        { ...bug, repeat: 40 },
        { level: 'DEBUG', message: 'noise', repeat: 10 },
      ]),
      writeWithLoguruToPostgres(pgUrl, 'web-2', [
        { ...bug, repeat: 35 },
        { level: 'WARNING', message: 'slow query took 3s', logger: 'app.db', function: 'q' },
      ]),
      writeWithLoguruToPostgres(pgUrl, 'worker-1', [
        { level: 'ERROR', message: 'job 7 failed', logger: 'app.jobs', function: 'run', exception: 'ValueError: bad input', repeat: 25 },
      ]),
      writeWithLoguru(db, [{ ...bug, repeat: 5 }]),
    ]);

    const first = await run(dir, env);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json!.sources.map((s) => [s.name, s.rows, s.error])).toEqual([
      ['app', 5, null],
      ['pg', 101, null],
    ]);
    expect(first.json!.rows_read).toBe(106);
    const payments = first.json!.groups.find((g) => g.template.startsWith('payment webhook'))!;
    expect(payments).toMatchObject({ count: 80, trigger: 'new', sources: { app: 5, pg: 75 } });
    expect(first.json!.groups.map((g) => g.count).sort((a, b) => a - b)).toEqual([1, 25, 80]);
    // The incident names the hosts (the fingerprint does not hold them: one group on both) and the sources.
    const [incident] = readdirSync(join(dir, 'incidents'));
    const text = readFileSync(join(dir, 'incidents', incident!), 'utf8');
    expect(text).toMatch(/^title: New ERROR in app\.payments on 2 of 3 hosts \(\+2 more groups\)$/m);
    expect(text).toContain('hosts: 2 of 3 (web-1, web-2)\nsources: app 5, pg 75');

    const again = await run(dir, env);
    expect(again.json!.rows_read).toBe(0);
    await writeWithLoguruToPostgres(pgUrl, 'web-2', [{ ...bug, repeat: 3 }]);
    const third = await run(dir, env);
    expect(third.json!.sources.map((s) => s.rows)).toEqual([0, 3]);

    const status = await runCli(['status'], { cwd: dir, env });
    expect(status.stdout).toMatch(/source app {2}.*logs\.db\n {2}checkpoint row 6; 0 WARNING\+ rows behind/);
    expect(status.stdout).toMatch(/source pg {2}PostgreSQL table logs\n {2}checkpoint row \d+; 0 WARNING\+ rows behind/);
  });

  it('a source that cannot be read fails alone: the other is read, the run exits 3 naming it, and its rows come later exactly once', async () => {
    const { dir, db, pgUrl, readUrl } = await twoSourceProject();
    const writer = await cluster.connect(pgUrl);
    clients.push(writer);
    await writer.query((await import('../support/postgres.js')).LOGS_TABLE);
    await writer.query('GRANT SELECT ON logs TO sentinel_reader');
    const baseline = await run(dir, { SENTINEL_PG_URL: readUrl }); // both sources get a checkpoint
    expect(baseline.exitCode, baseline.stderr).toBe(0);
    await writeWithLoguru(db, [{ level: 'ERROR', message: 'disk almost full', repeat: 4 }]);
    for (let i = 0; i < 6; i++) await insertRow(writer, 'queue consumer lost its connection');

    const broken = await run(dir, { SENTINEL_PG_URL: `${readUrl.replace('sentinel_reader', 'nobody')}` });
    expect(broken.exitCode).toBe(3);
    expect(broken.stderr).toMatch(/^sentinel: source pg \(PostgreSQL table logs\): cannot connect: .*role "nobody" does not exist/m);
    expect(broken.json!.sources.map((s) => [s.name, s.rows])).toEqual([
      ['app', 4],
      ['pg', 0],
    ]);

    const fixed = await run(dir, { SENTINEL_PG_URL: readUrl });
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(fixed.json!.sources.map((s) => [s.name, s.rows])).toEqual([
      ['app', 0],
      ['pg', 6],
    ]);
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: dir, env: { SENTINEL_PG_URL: readUrl } })).stdout) as {
      runs: { outcome: string; message: string | null }[];
      groups: { template: string; total: number }[];
    };
    expect(status.runs.map((r) => r.outcome)).toEqual(['ok', 'failed', 'ok']);
    expect(status.groups.map((g) => [g.template, g.total]).sort()).toEqual([
      ['disk almost full', 4],
      ['queue consumer lost its connection', 6],
    ]);
  });

  it('status says rows wait behind an open transaction once a run saw it, and a restored cluster is refused until --rebaseline', async () => {
    const { dir, pgUrl, readUrl } = await twoSourceProject();
    const env = { SENTINEL_PG_URL: readUrl };
    const [writer, slow] = [await cluster.connect(pgUrl), await cluster.connect(pgUrl)];
    clients.push(writer, slow);
    await writer.query((await import('../support/postgres.js')).LOGS_TABLE);
    await writer.query('GRANT SELECT ON logs TO sentinel_reader');
    await run(dir, env);
    await slow.query('BEGIN');
    await insertRow(slow, 'written inside a long transaction');
    await insertRow(writer, 'committed but behind it');
    const stalled = await run(dir, env);
    expect(stalled.exitCode, stalled.stderr).toBe(0);
    expect(stalled.json!.sources[1]).toMatchObject({ name: 'pg', rows: 0 });
    const status = await runCli(['status'], { cwd: dir, env });
    expect(status.stdout).toMatch(/! 1 rows waiting behind an open transaction since \d{4}-\d\d-\d\dT[\d:]+Z/);
    await slow.query('COMMIT');
    expect((await run(dir, env)).json!.sources[1]!.rows).toBe(2);
    expect((await runCli(['status'], { cwd: dir, env })).stdout).not.toMatch(/waiting behind/);

    // A checkpoint from a cluster further along than this one: what a restore from a dump looks like.
    const { default: Database } = await import('better-sqlite3');
    const state = new Database(join(dir, '.sentinel', 'state.db'));
    state.prepare("UPDATE meta SET value = 'txid:90000000000' WHERE key = 'checkpoint.pg_identity'").run();
    state.close();
    await insertRow(writer, 'after the restore');
    const refused = await run(dir, env);
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toMatch(
      /source pg \(PostgreSQL table logs\): the checkpoint \(txid 90000000000\) is ahead of this cluster .* `sentinel run --rebaseline pg`/,
    );
    const rebased = await run(dir, env, ['--rebaseline', 'pg']);
    expect(rebased.exitCode, rebased.stderr).toBe(0);
    await insertRow(writer, 'read after the rebaseline');
    expect((await run(dir, env)).json!.sources[1]!.rows).toBe(1);
  });

  it('sentinel analyze rows-around reads a PostgreSQL source, rows of every level, in a read-only transaction', async () => {
    const { dir, pgUrl, readUrl } = await twoSourceProject();
    writeFileSync(
      join(dir, 'sentinel.yaml'),
      stringify({ source: { kind: 'postgres', statement_timeout: '5s' }, claude: { enabled: false } }),
    );
    const writer = await cluster.connect(pgUrl);
    clients.push(writer);
    await writer.query((await import('../support/postgres.js')).LOGS_TABLE);
    await writer.query('GRANT SELECT ON logs TO sentinel_reader');
    await insertRow(writer, 'loading settings for user 7', { level: 'INFO' });
    const failed = await insertRow(writer, 'job 7 failed: settings missing');
    await insertRow(writer, 'retrying job 7', { level: 'INFO' });
    const result = await runCli(['analyze', 'rows-around', String(failed), '--before', '1', '--after', '1'], {
      cwd: dir,
      env: { SENTINEL_PG_URL: readUrl },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^Row ${failed} \\(ERROR at [^)]+\\): 1 row before and 1 after it, ids ${failed - 1}–${failed + 1}`),
    );
    expect(result.stdout).toContain('loading settings for user 7');
    expect(result.stdout).toContain('retrying job 7');
    const missing = await runCli(['analyze', 'rows-around', '999'], { cwd: dir, env: { SENTINEL_PG_URL: readUrl } });
    expect(missing.stdout + missing.stderr).toMatch(/no row with id 999 in the log database \(its ids go up to \d+\)/);
  });

  it('metrics (sql: and count_where:) read a PostgreSQL source in PostgreSQL SQL; one that writes is refused by config check', async () => {
    const { dir, pgUrl, readUrl } = await twoSourceProject();
    const env = { SENTINEL_PG_URL: readUrl };
    const metrics = [
      {
        name: 'errors_per_host',
        sql: "SELECT date_trunc('minute', time), count(*) FROM logs WHERE time >= :since AND host = 'web-1' GROUP BY 1 ORDER BY 1",
      },
      { name: 'job_failures', count_where: "message LIKE 'job % failed'", bucket: '1m' },
    ];
    writeFileSync(join(dir, 'sentinel.yaml'), stringify({ source: { kind: 'postgres' }, claude: { enabled: false }, metrics }));
    const writer = await cluster.connect(pgUrl);
    clients.push(writer);
    await writer.query((await import('../support/postgres.js')).LOGS_TABLE);
    await writer.query('GRANT SELECT ON logs TO sentinel_reader');
    const minute = 60_000;
    const base = Math.floor(Date.now() / minute) * minute - 10 * minute;
    for (let i = 0; i < 30; i++)
      await insertRow(writer, i % 3 ? `job ${i} failed` : 'cache miss', {
        time: new Date(base + (i % 5) * minute + 1000),
        host: i % 2 ? 'web-1' : 'web-2',
      });
    expect((await runCli(['config', 'check'], { cwd: dir, env })).exitCode).toBe(0);

    const sql = await runCli(['analyze', 'metric', 'errors_per_host', '--hours', '1', '--json'], { cwd: dir, env });
    expect(sql.exitCode, sql.stderr).toBe(0);
    expect((JSON.parse(sql.stdout) as { series: { points: number }[] }).series[0]!.points).toBe(5); // one per minute with rows
    const counted = await runCli(['analyze', 'metric', 'job_failures', '--hours', '1', '--json'], { cwd: dir, env });
    expect(counted.exitCode, counted.stderr).toBe(0);
    // From the first row's minute to the last finished one, empty minutes included.
    expect((JSON.parse(counted.stdout) as { series: { points: number }[] }).series[0]!.points).toBeGreaterThanOrEqual(10);
    const { openPostgresMetricReader } = await import('../../src/analysis/metric-postgres.js');
    const { parseConfig } = await import('../../src/core/config.js');
    const parsed = parseConfig({ source: { kind: 'postgres' }, metrics });
    if (!parsed.ok || parsed.config.source.kind !== 'postgres') throw new Error('config');
    const reader = await openPostgresMetricReader(parsed.config.source, env);
    const perHost = await reader.read(parsed.config.metrics[0]!, base - minute, Date.now());
    expect(perHost.kind === 'ok' && perHost.points.map((p) => [p.t - base, p.v])).toEqual([0, 1, 2, 3, 4].map((m) => [m * minute, 3]));
    const failures = await reader.read(parsed.config.metrics[1]!, base - 5 * minute, base + 7 * minute);
    expect(failures.kind === 'ok' && failures.points.map((p) => [p.t - base, p.v])).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((m) => [m * minute, m < 5 ? 4 : 0]),
    );
    await reader.close();

    // The reader role could not write anyway; the read-only transaction refuses it even for one that can.
    writeFileSync(
      join(dir, 'sentinel.yaml'),
      stringify({
        source: { kind: 'postgres' },
        claude: { enabled: false },
        metrics: [{ name: 'sneaky', sql: "SELECT time, nextval('logs_id_seq') FROM logs" }],
      }),
    );
    const check = await runCli(['config', 'check'], { cwd: dir, env: { SENTINEL_PG_URL: pgUrl } });
    expect(check.exitCode).toBe(2);
    expect(check.stderr).toMatch(/metrics\[sneaky\]\.sql: .*read-only transaction/);
    expect(check.stderr).toMatch(/cannot execute nextval\(\) in a read-only transaction/);
    expect(Number((await writer.query('SELECT count(*) AS n FROM logs')).rows[0].n)).toBe(30);
  });
});
