import { readFileSync, statfsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CpuTimes, MountSample, SystemSample } from '../core/system-health.js';
import type { Clock } from '../core/types.js';

/** Idle and total jiffies of all CPUs since boot, from the first line of /proc/stat. */
function readCpuTimes(): CpuTimes | null {
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

/** Load, memory, the configured mounts and the CPU counters (Linux /proc), with no waiting: CPU
 * use comes from the counters of consecutive samples, so each `sentinel run` stays cheap. */
export function readSystemSample(mounts: readonly string[], clock: Clock): SystemReading {
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
  const sample: SystemSample = {
    at: clock.now(),
    load1,
    load5,
    load15,
    cores: availableParallelism(),
    cpuBusy: null,
    cpu: readCpuTimes(),
    memAvailable: memory.available,
    memTotal: memory.total,
    mounts: read,
  };
  return { sample, problems };
}

/** The machine now, CPU use measured over a brief interval: for `sentinel analyze system`. */
export async function sampleSystemNow(mounts: readonly string[], clock: Clock, cpuIntervalMs = 200): Promise<SystemReading> {
  const before = readCpuTimes();
  await sleep(cpuIntervalMs);
  const reading = readSystemSample(mounts, clock);
  const after = reading.sample.cpu ?? null;
  const delta = before && after ? after.total - before.total : 0;
  reading.sample.cpuBusy = before && after && delta > 0 ? 1 - (after.idle - before.idle) / delta : null;
  return reading;
}
