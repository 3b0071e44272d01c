import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readNabCorpus } from '../../src/bench/nab-corpus.js';
import { aggregateScores, scoreSeries } from '../../src/bench/window-metrics.js';
import { formatTimestamp } from '../../src/core/csv-series.js';
import { judge, prepareSeries } from '../../src/core/judge.js';
import type { Judgement, JudgeOptions, SeriesPoint } from '../../src/core/judge-types.js';
import { tempDir } from '../support/temp.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 0, 1); // a Monday

/** Deterministic noise in [-1, 1) (mulberry32), so every run sees the same series. */
function createNoise(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

function makeSeries(days: number, stepMinutes: number, value: (t: number, noise: number) => number, seed = 1): SeriesPoint[] {
  const noise = createNoise(seed);
  const points: SeriesPoint[] = [];
  for (let t = T0; t < T0 + days * DAY; t += stepMinutes * MINUTE) points.push({ t, v: value(t, noise()) });
  return points;
}

const at = (day: number, hour = 0, minute = 0) => T0 + day * DAY + hour * HOUR + minute * MINUTE;
const within = (t: number, from: number, minutes: number) => t >= from && t < from + minutes * MINUTE;
const queue = (spike: (t: number) => boolean) => makeSeries(3, 5, (t, n) => (spike(t) ? 153 : 11.5 + 2.5 * n));
const daily = (t: number, n: number) => 50 + 30 * Math.sin((2 * Math.PI * (t - T0)) / DAY) + 2 * n;
const opts = (name: string, extra: Partial<JudgeOptions> = {}): JudgeOptions => ({ name, ...extra });

describe('judge', () => {
  it.each([
    ['a flat series', makeSeries(3, 5, () => 45)],
    ['steady noise', makeSeries(3, 5, (_t, n) => 10 + n)],
    ['a daily cycle', makeSeries(5, 5, daily)],
    ['a single-reading spike (no persistence)', queue((t) => within(t, at(2, 14), 5))],
  ])('%s is normal', (_label, points) => {
    const j = judge(points, opts('queue depth'));
    expect(j.flags).toEqual([]);
    expect(j.verdict).toBe('normal');
    expect(j.summary).toMatch(/^queue depth: normal — \d+ points over \d+ days; \d+ judged after a 24 hours warm-up$/);
  });

  it('flags a spike that persists, naming the value and the usual range', () => {
    const j = judge(
      queue((t) => within(t, at(2, 14), 40)),
      opts('queue depth'),
    );
    expect(j.verdict).toBe('concerning');
    expect(j.flags).toHaveLength(1);
    const [flag] = j.flags;
    // Raised at the second reading, from what was known then; open until the queue recovered.
    expect(flag?.start).toBe(at(2, 14, 5));
    expect(flag?.end).toBe(at(2, 14, 35));
    expect(flag?.kind).toBe('above');
    expect(flag?.reason).toMatch(/^queue depth 153, above its usual (\d+(\.\d+)?)–(\d+(\.\d+)?) over the last 7 days for 5 minutes$/);
    const [, lo, , hi] = /usual ([\d.]+)(–)([\d.]+)/.exec(flag?.reason ?? '') ?? [];
    // The noise spans 9–14; the band is its median ± 2 robust deviations.
    expect(Number(lo)).toBeGreaterThanOrEqual(7);
    expect(Number(hi)).toBeLessThanOrEqual(16);
  });

  it.each([
    ['up', 30, 'above'],
    ['down', -10, 'below'],
  ] as const)('flags a level shift %s as it happens', (_label, after, kind) => {
    const points = makeSeries(4, 5, (t, n) => (t >= at(2, 9) ? after : 10) + n);
    const j = judge(points, opts('latency', { unit: ' ms' }));
    expect(j.flags[0]?.kind).toBe(kind);
    expect(j.flags[0]?.start).toBe(at(2, 9, 5));
    expect(j.flags[0]?.reason).toMatch(
      new RegExp(`^latency -?[\\d.]+ ms, ${kind} its usual [\\d.]+–[\\d.]+ ms over the last 7 days for 5 minutes$`),
    );
    expect(j.flags.every((f) => f.start >= at(2, 9))).toBe(true);
  });

  it('judges against the daily pattern: a missing peak is flagged, at its time of day', () => {
    const points = makeSeries(6, 5, (t, n) => (within(t, at(4, 3), 6 * 60) ? 50 + 2 * n : daily(t, n)));
    const j = judge(points, opts('orders', { unit: '/min' }));
    expect(j.flags.length).toBeGreaterThanOrEqual(1);
    expect(j.flags[0]?.kind).toBe('below');
    expect(j.flags[0]?.start).toBeGreaterThanOrEqual(at(4, 3));
    expect(j.flags[0]?.start).toBeLessThan(at(4, 5));
    expect(j.flags[0]?.reason).toMatch(/^orders [\d.]+\/min, below its usual [\d.]+–[\d.]+\/min at 0[34]:\d\d for \d+ minutes$/);
  });

  it('flags a trend towards the limit with a forecast, and reports utilisation', () => {
    const points = makeSeries(3, 10, (t, n) => 20 + ((t - T0) / HOUR) * 1.0 + 0.3 * n);
    const j = judge(points, opts('disk used', { unit: ' GB', limit: 100 }));
    const limitFlags = j.flags.filter((f) => f.kind === 'limit');
    expect(limitFlags).toHaveLength(1);
    expect(limitFlags[0]?.reason).toMatch(
      /^disk used 7\d(\.\d)? GB, 7\d % of its limit 100 GB, rising 1 GB per hour: at this rate it reaches the limit in about 2\d hours$/,
    );
    expect(j.limit?.peakShare).toBeCloseTo(0.92, 1);
    expect(j.limit?.timeAbove80Ms).toBeGreaterThan(11 * HOUR);
    expect(j.limit?.timeToLimitMs).toBeGreaterThan(7 * HOUR);
    expect(j.limit?.timeToLimitMs).toBeLessThan(9 * HOUR);
    expect(j.summary).toContain('limit 100 GB: peak 9');
  });

  it('flags reaching the limit, and stays quiet far below it', () => {
    const capped = judge(
      makeSeries(2, 10, (t, n) => (t >= at(1, 12) ? 100 : 60 + n)),
      opts('requests', { limit: 100 }),
    );
    expect(capped.flags.find((f) => f.kind === 'limit')?.reason).toBe('requests 100, 100 % of its limit 100, at or above it');
    const calm = judge(
      makeSeries(3, 10, (_t, n) => 40 + n),
      opts('requests', { limit: 100 }),
    );
    expect(calm.flags).toEqual([]);
    expect(calm.limit?.timeToLimitMs ?? null).toBeNull();
    expect(calm.summary).toMatch(/limit 100: peak 4\d \(4\d %\), 0 seconds above 80 %, not trending towards it$/);
  });

  it.each([
    [6, 2.5, 'q 56, above its usual 3.5–9.5 over the last 7 days for 5 minutes'],
    [11.5, 2.5, 'q 61.5, above its usual 9–15 over the last 7 days for 5 minutes'],
    [0.05, 0.02, 'q 0.45, above its usual 0.03–0.08 over the last 7 days for 5 minutes'],
    [1015, 3, 'q 1075, above its usual 1012–1019 over the last 7 days for 5 minutes'],
  ])('rounds the usual band of a series around %d ± %d to figures that fit its width', (base, amp, reason) => {
    const spike = (t: number) => within(t, at(2, 12), 10);
    const j = judge(
      makeSeries(3, 5, (t, n) => (spike(t) ? base + 20 * amp : base + amp * n)),
      opts('q'),
    );
    expect(j.flags.map((f) => f.reason)).toEqual([reason]);
  });

  it('says a series over its limit is over it, for how long and its trend, instead of forecasting reaching it', () => {
    const j = judge(
      makeSeries(3, 10, (t, n) => (t >= at(2, 22) ? 112 + n : 40 + n)),
      opts('queue_depth', { limit: 100 }),
    );
    expect(j.summary).not.toContain('reaches it');
    expect(j.summary).toMatch(
      /; limit 100: peak 113 \(113 %\), 110 minutes above 80 %, above it for the last 110 minutes, still rising 1\.35 per hour$/,
    );
    expect(j.limit?.timeToLimitMs).toBeNull();
  });

  it('turns counters into rates: a reset is normal, a burst is flagged as a rate', () => {
    let total = 0;
    const counter = makeSeries(3, 5, (t, n) => {
      if (t === at(1, 18)) total = 0; // the process restarted
      total += (within(t, at(2, 12), 60) ? 10 : 2 + 0.2 * n) * 300;
      return total;
    });
    expect(prepareSeries(counter, true)[0]?.v).toBeCloseTo(2, 0);
    const j = judge(counter, opts('requests', { counter: true, unit: '/s' }));
    expect(j.flags).toHaveLength(1);
    expect(j.flags[0]?.reason).toMatch(/^requests 10\/s, above its usual [\d.]+–[\d.]+\/s over the last 7 days/);
  });

  it.each([
    ['short', makeSeries(1, 180, () => 5), /^jobs: warming up — 8 points; a baseline needs 24 and 24 hours of history$/],
    [
      'sparse',
      makeSeries(20, 12 * 60, (t) => (t > at(18) ? 500 : 5)),
      /none judged yet: the judge needs 24 hours of history and 24 points in its last 7 days/,
    ],
    ['younger than the warm-up', makeSeries(0.5, 5, (t) => (t > at(0, 10) ? 500 : 5)), /none judged yet/],
  ])('a %s series is not judged yet, and the summary says why', (_label, points, why) => {
    const j = judge(points, opts('jobs'));
    expect(j.verdict).toBe('normal');
    expect(j.warmingUp).toBeDefined();
    expect(j.flags).toEqual([]);
    expect(j.summary).toMatch(why);
  });
});

const NAB_DIR = fileURLToPath(new URL('../../../shared/eval/nab', import.meta.url));
const hasNab = existsSync(join(NAB_DIR, 'labels', 'windows.json'));
const nab = hasNab ? readNabCorpus(NAB_DIR) : [];

describe('judge, as data arrives', () => {
  const synthetic: [string, SeriesPoint[], JudgeOptions][] = [
    ['spike', queue((t) => within(t, at(2, 14), 40)), opts('q')],
    ['shift', makeSeries(4, 5, (t, n) => (t >= at(2, 9) ? 30 : 10) + n), opts('q')],
    ['seasonal', makeSeries(6, 5, (t, n) => (within(t, at(4, 3), 360) ? 50 + 2 * n : daily(t, n))), opts('q')],
    ['limit', makeSeries(3, 10, (t, n) => 20 + ((t - T0) / HOUR) * 1.0 + 0.3 * n), opts('q', { limit: 100 })],
  ];
  const real = nab
    .filter((s) => /nyc_taxi|ec2_request|art_daily_jumpsup|rogue_agent_key_updown|art_load_balancer/.test(s.key))
    .map((s): [string, SeriesPoint[], JudgeOptions] => [s.key, s.points, opts('n')]);

  it.each([...synthetic, ...real])('a prefix of %s gets exactly the flags the whole series has inside it', (_key, points, options) => {
    const sorted = prepareSeries(points, false);
    const whole = judge(sorted, options);
    expect(whole.flags.length).toBeGreaterThan(0);
    // Cut at flag edges (where a prefix could disagree) and at a few plain points.
    const edges = whole.flags.slice(0, 4).flatMap((f) => [f.start, f.end]);
    const cuts = [...edges, ...[0.3, 0.55, 0.8].map((q) => sorted[Math.floor(q * sorted.length)]?.t ?? 0)];
    for (const cut of cuts) {
      const prefix = sorted.filter((p) => p.t <= cut);
      const clip = (j: Judgement) =>
        j.flags.filter((f) => f.start <= cut).map((f) => ({ start: f.start, end: Math.min(f.end, cut), kind: f.kind, reason: f.reason }));
      expect(clip(judge(prefix, options))).toEqual(clip(whole));
    }
  });
});

describe.skipIf(!hasNab)('judge on the NAB subset', () => {
  const flagsByKey = new Map(nab.map((s) => [s.key, judge(s.points, opts(s.key))]));
  const scores = nab.map((s) =>
    scoreSeries(
      s.points.map((p) => p.t),
      s.windows,
      (flagsByKey.get(s.key)?.flags ?? []).map((f): [number, number] => [f.start, f.end]),
    ),
  );

  it('finds at least 65 % of the windows with at most 1.5 false-alarm runs per 1000 points', () => {
    const all = aggregateScores(scores);
    expect(all.recall).toBeGreaterThanOrEqual(0.65);
    expect(all.falseAlarmRunsPer1000).toBeLessThanOrEqual(1.5);
  });

  it('judges at most one anomaly-free series concerning, by its own verdict', () => {
    const quiet = nab.filter((s) => s.key.startsWith('artificialNoAnomaly/'));
    expect(quiet).toHaveLength(5);
    expect(quiet.filter((s) => flagsByKey.get(s.key)?.verdict === 'concerning').length).toBeLessThanOrEqual(1);
  });

  it('scores the flags exactly as window_eval.py does', async () => {
    const file = join(tempDir('judge-nab-'), 'flags.json');
    const flags = Object.fromEntries(
      nab.map((s) => [
        s.key,
        (flagsByKey.get(s.key)?.flags ?? []).map((f) => [formatTimestamp(f.start, s.format), formatTimestamp(f.end, s.format)]),
      ]),
    );
    writeFileSync(file, JSON.stringify(flags));
    const out = `${file}.result.json`;
    await execa('python3', [
      join(NAB_DIR, 'window_eval.py'),
      '--data-dir',
      join(NAB_DIR, 'data'),
      '--windows',
      join(NAB_DIR, 'labels', 'windows.json'),
      '--flags',
      file,
      '--json-out',
      out,
    ]);
    const { summary } = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(out, 'utf8'))) as {
      summary: { ALL: { window_recall: number; fa_events_per_1000: number; fa_per_1000: number } };
    };
    const all = aggregateScores(scores);
    expect(all.recall).toBeCloseTo(summary.ALL.window_recall, 9);
    expect(all.falseAlarmRunsPer1000).toBeCloseTo(summary.ALL.fa_events_per_1000, 9);
    expect(all.falseAlarmsPer1000).toBeCloseTo(summary.ALL.fa_per_1000, 9);
  });
});

describe('a series still warming up', () => {
  it('breaching its limit is concerning at once, before any baseline', () => {
    const points = Array.from({ length: 6 }, (_, i) => ({ t: Date.UTC(2026, 4, 1, i), v: 150 }));
    const j = judge(points, { name: 'quota', limit: 100 });
    expect(j.verdict).toBe('concerning');
    expect(j.flags.map((f) => f.kind)).toEqual(['limit']);
    expect(j.warmingUp).toEqual({ haveMs: 5 * 3_600_000, needMs: 24 * 3_600_000 });
  });
});
