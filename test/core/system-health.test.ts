import { describe, expect, it } from 'vitest';
import { deriveCpuBusy, forecastFull, judgeSystem, type SystemSample } from '../../src/core/system-health.js';

const HOUR = 3_600_000;
const GIB = 2 ** 30;
const t0 = Date.UTC(2025, 4, 1);

function sample(at: number, over: Partial<SystemSample> = {}, diskFree = 60 * GIB): SystemSample {
  return {
    at,
    load1: 0.5,
    load5: 0.5,
    load15: 0.5,
    cores: 4,
    cpuBusy: 0.1,
    memAvailable: 6 * GIB,
    memTotal: 8 * GIB,
    mounts: [{ path: '/', size: 100 * GIB, free: diskFree, files: 1000, filesFree: 800 }],
    ...over,
  };
}
/** Two days of quiet samples every 10 minutes. */
const quiet = Array.from({ length: 288 }, (_, i) => sample(t0 + i * 600_000));
const now = t0 + 288 * 600_000;

describe('judgeSystem', () => {
  it('is normal for a quiet machine, with one detail line per reading', () => {
    const judged = judgeSystem(quiet, sample(now));
    expect(judged.verdict).toBe('normal');
    expect(judged.summary).toMatch(/^system: normal — 289 samples/);
    expect(judged.details.join('\n')).toMatch(/\/: disk 40 % used, 60 GiB free; inodes 20 % used; not filling/);
  });

  it.each([
    { name: 'disk above 90 %', current: sample(now, {}, 5 * GIB), concern: '/ disk 95 % used, above 90 %' },
    {
      name: 'inodes above 90 %',
      current: sample(now, { mounts: [{ path: '/', size: 100 * GIB, free: 60 * GIB, files: 1000, filesFree: 50 }] }),
      concern: '/ inodes 95 % used, above 90 %',
    },
    { name: 'memory below 5 %', current: sample(now, { memAvailable: 0.2 * GIB }), concern: 'memory available 2.5 %, below 5 %' },
    { name: '15-minute load above 2x cores', current: sample(now, { load15: 9 }), concern: '15-minute load 9 is above 2× the 4 cores' },
  ])('is concerning when $name', ({ current, concern }) => {
    const judged = judgeSystem(quiet, current);
    expect(judged.verdict).toBe('concerning');
    expect(judged.concerns).toContain(concern);
    expect(judged.summary).toContain(concern);
  });

  it('does not call a short load spike sustained', () => {
    expect(judgeSystem(quiet, sample(now, { load1: 12, load5: 3 })).concerns.filter((c) => c.includes('load 1'))).toEqual([]);
  });

  it('flags a disk trending into full within a day, from the recorded samples', () => {
    // 1 GiB more every hour for two days: 88 % used, under the 90 % threshold, full in about 12 hours.
    const filling = quiet.map((s, i) => sample(s.at, {}, 60 * GIB - (i / 6) * GIB));
    const judged = judgeSystem(filling, sample(now, {}, 12 * GIB));
    expect(judged.concerns.join('\n')).not.toMatch(/above 90 %/);
    expect(judged.verdict).toBe('concerning');
    expect(judged.concerns.join('\n')).toMatch(/\/ disk used .*reaches the limit in about/);
  });
});

describe('forecastFull', () => {
  it('extrapolates the used bytes to the size', () => {
    const used = Array.from({ length: 25 }, (_, i) => ({ t: t0 + i * HOUR, v: 50 * GIB + i * GIB }));
    // 74 GiB used of 100 at 1 GiB per hour: 26 hours left.
    expect(forecastFull(used, 100 * GIB, t0 + 24 * HOUR)).toBe('full in about 26 hours at the trend over 24 hours (+24 GiB/day)');
  });

  it('says so when there is too little history or no growth', () => {
    expect(forecastFull([{ t: t0, v: 1 }], 10, t0)).toMatch(/no fill forecast yet/);
    const flat = Array.from({ length: 10 }, (_, i) => ({ t: t0 + i * HOUR, v: 5 }));
    expect(forecastFull(flat, 10, t0 + 9 * HOUR)).toBe('not filling (trend over 9 hours)');
  });
});

describe('deriveCpuBusy', () => {
  const at = (i: number, cpu: SystemSample['cpu'], cpuBusy: number | null = null) => sample(t0 + i * 300_000, { cpu, cpuBusy });
  it.each([
    [
      'busy jiffies over all jiffies since the sample before',
      [at(0, { idle: 0, total: 0 }), at(1, { idle: 750, total: 1000 })],
      [null, 0.25],
    ],
    ['a live reading is kept', [at(0, { idle: 0, total: 0 }), at(1, { idle: 750, total: 1000 }, 0.9)], [null, 0.9]],
    [
      'after a reboot the counters start again: no reading',
      [at(0, { idle: 5000, total: 9000 }), at(1, { idle: 10, total: 20 })],
      [null, null],
    ],
    ['no counters, no reading', [at(0, null), at(1, { idle: 10, total: 20 }), at(2, { idle: 20, total: 60 })], [null, null, 0.75]],
  ])('%s', (_, samples, busy) => {
    expect(deriveCpuBusy(samples).map((s) => s.cpuBusy)).toEqual(busy);
  });

  it('a recorded CPU series needs no live sampling', () => {
    const recorded = Array.from({ length: 48 }, (_, i) => at(i, { idle: 60 * i, total: 100 * i }));
    const judged = judgeSystem(recorded, sample(t0 + 48 * 300_000, { cpuBusy: 0.4 }));
    expect(judged.series.find((s) => s.name === 'CPU busy')?.points.map((p) => Math.round(p.v))).toEqual([...Array(47).fill(40), 40]);
  });
});

describe('hard thresholds', () => {
  it('are attached to the series they belong to, so `sentinel health` can tell which series crossed one', () => {
    const judged = judgeSystem(quiet, sample(now, {}, 5 * GIB));
    expect(judged.series.find((s) => s.name === '/ disk used')?.thresholds).toEqual(['/ disk 95 % used, above 90 %']);
    expect(judged.series.find((s) => s.name === 'memory available')?.thresholds).toBeUndefined();
  });
});
