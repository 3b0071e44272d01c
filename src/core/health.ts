import type { Flag, Judgement, SeriesPoint } from './judge-types.js';
import { describeSpan, formatValue } from './judge-format.js';
import { renderSparkline } from './sparkline.js';
import { renderSvgChart } from './svg-chart.js';

/** A judged series behind an analysis' text: `analyze --json/--svg` and `sentinel health` use it. */
export interface ChartSeries {
  name: string;
  unit?: string;
  limit?: number;
  points: SeriesPoint[];
  judgement: Judgement;
  /** Hard thresholds this series crosses now (disk over 90 %, say), one reason each. */
  thresholds?: string[];
}

/** One series as `sentinel health` judged it, with the analysis it came from. */
export interface SeriesVerdict {
  /** `metric:queue_depth`, `system:/ disk used`: what the per-series cooldown is keyed on. */
  key: string;
  /** The analysis and the arguments that produce it again (the fallback report reruns them). */
  analysis: string;
  args: Record<string, string | number>;
  series: ChartSeries;
  /** `warming_up`: not judged against a baseline yet (a limit still is), so not "normal". */
  verdict: 'normal' | 'concerning' | 'warming_up';
  /** Why it is concerning now: thresholds crossed, then the flags still open at its latest point. */
  reasons: string[];
}

/** A flag in the past is history; only thresholds crossed now and flags open at the latest point count. */
export function judgeSeriesNow(analysis: string, args: SeriesVerdict['args'], series: ChartSeries): SeriesVerdict {
  const last = series.points.reduce<ChartSeries['points'][number] | null>((a, p) => (a === null || p.t > a.t ? p : a), null);
  const latest = last?.t ?? Number.NEGATIVE_INFINITY;
  // The most actionable first: a limit reached or near before a deviation from the usual.
  const open = series.judgement.flags
    .filter((f) => f.end >= latest)
    .sort((a, b) => Number(b.kind === 'limit') - Number(a.kind === 'limit'));
  // A flag's reason is decided when it is raised; where it still stands is what the operator needs now.
  const still = (f: Flag) =>
    last && f.kind !== 'limit' && f.start < last.t
      ? `; now ${formatValue(last.v)}${series.unit ?? ''}, flagged for ${describeSpan(last.t - f.start)}`
      : '';
  const reasons = [...(series.thresholds ?? []), ...open.map((f) => `${f.reason}${still(f)}`)];
  const verdict = reasons.length ? 'concerning' : series.judgement.warmingUp ? 'warming_up' : 'normal';
  return { key: `${analysis}:${series.name}`, analysis, args, series, verdict, reasons };
}

/** The concerning series not alerted on within the cooldown. */
export function pickDueSeries(
  verdicts: readonly SeriesVerdict[],
  lastAlerts: ReadonlyMap<string, number>,
  cooldownMs: number,
  now: number,
): SeriesVerdict[] {
  return verdicts.filter((v) => {
    if (v.verdict !== 'concerning') return false;
    const last = lastAlerts.get(v.key);
    return last === undefined || now - last >= cooldownMs;
  });
}

/** A concerning series as stored in the queue: what the prompt, the incident and its chart need. */
export interface SeriesReport {
  key: string;
  name: string;
  analysis: string;
  args: SeriesVerdict['args'];
  unit: string;
  limit: number | null;
  summary: string;
  reasons: string[];
  flags: Pick<Flag, 'start' | 'end' | 'kind' | 'reason'>[];
  sparkline: string;
  /** The span the sparkline and the chart cover. */
  from: number;
  to: number;
  recent: SeriesPoint[];
  /** The chart, drawn when queued, so a later retry draws the same picture. */
  svg: string;
}

export interface HealthSubject {
  window: { from: number; to: number };
  series: SeriesReport[];
}

const RECENT_POINTS = 12;
const lastTime = (v: SeriesVerdict) => v.series.points.reduce((t, p) => Math.max(t, p.t), Number.NEGATIVE_INFINITY);

