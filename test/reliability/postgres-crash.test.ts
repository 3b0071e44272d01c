import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { LOGS_TABLE, startPostgres, type PgCluster } from '../support/postgres.js';
import './support/figures.js';
import { killTree } from '../support/processes.js';
import { createPrng } from './support/prng.js';
import { readState, sleep } from './support/project.js';

const SEED = Number(process.env.SENTINEL_CRASH_SEED ?? 20261201);
const KILLS = 20;
const LOGGERS = ['app.payments', 'app.storage', 'app.jobs', 'app.auth', 'app.queue'];

let cluster: PgCluster;
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await cluster?.stop();
});

/** A writer on its own connection: autocommit rows, and transactions of several rows held open for
 * a while, some rolled back, so commits land out of id order all the time. */
async function writeUntil(client: pg.Client, prng: ReturnType<typeof createPrng>, stop: { now: boolean }, worker: number): Promise<void> {
  let n = 0;
  const insert = (logger: string, level: string) =>
    client.query('INSERT INTO logs (time, host, level, level_no, message, name, function) VALUES (now(), $1, $2, $3, $4, $5, $6)', [
      `host-${worker}`,
      level,
      level === 'INFO' ? 20 : 40,
      `${logger.slice(4)} failed for job ${n++}`,
      logger,
      'work',
    ]);
  while (!stop.now) {
    const logger = prng.pick(LOGGERS);
    if (prng.next() < 0.5) {
      await insert(logger, prng.next() < 0.2 ? 'INFO' : 'ERROR');
    } else {
      await client.query('BEGIN');
      for (let i = prng.between(1, 6); i > 0; i--) await insert(logger, 'ERROR');
      await sleep(prng.between(0, 250));
      await client.query(prng.next() < 0.15 ? 'ROLLBACK' : 'COMMIT');
    }
    await sleep(prng.between(0, 20));
  }
}

describe('sentinel run against PostgreSQL SIGKILLed at random moments while three connections write', () => {
  it(`loses no row and counts none twice (seed ${SEED})`, async ({ task }) => {
    const prng = createPrng(SEED);
    const admin = await cluster.connect();
    cleanups.push(() => admin.end());
    await admin.query(LOGS_TABLE);
    await cluster.grantRead('logs');
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-pg-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // Small batches: a kill lands between batches of one run as often as between runs.
    writeFileSync(
      join(dir, 'sentinel.yaml'),
      stringify({ source: { kind: 'postgres', first_run_lookback: '30d', batch_limit: 25 }, claude: { enabled: false } }),
    );
    const env = { PATH: process.env.PATH ?? '', HOME: dir, SENTINEL_PG_URL: cluster.readUrl };
    const run = () => execa('node', [CLI, 'run', '--json'], { cwd: dir, env, extendEnv: false, reject: false, timeout: 90_000 });
    expect((await run()).exitCode).toBe(0); // the baseline, before any row

    const stop = { now: false };
    const writers = await Promise.all([0, 1, 2].map(() => cluster.connect()));
    cleanups.push(...writers.map((w) => () => w.end()));
    const writing = Promise.all(writers.map((client, i) => writeUntil(client, createPrng(SEED + i + 1), stop, i)));

    let kills = 0;
    let runs = 0;
    const started = Date.now();
    while (kills < KILLS && Date.now() - started < 90_000) {
      runs++;
      await sleep(prng.between(0, 200));
      const child = run();
      if (prng.next() < 0.8) {
        await Promise.race([sleep(prng.between(30, 700)), child]);
        killTree(child.pid!);
        if ((await child).signal === 'SIGKILL') kills++;
        continue;
      }
      const result = await child;
      expect(result.exitCode, result.stderr).toBe(0);
    }
    stop.now = true;
    await writing;
    // Clean runs until one reads nothing: every transaction has ended, so nothing waits.
    for (let i = 0; i < 10; i++) {
      const result = await run();
      expect(result.exitCode, result.stderr).toBe(0);
      if ((JSON.parse(result.stdout) as { rows_read: number }).rows_read === 0) break;
    }

    const expected = new Map<string, number>();
    for (const row of (
      await admin.query<{ name: string; n: string }>('SELECT name, count(*) AS n FROM logs WHERE level_no >= 30 GROUP BY name')
    ).rows) {
      expected.set(row.name, Number(row.n));
    }
    const state = readState(join(dir, '.sentinel', 'state.db'));
    const counted = new Map<string, number>();
    for (const g of state.groups) counted.set(g.logger ?? '', (counted.get(g.logger ?? '') ?? 0) + g.total);
    let lost = 0;
    let twice = 0;
    for (const logger of new Set([...expected.keys(), ...counted.keys()])) {
      const diff = (counted.get(logger) ?? 0) - (expected.get(logger) ?? 0);
      if (diff < 0) lost -= diff;
      else twice += diff;
    }
    const checked = [...expected.values()].reduce((a, b) => a + b, 0);
    task.meta.reliability = { kills: { total: kills, inClaude: 0, inDelivery: 0 }, rows: { checked, lost, twice } };
    console.log(`postgres crash: seed ${SEED}, ${runs} runs, ${kills} kills, ${checked} rows checked, ${lost} lost, ${twice} twice`);

    expect(kills).toBeGreaterThanOrEqual(KILLS);
    expect(checked).toBeGreaterThan(500);
    expect(state.integrity).toBe('ok');
    expect({ lost, twice }).toEqual({ lost: 0, twice: 0 });
  }, 240_000);
});
