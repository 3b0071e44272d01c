import { describeSpan, formatValue } from './judge-format.js';
import type { ChartSeries } from './health.js';
import { judge } from './judge.js';
import type { SeriesPoint } from './judge-types.js';

export interface MountSample {
  path: string;
  /** Bytes: the filesystem's size, and what an unprivileged process can still write. */
  size: number;
  free: number;
  files: number;
  filesFree: number;
}

/** Cumulative idle and total CPU jiffies since boot (/proc/stat). */
export interface CpuTimes {
  idle: number;
  total: number;
}

/** One reading of the machine; stored as JSON in the state DB's `system_samples`. */
export interface SystemSample {
  at: number;
  load1: number;
  load5: number;
  load15: number;
  cores: number;
  /** Share of CPU time not idle (0–1) over a brief live interval; null in recorded samples, whose
   * use comes from `cpu` and the sample before (see `deriveCpuBusy`). */
  cpuBusy: number | null;
  /** The counters at `at`; null when /proc/stat is unreadable. */
  cpu?: CpuTimes | null;
  memAvailable: number;
  memTotal: number;
  mounts: MountSample[];
}

export const systemThresholds = {
  diskShare: 0.9,
  inodeShare: 0.9,
  memAvailableShare: 0.05,
  /** 15-minute load per core: the 15-minute average is what makes it sustained. */
  loadPerCore: 2,
  /** The disk-full forecast fits a line to this much history. */
  forecastSpan: 7 * 86_400_000,
};

export interface SystemJudgement {
  verdict: 'normal' | 'concerning';
  /** One line: the verdict and what made it. */
  summary: string;
  /** Hard thresholds crossed now, and judge flags still open at the latest sample. */
  concerns: string[];
  /** Every reading, one line each, for the report body. */
  details: string[];
  series: ChartSeries[];
}

const pct = (share: number) => `${formatValue(Math.round(share * 1000) / 10)} %`;
const gib = (bytes: number) => `${formatValue(bytes / 2 ** 30)} GiB`;
const usedShare = (used: number, total: number) => (total > 0 ? used / total : 0);

