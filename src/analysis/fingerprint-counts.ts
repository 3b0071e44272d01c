import * as z from '../core/zod.js';
import type { StateStore } from '../core/state-store.js';
import { HOUR } from '../core/triggers.js';
import { defineAnalysis, fingerprintArg, unknownGroup } from './define.js';
import { formatHour, formatTime, plural } from './render.js';

export type Per = 'hour' | 'day';
export interface BucketCount {
  start: number;
  count: number;
}

const SIZE: Record<Per, number> = { hour: HOUR, day: 24 * HOUR };
/** The state keeps hourly counts for 8 days (the 7-day baseline and the current day). */
const MAX_DAYS = 8;

/** Rows of a group per clock hour or UTC day, oldest first; the last bucket is the current one. */
export function countPerBucket(
  state: Pick<StateStore, 'countBetween'>,
  fingerprint: string,
  per: Per,
  buckets: number,
  now: number,
): BucketCount[] {
  const size = SIZE[per];
  const current = Math.floor(now / size) * size;
  return Array.from({ length: buckets }, (_, i) => {
    const start = current - (buckets - 1 - i) * size;
    return { start, count: state.countBetween(fingerprint, start, start + size) };
  });
}

const formatBucket = (start: number, per: Per) => (per === 'hour' ? formatHour(start) : formatTime(start).slice(0, 10));

export function describePeak(buckets: BucketCount[], per: Per): string {
  const peak = buckets.reduce<BucketCount | null>((best, b) => (b.count > (best?.count ?? 0) ? b : best), null);
  return peak ? `; busiest ${per} ${formatBucket(peak.start, per)} with ${peak.count}` : '';
}

export const fingerprintCounts = defineAnalysis({
  name: 'fingerprint_counts',
  description:
    "Rows of one error group per hour or per UTC day, oldest first, with the previous period's total for comparison. " +
    'Counts are kept for 8 days. Use it to see when a group started, stopped or spiked.',
  inputSchema: z.strictObject({
    fingerprint: fingerprintArg.describe('the group fingerprint, as given in the prompt'),
    per: z.enum(['hour', 'day']).default('hour').describe('bucket size (default hour)'),
    last: z.number().int().min(1).max(168).default(24).describe('how many buckets, ending now: 1–168 hours or 1–8 days (default 24)'),
  }),
  run({ fingerprint, per, last }, { state, clock }) {
    if (per === 'day' && last > MAX_DAYS) {
      return { kind: 'rejected', text: `counts are kept for ${MAX_DAYS} days: ask for per=day with last at most ${MAX_DAYS}` };
    }
    const group = state.group(fingerprint);
    if (!group) return unknownGroup(fingerprint);
    const buckets = countPerBucket(state, group.fingerprint, per, last, clock.now());
    const from = buckets[0]!.start;
    const total = buckets.reduce((sum, b) => sum + b.count, 0);
    const previous = state.countBetween(group.fingerprint, from - last * SIZE[per], from);
    const span = plural(last, per);
    const out = [
      `Group ${fingerprint}: ${plural(total, 'row')} in the last ${span}, ${previous} in the ${span} before${describePeak(buckets, per)}; ` +
        `${group.total} in all since ${formatTime(group.firstSeen)}, last ${formatTime(group.lastSeen)}, ${group.status}.`,
      '',
      `Rows per ${per} (UTC), oldest first; the last ${per} is still running:`,
      ...buckets.map((b) => `${formatBucket(b.start, per)}  ${b.count}`),
    ];
    return { kind: 'ok', text: out.join('\n'), truncated: false };
  },
});
