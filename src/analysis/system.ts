import { readFileSync, statfsSync } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { StateStore } from '../adapters/state-store.js';
import { judgeSystem, type MountSample, type SystemSample } from '../core/system-health.js';
import type { Clock } from '../core/types.js';
import { defineHealthAnalysis } from './define-health.js';
import { renderSeries } from './render-series.js';

const HOUR = 3_600_000;
/** Samples older than this are deleted when a new one is recorded. */
const RETAIN_MS = 30 * 24 * HOUR;

/** Idle and busy jiffies of all CPUs since boot, from the first line of /proc/stat. */
function readCpuTimes(): { idle: number; total: number } | null {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 5 || fields.some((n) => !Number.isFinite(n))) return null;
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    return { idle, total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

function readMemory(): { available: number; total: number } {
  const text = readFileSync('/proc/meminfo', 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { available: kib('MemAvailable'), total: kib('MemTotal') };
}

function readLoad(): [number, number, number] {
  const [a, b, c] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [a ?? 0, b ?? 0, c ?? 0];
}

export interface SystemReading {
  sample: SystemSample;
  /** Mounts that could not be read, as "path: reason". */
  problems: string[];
}

/** Reads load, CPU (sampled over `cpuIntervalMs`), memory and the configured mounts (Linux /proc). */
export async function readSystemSample(mounts: readonly string[], clock: Clock, cpuIntervalMs = 200): Promise<SystemReading> {
  const before = readCpuTimes();
  await sleep(cpuIntervalMs);
  const after = readCpuTimes();
  const delta = before && after ? after.total - before.total : 0;
  const cpuBusy = before && after && delta > 0 ? 1 - (after.idle - before.idle) / delta : null;
  const [load1, load5, load15] = readLoad();
  const memory = readMemory();
  const problems: string[] = [];
  const read: MountSample[] = [];
  for (const path of mounts) {
    try {
      const s = statfsSync(path);
      read.push({ path, size: s.blocks * s.bsize, free: s.bavail * s.bsize, files: s.files, filesFree: s.ffree });
    } catch (error) {
      problems.push(`${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  const sample = { at: clock.now(), load1, load5, load15, cores: cpus().length, cpuBusy, memAvailable: memory.available, memTotal: memory.total, mounts: read };
  return { sample, problems };
}

/** One sample per `sentinel run`; old ones are pruned in the same call. */
export function recordSystemSample(state: Pick<StateStore, 'db'>, sample: SystemSample): void {
  state.db.transaction(() => {
    state.db.prepare('INSERT OR REPLACE INTO system_samples (at, sample) VALUES (?, ?)').run(sample.at, JSON.stringify(sample));
    state.db.prepare('DELETE FROM system_samples WHERE at < ?').run(sample.at - RETAIN_MS);
  })();
}

export function readSystemSamples(state: Pick<StateStore, 'db'>, since: number): SystemSample[] {
  const rows = state.db.prepare('SELECT sample FROM system_samples WHERE at >= ? ORDER BY at').all(since) as { sample: string }[];
  return rows.map((r) => JSON.parse(r.sample) as SystemSample);
}

export const systemAnalysis = defineHealthAnalysis({
  name: 'system',
  description:
    'The machine now: load vs cores, CPU busy, memory available, disk and inode use of the configured mounts, ' +
    'a disk-full forecast, each judged against the samples sentinel records once per run (hard thresholds: ' +
    'disk or inodes > 90 %, memory available < 5 %, 15-minute load > 2x cores).',
  inputSchema: z.strictObject({
    hours: z.number().int().min(1).max(720).default(168).describe('hours of recorded samples to judge against, 1–720 (default 168)'),
  }),
  async run({ hours }, { config, state, clock }) {
    const { sample, problems } = await readSystemSample(config.system.mounts, clock);
    const history = readSystemSamples(state, sample.at - hours * HOUR);
    const judged = judgeSystem(history, sample);
    const out = [judged.summary, '', ...judged.details.map((d) => `- ${d}`)];
    for (const problem of problems) out.push(`- unreadable mount ${problem}`);
    if (judged.concerns.length > 1) out.push('', 'Concerns:', ...judged.concerns.map((c) => `- ${c}`));
    if (history.length === 0) out.push('', 'No recorded samples yet to judge trends against: each `sentinel run` records one.');
    else out.push('', `Series over the last ${hours} h (${history.length} recorded samples):`, ...judged.series.flatMap((s) => renderSeries(s, 3)));
    return { kind: 'ok', text: out.join('\n'), truncated: false, series: judged.series };
  },
});
