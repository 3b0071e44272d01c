import type { SeriesPoint } from './judge-types.js';

/** How the input wrote its timestamps, so flags can be printed back the same way. */
export type TimestampFormat =
  | { kind: 'nab' }
  /** `zone` is '' for a local time without offset (read as UTC), 'Z', or '+hh:mm' / '-hh:mm'. */
  | { kind: 'iso'; zone: string }
  | { kind: 'epoch-seconds' };

export type CsvSeriesResult =
  | { kind: 'ok'; points: SeriesPoint[]; format: TimestampFormat }
  | { kind: 'invalid'; line: number; message: string };

const NAB = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const EPOCH = /^\d{9,11}(\.\d+)?$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function readTimestamp(text: string): { t: number; format: TimestampFormat } | null {
  const nab = NAB.exec(text);
  if (nab) return { t: toEpoch(nab.slice(1, 8), ''), format: { kind: 'nab' } };
  const iso = ISO.exec(text);
  if (iso) {
    const zone = normalizeZone(iso[8] ?? '');
    return { t: toEpoch(iso.slice(1, 8), zone), format: { kind: 'iso', zone } };
  }
  if (EPOCH.test(text)) return { t: Math.round(Number(text) * 1000), format: { kind: 'epoch-seconds' } };
  return null;
}

function normalizeZone(zone: string): string {
  if (zone === '' || zone === 'Z') return zone;
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

function zoneMinutes(zone: string): number {
  if (zone === '' || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
}

/** NaN for a date or time that does not exist (`2024-13-45 99:99:99`, `2023-02-29`, a +25:00 zone):
 * Date.UTC would quietly roll it over into another one. */
function toEpoch(parts: (string | undefined)[], zone: string): number {
  const [y, mo, d, h, mi, s] = parts.map((p) => Number(p || 0));
  const ms = parts[6] ? Math.round(Number(`0${parts[6]}`) * 1000) : 0;
  const utc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, Math.min(ms, 999));
  const back = new Date(utc);
  const exists =
    back.getUTCFullYear() === y &&
    back.getUTCMonth() === mo! - 1 &&
    back.getUTCDate() === d &&
    back.getUTCHours() === h &&
    back.getUTCMinutes() === mi &&
    back.getUTCSeconds() === s;
  const offset = zoneMinutes(zone);
  return exists && Math.abs(offset) < 24 * 60 && Number(zone.slice(4, 6) || 0) < 60 ? utc - offset * 60_000 : Number.NaN;
}

function sameFormat(a: TimestampFormat, b: TimestampFormat): boolean {
  return a.kind === b.kind && (a.kind !== 'iso' || (b.kind === 'iso' && a.zone === b.zone));
}

/**
 * Parses `timestamp,value` CSV with a header line. Timestamps: NAB's `2014-02-19 10:50:00`,
 * ISO 8601, or epoch seconds; one format per file. Rows keep their order.
 */
export function parseCsvSeries(text: string): CsvSeriesResult {
  const lines = text.split(/\r?\n/);
  const points: SeriesPoint[] = [];
  let format: TimestampFormat | null = null;
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').trim();
    if (line === '') continue;
    const cells = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (n === 0 && !NUMBER.test(cells[1] ?? '')) continue;
    if (cells.length !== 2)
      return { kind: 'invalid', line: n + 1, message: `expected 2 fields "timestamp,value", found ${cells.length}: ${line.slice(0, 80)}` };
    const stamp = readTimestamp(cells[0] ?? '');
    if (!stamp || Number.isNaN(stamp.t))
      return {
        kind: 'invalid',
        line: n + 1,
        message: `unreadable timestamp "${cells[0]}" (expected 2014-02-19 10:50:00, ISO 8601 or epoch seconds)`,
      };
    if (format && !sameFormat(format, stamp.format))
      return { kind: 'invalid', line: n + 1, message: `timestamp "${cells[0]}" is in a different format from the lines before it` };
    format = stamp.format;
    if (!NUMBER.test(cells[1] ?? '')) return { kind: 'invalid', line: n + 1, message: `value "${cells[1]}" is not a number` };
    const value = Number(cells[1]);
    if (!Number.isFinite(value)) return { kind: 'invalid', line: n + 1, message: `value "${cells[1]}" is too large to be a finite number` };
    points.push({ t: stamp.t, v: value });
  }
  if (!format) return { kind: 'invalid', line: lines.length, message: 'no data rows after the header' };
  return { kind: 'ok', points, format };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Writes an epoch-ms time back in the format the input used. */
export function formatTimestamp(t: number, format: TimestampFormat): string {
  if (format.kind === 'epoch-seconds') return String(t / 1000);
  const zone = format.kind === 'iso' ? format.zone : '';
  const d = new Date(t + zoneMinutes(zone) * 60_000);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const ms = d.getUTCMilliseconds() ? `.${pad(d.getUTCMilliseconds(), 3)}` : '';
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${ms}`;
  return format.kind === 'nab' ? `${date} ${time}` : `${date}T${time}${zone}`;
}
