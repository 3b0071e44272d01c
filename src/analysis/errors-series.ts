import * as z from '../core/zod.js';
import type { StateStore } from '../core/state-store.js';
import { judge } from '../core/judge.js';
import type { SeriesPoint } from '../core/judge-types.js';
import { HOUR } from '../core/triggers.js';
import { defineAnalysis, fingerprintArg, unknownGroup } from './define.js';
import { renderSeries } from './render-series.js';
import { plural } from '../core/plural.js';

/** Stored rows per clock hour, overall or for one group, with hours without rows as 0. The current
 * hour is still filling, so it is left out; hours before the first one sentinel counted are unknown. */
export function readErrorHours(
  state: Pick<StateStore, 'firstCountedHour' | 'hourlyCounts'>,
  fingerprint: string | null,
  hours: number,
  now: number,
): SeriesPoint[] {
  const end = Math.floor(now / HOUR) * HOUR;
  const start = Math.max(end - hours * HOUR, state.firstCountedHour() ?? 0);
  const counts = state.hourlyCounts(fingerprint, start, end);
  return Array.from({ length: Math.max(0, (end - start) / HOUR) }, (_, i) => ({
    t: start + i * HOUR,
    v: counts.get(start + i * HOUR) ?? 0,
  }));
}

export const errorsSeries = defineAnalysis({
  name: 'errors',
  description:
    "WARNING/ERROR rows per hour (UTC) from sentinel's own counts, overall or for one error group, judged against " +
    'their own baseline (the hours before, and the same hour on earlier days). Counts are kept for 8 days.',
  inputSchema: z.strictObject({
    fingerprint: fingerprintArg.optional().describe('one error group; omit for all rows'),
    hours: z.number().int().min(24).max(192).default(168).describe('hours of history, 24–192 (default 168)'),
  }),
  run({ fingerprint, hours }, { state, clock }) {
    const group = fingerprint === undefined ? null : state.group(fingerprint);
    if (fingerprint !== undefined && !group) return unknownGroup(fingerprint);
    const target = group?.fingerprint ?? null;
    const points = readErrorHours(state, target, hours, clock.now());
    const name = target === null ? 'error rows per hour' : `rows per hour of ${target}`;
    const chart = { name, points, judgement: judge(points, { name }) };
    const total = points.reduce((a, p) => a + p.v, 0);
    const out = renderSeries(chart, 6);
    out.splice(1, 0, `  ${plural(total, 'row')} in the last ${hours} full hours`);
    return { kind: 'ok', text: out.join('\n'), truncated: false, series: [chart] };
  },
});