/** Judges the current reading against hard thresholds and each series against its own history. */
export function judgeSystem(history: readonly SystemSample[], current: SystemSample): SystemJudgement {
  const samples = deriveCpuBusy([...history.filter((s) => s.at < current.at), current]);
  const concerns: string[] = [];
  const details: string[] = [];
  const series: SystemJudgement['series'] = [];
  /** `crossed`: the hard threshold this series crosses now, if any; it is a concern of its own. */
  const judgeSeries = (name: string, unit: string, pick: (s: SystemSample) => number | null, limit?: number, crossed?: string) => {
    const points = samples.flatMap((s) => {
      const v = pick(s);
      return v === null ? [] : [{ t: s.at, v }];
    });
    const judgement = judge(points, { name, unit, ...(limit === undefined ? {} : { limit }) });
    series.push({
      name,
      unit,
      points,
      judgement,
      ...(limit === undefined ? {} : { limit }),
      ...(crossed ? { thresholds: [crossed] } : {}),
    });
    if (crossed) concerns.push(crossed);
    // Flags that ended before the latest sample are history; only an open one is a concern now.
    const open = judgement.flags.filter((f) => f.end >= current.at);
    for (const flag of open) concerns.push(flag.reason);
  };

  const loadPerCore = current.load15 / Math.max(1, current.cores);
  details.push(
    `load ${current.load1} / ${current.load5} / ${current.load15} on ${current.cores} cores (15-min ${formatValue(loadPerCore)} per core)`,
  );
  const overloaded =
    loadPerCore > systemThresholds.loadPerCore
      ? `15-minute load ${current.load15} is above ${systemThresholds.loadPerCore}× the ${current.cores} cores`
      : undefined;
  judgeSeries('load per core', '', (s) => s.load5 / Math.max(1, s.cores), undefined, overloaded);
  if (current.cpuBusy !== null) details.push(`CPU busy ${pct(current.cpuBusy)}`);
  if (samples.some((s) => s.cpuBusy !== null)) judgeSeries('CPU busy', ' %', (s) => (s.cpuBusy === null ? null : 100 * s.cpuBusy));

  const memShare = current.memTotal > 0 ? current.memAvailable / current.memTotal : 1;
  details.push(`memory available ${gib(current.memAvailable)} of ${gib(current.memTotal)} (${pct(memShare)})`);
  const lowMemory =
    memShare < systemThresholds.memAvailableShare
      ? `memory available ${pct(memShare)}, below ${pct(systemThresholds.memAvailableShare)}`
      : undefined;
  judgeSeries('memory available', ' %', (s) => (s.memTotal > 0 ? (100 * s.memAvailable) / s.memTotal : null), undefined, lowMemory);

  for (const mount of current.mounts) {
    const at = (s: SystemSample) => s.mounts.find((m) => m.path === mount.path);
    const disk = usedShare(mount.size - mount.free, mount.size);
    const inodes = usedShare(mount.files - mount.filesFree, mount.files);
    const forecast = forecastFull(
      samples.flatMap((s) => {
        const m = at(s);
        return m ? [{ t: s.at, v: m.size - m.free }] : [];
      }),
      mount.size,
      current.at,
    );
    details.push(
      `${mount.path}: disk ${pct(disk)} used, ${gib(mount.free)} free; inodes ${mount.files ? pct(inodes) : 'n/a'} used; ${forecast}`,
    );
    const fullDisk =
      disk > systemThresholds.diskShare ? `${mount.path} disk ${pct(disk)} used, above ${pct(systemThresholds.diskShare)}` : undefined;
    const fullInodes =
      inodes > systemThresholds.inodeShare
        ? `${mount.path} inodes ${pct(inodes)} used, above ${pct(systemThresholds.inodeShare)}`
        : undefined;
    judgeSeries(
      `${mount.path} disk used`,
      ' %',
      (s) => {
        const m = at(s);
        return m && m.size > 0 ? (100 * (m.size - m.free)) / m.size : null;
      },
      100,
      fullDisk,
    );
    if (mount.files > 0)
      judgeSeries(
        `${mount.path} inodes used`,
        ' %',
        (s) => {
          const m = at(s);
          return m && m.files > 0 ? (100 * (m.files - m.filesFree)) / m.files : null;
        },
        100,
        fullInodes,
      );
  }

  const verdict = concerns.length ? 'concerning' : 'normal';
  const summary = concerns.length
    ? `system: concerning — ${concerns[0]}${concerns.length > 1 ? ` (and ${concerns.length - 1} more)` : ''}`
    : `system: normal — ${samples.length} sample${samples.length === 1 ? '' : 's'}, no threshold crossed, no open flag`;
  return { verdict, summary, concerns, details, series };
}

/** CPU use between consecutive recorded samples, from their counters: busy jiffies over all jiffies
 * since the sample before. A sample that already has a live reading keeps it; after a reboot (the
 * counters went down) or without counters there is none. */
export function deriveCpuBusy(samples: readonly SystemSample[]): SystemSample[] {
  return samples.map((s, i) => {
    const before = samples[i - 1]?.cpu;
    if (s.cpuBusy !== null || !s.cpu || !before) return s;
    const total = s.cpu.total - before.total;
    const idle = s.cpu.idle - before.idle;
    return total > 0 && idle >= 0 && idle <= total ? { ...s, cpuBusy: 1 - idle / total } : s;
  });
}

/** "full in about 12 days at the 7-day trend": least squares over the recent used bytes. */
export function forecastFull(used: readonly SeriesPoint[], size: number, now: number): string {
  const recent = used.filter((p) => p.t >= now - systemThresholds.forecastSpan);
  const first = recent[0];
  const last = recent[recent.length - 1];
  if (!first || !last || recent.length < 3 || last.t - first.t < 3_600_000) return 'no fill forecast yet (needs an hour of samples)';
  const n = recent.length;
  const mt = recent.reduce((a, p) => a + (p.t - first.t), 0) / n;
  const mv = recent.reduce((a, p) => a + p.v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of recent) {
    sxy += (p.t - first.t - mt) * (p.v - mv);
    sxx += (p.t - first.t - mt) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0; // bytes per ms
  const span = describeSpan(last.t - first.t);
  if (slope <= 0) return `not filling (trend over ${span})`;
  const fitted = mv + slope * (last.t - first.t - mt);
  const left = Math.max(0, (size - fitted) / slope);
  return `full in about ${describeSpan(left)} at the trend over ${span} (+${gib(slope * 86_400_000)}/day)`;
}
