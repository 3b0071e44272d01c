import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorGroup } from '../../src/analysis/error-group.js';
import { CUT_NOTE, formatHour } from '../../src/analysis/render.js';
import { FAKE_SECRETS, findLeaks } from '../fixtures/secrets.js';
import { makeProject } from '../support/cli.js';
import { bytes, expectBalancedFences, openDeps, runPipeline, writeLogDb, type RowSpec } from './support.js';

const HOUR = 3_600_000;
const now = Date.now();
const H = Math.floor(now / HOUR) * HOUR;

const traceback = (frames: number) =>
  [
    'Traceback (most recent call last):',
    ...Array.from({ length: frames }, (_, i) => `  File "/srv/app/jobs.py", line ${i + 1}, in step_${i + 1}`),
    'ZeroDivisionError: division by zero',
  ].join('\n');

const failure = (job: number, time: number, extra: string | null = null): RowSpec => ({
  time,
  message: `job ${job} failed`,
  exception: traceback(100),
  extra,
});

let deps: ReturnType<typeof openDeps>;
let fingerprint: string;

beforeAll(async () => {
  const project = makeProject();
  const secret = FAKE_SECRETS[0]!.secret;
  writeLogDb(project.db, [
    ...[1, 2, 3, 4].map((job) => failure(job, H - 50 * HOUR + job * 1000, JSON.stringify({ api_key: secret }))),
    failure(5, H - 8 * HOUR + 60_000),
    ...[6, 7, 8].map((job) => failure(job, H - 5 * HOUR + 60_000)),
    ...[9, 10].map((job) => failure(job, H - 2 * HOUR + 60_000)),
  ]);
  const groups = await runPipeline(project.dir);
  expect(groups).toHaveLength(1);
  fingerprint = groups[0]!.fingerprint;
  deps = openDeps(project.configFile, now);
});
afterAll(() => deps?.close());

describe('error_group', () => {
  it('opens with a one-line summary, then what the group is, samples, the traceback and counts per hour', async () => {
    const result = await errorGroup.run({ fingerprint, hours: 6 }, deps);
    expect(result).toMatchObject({ kind: 'ok', truncated: false });
    const lines = result.text.split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^Group ${fingerprint}: ERROR, active, 10 rows from \\S+ \\S+Z to \\S+ \\S+Z; 5 in the last 6 h; busiest hour ${formatHour(H - 5 * HOUR)} with 3\\.$`,
      ),
    );
    expect(result.text).toContain('exception: ZeroDivisionError\nlogger: app.jobs\nfunction: run\ntemplate: job <num> failed\n');
    expect(lines.filter((l) => l.startsWith('Sample '))).toEqual([
      expect.stringMatching(/^Sample 1 of 3: row 1 at /),
      expect.stringMatching(/^Sample 2 of 3: row 2 at /),
      expect.stringMatching(/^Sample 3 of 3: row 3 at /),
    ]);
    expect(result.text.slice(result.text.indexOf('Rows per hour'))).toBe(
      ['Rows per hour (UTC), last 6 h: 2 of 6 hours had rows:', `${formatHour(H - 5 * HOUR)}  3`, `${formatHour(H - 2 * HOUR)}  2`].join(
        '\n',
      ),
    );
    expectBalancedFences(result.text);
  });

  it('trims a long traceback to its first and last lines', async () => {
    const result = await errorGroup.run({ fingerprint }, deps);
    const trace = result.text.slice(result.text.indexOf('Traceback of sample 1 (row 1):'));
    expect(trace).toContain('Traceback (most recent call last):\n  File "/srv/app/jobs.py", line 1, in step_1\n');
    expect(trace).toContain('… 62 lines cut …\n  File "/srv/app/jobs.py", line 65, in step_65\n');
    expect(trace).toContain('line 100, in step_100\nZeroDivisionError: division by zero\n```');
    expect(trace).not.toContain('step_3\n');
  });

  it('shows samples redacted', async () => {
    const result = await errorGroup.run({ fingerprint }, deps);
    expect(result.text).toContain('extra: {"api_key":"[REDACTED:anthropic_key]"}');
    expect(findLeaks(result.text)).toEqual([]);
  });

  it('refuses malformed and unknown fingerprints and windows outside 1–168 hours', async () => {
    expect(await errorGroup.run({ fingerprint: 'deadbeef00000000' }, deps)).toEqual({
      kind: 'rejected',
      text: 'no error group with fingerprint deadbeef00000000: use a fingerprint named in the prompt',
    });
    for (const args of [
      { fingerprint: "x' OR '1'='1" },
      { fingerprint: `${fingerprint}; DROP TABLE groups` },
      { fingerprint: 'a'.repeat(65) },
      { fingerprint: '' },
      { fingerprint, hours: 0 },
      { fingerprint, hours: 169 },
      { fingerprint, hours: 1e12 },
      { fingerprint, hours: 2.5 },
      { fingerprint: 42 },
    ]) {
      const result = await errorGroup.run(args, deps);
      expect(result.kind, JSON.stringify(args)).toBe('rejected');
      expect(result.text).toMatch(/^invalid arguments: /);
    }
  });
});

describe('error_group on a busy group', () => {
  it('cuts the answer at 8 KB with a note, the summary kept and no fence left open', async () => {
    const project = makeProject();
    const long = (n: number) => `upload ${n} failed: ${'disk quota exceeded on volume '.repeat(60)}`;
    writeLogDb(
      project.db,
      Array.from({ length: 168 }, (_, i) => ({ time: H - (167 - i) * HOUR + 60_000, message: long(i), exception: traceback(300) })),
    );
    const [group] = await runPipeline(project.dir);
    const busy = openDeps(project.configFile, now);
    try {
      const week = await errorGroup.run({ fingerprint: group!.fingerprint, hours: 168 }, busy);
      expect(week).toMatchObject({ kind: 'ok', truncated: true });
      expect(bytes(week.text)).toBeLessThanOrEqual(8192);
      expect(week.text.startsWith(`Group ${group!.fingerprint}: ERROR, active, 168 rows from`)).toBe(true);
      expect(week.text.endsWith(`\n${CUT_NOTE}`)).toBe(true);
      expectBalancedFences(week.text);

      const day = await errorGroup.run({ fingerprint: group!.fingerprint, hours: 24 }, busy);
      expect(day).toMatchObject({ kind: 'ok', truncated: false });
      expect(day.text).toContain('Rows per hour (UTC), last 24 h: 24 of 24 hours had rows:');
    } finally {
      busy.close();
    }
  });
});
