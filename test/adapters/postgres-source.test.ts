import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresSource } from '../../src/adapters/postgres-source.js';
import { parseConfig, type PostgresSourceConfig } from '../../src/core/config.js';
import type { Checkpoint } from '../../src/core/records.js';
import { checkPostgresSource } from '../../src/stages/doctor-postgres.js';
import { insertRow, LOGS_TABLE, startPostgres, type PgCluster } from '../support/postgres.js';

let cluster: PgCluster;
const clients: pg.Client[] = [];
beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const client of clients) await client.end().catch(() => {});
  await cluster?.stop();
});
beforeEach(async () => {
  const admin = await connection();
  await admin.query(`DROP TABLE IF EXISTS logs; ${LOGS_TABLE}`);
  await cluster.grantRead('logs');
});

async function connection(): Promise<pg.Client> {
  const client = await cluster.connect();
  clients.push(client);
  return client;
}

function sourceConfig(extra: Record<string, unknown> = {}): PostgresSourceConfig {
  const parsed = parseConfig({ source: { kind: 'postgres', ...extra } });
  if (!parsed.ok || parsed.config.source.kind !== 'postgres') throw new Error(JSON.stringify(parsed));
  return parsed.config.source;
}

/** One run's read: from the stored checkpoint (or everything since the epoch), all batches. */
async function poll(stored: Checkpoint | null, extra: Record<string, unknown> = {}) {
  const source = await openPostgresSource(sourceConfig(extra), cluster.readUrl);
  try {
    const { from } = await source.start(stored, 0);
    const ids: number[] = [];
    for await (const batch of source.read(from)) ids.push(...batch.map((r) => r.id));
    return { ids, to: source.position(), waiting: await source.waiting() };
  } finally {
    await source.close();
  }
}