/** What to investigate: the due series, drawn; the window runs from the earliest open flag to now. */
export function buildHealthSubject(due: readonly SeriesVerdict[], now: number): HealthSubject {
  // Led by the most actionable: a threshold crossed or a limit reached before a baseline flag.
  const actionable = (v: SeriesVerdict) =>
    (v.series.thresholds ?? []).length > 0 || v.series.judgement.flags.some((f) => f.kind === 'limit' && f.end >= lastTime(v));
  const ordered = [...due].sort((a, b) => Number(actionable(b)) - Number(actionable(a)));
  const series = ordered.map((v): SeriesReport => {
    const { points, judgement } = v.series;
    const unit = v.series.unit ?? '';
    const sorted = [...points].sort((a, b) => a.t - b.t);
    const latest = sorted.at(-1)?.t ?? now;
    const flags = judgement.flags.filter((f) => f.end >= latest).map(({ start, end, kind, reason }) => ({ start, end, kind, reason }));
    return {
      key: v.key,
      name: v.series.name,
      analysis: v.analysis,
      args: v.args,
      unit,
      limit: v.series.limit ?? null,
      summary: judgement.summary,
      reasons: v.reasons,
      flags,
      sparkline: renderSparkline(sorted.map((p) => p.v)),
      from: sorted[0]?.t ?? now,
      to: latest,
      recent: sorted.slice(-RECENT_POINTS),
      svg: renderSvgChart({
        title: `${v.series.name} (${v.analysis})`,
        points: sorted,
        flags: judgement.flags,
        ...(flags.length ? { focus: { start: Math.min(...flags.map((f) => f.start)), end: latest } } : {}),
        ...(unit ? { unit } : {}),
        ...(v.series.limit === undefined ? {} : { limit: v.series.limit }),
      }),
    };
  });
  const starts = series.flatMap((s) => s.flags.map((f) => f.start));
  return { window: { from: starts.length ? Math.min(...starts) : now, to: now }, series };
}

export interface HealthRunReport {
  verdicts: readonly SeriesVerdict[];
  /** Keys of the series alerted on by this run (the others are normal or cooling down). */
  alerted: ReadonlySet<string>;
  incident: string | null;
  notified: number;
  dryRun: boolean;
}

const hours = (ms: number) => String(Math.floor(ms / 3_600_000));

/** What `sentinel health` prints: a verdict line, then one line per series, concerning ones first. */
export function renderHealthSummary(report: HealthRunReport): string {
  const concerning = report.verdicts.filter((v) => v.verdict === 'concerning');
  const warming = report.verdicts.filter((v) => v.verdict === 'warming_up');
  const normal = report.verdicts.filter((v) => v.verdict === 'normal');
  const head = concerning.length
    ? `health: ${concerning.length} of ${report.verdicts.length} series concerning`
    : warming.length
      ? `health: ${normal.length} of ${report.verdicts.length} series normal, ${warming.length} warming up`
      : `health: all ${report.verdicts.length} series normal`;
  const lines = [head];
  for (const v of [...concerning, ...warming, ...normal]) {
    if (v.verdict === 'warming_up') {
      const { haveMs, needMs } = v.series.judgement.warmingUp!;
      lines.push(`  warming up (${hours(haveMs)} of ${hours(needMs)} h)  ${v.key}`);
      continue;
    }
    const state = v.verdict === 'normal' ? 'normal    ' : report.alerted.has(v.key) ? 'CONCERNING' : 'concerning';
    const why = v.verdict === 'normal' ? '' : `: ${v.reasons[0]}${report.alerted.has(v.key) ? '' : ' (alerted within the cooldown)'}`;
    lines.push(`  ${state}  ${v.key}${why}`);
  }
  if (report.dryRun) lines.push(`dry run: ${report.alerted.size} series would be investigated; nothing queued, written or sent`);
  else if (report.incident) lines.push(`incident: ${report.incident}`, `notified: ${report.notified}`);
  return lines.join('\n');
}
