import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintCounts } from '../../src/analysis/fingerprint-counts.js';
import { formatHour } from '../../src/analysis/render.js';
import { makeProject } from '../support/cli.js';
import { openDeps, runPipeline, writeLogDb } from './support.js';

const HOUR = 3_600_000;
const now = Date.now();
const H = Math.floor(now / HOUR) * HOUR;
const at = (hoursAgo: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ time: H - hoursAgo * HOUR + 60_000 + i, message: `payment ${i} declined`, level: 'WARNING' }));

let deps: ReturnType<typeof openDeps>;
let fingerprint: string;

beforeAll(async () => {
  const project = makeProject();
  writeLogDb(project.db, [...at(50, 4), ...at(8, 1), ...at(5, 3), ...at(2, 2)]);
  const groups = await runPipeline(project.dir);
  fingerprint = groups[0]!.fingerprint;
  deps = openDeps(project.configFile, now);
});
afterAll(() => deps?.close());

describe('fingerprint_counts', () => {
  it('counts per hour, oldest first, against the period before', async () => {
    const result = await fingerprintCounts.run({ fingerprint, last: 6 }, deps);
    expect(result.kind).toBe('ok');
    const [summary, , heading, ...rows] = result.text.split('\n');
    expect(summary).toMatch(
      new RegExp(
        `^Group ${fingerprint}: 5 rows in the last 6 hours, 1 in the 6 hours before; busiest hour ${formatHour(H - 5 * HOUR)} with 3; 10 in all since .*, active\\.$`,
      ),
    );
    expect(heading).toBe('Rows per hour (UTC), oldest first; the last hour is still running:');
    expect(rows).toEqual([5, 4, 3, 2, 1, 0].map((ago) => `${formatHour(H - ago * HOUR)}  ${{ 5: 3, 2: 2 }[ago] ?? 0}`));
  });

  it('counts per UTC day', async () => {
    const result = await fingerprintCounts.run({ fingerprint, per: 'day', last: 4 }, deps);
    const rows = result.text.split('\n').slice(3);
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => /^\d{4}-\d{2}-\d{2} {2}\d+$/.test(r))).toBe(true);
    expect(rows.reduce((sum, r) => sum + Number(r.split('  ')[1]), 0)).toBe(10);
    expect(rows[3]!.startsWith(new Date(now).toISOString().slice(0, 10))).toBe(true);
  });

  it('refuses more days than the state keeps, and unknown or malformed fingerprints', async () => {
    expect(await fingerprintCounts.run({ fingerprint, per: 'day', last: 9 }, deps)).toEqual({
      kind: 'rejected',
      text: 'counts are kept for 8 days: ask for per=day with last at most 8',
    });
    expect((await fingerprintCounts.run({ fingerprint: 'nope' }, deps)).kind).toBe('rejected');
    for (const args of [
      { fingerprint: '../state.db' },
      { fingerprint, per: 'week' },
      { fingerprint, last: 169 },
      { fingerprint, last: -3 },
    ]) {
      expect((await fingerprintCounts.run(args, deps)).text, JSON.stringify(args)).toMatch(/^invalid arguments: /);
    }
  });
});