describe('the PostgreSQL cursor (txid, id) below the snapshot horizon', () => {
  it('a row whose transaction commits after a later id is read once it commits, not skipped', async () => {
    const [a, b] = [await connection(), await connection()];
    await a.query('BEGIN');
    const first = await insertRow(a, 'slow transaction row');
    const second = await insertRow(b, 'fast autocommit row');
    expect(second).toBeGreaterThan(first);
    let cursor = await poll(null);
    expect(cursor.ids).toEqual([]); // a max(id) reader would have taken row 2 and skipped row 1 for good
    await a.query('COMMIT');
    const after = await poll(cursor.to);
    expect(after.ids).toEqual([first, second]);
    cursor = await poll(after.to);
    expect(cursor.ids).toEqual([]);
  });

  it('a transaction that took its id first and commits last: its row comes first, each row once', async () => {
    const [a, b] = [await connection(), await connection()];
    const start = await poll(null);
    await a.query('BEGIN');
    await a.query('SELECT pg_current_xact_id()');
    await b.query('BEGIN');
    const fromB = await insertRow(b, 'committed first');
    await b.query('COMMIT');
    const fromA = await insertRow(a, 'took its txid first, committed last');
    const stalled = await poll(start.to);
    expect(stalled.ids).toEqual([]);
    expect(stalled.waiting).toBe(1); // B's row is committed but held behind A
    await a.query('COMMIT');
    const read = await poll(stalled.to);
    expect(read.ids).toEqual([fromA, fromB]);
    expect((await poll(read.to)).ids).toEqual([]);
  });

  it('a rolled-back insert leaves a gap the reader steps over', async () => {
    const [a, b] = [await connection(), await connection()];
    const start = await poll(null);
    await a.query('BEGIN');
    const lost = await insertRow(a, 'rolled back');
    await a.query('ROLLBACK');
    const kept = await insertRow(b, 'after the gap');
    const read = await poll(start.to);
    expect(read.ids).toEqual([kept]);
    expect(kept).toBe(lost + 1);
    const next = await insertRow(b, 'and on');
    expect((await poll(read.to)).ids).toEqual([next]);
  });

  it('a transaction held open across several runs stalls them, and its rows and the ones behind it arrive once it commits', async () => {
    const [a, b] = [await connection(), await connection()];
    let cursor = (await poll(null)).to;
    await a.query('BEGIN');
    const held = await insertRow(a, 'inside a long transaction');
    const behind: number[] = [];
    for (let run = 0; run < 3; run++) {
      behind.push(await insertRow(b, `written during run ${run}`));
      const read = await poll(cursor);
      expect(read.ids).toEqual([]);
      expect(read.waiting).toBe(behind.length);
      cursor = read.to;
    }
    await a.query('COMMIT');
    const read = await poll(cursor);
    expect(read.ids).toEqual([held, ...behind]);
    expect(read.waiting).toBe(0);
    expect((await poll(read.to)).ids).toEqual([]);
  });

  it('a batch limit smaller than the backlog reads every row exactly once, in cursor order', async () => {
    const writers = [await connection(), await connection(), await connection()];
    const written: number[] = [];
    for (let i = 0; i < 50; i++) written.push(await insertRow(writers[i % 3]!, `row ${i}`, { level: i % 5 === 0 ? 'INFO' : 'ERROR' }));
    const read = await poll(null, { batch_limit: 7 });
    const expected = written.filter((_, i) => i % 5 !== 0); // INFO is below min_level
    expect(read.ids).toEqual(expected);
    expect((await poll(read.to, { batch_limit: 7 })).ids).toEqual([]);
  });

  it('orders by the txid itself, not its text: rows either side of txid 10^k in one batch come in order, each once', async () => {
    const [a, b] = [await connection(), await connection()];
    const start = await poll(null);
    // Spend transaction ids until the next one is 3 below a power of ten (as text, "1000" < "999").
    const next = Number((await a.query<{ x: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x')).rows[0]!.x);
    const boundary = 10 ** Math.ceil(Math.log10(next + 4));
    await a.query(`DO $$ BEGIN FOR i IN 1..${boundary - 3 - next} LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`);
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await insertRow(i % 2 ? a : b, `row ${i}`));
    const txids = (await a.query<{ t: string }>('SELECT txid::text AS t FROM logs ORDER BY id')).rows.map((r) => Number(r.t));
    expect(txids[0]).toBeLessThan(boundary);
    expect(txids.at(-1)).toBeGreaterThanOrEqual(boundary);
    const read = await poll(start.to);
    expect(read.ids).toEqual(ids);
    expect((await poll(read.to)).ids).toEqual([]);
  });

  it('refuses a checkpoint this cluster has not handed out yet (a restore), naming the fix', async () => {
    const restored: Checkpoint = { id: 12, identity: 'txid:90000000000' };
    await expect(poll(restored)).rejects.toThrow(
      /source main \(PostgreSQL table logs\): the checkpoint \(txid 90000000000\) is ahead of this cluster \(next txid \d+\): the database was restored or replaced; .*sentinel run --rebaseline main/,
    );
  });

  it('names a missing xid8 cursor column and a role that may not read', async () => {
    const admin = await connection();
    await admin.query('ALTER TABLE logs DROP COLUMN txid');
    await expect(poll(null)).rejects.toThrow('source main: table "logs" has no column "txid" (columns.txid)');
    await admin.query('ALTER TABLE logs ADD COLUMN txid bigint');
    await expect(poll(null)).rejects.toThrow(/column "txid" is bigint, not xid8 \(columns.txid\)/);
    await admin.query('REVOKE SELECT ON logs FROM sentinel_reader');
    await expect(poll(null)).rejects.toThrow(/no table "logs" readable by this role|permission denied for table logs/);
  });

  it('doctor: a role that could write the table is a warning, a SELECT-only role is fine', async () => {
    const config = sourceConfig();
    const writer = await checkPostgresSource(config, { SENTINEL_PG_URL: cluster.url });
    expect(writer.map((c) => c.status)).toEqual(['ok', 'warn']);
    expect(writer[1]!.text).toBe(
      'source main (PostgreSQL table logs): the role could INSERT, UPDATE, DELETE, TRUNCATE it: sentinel only needs SELECT',
    );
    const reader = await checkPostgresSource(config, { SENTINEL_PG_URL: cluster.readUrl });
    expect(reader.map((c) => c.status)).toEqual(['ok']);
    const missing = await checkPostgresSource(config, {});
    expect(missing[0]!.text).toBe('source main: no PostgreSQL URL: set $SENTINEL_PG_URL or the systemd credential postgres-url');
  });
});
