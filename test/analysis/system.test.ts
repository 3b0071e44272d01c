import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/adapters/state-store.js';
import { openLogRows } from '../../src/analysis/log-rows.js';
import { readSystemSample, sampleSystemNow } from '../../src/adapters/system-probe.js';
import { systemAnalysis } from '../../src/analysis/system.js';
import { parseConfig } from '../../src/core/config.js';
import { createRedactor } from '../../src/core/redact.js';
import { tempDir } from '../support/temp.js';

const clock = { now: () => Date.now() };

describe('readSystemSample', () => {
  it('reads this machine without waiting: load, cores, the CPU counters, memory and the mounts asked for', () => {
    const { sample, problems } = readSystemSample(['/', '/no/such/mount'], clock);
    expect(sample.cores).toBeGreaterThan(0);
    expect(sample.cpuBusy).toBeNull();
    expect(sample.cpu?.total).toBeGreaterThan(sample.cpu?.idle ?? Infinity);
    expect(sample.memTotal).toBeGreaterThan(sample.memAvailable);
    expect(sample.mounts).toHaveLength(1);
    expect(sample.mounts[0]?.size).toBeGreaterThan(sample.mounts[0]?.free ?? Infinity);
    expect(problems).toEqual(['/no/such/mount: ENOENT']);
  });
});

describe('sampleSystemNow', () => {
  it('measures CPU use over a brief interval, for `analyze system`', async () => {
    const { sample } = await sampleSystemNow(['/'], clock, 50);
    expect(sample.cpuBusy).toBeGreaterThanOrEqual(0);
    expect(sample.cpuBusy).toBeLessThanOrEqual(1);
  });
});

describe('recorded samples and the system analysis', () => {
  it('records samples in the state DB and judges the machine against them', async () => {
    const stateDir = tempDir('sentinel-state-');
    const writable = openStateStore(stateDir);
    const { sample } = readSystemSample(['/'], clock);
    const hour = 3_600_000;
    // A quarter of the CPU busy between consecutive samples: 100 jiffies an hour, 25 of them busy.
    for (let i = 48; i >= 1; i--)
      writable.recordSystemSample({ ...sample, at: sample.at - i * hour, cpu: { idle: 75 * (48 - i), total: 100 * (48 - i) } });
    expect(writable.systemSamplesSince(sample.at - 24.5 * hour)).toHaveLength(24);
    writable.close();

    const logDb = join(stateDir, 'logs.db');
    new Database(logDb).exec(
      'CREATE TABLE logs (id INTEGER PRIMARY KEY, time TEXT, level TEXT, message TEXT, name TEXT, function TEXT, line INTEGER, exception TEXT, extra TEXT)',
    );
    const parsed = parseConfig({ source: { path: logDb }, system: { mounts: ['/'] } });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const state = openStateStore(stateDir, { readonly: true });
    const result = await systemAnalysis.run(
      { hours: 72 },
      { config: parsed.config, state, logs: openLogRows(logDb, parsed.config.source), redactor: createRedactor(), clock },
    );
    state.close();
    expect(result.kind).toBe('ok');
    const lines = result.text.split('\n');
    expect(lines[0]).toMatch(/^system: (normal — 49 samples|concerning — )/);
    expect(result.text).toMatch(/^- load .* on \d+ cores/m);
    expect(result.text).toMatch(/^- \/: disk [\d.]+ % used, .* free; inodes .*; (not filling|full in|no fill)/m);
    expect(result.text).toContain('Series over the last 72 h (48 recorded samples):');
    expect(result.kind === 'ok' && result.series?.map((s) => s.name)).toEqual(
      expect.arrayContaining(['load per core', 'CPU busy', 'memory available', '/ disk used']),
    );
    const cpu = result.kind === 'ok' ? result.series?.find((s) => s.name === 'CPU busy') : undefined;
    expect(cpu?.points.slice(0, 47).map((p) => p.v)).toEqual(Array(47).fill(25)); // derived from the counters
  });

  it('refuses arguments outside the bounds', async () => {
    const result = await systemAnalysis.run({ hours: 100_000 }, {} as never);
    expect(result).toMatchObject({ kind: 'rejected', text: expect.stringMatching(/^invalid arguments: hours: /) });
  });
});
