import { formatValue } from '../core/judge-format.js';
import { renderSparkline } from '../core/sparkline.js';
import type { ChartSeries } from '../core/health.js';
import { formatTime } from './render.js';

/** A judged series as text: the judge's one-line summary, a sparkline, open flags, the last values. */
export function renderSeries(series: ChartSeries, lastValues = 6): string[] {
  const { points, judgement } = series;
  const unit = series.unit ?? '';
  const out = [judgement.summary];
  if (points.length === 0) return out;
  const first = points[0]?.t ?? 0;
  const last = points[points.length - 1]?.t ?? 0;
  out.push(`  ${renderSparkline(points.map((p) => p.v))}  ${formatTime(first)} → ${formatTime(last)}`);
  for (const flag of judgement.flags.slice(-3)) {
    out.push(`  flag ${formatTime(flag.start)} → ${formatTime(flag.end)}: ${flag.reason}`);
  }
  const tail = points.slice(-lastValues).map((p) => `${formatTime(p.t).slice(11)} ${formatValue(p.v)}${unit}`);
  out.push(`  last: ${tail.join(', ')}`);
  return out;
}
